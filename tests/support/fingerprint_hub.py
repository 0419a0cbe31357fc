"""A stand-in for the Hub's file route: `HEAD`/`GET /{repo}/resolve/{rev}/{file}`.

Serves `state["files"]`: {(repo, filename): bytes}; a missing file is 404 with
`X-Error-Code: EntryNotFound`, as the Hub answers.
"""

from __future__ import annotations

import hashlib
from urllib.parse import unquote

from hypewatch.standins.http import StandinHandler

COMMIT = "0123456789abcdef0123456789abcdef01234567"


class HubFileHandler(StandinHandler):
    def _file(self) -> tuple[bytes | None, dict[str, str]]:
        self.read_body()
        path = unquote(self.path.split("?", 1)[0]).lstrip("/")
        repo, sep, rest = path.partition("/resolve/")
        _revision, _, filename = rest.partition("/")
        body = self.state["files"].get((repo, filename)) if sep else None
        if body is None:
            return None, {"X-Error-Code": "EntryNotFound"}
        return body, {
            "X-Repo-Commit": COMMIT,
            "ETag": f'"{hashlib.sha256(body).hexdigest()}"',
        }

    def do_HEAD(self) -> None:
        body, headers = self._file()
        if body is None:
            self.send_bytes(404, b"", headers=headers)
            return
        self.send_bytes(200, body, "application/json", headers)

    def do_GET(self) -> None:
        body, headers = self._file()
        if body is None:
            self.send_json(404, {"error": "Entry not found"}, headers)
            return
        self.send_bytes(200, body, "application/json", headers)
