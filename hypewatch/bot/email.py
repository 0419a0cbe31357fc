"""Sending mail over SMTP: STARTTLS, implicit TLS (SSL) or plain, as configured.

Messages are `email.message.EmailMessage` objects, whose header setters
refuse CR/LF, so a header cannot be injected; addresses from the config are
checked here too so the mistake is reported by name. TLS verifies the
server's certificate (the system store, or `digest.smtp_ca_file`).
"""

from __future__ import annotations

import smtplib
import ssl
from collections.abc import Iterable
from email.message import EmailMessage
from email.utils import parseaddr

from hypewatch.config import ConfigError, DigestSettings, Secret
from hypewatch.net import NetError


class MailError(NetError):
    """The SMTP server could not be reached or refused the message.

    `temporary` is True for what a later attempt may fix: a 4xx reply
    (RFC 5321 "transient negative completion", e.g. 451) or a dropped connection.
    """

    def __init__(self, message: str, *, temporary: bool = False) -> None:
        super().__init__(message)
        self.temporary = temporary


def _transient(error: BaseException) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(400 <= code < 500 for code, _ in error.recipients.values())
    if isinstance(error, smtplib.SMTPResponseException):
        return 400 <= error.smtp_code < 500
    return isinstance(error, (smtplib.SMTPServerDisconnected, ConnectionError, TimeoutError))


def check_addresses(addresses: Iterable[str], setting: str) -> list[str]:
    """The addresses, or ConfigError naming the bad one (CR/LF, no @, empty)."""
    checked: list[str] = []
    for address in addresses:
        _, parsed = parseaddr(address)
        if any(ch in address for ch in "\r\n") or "@" not in parsed or parsed != address.strip():
            raise ConfigError(
                f"{setting}: {address!r} is not a plain email address like name@example.org"
            )
        checked.append(parsed)
    if not checked:
        raise ConfigError(f"{setting} is empty; add at least one address")
    return checked


def _tls_context(settings: DigestSettings) -> ssl.SSLContext:
    cafile = str(settings.smtp_ca_file) if settings.smtp_ca_file else None
    try:
        return ssl.create_default_context(cafile=cafile)
    except (OSError, ssl.SSLError) as error:
        raise ConfigError(f"digest.smtp_ca_file {cafile}: cannot load it: {error}") from None


def _connect(settings: DigestSettings) -> smtplib.SMTP:
    host, port, timeout = settings.smtp_host, settings.smtp_port, settings.smtp_timeout_seconds
    if settings.smtp_security == "ssl":
        return smtplib.SMTP_SSL(host, port, timeout=timeout, context=_tls_context(settings))
    client = smtplib.SMTP(host, port, timeout=timeout)
    if settings.smtp_security == "starttls":
        client.ehlo()
        if not client.has_extn("starttls"):
            client.quit()
            raise MailError(
                f"{host}:{port} does not offer STARTTLS; set digest.smtp_security to 'ssl' "
                "(port 465) or, only for a server on this machine, 'none'"
            )
        client.starttls(context=_tls_context(settings))
        client.ehlo()
    return client


def send_message(
    message: EmailMessage,
    settings: DigestSettings,
    *,
    username: Secret | None = None,
    password: Secret | None = None,
) -> list[str]:
    """Deliver `message` to the server of `settings`; returns the recipients the server refused
    (the others got it). MailError says what failed when nobody got it."""
    where = f"{settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security})"
    try:
        client = _connect(settings)
        try:
            if username is not None and password is not None:
                client.login(username.reveal(), password.reveal())
            refused = client.send_message(message)
        finally:
            try:
                client.quit()
            except smtplib.SMTPException:
                client.close()
    except smtplib.SMTPAuthenticationError:
        raise MailError(f"{where} refused the SMTP login; check the username/password") from None
    except smtplib.SMTPRecipientsRefused as error:
        raise MailError(
            f"{where} refused every recipient: {sorted(error.recipients)}",
            temporary=_transient(error),
        ) from None
    except (smtplib.SMTPException, OSError) as error:
        raise MailError(
            f"cannot send mail through {where}: {type(error).__name__}: {error}",
            temporary=_transient(error),
        ) from None
    return sorted(refused)
