from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from hypewatch.cli import app
from hypewatch.errors import EXIT_CONFIG
from hypewatch.storage import Store
from tests.support.smtp import smtp_server

runner = CliRunner()


def _db(tmp_path: Path, reflection) -> Path:
    path = tmp_path / "cli.db"
    store = Store.open(path)
    reflection(store)
    store.close()
    return path


def test_digest_prints_and_previews(tmp_path: Path, reflection) -> None:
    db = _db(tmp_path, reflection)
    result = runner.invoke(app, ["--db", str(db), "digest"])
    assert result.exit_code == 0, result.output
    assert "CLAIMS THAT FAILED (1)" in result.output
    assert "measured 61.2" in result.output
    page = tmp_path / "digest.html"
    result = runner.invoke(app, ["--db", str(db), "digest", "--preview", str(page), "--json"])
    assert result.exit_code == 0, result.output
    document = json.loads(result.output)
    assert document["preview"] == str(page)
    assert document["sent"] is False
    assert document["failed_claims"][0]["measured"] == "61.2"
    assert "data:image/png;base64," in page.read_text()


def test_digest_send_once_per_week(tmp_path: Path, reflection) -> None:
    db = _db(tmp_path, reflection)
    with smtp_server("none") as inbox:
        config = tmp_path / "hw.toml"
        config.write_text(
            '[digest]\nenabled = true\nrecipients = ["ops@example.org"]\n'
            f'smtp_host = "127.0.0.1"\nsmtp_port = {inbox.port}\nsmtp_security = "none"\n'
        )
        args = ["--config", str(config), "--db", str(db), "digest", "--send", "--json"]
        first = json.loads(runner.invoke(app, args).output)
        second = json.loads(runner.invoke(app, args).output)
        assert first["sent"] is True
        assert second["already_sent"] is True
        assert len(inbox.messages) == 1


def test_digest_send_with_bad_recipient_is_a_config_error(tmp_path: Path, reflection) -> None:
    db = _db(tmp_path, reflection)
    config = tmp_path / "hw.toml"
    config.write_text('[digest]\nrecipients = ["not-an-address"]\n')
    result = runner.invoke(app, ["--config", str(config), "--db", str(db), "digest", "--send"])
    assert result.exit_code == EXIT_CONFIG
    assert "digest.recipients" in result.output
