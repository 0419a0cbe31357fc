"""Hub metadata through huggingface_hub: files with their LFS sha256 and size, commits.

`HfApi(endpoint=...)` talks only to the configured Hub endpoint, which is
trusted by design (it is the Hub or the user's own mirror). File contents are
never read through it: small JSON files and Range reads go through the
guarded client (`fetch_json` here, `safetensors_range.RangeReader`).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote

import httpx

from hypewatch import jsonlimits
from hypewatch.config import Secret, Settings, optional_secret
from hypewatch.models import JSON
from hypewatch.net import NET_ERRORS, NetError
from hypewatch.storage import NotFoundError

if TYPE_CHECKING:
    from huggingface_hub.hf_api import ExpandModelProperty_T

PICKLE_SUFFIXES = (".bin", ".pt", ".pth", ".ckpt", ".pkl", ".pickle")
WEIGHT_SUFFIXES = (".safetensors", ".gguf", ".h5", ".msgpack", ".onnx", *PICKLE_SUFFIXES)
SAFETENSORS_INDEX = "model.safetensors.index.json"
MAX_FILES = 20_000
MAX_JSON_BYTES = 5_000_000
#: Listing fields asked for when discovering candidates (all allowed on /api/models).
LISTED_FIELDS: list[ExpandModelProperty_T] = ["config", "safetensors", "cardData"]
_REPO_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


class HubError(NetError):
    """The Hub API failed or answered something unusable."""


def hub_endpoint(settings: Settings) -> str:
    """`HF_ENDPOINT` when set (huggingface_hub's own convention), else `hub.endpoint`."""
    return (os.environ.get("HF_ENDPOINT") or settings.hub.endpoint).rstrip("/")


def check_repo_id(repo: str) -> str:
    repo = repo.strip()
    if not _REPO_ID.match(repo) or ".." in repo:
        raise ValueError(f"{repo[:120]!r} is not a Hub repo id (expected 'owner/name')")
    return repo


@dataclass(frozen=True)
class RepoFile:
    path: str
    size: int | None
    sha256: str | None
    blob_id: str | None = None

    @property
    def is_weight(self) -> bool:
        return self.path.lower().endswith(WEIGHT_SUFFIXES)

    @property
    def is_pickle(self) -> bool:
        return self.path.lower().endswith(PICKLE_SUFFIXES)

    @property
    def is_safetensors(self) -> bool:
        return self.path.lower().endswith(".safetensors")

    @property
    def identity(self) -> str:
        """What identifies the content: the LFS sha256, else the git blob id and size."""
        return self.sha256 or f"blob:{self.blob_id}:{self.size}"

    def to_json(self) -> JSON:
        return {"path": self.path, "sha256": self.sha256, "size": self.size}


@dataclass(frozen=True)
class RepoSnapshot:
    """A repo's files at one commit."""

    repo: str
    revision: str
    files: tuple[RepoFile, ...]
    base_models: tuple[str, ...] = ()

    @property
    def weight_files(self) -> list[RepoFile]:
        return [f for f in self.files if f.is_weight]

    @property
    def total_weight_bytes(self) -> int:
        return sum(f.size or 0 for f in self.weight_files)

    def file(self, path: str) -> RepoFile | None:
        return next((f for f in self.files if f.path == path), None)


@dataclass(frozen=True)
class RepoMeta:
    """What the Hub's API says about a repo without reading a file of it.

    `architectures`/`model_type` come from the Hub's `config` field, `parameters`
    from its `safetensors` field (counted from the headers), `base_models` from
    the model tree (`baseModels`, only on a single repo) and the card.
    """

    repo: str
    architectures: tuple[str, ...] = ()
    model_type: str | None = None
    parameters: int | None = None
    base_models: tuple[str, ...] = ()


@dataclass(frozen=True)
class CommitRecord:
    commit_id: str
    created_at: datetime | None
    title: str


def _sibling(sibling: Any) -> RepoFile:
    lfs = sibling.lfs
    sha = lfs.sha256 if lfs is not None else None
    size = lfs.size if lfs is not None else sibling.size
    return RepoFile(str(sibling.rfilename)[:1000], size, sha, sibling.blob_id)


def _base_models(card: Any) -> tuple[str, ...]:
    value = getattr(card, "base_model", None) if card is not None else None
    return _base_models_from([value] if isinstance(value, str) else list(value or []))


def _base_models_from(values: list[Any]) -> tuple[str, ...]:
    found: list[str] = []
    for item in values[:20]:
        try:
            found.append(check_repo_id(str(item)))
        except ValueError:
            continue
    return tuple(found)


def _tree_bases(value: Any) -> list[Any]:
    """Parent ids from the Hub's `baseModels` ({"relation": ..., "models": [{"id": ...}]})."""
    models = value.get("models") if isinstance(value, dict) else None
    return [m.get("id") for m in models or [] if isinstance(m, dict)][:20]


def _meta(info: Any) -> RepoMeta:
    config = info.config if isinstance(info.config, dict) else {}
    architectures = config.get("architectures")
    total = getattr(info.safetensors, "total", None)
    card_bases = _base_models(info.card_data)
    tree = [b for b in _base_models_from(_tree_bases(info.base_models)) if b not in card_bases]
    return RepoMeta(
        str(info.id),
        tuple(str(a)[:100] for a in architectures[:8]) if isinstance(architectures, list) else (),
        str(config["model_type"])[:100] if config.get("model_type") else None,
        int(total) if isinstance(total, int) and total > 0 else None,
        (*tree, *card_bases),
    )


class HubClient:
    """huggingface_hub's `HfApi` against one endpoint; blocking (run it in a thread).

    `calls` counts the API requests made (a listing counts one per page it read).
    """

    def __init__(self, endpoint: str, token: Secret | None = None, api: Any = None) -> None:
        from huggingface_hub import HfApi

        self.endpoint = endpoint.rstrip("/")
        self._token = token
        self.api = api or HfApi(endpoint=self.endpoint, token=token.reveal() if token else False)
        self.calls = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> HubClient:
        return cls(hub_endpoint(settings), optional_secret(settings.hub.token_env))

    def auth_headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self._token.reveal()}"} if self._token else {}

    def resolve_url(self, repo: str, revision: str, path: str) -> str:
        return f"{self.endpoint}/{repo}/resolve/{quote(revision, safe='')}/{quote(path, safe='/')}"

    def snapshot(self, repo: str, revision: str | None = None) -> RepoSnapshot:
        """Files with their LFS sha256 and sizes at `revision` (default branch if None)."""
        repo = check_repo_id(repo)
        info = self._call(
            repo,
            revision,
            lambda: self.api.model_info(repo, revision=revision, files_metadata=True),
        )
        if not info.sha:
            raise HubError(f"the Hub gave no commit id for {repo}")
        siblings = list(info.siblings or [])[:MAX_FILES]
        return RepoSnapshot(
            repo, str(info.sha), tuple(_sibling(s) for s in siblings), _base_models(info.card_data)
        )

    def meta(self, repo: str) -> RepoMeta:
        """The repo's API metadata, model tree parents included (one request)."""
        repo = check_repo_id(repo)
        info = self._call(
            repo, None, lambda: self.api.model_info(repo, expand=[*LISTED_FIELDS, "baseModels"])
        )
        return _meta(info)

    def provider_mapping(self, repo: str, revision: str | None = None) -> list[Any]:
        """The inference providers serving `repo` (huggingface_hub's
        `InferenceProviderMapping` objects, in the Hub's order; one request)."""
        repo = check_repo_id(repo)
        info = self._call(
            repo,
            revision,
            lambda: self.api.model_info(
                repo, revision=revision, expand=["inferenceProviderMapping"]
            ),
        )
        return list(info.inference_provider_mapping or [])

    def list_repos(self, author: str, search: str, limit: int) -> list[RepoMeta]:
        """Public repos of `author` whose names contain `search`, most downloaded first."""
        author = check_repo_id(author)
        page = 1000  # the Hub's largest listing page

        def listing() -> list[Any]:
            items = self.api.list_models(
                author=author, search=search, sort="downloads", limit=limit, expand=LISTED_FIELDS
            )
            return list(items)

        infos = self._call(author, None, listing)
        self.calls += len(infos) // page  # the first page is counted by _call
        return [_meta(i) for i in infos]

    def commits(self, repo: str, revision: str = "main") -> list[CommitRecord]:
        """The commit history, newest first."""
        repo = check_repo_id(repo)
        items = self._call(
            repo, revision, lambda: self.api.list_repo_commits(repo, revision=revision)
        )
        return [CommitRecord(str(c.commit_id), c.created_at, str(c.title)[:300]) for c in items]

    def _call(self, repo: str, revision: str | None, call: Any) -> Any:
        from httpx2 import HTTPError as TransportFailure
        from huggingface_hub.errors import (
            HfHubHTTPError,
            RepositoryNotFoundError,
            RevisionNotFoundError,
        )

        self.calls += 1
        try:
            return call()
        except RevisionNotFoundError:
            raise NotFoundError(f"{repo} has no revision {revision!r} on {self.endpoint}") from None
        except RepositoryNotFoundError:
            raise NotFoundError(
                f"repo {repo} not found on {self.endpoint} (or it is private or gated: "
                "set the token named by hub.token_env)"
            ) from None
        except HfHubHTTPError as error:
            raise HubError(f"the Hub answered an error for {repo}: {str(error)[:300]}") from None
        except (TransportFailure, OSError, ValueError, KeyError, TypeError) as error:
            raise HubError(
                f"cannot read {repo} from {self.endpoint}: {type(error).__name__}: "
                f"{str(error)[:300]}"
            ) from None


async def fetch_json(
    client: httpx.AsyncClient,
    url: str,
    headers: dict[str, str] | None = None,
    cap: int = MAX_JSON_BYTES,
) -> tuple[JSON | None, int]:
    """A small JSON object from `url`, or None when missing or unusable; and the bytes read."""
    received = 0
    chunks: list[bytes] = []
    try:
        async with client.stream("GET", url, headers=headers or {}) as response:
            if response.status_code != 200:
                return None, 0
            async for chunk in response.aiter_raw():
                received += len(chunk)
                if received > cap:
                    return None, received
                chunks.append(chunk)
    except NET_ERRORS:
        return None, received
    try:
        document = jsonlimits.loads(b"".join(chunks).decode("utf-8"), what=url)
    except (UnicodeDecodeError, json.JSONDecodeError, jsonlimits.JsonLimitError):
        return None, received
    return (document if isinstance(document, dict) else None), received
