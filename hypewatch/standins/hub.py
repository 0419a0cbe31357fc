"""A Hugging Face Hub stand-in (model repos) on 127.0.0.1, for tests, bench and demo.

One data model: a `HubRepo` has listing metadata (author, createdAt, likes,
downloads, tags, pipeline_tag, trendingScore) and ordered commits on `main`,
each a full snapshot `{path: bytes}`. The model card is the README.md of a
commit: `model_card(front_matter, body)` writes one, and `cardData` is read
back from it. Weights come from hypewatch/standins/hub_models.py.

    repo = HubRepo("org/model", {"README.md": model_card({"base_model": "a/b"}, "# M")},
                   likes=3, trending_score=1.5)
    repo.push({**repo.files, "model.safetensors": blob}, "add weights")
    with hub_standin([repo]) as hub:   # HfApi(endpoint=hub.url), HubClient(hub.url)
        hub.server.state["repos"]       # {id: HubRepo}, may be changed while serving

Routes, as huggingface_hub 2.x calls them (see LIBRARY_NOTES):
  GET  /api/models                         search, author, pipeline_tag, filter, sort
                                           (descending), limit (page), expand, cursor;
                                           paged with `Link: <...>; rel="next"`
  GET  /api/models/{repo}[/revision/{rev}] info; ?blobs=True adds size, blobId, lfs;
                                           `config` and `safetensors` as the Hub derives
                                           them; `baseModels` only when expanded (the
                                           listing refuses it with a 400, as the Hub does);
                                           `inferenceProviderMapping` (a list of
                                           {provider, providerId, status, task}) likewise
  GET  /api/models/{repo}/refs             branches, tags, converts (+ pullRequests)
  GET  /api/models/{repo}/commits/{rev}    history, newest first
  HEAD/GET /{repo}/resolve/{rev}/{path}    X-Repo-Commit, ETag, Content-Length;
                                           Range -> 206 + Content-Range, 416 past the end
  404s carry X-Error-Code RepoNotFound / RevisionNotFound / EntryNotFound.
Revisions in API paths are quoted with no safe characters; resolve paths keep `/`.

Misbehaviour: `HubRepo.ignore_range` answers a Range with 200 and the whole file;
`Fault`s in `state["faults"]` (hypewatch.standins.http); with `state["cdn"]` set to
another hub stand-in's URL (sharing `state["blobs"]`), LFS files resolve with a
302 to `{cdn}/cdn/{sha256}` as the real Hub redirects to its CDN.
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import InitVar, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import parse_qs, unquote, urlencode, urlsplit

from hypewatch.standins.http import Standin, serve, take_fault
from hypewatch.standins.hub_datasets import DatasetRoutes

LFS_SUFFIXES = (".safetensors", ".bin", ".pt", ".pth", ".ckpt", ".gguf", ".onnx", ".h5")
EPOCH = datetime(2024, 9, 5, tzinfo=UTC)
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
_SORT_KEYS = {
    "createdAt": "created_at",
    "trendingScore": "trending_score",
    "likes": "likes",
    "downloads": "downloads",
    "lastModified": "last_modified",
}
#: What a listing item carries when no `expand` is asked for.
_LISTED = (
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


#: Expand fields the Hub accepts on a single repo but refuses on the listing.
_INFO_ONLY = ("baseModels", "childrenModelCount", "usedStorage")


def is_lfs(path: str, data: bytes) -> bool:
    return path.endswith(LFS_SUFFIXES) or len(data) > 10_000


@functools.lru_cache(maxsize=512)
def git_blob_id(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@functools.lru_cache(maxsize=512)
def sha256(data: bytes) -> str:
    """Memoised: bytes cache their own hash, so a repeated lookup costs nothing."""
    return hashlib.sha256(data).hexdigest()


def timestamp(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")


# -- model cards -----------------------------------------------------------------


def model_card(front_matter: Mapping[str, Any] | None, body: str) -> bytes:
    """README.md bytes: YAML front matter (if any), then the markdown body.

    One top-level key per line, each value in JSON flow style (valid YAML), so
    any YAML reader (huggingface_hub's RepoCard) and `card_data` read it back.
    """
    if front_matter is None:
        return body.encode()
    lines = [
        f"{key}: {json.dumps(value, ensure_ascii=False)}" for key, value in front_matter.items()
    ]
    return ("---\n" + "\n".join(lines) + "\n---\n" + body).encode()


@functools.lru_cache(maxsize=4096)
def card_data(readme: bytes) -> dict[str, Any] | None:
    """The front matter of a README as the Hub's `cardData` (None without one).

    Reads what `model_card` writes and flat hand-written `key: scalar` lines;
    nested block YAML is not parsed (its keys are left out). Cached: treat the
    result as read-only.
    """
    text = readme.decode("utf-8", "replace")
    if not text.startswith("---\n"):
        return None
    end = text.find("\n---", 3)
    if end < 0:
        return None
    data: dict[str, Any] = {}
    for line in text[4:end].splitlines():
        key, sep, value = line.partition(":")
        if not sep or not key or key[0] in " \t-#":
            continue
        data[key.strip()] = _scalar(value.strip())
    return data


def hub_config(files: Mapping[str, bytes]) -> dict[str, Any] | None:
    """The Hub's `config` field: a few keys of config.json (not the whole file)."""
    try:
        config = json.loads(files["config.json"])
    except (KeyError, ValueError):
        return None
    if not isinstance(config, dict):
        return None
    return {k: config[k] for k in ("architectures", "model_type") if k in config}


def safetensors_summary(files: Mapping[str, bytes]) -> dict[str, Any] | None:
    """The Hub's `safetensors` field: parameter counts per dtype read from the headers
    (None, as on the Hub, when a header cannot be parsed)."""
    counts: dict[str, int] = {}
    for path, data in files.items():
        if not path.endswith(".safetensors"):
            continue
        try:
            header = json.loads(data[8 : 8 + int.from_bytes(data[:8], "little")])
            for name, entry in header.items():
                if name != "__metadata__":
                    numel = math.prod(int(d) for d in entry["shape"])
                    counts[str(entry["dtype"])] = counts.get(str(entry["dtype"]), 0) + numel
        except (ValueError, TypeError, KeyError, AttributeError):
            return None
    return {"parameters": counts, "total": sum(counts.values())} if counts else None


def base_models_field(files: Mapping[str, bytes]) -> dict[str, Any] | None:
    """The Hub's model tree parents (`baseModels`), which it derives from the card's
    `base_model` and `base_model_relation` (or guesses the relation from the files)."""
    card = card_data(files["README.md"]) if "README.md" in files else None
    value = (card or {}).get("base_model")
    bases = [value] if isinstance(value, str) else [str(v) for v in value or []]
    if not bases:
        return None
    relation = (card or {}).get("base_model_relation")
    if relation is None:
        if "adapter_config.json" in files:
            relation = "adapter"
        elif any(p.endswith(".gguf") for p in files):
            relation = "quantized"
        else:
            relation = "merge" if len(bases) > 1 else "finetune"
    return {"relation": relation, "models": [{"id": b} for b in bases]}


def _scalar(value: str) -> Any:
    try:
        return json.loads(value)
    except ValueError:
        return value.strip("'") if value else None


# -- data model ------------------------------------------------------------------


@dataclass
class Commit:
    id: str
    files: dict[str, bytes]
    title: str
    date: datetime
    message: str = ""


@dataclass
class HubRepo:
    """A model repo: listing metadata and commits on `main`, oldest first.

    `files`, if given, is pushed as the first commit ("initial commit") at
    `created_at`; later pushes are an hour apart unless dated.
    """

    id: str
    files: InitVar[dict[str, bytes] | None] = None
    created_at: datetime = EPOCH
    downloads: int = 0
    likes: int = 0
    trending_score: float = 0.0
    tags: list[str] = field(default_factory=list)
    pipeline_tag: str | None = "text-generation"
    library_name: str | None = "transformers"
    gated: bool | str = False
    private: bool = False
    #: Answer Range requests with 200 and the whole file (a broken or hostile server).
    ignore_range: bool = False
    #: `inferenceProviderMapping` (expand only): the Hub's list of
    #: {provider, providerId, status, task} — see `provider_mapping()`.
    providers: list[dict[str, str]] = field(default_factory=list)
    commits: list[Commit] = field(default_factory=list)

    def __post_init__(self, files: dict[str, bytes] | None) -> None:
        if files is not None:
            self.push(files, "initial commit", self.created_at)

    @property
    def author(self) -> str:
        return self.id.split("/")[0]

    @property
    def head(self) -> Commit | None:
        return self.commits[-1] if self.commits else None

    @property
    def sha(self) -> str:
        """The commit id of `main` ("" while the repo is empty)."""
        return self.commits[-1].id if self.commits else ""

    @property
    def last_modified(self) -> datetime:
        return self.commits[-1].date if self.commits else self.created_at

    def push(
        self,
        files: dict[str, bytes],
        title: str = "Upload folder using huggingface_hub",
        date: datetime | None = None,
        message: str = "",
    ) -> Commit:
        """A new commit on `main` whose tree is exactly `files`."""
        seed = f"{self.id}:{len(self.commits)}:{title}:{sorted(files)}".encode()
        digest = hashlib.sha1(seed, usedforsecurity=False).hexdigest()
        when = date or (
            self.last_modified + timedelta(hours=1) if self.commits else self.created_at
        )
        commit = Commit(digest, dict(files), title, when, message)
        self.commits.append(commit)
        return commit

    def at(self, revision: str) -> Commit | None:
        """`main`, `refs/heads/main`, a commit id or a prefix of at least 7 characters."""
        if revision in ("main", "refs/heads/main"):
            return self.head
        if len(revision) < 7:
            return None
        return next((c for c in self.commits if c.id.startswith(revision)), None)

    def history(self, revision: str) -> list[Commit]:
        """Commits reachable from `revision`, newest first."""
        head = self.at(revision)
        if head is None:
            return []
        return list(reversed(self.commits[: self.commits.index(head) + 1]))

    def info(
        self, commit: Commit | None = None, blobs: bool = False, expand: Sequence[str] = ()
    ) -> dict[str, Any]:
        """The `/api/models/{repo}` document at `commit` (default `main`); fields only
        given when expanded (`baseModels`) are added when `expand` names them."""
        commit = commit or self.head
        files = commit.files if commit else {}
        tags = list(self.tags)
        if any(p.endswith(".safetensors") for p in files) and "safetensors" not in tags:
            tags.append("safetensors")
        doc: dict[str, Any] = {
            "_id": hashlib.md5(self.id.encode(), usedforsecurity=False).hexdigest()[:24],
            "id": self.id,
            "modelId": self.id,
            "author": self.author,
            "sha": commit.id if commit else None,
            "createdAt": timestamp(self.created_at),
            "lastModified": timestamp(commit.date if commit else self.created_at),
            "private": self.private,
            "gated": self.gated,
            "disabled": False,
            "downloads": self.downloads,
            "likes": self.likes,
            "trendingScore": self.trending_score,
            "tags": tags,
            "pipeline_tag": self.pipeline_tag,
            "library_name": self.library_name,
            "siblings": [sibling(p, d, blobs) for p, d in sorted(files.items())],
            "spaces": [],
            "config": hub_config(files),
            "safetensors": safetensors_summary(files),
        }
        if "baseModels" in expand:
            doc["baseModels"] = base_models_field(files)
        if "inferenceProviderMapping" in expand:
            doc["inferenceProviderMapping"] = [dict(p) for p in self.providers]
        card = card_data(files["README.md"]) if "README.md" in files else None
        if card is not None:
            doc["cardData"] = card
            if "model-index" in card:
                doc["model-index"] = card["model-index"]
        return {k: v for k, v in doc.items() if v is not None}

    def listed(self, expand: Sequence[str]) -> dict[str, Any]:
        """An item of `/api/models`: the default fields, or `_id`, `id` and `expand`."""
        full = self.info(expand=expand)
        keys = (*expand, "_id", "id") if expand else _LISTED
        return {k: full[k] for k in keys if k in full}


def provider_mapping(
    provider: str, provider_id: str, status: str = "live", task: str = "conversational"
) -> dict[str, str]:
    """One entry of the Hub's `inferenceProviderMapping` list, as the API sends it."""
    return {"provider": provider, "providerId": provider_id, "status": status, "task": task}


def sibling(path: str, data: bytes, blobs: bool) -> dict[str, Any]:
    entry: dict[str, Any] = {"rfilename": path}
    if not blobs:
        return entry
    entry["size"] = len(data)
    entry["blobId"] = git_blob_id(data)
    if is_lfs(path, data):
        entry["lfs"] = {"size": len(data), "sha256": sha256(data), "pointerSize": 134}
    return entry


# -- server ----------------------------------------------------------------------


class HubHandler(DatasetRoutes):
    @property
    def repos(self) -> dict[str, HubRepo]:
        repos: dict[str, HubRepo] = self.state["repos"]
        return repos

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        self.read_body()
        if take_fault(self):
            return
        parts = urlsplit(self.path)
        query = parse_qs(parts.query)
        segments = parts.path.strip("/").split("/")
        if self.dataset_get():  # /api/datasets/..., /datasets/... (hub_datasets.py)
            return
        if segments == ["api", "models"]:
            self.listing(query)
        elif segments[:2] == ["api", "models"] and len(segments) >= 4:
            self.api(segments[2:], query)
        elif len(segments) >= 5 and segments[2] == "resolve":
            self.resolve(segments)
        elif len(segments) == 2 and segments[0] == "cdn":
            self.cdn(segments[1])
        else:
            self.send_json(404, {"error": "Not Found"})

    def not_found(self, code: str, message: str) -> None:
        headers = {"X-Error-Code": code, "X-Error-Message": message}
        self.send_json(404, {"error": message}, headers)

    def listing(self, query: dict[str, list[str]]) -> None:
        one = {k: v[-1] for k, v in query.items()}
        repos = [r for r in self.repos.values() if not r.private]
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
        page_size = min(int(one.get("limit", "1000")), int(self.state.get("max_page", 1000)))
        start = int(one.get("cursor", "0"))
        headers = {}
        if start + page_size < len(repos):
            params = [(k, v) for k, vs in query.items() if k != "cursor" for v in vs]
            params.append(("cursor", str(start + page_size)))
            host = self.headers.get("Host", "127.0.0.1")
            headers["Link"] = f'<http://{host}/api/models?{urlencode(params)}>; rel="next"'
        expand = query.get("expand", []) or query.get("expand[]", [])
        if refused := [e for e in expand if e in _INFO_ONLY]:
            self.send_json(400, {"error": f'"expand" does not accept {refused[0]!r} here'})
            return
        page = [r.listed(expand) for r in repos[start : start + page_size]]
        self.send_json(200, page, headers)

    def api(self, segments: list[str], query: dict[str, list[str]]) -> None:
        repo = self.repos.get("/".join(segments[:2]))
        rest = segments[2:]
        if repo is None or repo.private:
            self.not_found("RepoNotFound", "Repository not found")
        elif rest == ["refs"]:
            self.refs(repo, "include_prs" in query)
        elif len(rest) == 2 and rest[0] == "commits":
            self.commits(repo, unquote(rest[1]))
        elif not rest or (len(rest) == 2 and rest[0] == "revision"):
            self.info(repo, unquote(rest[1]) if rest else "main", query)
        else:
            self.send_json(404, {"error": "Not Found"})

    def refs(self, repo: HubRepo, include_prs: bool) -> None:
        branches = [{"name": "main", "ref": "refs/heads/main", "targetCommit": repo.sha}]
        document: dict[str, Any] = {
            "branches": branches if repo.commits else [],
            "tags": [],
            "converts": [],
        }
        if include_prs:
            document["pullRequests"] = []
        self.send_json(200, document)

    def commits(self, repo: HubRepo, revision: str) -> None:
        history = repo.history(revision)
        if not history:
            self.not_found("RevisionNotFound", f"Invalid rev id: {revision}")
            return
        author = [{"user": repo.author}]
        self.send_json(
            200,
            [
                {
                    "id": c.id,
                    "title": c.title,
                    "message": c.message,
                    "date": timestamp(c.date),
                    "authors": author,
                }
                for c in history
            ],
        )

    def info(self, repo: HubRepo, revision: str, query: dict[str, list[str]]) -> None:
        commit = repo.at(revision)
        if commit is None and (repo.commits or revision != "main"):
            self.not_found("RevisionNotFound", f"Invalid rev id: {revision}")
            return
        expand = query.get("expand", []) or query.get("expand[]", [])
        document = repo.info(commit, blobs="blobs" in query, expand=expand)
        if expand:
            document = {k: v for k, v in document.items() if k in (*expand, "_id", "id")}
        self.send_json(200, document)

    def resolve(self, segments: list[str]) -> None:
        repo = self.repos.get("/".join(segments[:2]))
        if repo is None or repo.private:
            self.not_found("RepoNotFound", "Repository not found")
            return
        commit = repo.at(unquote(segments[3]))
        if commit is None:
            self.not_found("RevisionNotFound", f"Invalid rev id: {unquote(segments[3])}")
            return
        path = unquote("/".join(segments[4:]))
        data = commit.files.get(path)
        if data is None:
            self.not_found("EntryNotFound", f"{path} does not exist at {commit.id}")
            return
        lfs = is_lfs(path, data)
        headers = {"X-Repo-Commit": commit.id, "Accept-Ranges": "bytes"}
        headers["ETag"] = f'"{sha256(data) if lfs else git_blob_id(data)}"'
        cdn = self.state.get("cdn")
        if cdn and lfs:
            sha = sha256(data)
            self.state.setdefault("blobs", {})[sha] = (data, repo.ignore_range)
            headers["Location"] = f"{cdn}/cdn/{sha}"
            headers["X-Linked-Size"] = str(len(data))
            headers["X-Linked-Etag"] = f'"{sha}"'
            self.send_bytes(302, b"", headers=headers)
            return
        kind = "application/octet-stream" if lfs else "text/plain; charset=utf-8"
        self.send_ranged(data, headers, repo.ignore_range, kind)

    def cdn(self, sha: str) -> None:
        blob = self.state.get("blobs", {}).get(sha)
        if blob is None:
            self.send_json(404, {"error": "no such blob"})
            return
        data, ignore_range = blob
        headers = {"ETag": f'"{sha}"', "Accept-Ranges": "bytes"}
        self.send_ranged(data, headers, ignore_range, "application/octet-stream")

    def send_ranged(
        self, data: bytes, headers: dict[str, str], ignore_range: bool, kind: str
    ) -> None:
        wanted = self.headers.get("Range")
        match = _RANGE.match(wanted.strip()) if wanted else None
        if match is None or ignore_range or not (match[1] or match[2]):
            self.send_bytes(200, data, kind, headers)
            return
        size = len(data)
        if match[1]:
            start = int(match[1])
            end = min(int(match[2]), size - 1) if match[2] else size - 1
        else:
            start, end = max(0, size - int(match[2])), size - 1
        if start >= size or end < start:
            self.send_bytes(416, b"", kind, {"Content-Range": f"bytes */{size}"})
            return
        headers = dict(headers, **{"Content-Range": f"bytes {start}-{end}/{size}"})
        self.send_bytes(206, data[start : end + 1], kind, headers)


@contextmanager
def hub_standin(
    repos: Iterable[HubRepo] = (),
    *,
    max_page: int = 1000,
    cdn: str | None = None,
    datasets: dict[str, Any] | None = None,
) -> Iterator[Standin]:
    """Serve `repos` on 127.0.0.1 for the duration of the block.

    State: `repos` ({id: HubRepo}, may change while serving), `faults` (list of
    `Fault`), `max_page` (the largest listing page), `cdn` (see the module doc),
    `datasets` (dataset repos, as `hub_datasets.py` serves them).
    """
    state: dict[str, Any] = {"repos": {r.id: r for r in repos}, "faults": [], "blobs": {}}
    state["datasets"] = datasets or {}
    state["max_page"] = max_page
    if cdn is not None:
        state["cdn"] = cdn
    with serve(HubHandler, **state) as standin:
        yield standin
