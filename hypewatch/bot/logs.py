"""Structured logging with secrets redacted.

`configure_logging(settings)` installs one handler on the root logger: JSON
lines (`log_format = "json"`) or plain text. A filter replaces the value of
every secret the configuration names with `***` in every record, so a
library that logs a URL with a token in it cannot leak it. APScheduler's per-run
chatter ("Running job", "executed successfully") and httpx's per-request lines are demoted to
DEBUG: the daemon logs its own one line per job run, with counts (hypewatch.bot.scheduler).
"""

from __future__ import annotations

import json
import logging
import os
import sys
from datetime import UTC, datetime

from hypewatch.config import Settings, required_secrets

_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class RedactSecrets(logging.Filter):
    def __init__(self, secrets: list[str]) -> None:
        super().__init__()
        self._secrets = [s for s in secrets if len(s) >= 4]

    def filter(self, record: logging.LogRecord) -> bool:
        if not self._secrets:
            return True
        message = record.getMessage()
        for secret in self._secrets:
            message = message.replace(secret, "***")
        record.msg, record.args = message, None
        return True


#: Libraries that log routine work at INFO: every job run (APScheduler), every request
#: (httpx, and huggingface_hub's httpx2). Their INFO lines are shown only at DEBUG.
CHATTY = ("apscheduler", "httpx", "httpx2")


class QuietScheduler(logging.Filter):
    """Demotes the INFO lines of CHATTY libraries to DEBUG (shown only at DEBUG)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.levelno != logging.INFO or record.name.split(".")[0] not in CHATTY:
            return True
        record.levelno, record.levelname = logging.DEBUG, "DEBUG"
        return logging.getLogger().isEnabledFor(logging.DEBUG)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        document: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname.lower(),
            "logger": record.name,
            "msg": record.getMessage(),
        }
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                document[key] = value
        if record.exc_info:
            document["exc"] = self.formatException(record.exc_info)
        return json.dumps(document, default=str, ensure_ascii=False)


def secret_values(settings: Settings) -> list[str]:
    names = {env for _, env in required_secrets(settings)}
    for env in (settings.hub.token_env, settings.verifiers.fingerprint.api_key_env):
        if env:
            names.add(env)
    names |= {e.api_key_env for e in settings.verifiers.benchmark.endpoints if e.api_key_env}
    return [os.environ[name] for name in sorted(names) if os.environ.get(name)]


def configure_logging(settings: Settings) -> logging.Handler:
    handler = logging.StreamHandler(sys.stderr)
    if settings.general.log_format == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(QuietScheduler())
    handler.addFilter(RedactSecrets(secret_values(settings)))
    root = logging.getLogger()
    for existing in list(root.handlers):
        if getattr(existing, "_hypewatch", False):
            root.removeHandler(existing)
    handler._hypewatch = True  # type: ignore[attr-defined]
    root.addHandler(handler)
    root.setLevel(settings.general.log_level)
    return handler
