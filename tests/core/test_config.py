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
