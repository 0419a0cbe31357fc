"""A Hugging Face Hub stand-in serving repos the tests generate.

The routes huggingface_hub 2.x uses (see LIBRARY_NOTES):
  GET  /api/models/{repo}[/revision/{rev}]   ?blobs=True adds size, blobId, lfs
  GET  /api/models/{repo}/refs
  GET  /api/models/{repo}/commits/{rev}
  HEAD/GET /{repo}/resolve/{rev}/{path}      X-Repo-Commit, ETag, Content-Length,
                                             Range -> 206 + Content-Range, 416 past the end
Revisions in API paths are quoted with no safe characters; resolve paths keep `/`.

Per-repo switches: `ignore_range` answers a Range request with 200 and the
whole file (a hostile or broken server). With `state["cdn"]` set to another
stand-in's URL, LFS files resolve with a 302 to `{cdn}/cdn/{sha256}` (as the
real Hub redirects to its CDN), served by the same handler class.
"""

from __future__ import annotations

import functools
import hashlib
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from tests.standins.http import StandinHandler

LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".gguf")
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")


def is_lfs(path: str, data: bytes) -> bool:
    return path.endswith(LFS_SUFFIXES) or len(data) > 10_000


@functools.lru_cache(maxsize=512)
def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@functools.lru_cache(maxsize=512)
def sha256(data: bytes) -> str:
    """Memoised: bytes cache their own hash, so a repeated lookup costs nothing."""
    return hashlib.sha256(data).hexdigest()


@dataclass
class Commit:
    id: str
    files: dict[str, bytes]
    title: str
    date: datetime


@dataclass
class HubRepo:
    """A model repo: commits oldest first; `main` is the last."""

    id: str
    commits: list[Commit] = field(default_factory=list)
    base_model: str | list[str] | None = None
    ignore_range: bool = False

    def push(self, files: dict[str, bytes], title: str = "upload") -> Commit:
        digest = hashlib.sha1(
            f"{self.id}:{len(self.commits)}:{title}".encode(), usedforsecurity=False
        ).hexdigest()
        date = datetime(2024, 9, 5, tzinfo=UTC) + timedelta(hours=len(self.commits))
        commit = Commit(digest, dict(files), title, date)
        self.commits.append(commit)
        return commit

    def at(self, revision: str) -> Commit | None:
        if revision in ("main", "refs/heads/main"):
            return self.commits[-1] if self.commits else None
        return next((c for c in self.commits if c.id == revision), None)

    def history(self, revision: str) -> list[Commit]:
        head = self.at(revision)
        if head is None:
            return []
        return list(reversed(self.commits[: self.commits.index(head) + 1]))


def sibling(path: str, data: bytes, blobs: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"rfilename": path}
    if not blobs:
        return entry
    entry["size"] = len(data)
    entry["blobId"] = git_blob_id(data)
    if is_lfs(path, data):
        entry["lfs"] = {
            "size": len(data),
            "sha256": sha256(data),
            "pointerSize": 134,
        }
    return entry


class HubHandler(StandinHandler):
    @property
    def repos(self) -> dict[str, HubRepo]:
        repos: dict[str, HubRepo] = self.state["repos"]
        return repos

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        self.read_body()
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        segments = parts.path.strip("/").split("/")
        if segments[:2] == ["api", "models"] and len(segments) >= 4:
            self.api(segments[2:], query)
        elif len(segments) >= 5 and segments[2] == "resolve":
            self.resolve(segments)
        elif len(segments) == 2 and segments[0] == "cdn":
            self.cdn(segments[1])
        else:
            self.send_json(404, {"error": "not found"})

    def not_found(self, code: str, message: str) -> None:
        self.send_json(404, {"error": message}, {"X-Error-Code": code})

    def api(self, segments: list[str], query: dict[str, list[str]]) -> None:
        repo = self.repos.get("/".join(segments[:2]))
        rest = segments[2:]
        if repo is None:
            self.not_found("RepoNotFound", "Repository not found")
            return
        if rest == ["refs"]:
            head = repo.commits[-1].id
            document: dict[str, Any] = {
                "branches": [{"name": "main", "ref": "refs/heads/main", "targetCommit": head}],
                "tags": [],
                "converts": [],
            }
            if "include_prs" in query:
                document["pullRequests"] = []
            self.send_json(200, document)
        elif len(rest) == 2 and rest[0] == "commits":
            self.commits(repo, unquote(rest[1]))
        elif not rest or (len(rest) == 2 and rest[0] == "revision"):
            self.info(repo, unquote(rest[1]) if rest else "main", "blobs" in query)
        else:
            self.send_json(404, {"error": "not found"})

    def commits(self, repo: HubRepo, revision: str) -> None:
        history = repo.history(revision)
        if not history:
            self.not_found("RevisionNotFound", f"Invalid rev id: {revision}")
            return
        self.send_json(
            200,
            [
                {
                    "id": c.id,
                    "title": c.title,
                    "message": c.title,
                    "date": c.date.isoformat().replace("+00:00", "Z"),
                    "authors": [{"user": repo.id.split("/")[0]}],
                }
                for c in history
            ],
        )

    def info(self, repo: HubRepo, revision: str, blobs: bool) -> None:
        commit = repo.at(revision)
        if commit is None:
            self.not_found("RevisionNotFound", f"Invalid rev id: {revision}")
            return
        document: dict[str, Any] = {
            "_id": hashlib.md5(repo.id.encode(), usedforsecurity=False).hexdigest()[:24],
            "id": repo.id,
            "modelId": repo.id,
            "author": repo.id.split("/")[0],
            "sha": commit.id,
            "lastModified": commit.date.isoformat().replace("+00:00", "Z"),
            "private": False,
            "disabled": False,
            "gated": False,
            "tags": ["safetensors"],
            "siblings": [sibling(p, d, blobs) for p, d in sorted(commit.files.items())],
        }
        if repo.base_model is not None:
            document["cardData"] = {"base_model": repo.base_model}
        self.send_json(200, document)

    def resolve(self, segments: list[str]) -> None:
        repo = self.repos.get("/".join(segments[:2]))
        if repo is None:
            self.not_found("RepoNotFound", "Repository not found")
            return
        commit = repo.at(unquote(segments[3]))
        if commit is None:
            self.not_found("RevisionNotFound", "Invalid rev id")
            return
        path = unquote("/".join(segments[4:]))
        data = commit.files.get(path)
        if data is None:
            self.not_found("EntryNotFound", f"{path} does not exist")
            return
        sha = sha256(data)
        headers = {"X-Repo-Commit": commit.id, "Accept-Ranges": "bytes"}
        headers["ETag"] = f'"{sha if is_lfs(path, data) else git_blob_id(data)}"'
        cdn = self.state.get("cdn")
        if cdn and is_lfs(path, data):
            self.state.setdefault("blobs", {})[sha] = (data, repo.ignore_range)
            headers["Location"] = f"{cdn}/cdn/{sha}"
            headers["X-Linked-Size"] = str(len(data))
            headers["X-Linked-Etag"] = f'"{sha}"'
            self.send_bytes(302, b"", headers=headers)
            return
        self.send_ranged(data, headers, repo.ignore_range)

    def cdn(self, sha: str) -> None:
        blob = self.state.get("blobs", {}).get(sha)
        if blob is None:
            self.send_json(404, {"error": "no such blob"})
            return
        data, ignore_range = blob
        self.send_ranged(data, {"ETag": f'"{sha}"', "Accept-Ranges": "bytes"}, ignore_range)

    def send_ranged(self, data: bytes, headers: dict[str, str], ignore_range: bool) -> None:
        wanted = self.headers.get("Range")
        match = _RANGE.match(wanted.strip()) if wanted else None
        if match is None or ignore_range or not (match[1] or match[2]):
            self.send_bytes(200, data, headers=headers)
            return
        size = len(data)
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]), size - 1) if match[2] else size - 1
        else:
            start, end = max(0, size - int(match[2])), size - 1
        if start >= size or end < start:
            self.send_bytes(416, b"", headers={"Content-Range": f"bytes */{size}"})
            return
        headers = dict(headers, **{"Content-Range": f"bytes {start}-{end}/{size}"})
        self.send_bytes(206, data[start : end + 1], headers=headers)
