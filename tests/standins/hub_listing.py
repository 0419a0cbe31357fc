"""A general stand-in for the Hugging Face Hub API (model repos), on 127.0.0.1.

Routes (what huggingface_hub 2.x calls):
  GET  /api/models                      search, author, pipeline_tag, filter, sort,
                                        limit (page size), expand, cursor; paged with
                                        a `Link: <...>; rel="next"` header
  GET  /api/models/{repo}[/revision/{rev}]   model info (expand honoured)
  GET  /api/models/{repo}/refs          branches/tags/converts
  GET  /api/models/{repo}/commits/{rev} commit history, newest first
  GET|HEAD /{repo}/resolve/{rev}/{path} file bytes with X-Repo-Commit, ETag,
                                        Content-Length; 404 + X-Error-Code
                                        EntryNotFound / RepoNotFound
Sorting is descending (as the Hub's default) on createdAt, trendingScore,
likes, downloads or lastModified. Scripted failures: `faults` (watchers_faults).

Build repos with `HubRepo`; `add_revision` models a re-upload (a new sha).
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

import yaml

from tests.standins.http import Standin, StandinHandler, serve
from tests.standins.watchers_faults import dump_json, take_fault

_SORT_KEYS = {
    "createdAt": "created_at",
    "trendingScore": "trending_score",
    "likes": "likes",
    "downloads": "downloads",
    "lastModified": "last_modified",
}


@dataclass
class Revision:
    sha: str
    files: dict[str, bytes]
    date: datetime
    title: str = "Upload folder using huggingface_hub"


@dataclass
class HubRepo:
    id: str
    files: dict[str, bytes] = field(default_factory=dict)
    created_at: datetime = field(default_factory=lambda: datetime(2024, 9, 5, tzinfo=UTC))
    downloads: int = 0
    likes: int = 0
    trending_score: float = 0.0
    tags: list[str] = field(default_factory=list)
    pipeline_tag: str = "text-generation"
    library_name: str = "transformers"
    gated: bool | str = False
    history: list[Revision] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.history:
            self.add_revision(self.files, self.created_at)

    def add_revision(self, files: dict[str, bytes], date: datetime | None = None) -> str:
        """A new commit on main with these files; returns its sha."""
        when = date or (self.history[-1].date + timedelta(hours=1))
        seed = f"{self.id}:{len(self.history)}:{sorted(files)}".encode()
        sha = hashlib.sha1(seed + b"".join(files.values())).hexdigest()
        self.history.append(Revision(sha, dict(files), when))
        self.files = dict(files)
        return sha

    @property
    def sha(self) -> str:
        return self.history[-1].sha

    @property
    def last_modified(self) -> datetime:
        return self.history[-1].date

    @property
    def author(self) -> str:
        return self.id.split("/")[0]

    def revision(self, rev: str) -> Revision | None:
        if rev in ("main", "refs/heads/main"):
            return self.history[-1]
        return next((r for r in self.history if r.sha.startswith(rev) and len(rev) >= 7), None)

    def card_data(self, files: dict[str, bytes]) -> dict[str, Any] | None:
        text = files.get("README.md", b"").decode("utf-8", "replace")
        if not text.startswith("---"):
            return None
        try:
            data = yaml.safe_load(text.split("---", 2)[1])
        except (yaml.YAMLError, IndexError):
            return None
        return data if isinstance(data, dict) else None

    def info(self, rev: Revision | None = None, expand: Sequence[str] = ()) -> dict[str, Any]:
        rev = rev or self.history[-1]
        card = self.card_data(rev.files)
        doc: dict[str, Any] = {
            "_id": hashlib.md5(self.id.encode()).hexdigest()[:24],
            "id": self.id,
            "modelId": self.id,
            "author": self.author,
            "sha": rev.sha,
            "createdAt": _ts(self.created_at),
            "lastModified": _ts(rev.date),
            "private": False,
            "gated": self.gated,
            "disabled": False,
            "downloads": self.downloads,
            "likes": self.likes,
            "trendingScore": self.trending_score,
            "tags": list(self.tags),
            "pipeline_tag": self.pipeline_tag,
            "library_name": self.library_name,
            "siblings": [{"rfilename": name} for name in sorted(rev.files)],
            "spaces": [],
        }
        if card is not None:
            doc["cardData"] = card
            if "model-index" in card:
                doc["model-index"] = card["model-index"]
        if expand:
            doc = {k: v for k, v in doc.items() if k in expand or k in ("_id", "id")}
        return doc

    def listed(self, expand: Sequence[str]) -> dict[str, Any]:
        if expand:
            return self.info(expand=expand)
        keys = (
            "_id",
            "id",
            "likes",
            "trendingScore",
            "private",
            "downloads",
            "tags",
            "pipeline_tag",
            "library_name",
            "createdAt",
            "modelId",
        )
        full = self.info()
        return {k: full[k] for k in keys if k in full}


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


class HubHandler(StandinHandler):
    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        self.read_body()
        if take_fault(self):
            return
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        path = parts.path
        if path == "/api/models":
            self._list(query)
        elif path.startswith("/api/models/"):
            self._api_model(path[len("/api/models/") :], query)
        elif "/resolve/" in path:
            self._resolve(path.lstrip("/"))
        else:
            self.send_json(404, {"error": "Not Found"})

    def _repos(self) -> dict[str, HubRepo]:
        repos: dict[str, HubRepo] = self.state["repos"]
        return repos

    def _list(self, query: dict[str, list[str]]) -> None:
        one = {k: v[-1] for k, v in query.items()}
        repos = list(self._repos().values())
        if author := one.get("author"):
            repos = [r for r in repos if r.author.lower() == author.lower()]
        if tag := one.get("pipeline_tag"):
            repos = [r for r in repos if r.pipeline_tag == tag]
        if search := one.get("search"):
            repos = [r for r in repos if search.lower() in r.id.lower()]
        for wanted in query.get("filter", []):
            repos = [r for r in repos if wanted in r.tags or wanted == r.library_name]
        if sort := one.get("sort"):
            attr = _SORT_KEYS.get(sort, "created_at")
            repos.sort(key=lambda r: (getattr(r, attr), r.id), reverse=True)
        page_size = min(int(one.get("limit", "1000")), self.state.get("max_page", 1000))
        start = int(one.get("cursor", "0"))
        page = repos[start : start + page_size]
        headers = {}
        if start + page_size < len(repos):
            params = [(k, v) for k, vs in query.items() if k != "cursor" for v in vs]
            params.append(("cursor", str(start + page_size)))
            host = self.headers.get("Host", "127.0.0.1")
            headers["Link"] = f'<http://{host}/api/models?{urlencode(params)}>; rel="next"'
        expand = query.get("expand", []) or query.get("expand[]", [])
        body = dump_json([r.listed(expand) for r in page])
        self.send_bytes(200, body, "application/json; charset=utf-8", headers)

    def _find(self, tail: str) -> tuple[HubRepo | None, str]:
        segments = tail.split("/")
        repo = self._repos().get("/".join(segments[:2]))
        return repo, "/".join(segments[2:])

    def _api_model(self, tail: str, query: dict[str, list[str]]) -> None:
        repo, rest = self._find(tail)
        if repo is None:
            self._not_found("RepoNotFound", "Repository not found")
            return
        expand = query.get("expand", []) or query.get("expand[]", [])
        if rest in ("", "revision/main") or rest.startswith("revision/"):
            rev = repo.revision(unquote(rest[len("revision/") :])) if rest else None
            if rest and rev is None:
                self._not_found("RevisionNotFound", "Invalid rev id")
                return
            self.send_bytes(200, dump_json(repo.info(rev, expand)), "application/json")
        elif rest == "refs":
            main = {"name": "main", "ref": "refs/heads/main", "targetCommit": repo.sha}
            self.send_json(200, {"branches": [main], "tags": [], "converts": []})
        elif rest.startswith("commits/"):
            commits = [
                {
                    "id": r.sha,
                    "title": r.title,
                    "message": "",
                    "date": _ts(r.date),
                    "authors": [{"user": repo.author}],
                }
                for r in reversed(repo.history)
            ]
            self.send_json(200, commits)
        else:
            self.send_json(404, {"error": "Not Found"})

    def _resolve(self, tail: str) -> None:
        head, _, rest = tail.partition("/resolve/")
        repo = self._repos().get(head)
        rev_part, _, filename = rest.partition("/")
        rev = repo.revision(unquote(rev_part)) if repo else None
        if repo is None or rev is None:
            self._not_found("RepoNotFound" if repo is None else "RevisionNotFound", "not found")
            return
        data = rev.files.get(unquote(filename))
        if data is None:
            self._not_found("EntryNotFound", f"{filename} does not exist")
            return
        headers = {"X-Repo-Commit": rev.sha, "ETag": f'"{hashlib.sha256(data).hexdigest()}"'}
        self.send_bytes(200, data, "text/plain; charset=utf-8", headers)

    def _not_found(self, code: str, message: str) -> None:
        body = json.dumps({"error": message}).encode()
        self.send_bytes(
            404, body, "application/json", {"X-Error-Code": code, "X-Error-Message": message}
        )


def model_card(front_matter: dict[str, Any] | None, body: str) -> bytes:
    """README.md bytes: YAML front matter (if any) and a markdown body."""
    if front_matter is None:
        return body.encode()
    return f"---\n{yaml.safe_dump(front_matter, sort_keys=False)}---\n{body}".encode()


@contextmanager
def hub_standin(repos: Sequence[HubRepo] = (), max_page: int = 1000) -> Iterator[Standin]:
    with serve(HubHandler, repos={r.id: r for r in repos}, faults=[], max_page=max_page) as s:
        yield s
