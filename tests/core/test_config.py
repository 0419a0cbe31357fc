from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any, get_args, get_origin

import pytest
from pydantic import BaseModel

from hypewatch.config import (
    EXAMPLE_CONFIG,
    ConfigError,
    Settings,
    check_secrets,
    load_settings,
    read_secret,
)


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "hypewatch.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_unknown_key_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "[sources.reddit]\nsubredits = ['LocalLLaMA']\n")
    with pytest.raises(ConfigError) as info:
        load_settings(path)
    message = str(info.value)
    assert "sources.reddit.subredits" in message
    assert "unknown setting" in message and "config.example.toml" in message


def test_wrong_type_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "[network]\nmax_redirects = 'five'\n")
    with pytest.raises(ConfigError, match=r"network\.max_redirects: .*'five'"):
        load_settings(path)


def test_out_of_range_value_is_named(tmp_path: Path) -> None:
    path = _write(tmp_path, "[network]\nmax_redirects = 50\n")
    with pytest.raises(ConfigError, match=r"network\.max_redirects"):
        load_settings(path)


def test_invalid_toml_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_settings(_write(tmp_path, "[general\n"))
    with pytest.raises(ConfigError, match="hypewatch init"):
        load_settings(tmp_path / "absent.toml")


def test_missing_secret_names_key_and_variable(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("HW_TEST_X_TOKEN", raising=False)
    path = _write(tmp_path, "[sources.x]\nenabled = true\nbearer_token_env = 'HW_TEST_X_TOKEN'\n")
    settings = load_settings(path)
    with pytest.raises(ConfigError) as info:
        check_secrets(settings)
    assert "sources.x.bearer_token_env" in str(info.value)
    assert "$HW_TEST_X_TOKEN" in str(info.value)
    monkeypatch.setenv("HW_TEST_X_TOKEN", "s3cr3t-value")
    check_secrets(settings)
    secret = read_secret("HW_TEST_X_TOKEN", "sources.x.bearer_token_env")
    assert secret.reveal() == "s3cr3t-value"
    assert "s3cr3t" not in repr(secret) and "s3cr3t" not in str(secret)


def test_example_config_is_valid() -> None:
    settings = load_settings(EXAMPLE_CONFIG)
    assert settings == Settings()  # the example documents the defaults


def _model_keys(model: type[BaseModel], prefix: str) -> set[str]:
    keys: set[str] = set()
    for name, field in model.model_fields.items():
        path = f"{prefix}{name}"
        annotation: Any = field.annotation
        nested = [a for a in (annotation, *get_args(annotation)) if isinstance(a, type)]
        if get_origin(annotation) is list and nested and issubclass(nested[-1], BaseModel):
            keys |= _model_keys(nested[-1], f"{path}.")
        elif nested and issubclass(nested[0], BaseModel):
            keys |= _model_keys(nested[0], f"{path}.")
        else:
            keys.add(path)
    return keys


def _documented_keys(text: str) -> set[str]:
    """Keys of the example, commented-out ones included, with their table path."""
    keys: set[str] = set()
    table = ""
    for line in text.splitlines():
        stripped = line.lstrip("# ").strip()
        header = re.fullmatch(r"\[\[?([a-z_.]+)\]\]?", stripped)
        if header:
            table = header.group(1) + "."
            keys.add(header.group(1))
            continue
        key = re.match(r"([a-z_]+)\s*=", stripped)
        if key:
            keys.add(table + key.group(1))
    return keys


def test_every_setting_is_in_the_example() -> None:
    documented = _documented_keys(EXAMPLE_CONFIG.read_text(encoding="utf-8"))
    missing = sorted(_model_keys(Settings, "") - documented)
    assert not missing, f"settings missing from config.example.toml: {missing}"
    tomllib.loads(EXAMPLE_CONFIG.read_text(encoding="utf-8"))


def test_every_setting_is_in_the_configuration_reference() -> None:
    reference = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text("utf-8")
    documented = set(re.findall(r"^\| `([a-z_.]+)` \|", reference, flags=re.M))
    expected = _model_keys(Settings, "")
    assert sorted(expected - documented) == [], "settings missing from docs/configuration.md"
    assert sorted(documented - expected) == [], "docs/configuration.md lists unknown settings"


# -- hardening: strict types, bounds, networks, secrets --------------------------------------


@pytest.mark.parametrize(
    ("toml", "key"),
    [
        ("[network]\nallow_private = 'yes'\n", "network.allow_private"),
        ("[network]\nallow_private = 1\n", "network.allow_private"),
        ("[network]\nmax_response_bytes = 1e20\n", "network.max_response_bytes"),
        ("[network]\nmax_response_bytes = 10_000_000_000\n", "network.max_response_bytes"),
        ("[network]\nread_timeout_seconds = inf\n", "network.read_timeout_seconds"),
        ("[network]\ntotal_timeout_seconds = nan\n", "network.total_timeout_seconds"),
        ("[daemon]\nverification_concurrency = 1e8\n", "daemon.verification_concurrency"),
        ("[daemon]\nverification_concurrency = 100000000\n", "daemon.verification_concurrency"),
        ("[network]\nretries = '3'\n", "network.retries"),
        ("[network]\nallowlist = ['10.0.0.0/33']\n", "network.allowlist"),
        ("[network]\nallowlist = ['300.1.2.3']\n", "network.allowlist"),
        ("[network]\nallowlist = ['not a host!']\n", "network.allowlist"),
    ],
)
def test_coerced_unbounded_or_invalid_values_are_refused(
    tmp_path: Path, toml: str, key: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_write(tmp_path, toml))
    assert key in str(info.value)


def test_valid_networks_and_hosts_are_kept(tmp_path: Path) -> None:
    entries = ["10.0.0.0/8", "fd00::/8", "192.168.1.20", "models.lan", "gpu-1.internal."]
    settings = load_settings(_write(tmp_path, f"[network]\nallowlist = {entries!r}\n"))
    assert settings.network.allowlist == entries


@pytest.mark.parametrize(
    ("key", "secret"),
    [
        ("[hub]\ntoken_env", "hf_AbCdEfGhIjKlMnOpQrStUvWxYz0123456789"),
        (
            "[notifiers.discord_bot]\ntoken_env",
            "MTA5ODc2NTQzMjEwOTg3NjU0Mw.GaBcDe.x1y2z3w4v5u6t7s8r9q0",
        ),
        ("[sources.x]\nbearer_token_env", "AAAAAAAAAAAAAAAAAAAAAMLheAAAAAAA0%2BuSeid2bT3x"),
        ("[sources.reddit]\nclient_secret_env", "sk-proj-abcdefghijklmnop1234567890"),
        ("[verifiers.fingerprint]\napi_key_env", "xoxb-1234-5678-abcdefghijkl"),
    ],
)
def test_a_secret_pasted_as_a_variable_name_is_refused_and_never_echoed(
    tmp_path: Path, key: str, secret: str
) -> None:
    with pytest.raises(ConfigError) as info:
        load_settings(_write(tmp_path, f'{key} = "{secret}"\n'))
    message = str(info.value)
    assert secret not in message
    assert secret[8:] not in message
    assert f"len {len(secret)}" in message


def test_variable_names_still_pass(tmp_path: Path) -> None:
    settings = load_settings(_write(tmp_path, '[hub]\ntoken_env = "MY_HF_TOKEN_2"\n'))
    assert settings.hub.token_env == "MY_HF_TOKEN_2"


def test_every_number_is_bounded_and_the_bounds_are_documented() -> None:
    from hypewatch.config import bounds_markdown, numeric_bounds

    unbounded = [key for key, low, high in numeric_bounds() if not (low and high)]
    assert not unbounded, (
        f"give these settings a lowest and highest value (Field(ge=, le=)): {unbounded}"
    )
    docs = (Path(__file__).resolve().parents[2] / "docs" / "configuration.md").read_text()
    assert bounds_markdown() in docs, (
        "docs/configuration.md's Bounds table is stale: paste hypewatch.config.bounds_markdown()"
    )
