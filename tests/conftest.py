from __future__ import annotations

import ipaddress
import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

# No test may reach the real Hub, not even for telemetry.
os.environ.setdefault("HF_HUB_DISABLE_TELEMETRY", "1")
os.environ.setdefault("HF_HUB_OFFLINE", "0")

# huggingface_hub reads its environment once, at import: import it here, so a test that
# sets HF_HUB_OFFLINE for itself cannot leak that into the tests that run after it.
import huggingface_hub
import huggingface_hub.constants
from huggingface_hub.utils._http import default_client_factory
from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.storage import Store

_real_getaddrinfo = socket.getaddrinfo


def _is_local(host: object) -> bool:
    if host is None:
        return True
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name.lower() in {"localhost", "localhost.localdomain"}:
        return True
    try:
        ipaddress.ip_address(name.split("%", 1)[0])
    except ValueError:
        try:  # the C library's other spellings of an address: 0x7f000001, 127.1 ...
            socket.inet_aton(name)
        except OSError:
            return False
    return True  # an address literal needs no name service


def _loopback_only(host: Any, *args: Any, **kwargs: Any) -> Any:
    """No test touches the internet: resolving any name but localhost fails at once, the
    way it fails on a machine without a network, so a code path that would reach a real
    service (huggingface.co, api.x.com ...) shows up as a failing test, not a slow one."""
    if not _is_local(host):
        raise socket.gaierror(
            socket.EAI_NONAME, f"tests resolve only localhost and address literals, not {host!r}"
        )
    return _real_getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = _loopback_only


@pytest.fixture(scope="session")
def demo_summary(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """`hypewatch demo --json`, run once per session and shared by every test that reads
    its story (tests/demo) or its database (the ledger's tests). Tests only read it."""
    out = tmp_path_factory.mktemp("demo")
    try:
        result = CliRunner().invoke(app, ["demo", "--json", "--out", str(out)])
    finally:  # the demo installs the process-wide Hub client, as the daemon does
        huggingface_hub.set_client_factory(default_client_factory)
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("{") and result.stdout.count("\n") == 1  # nothing else
    document: dict[str, Any] = json.loads(result.stdout)
    return document


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "hypewatch.db")
    yield opened
    opened.close()
