from __future__ import annotations

import email
import email.policy
import os
import subprocess
import sys
import threading
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import psutil
import pytest

from hypewatch.bot.digest import build_digest, build_email, preview_html, render_html
from hypewatch.bot.digest_outbox import deliver_due_digests, send_weekly_digest
from hypewatch.bot.email import MailError
from hypewatch.bot.process_owner import owner_alive
from hypewatch.config import ConfigError, DigestSettings
from hypewatch.events import VerdictRecorded
from hypewatch.models import VerdictStatus, utcnow
from hypewatch.storage import Store
from hypewatch.storage import delivery as db
from hypewatch.storage.claims import Claimant
from tests.support.smtp import make_cert, smtp_server


@pytest.fixture(scope="module")
def cert(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return make_cert(tmp_path_factory.mktemp("tls"))


def _settings(port: int, security: str = "none", **extra: object) -> DigestSettings:
    return DigestSettings(
        enabled=True, recipients=["a@example.org", "b@example.org"], sender="hw@example.org",
        smtp_host="127.0.0.1", smtp_port=port, smtp_security=security, smtp_timeout_seconds=5,
        **extra,
    )  # fmt: skip


def _parse(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def test_digest_lists_launches_changes_and_failed_claims_with_numbers(
    store: Store, reflection
) -> None:
    reflection(store)
    digest = build_digest(store)
    assert [entry.name for entry in digest.launches] == ["Reflection-70B"]
    assert digest.launches[0].status == "failed"
    [failed] = digest.failed
    assert (failed.claim, failed.claimed, failed.measured, failed.interval, failed.items) == (
        "MMLU 0-shot", "89.9", "61.2", "58.1–64", "500",
    )  # fmt: skip
    assert [(c.old, c.new) for c in digest.changes] == [("verifying", "failed")]
    # a week later nothing is in the window
    assert build_digest(store, utcnow() + timedelta(days=8)).launches == []


def test_html_is_escaped_and_links_are_http_only(store: Store) -> None:
    launch = store.create_launch(
        "evil", "<script>alert(1)</script>\r\nBcc: x@evil", org="<b>o</b>",
        hf_repo='x" onmouseover="alert(1)', hype=1.0,
    )  # fmt: skip
    store.append_event(
        launch.id, VerdictRecorded(verifier="v", status=VerdictStatus.FAILED, summary="<b>x</b>")
    )
    digest = build_digest(store)
    html = render_html(digest, image_src="javascript:alert(1)")
    assert "<script>alert(1)" not in html
    assert "&lt;script&gt;" in html
    assert "javascript:" not in html
    assert 'onmouseover="alert' not in html
    assert "<b>o</b>" not in html


def test_email_has_text_html_and_inline_chart(store: Store, reflection) -> None:
    reflection(store)
    message = build_email(build_digest(store), _settings(25))
    assert message.get_content_type() == "multipart/alternative"
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None
    assert "claimed 89.9, measured 61.2" in text.get_content()
    assert html is not None
    related = message.get_payload()[1]
    image = next(p for p in related.iter_parts() if p.get_content_type() == "image/png")
    cid = image["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html.get_content()
    assert image.get_content().startswith(b"\x89PNG\r\n\x1a\n")
    assert "data:image/png;base64," in preview_html(build_digest(store))


def test_header_injection_through_config_is_refused(store: Store) -> None:
    settings = DigestSettings(recipients=["a@example.org\r\nBcc: victim@example.org"])
    with pytest.raises(ConfigError, match="recipients"):
        build_email(build_digest(store), settings)
    with pytest.raises(ConfigError, match="empty"):
        build_email(build_digest(store), DigestSettings(recipients=[]))


@pytest.mark.parametrize("security", ["none", "starttls", "ssl"])
def test_sent_once_per_iso_week_across_restarts(
    tmp_path: Path, reflection, cert: tuple[Path, Path], security: str
) -> None:
    path = tmp_path / "digest.db"
    store = Store.open(path)
    reflection(store)
    store.close()
    with smtp_server(security, cert if security != "none" else None) as inbox:
        settings = _settings(inbox.port, security, smtp_ca_file=cert[0])
        for _ in range(2):  # a restart between two scheduled runs in the same week
            store = Store.open(path)
            result = send_weekly_digest(store, settings)
            store.close()
        assert result.already_sent
        assert not result.sent
        # one message per recipient (one outbox row each)
        assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["a@example.org", "b@example.org"]
        assert [len(m.rcpt_tos) for m in inbox.messages] == [1, 1]
        parsed = _parse(inbox.messages[0].data)
        assert parsed["Subject"].startswith("hypewatch weekly digest — ")
        assert parsed.get_body(("html",)) is not None
        store = Store.open(path)
        later = send_weekly_digest(store, settings, utcnow() + timedelta(days=7))
        store.close()
        assert later.sent
        assert len(inbox.messages) == 4


def test_starttls_with_untrusted_certificate_fails_clearly(
    store: Store, cert: tuple[Path, Path]
) -> None:
    with smtp_server("starttls", cert) as inbox:
        with pytest.raises(MailError, match=r"cannot send mail through 127\.0\.0\.1"):
            send_weekly_digest(store, _settings(inbox.port, "starttls"))
        assert inbox.messages == []
    assert not store.db.execute("SELECT count(*) FROM digest_sends").fetchone()[0]


def test_starttls_required_but_not_offered(store: Store) -> None:
    with smtp_server("none") as inbox, pytest.raises(MailError, match="does not offer STARTTLS"):
        send_weekly_digest(store, _settings(inbox.port, "starttls"))


def test_a_temporary_smtp_failure_is_retried_with_backoff_and_sent_once(
    store: Store, reflection
) -> None:
    reflection(store)
    waits: list[float] = []
    with smtp_server("none") as inbox:
        inbox.temporary_failures = 2
        settings = _settings(inbox.port, retry_attempts=3, retry_backoff_seconds=0.5)
        result = send_weekly_digest(store, settings, sleep=waits.append)
        assert result.sent and not result.already_sent
        assert (inbox.refused, len(inbox.messages)) == (2, 2)
        assert waits == [0.5, 1.0]  # doubling
        assert send_weekly_digest(store, settings, sleep=waits.append).already_sent
        assert len(inbox.messages) == 2
        # the re-sent message is the same message: one Message-ID per week and recipient
        ids = [_parse(m.data)["Message-ID"] for m in inbox.messages]
        assert len(set(ids)) == 2
        assert all(i.startswith(f"<digest.{result.iso_week}.") for i in ids)


def test_temporary_failures_past_the_retries_are_a_clear_error_and_nothing_is_recorded(
    store: Store, reflection
) -> None:
    reflection(store)
    with smtp_server("none") as inbox:
        inbox.temporary_failures = 5
        settings = _settings(inbox.port, retry_attempts=1, retry_backoff_seconds=30)
        with pytest.raises(MailError, match="451") as raised:
            send_weekly_digest(store, settings, sleep=lambda _: None)
        assert raised.value.temporary
        assert inbox.messages == []
    assert not store.db.execute("SELECT count(*) FROM digest_sends").fetchone()[0]
    # released with a retry time: the daemon's outbox pass sends them once it has come
    rows = db.digest_rows(store)
    assert {r.state for r in rows} == {db.DigestState.PENDING}
    assert all(r.next_attempt_at is not None for r in rows)
    with smtp_server("none") as inbox:
        settings = _settings(inbox.port, retry_attempts=1, retry_backoff_seconds=30)
        assert deliver_due_digests(store, settings, retries=0).sent == 0  # not due yet
        later = deliver_due_digests(store, settings, retries=0, now=utcnow() + timedelta(hours=1))
        assert later.sent == 2
        assert len(inbox.messages) == 2
        assert send_weekly_digest(store, settings).already_sent


def test_a_claim_held_by_a_running_process_is_left_and_a_dead_ones_taken_over(
    store: Store, reflection
) -> None:
    """The row being sent names its process (PID + start time): while that process runs,
    nobody else sends the row; once it is gone, the next send takes the row over."""
    reflection(store)
    other = subprocess.Popen([sys.executable, "-c", "import sys; sys.stdin.read()"],
                             stdin=subprocess.PIPE)  # fmt: skip
    try:
        owner = db.Owner(other.pid, psutil.Process(other.pid).create_time())
        with smtp_server("none") as inbox:
            settings = _settings(inbox.port)
            week = build_digest(store).iso_week
            db.queue_digest(store, week, settings.recipients, utcnow())
            other_sends = Claimant(owner, owner_alive)
            claimed = db.claim_digest(store, other_sends, utcnow())  # "the other" sends
            assert len(claimed) == 2
            waiting = send_weekly_digest(store, settings)
            assert (waiting.sent, waiting.already_sent, waiting.waiting) == (False, False, 2)
            assert inbox.messages == []
            other.communicate(b"", timeout=5)  # the other process dies mid-send
            taken = send_weekly_digest(store, settings)
            assert taken.sent and taken.waiting == 0
            assert len(inbox.messages) == 2
            assert [r.attempts for r in db.digest_rows(store, week)] == [2, 2]
    finally:
        other.kill()
        other.wait()
    # a PID that now belongs to another process (other start time) is not the owner
    assert not owner_alive(db.Owner(os.getpid(), 1.0))
    assert owner_alive(db.Owner(os.getpid(), psutil.Process().create_time()))


def test_two_senders_at_once_send_each_row_once(tmp_path: Path, reflection) -> None:
    """The daemon and `hypewatch digest --send` on the same database at the same moment
    (two connections): the claim is one transaction, so every recipient gets one message."""
    path = tmp_path / "digest.db"
    with Store.open(path) as store:
        reflection(store)
    with smtp_server("none") as inbox:
        settings = _settings(inbox.port)
        start = threading.Barrier(2)
        results: list[bool] = []

        def send() -> None:
            with Store.open(path) as store:
                start.wait()
                results.append(send_weekly_digest(store, settings, force=True).sent)

        threads = [threading.Thread(target=send) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(10)
        assert sorted(m.rcpt_tos[0] for m in inbox.messages) == ["a@example.org", "b@example.org"]
        assert True in results
    with Store.open(path) as store:
        assert len(store.db.execute("SELECT * FROM digest_sends").fetchall()) == 1
