"""The Hugging Face Hub through huggingface_hub's `HfApi`: new and trending
repos of a pipeline tag, and every new repo of watched authors/orgs.

Cursors (source "huggingface"): `new` and `author:<name>` hold
`{"created_at", "id"}` of the newest repo stored from that list (sorted by
`createdAt`, newest first). As on Reddit, a pass reads until it meets the
cursor, then stores oldest first, each batch moving the cursor with it.
The trending list has no order to keep a cursor on: a repo already stored
at the same revision costs nothing more.

Age (`max_age_hours`): a repo whose `createdAt` (the Hub's creation time;
`ModelInfo.created_at`) is more than `max_age_hours` -- or `follow_hours`, if
longer -- before the poll's clock when a list shows it unstored is history,
not a launch, and is not stored: the `new` and author lists stop there (they
are newest first), the trending list leaves it out with a note. Without this
the first pass over a watched author reads its whole back catalogue, and the
trending list its months-old favourites, as launches. A listing entry with no
`createdAt` is kept: missing data is no evidence of age. `createdAt` is when
the repo was created, not when it went public: a repo kept private for longer
than `max_age_hours` before its launch is history to this rule too.

Velocity (`follow_hours`, from `significance.velocity_follow_hours`): every
repo either list shows whose `createdAt` is less than `follow_hours` before
the poll's clock gets a snapshot of its listed likes, downloads and
trendingScore (`storage/hub_snapshots`, written in the batch's transaction),
once per pass; for that the `new` list is read past its cursor down to the
first repo older than the window. The pipeline re-scores the launches of
repos with new snapshots (`Pipeline.follow_velocity`).

For each repo seen the first time: `model_info` (tags, downloads, likes,
sha, card data) and its README at that sha. The Post carries the card body
(so the extractor reads it) and, in `raw`, the front matter -- `base_model`,
`base_model_relation`, `model-index` -- with the rest of the metadata. A repo
already stored is skipped: its revisions are recorded by the revision check
(`hypewatch.verifiers.weights.revisions`), the one writer of `repo_revisions`,
with every file's sha256 and size.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import httpx2
from huggingface_hub import HfApi, RepoCard, get_session, hf_hub_url, hf_raise_for_status
from huggingface_hub.errors import HfHubHTTPError, RepositoryNotFoundError
from huggingface_hub.hf_api import ExpandModelProperty_T, ModelInfo
from huggingface_hub.utils._headers import build_hf_headers

from hypewatch.bot.watchers.base import Batch, PollContext, SourceError, make_post
from hypewatch.bot.watchers.hub_http import HubUnavailableError, configure_hub_http
from hypewatch.config import Settings, optional_secret
from hypewatch.jsonlimits import JsonLimitError
from hypewatch.models import Post, Source
from hypewatch.net import NetConfig, NetError
from hypewatch.storage import Store
from hypewatch.storage.hub_snapshots import HubSnapshot, record_snapshots

BATCH_SIZE = 50
#: Properties asked of the listing: enough to tell new from known without a second call.
Sort = Literal["created_at", "trending_score"]
LIST_EXPAND: list[ExpandModelProperty_T] = [
    "author",
    "createdAt",
    "sha",
    "likes",
    "downloads",
    "tags",
    "pipeline_tag",
    "trendingScore",
]
CARD_KEYS = ("base_model", "base_model_relation", "model-index", "license", "datasets", "language")


def _iso(value: datetime | None) -> str:
    """A fixed-width UTC timestamp, so cursors compare as strings."""
    when = value or datetime(1970, 1, 1, tzinfo=UTC)
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class _Repo:
    """What one batch needs to know about one repo."""

    def __init__(self, info: ModelInfo, post: Post | None) -> None:
        self.info = info
        self.post = post


def _card_text(repo: str, readme: str, body: str) -> str:
    """The post text: the card's front matter kept (the extractor reads `base_model` and
    `model-index` from it), then the repo id, then the markdown body."""
    block = readme[: len(readme) - len(body)] if body and readme.endswith(body) else ""
    if not block.lstrip().startswith("---"):
        block = ""
    return f"{block}{repo}\n\n{body}".strip()


class HuggingFaceWatcher:
    """Hub repos via an injected `HfApi` (its `endpoint` may be a mirror or stand-in)."""

    source = str(Source.HUGGINGFACE)
    monthly_budget: int | None = None

    def __init__(
        self,
        api: HfApi,
        *,
        pipeline_tag: str = "text-generation",
        limit: int = 50,
        watch_authors: Sequence[str] = (),
        trending: bool = True,
        max_text_chars: int = 100_000,
        follow_hours: float = 0.0,
        max_age_hours: float = 72.0,
    ) -> None:
        self.api = api
        self.follow = timedelta(hours=follow_hours)
        self.max_age = timedelta(hours=max_age_hours)
        self._snapped: set[str] = set()  # repos snapshotted in this pass
        self.pipeline_tag = pipeline_tag
        self.limit = limit
        self.watch_authors = list(watch_authors)
        self.trending = trending
        self.max_text_chars = max_text_chars

    def fetch(self, ctx: PollContext) -> Iterator[Batch]:
        self._snapped = set()
        try:
            yield from self._created(ctx, "new", {"pipeline_tag": self.pipeline_tag})
            for author in self.watch_authors:
                yield from self._created(ctx, f"author:{author.lower()}", {"author": author})
            if self.trending:
                yield from self._trending(ctx)
        except SourceError:
            raise
        except Exception as error:
            raise _classify(error, ctx.clock()) from None

    # -- lists -------------------------------------------------------------------

    def _list(self, sort: Sort, filters: Mapping[str, str]) -> Iterable[ModelInfo]:
        return self.api.list_models(
            sort=sort,
            limit=self.limit,
            expand=LIST_EXPAND,
            author=filters.get("author"),
            pipeline_tag=filters.get("pipeline_tag"),
        )

    def _created(self, ctx: PollContext, key: str, filters: Mapping[str, str]) -> Iterator[Batch]:
        saved = json.loads(ctx.cursor(key) or "{}")
        seen = (str(saved.get("created_at", "")), str(saved.get("id", "")))
        fresh: list[ModelInfo] = []
        known: list[ModelInfo] = []  # stored already, still young: velocity snapshots only
        now = ctx.clock()
        for info in self._list("created_at", filters):
            if (_iso(info.created_at), info.id) <= seen:
                if not self._young(info, now):
                    break
                known.append(info)
                continue
            if self._old(info, now):
                break  # newest first: everything after it is older still
            fresh.append(info)
        fresh.reverse()
        for start in range(0, len(fresh), BATCH_SIZE):
            chunk = fresh[start : start + BATCH_SIZE]
            last = chunk[-1]
            cursor = json.dumps({"created_at": _iso(last.created_at), "id": last.id})
            yield self._batch(ctx, chunk, {key: cursor})
        snaps = self._snapshots(ctx, known, set())
        if snaps:
            yield Batch(extra_writes=_recorder(snaps))

    def _trending(self, ctx: PollContext) -> Iterator[Batch]:
        now = ctx.clock()
        listed: list[ModelInfo] = []
        history: list[ModelInfo] = []
        for info in self._list("trending_score", {"pipeline_tag": self.pipeline_tag}):
            (history if self._old(info, now) else listed).append(info)
        # old repos stored while they were young are not news left out: not counted
        history = [info for info in history if not self._stored(ctx, info)]
        if history:
            hours = max(self.max_age, self.follow).total_seconds() / 3600
            ctx.note(
                f"trending: {len(history)} repo(s) created more than {hours:g} h ago "
                "left out (history, not launches)"
            )
        for start in range(0, len(listed), BATCH_SIZE):
            batch = self._batch(ctx, listed[start : start + BATCH_SIZE], {})
            if batch.posts or batch.extra_writes is not None:
                yield batch

    # -- repos -------------------------------------------------------------------

    def _batch(
        self, ctx: PollContext, infos: Sequence[ModelInfo], cursors: dict[str, str]
    ) -> Batch:
        posts: list[Post] = []
        for listed in infos:
            if self._stored(ctx, listed):
                continue  # a new revision of it is the revision check's to record
            try:
                info = self.api.model_info(listed.id)
            except RepositoryNotFoundError:
                ctx.note(f"{listed.id} was listed but is gone (deleted or private)")
                continue
            posts.append(self._post(info, ctx.clock()))
        snaps = self._snapshots(ctx, infos, {p.native_id for p in posts})
        extra = _recorder(snaps) if snaps else None
        return Batch(posts, cursors, extra_writes=extra)

    def _stored(self, ctx: PollContext, info: ModelInfo) -> bool:
        return ctx.store.has_post(f"{self.source}:{info.id}")

    # -- velocity ----------------------------------------------------------------

    def _old(self, info: ModelInfo, now: datetime) -> bool:
        """Whether the repo was created too long ago to be a launch (`max_age_hours`); a repo
        still followed for velocity never is, nor one listed without `createdAt`."""
        return info.created_at is not None and now - info.created_at > max(
            self.max_age, self.follow
        )

    def _young(self, info: ModelInfo, now: datetime) -> bool:
        """Whether the repo is still in its followed first hours."""
        return (
            bool(self.follow)
            and info.created_at is not None
            and (now - info.created_at <= self.follow)
        )

    def _snapshots(
        self, ctx: PollContext, infos: Sequence[ModelInfo], new: set[str]
    ) -> list[HubSnapshot]:
        """A snapshot of each young listed repo stored (or being stored: `new`), once per
        pass, with the listing's counts at the poll's time."""
        now = ctx.clock()
        out: list[HubSnapshot] = []
        for info in infos:
            if info.id in self._snapped or not self._young(info, now):
                continue
            if info.id not in new and not ctx.store.has_post(f"{self.source}:{info.id}"):
                continue
            self._snapped.add(info.id)
            out.append(
                HubSnapshot(
                    info.id,
                    now,
                    info.likes or 0,
                    info.downloads or 0,
                    float(info.trending_score or 0),
                )
            )
        return out

    def _post(self, info: ModelInfo, now: datetime) -> Post:
        """The repo's card as a post; `now` (the poll's time) dates a repo listed undated."""
        readme, card_error = self._readme(info)
        front: dict[str, Any] = {}
        body = readme
        try:
            card = RepoCard(readme, ignore_metadata_errors=True)
            front, body = card.data.to_dict(), card.text  # type: ignore[no-untyped-call]
        except Exception as error:
            card_error = card_error or f"front matter unreadable: {error}"
        listed_data = info.card_data.to_dict() if info.card_data is not None else {}  # type: ignore[no-untyped-call]
        meta = {**listed_data, **front}
        raw: dict[str, Any] = {
            "repo": info.id,
            "sha": info.sha,
            "author": info.author,
            "created_at": _iso(info.created_at) if info.created_at else None,
            "last_modified": _iso(info.last_modified) if info.last_modified else None,
            "tags": info.tags or [],
            "pipeline_tag": info.pipeline_tag,
            "library_name": info.library_name,
            "gated": info.gated,
            "base_models": info.base_models,
            "card_data": meta,
            "files": [s.rfilename for s in info.siblings or []],
            "links": [f"{self.api.endpoint}/{info.id}"],
        }
        raw.update({k: meta[k] for k in CARD_KEYS if k in meta})
        if info.model_index and "model-index" not in raw:
            raw["model-index"] = info.model_index
        if card_error:
            raw["card_error"] = card_error
        return make_post(
            self.source,
            info.id,
            _card_text(info.id, readme, body),
            limit=self.max_text_chars,
            author=info.author or info.id.split("/")[0],
            url=f"{self.api.endpoint}/{info.id}",
            created_at=info.created_at or now,
            engagement={
                "downloads": info.downloads or 0,
                "likes": info.likes or 0,
                "trending_score": info.trending_score or 0,
            },
            raw=raw,
        )

    def _readme(self, info: ModelInfo) -> tuple[str, str]:
        """The README at the repo's sha ("" when there is none) and a note if unreadable."""
        url = hf_hub_url(info.id, "README.md", revision=info.sha, endpoint=self.api.endpoint)
        response = get_session().get(url, headers=build_hf_headers(token=self.api.token))
        if response.status_code == 404:
            return "", ""
        if response.status_code in (401, 403):
            return "", f"README not readable ({response.status_code})"
        hf_raise_for_status(response)
        return response.content.decode("utf-8", errors="replace"), ""


def _recorder(snaps: list[HubSnapshot]) -> Callable[[Store], None]:
    """The batch's extra write: its snapshots, in the poll's transaction."""

    def record(store: Store) -> None:
        record_snapshots(store, snaps)

    return record


def _classify(error: Exception, now: datetime) -> SourceError:
    """`error` as a SourceError; `now` (the poll's clock) dates a rate limit's end."""
    if isinstance(error, HubUnavailableError):
        if error.status == 429:
            wait = min(error.retry_after or 60.0, 3600.0)
            retry_at = now + timedelta(seconds=wait)
            return SourceError(f"Hub rate limit: {error}", kind="rate_limited", retry_at=retry_at)
        kind = "timeout" if error.status is None else "server"
        return SourceError(str(error), kind="network" if error.unreachable else kind)
    if isinstance(error, HfHubHTTPError):
        status = error.response.status_code if error.response is not None else 0
        kind = "auth" if status in (401, 403) else "client"
        return SourceError(f"the Hub refused the request: {error}", kind=kind)
    if isinstance(error, ValueError | KeyError | TypeError | JsonLimitError):
        return SourceError(f"the Hub sent a malformed reply: {error!r}", kind="malformed")
    if isinstance(error, httpx2.HTTPError | NetError):
        return SourceError(f"cannot reach the Hub: {error}", kind="network")
    return SourceError(f"Hub watcher failed: {type(error).__name__}: {error}", kind="unexpected")


def build_huggingface_watcher(
    settings: Settings, *, allow_private: bool = False
) -> HuggingFaceWatcher:
    """A HuggingFaceWatcher with a real HfApi on `hub.endpoint` (token optional)."""
    endpoint = settings.hub.endpoint.rstrip("/")
    net = NetConfig.from_settings(
        settings.network, allow_private=allow_private, trusted_origins=[endpoint]
    )
    configure_hub_http(net)
    token = optional_secret(settings.hub.token_env)
    hf = settings.sources.huggingface
    return HuggingFaceWatcher(
        HfApi(endpoint=endpoint, token=token.reveal() if token else False),
        pipeline_tag=hf.pipeline_tag,
        limit=hf.limit,
        watch_authors=hf.watch_authors,
        trending=hf.trending,
        max_text_chars=settings.extraction.max_text_chars,
        follow_hours=settings.significance.velocity_follow_hours,
        max_age_hours=hf.max_age_hours,
    )
