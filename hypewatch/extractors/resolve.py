"""Launch resolution: posts about one release on X, Reddit and the Hub become one Launch.

In order: a shared Hugging Face repo id; the same normalised name (size and
version included, so Llama 3.1 70B, Llama 3.1 405B and Llama 3 70B stay three
launches); then, with the `ml` extra, sentence-transformers similarity of name
and context against launches first seen within the time window. Names whose
size or version conflict never merge, however similar their text. Without the
`ml` extra only the repo and name rules run, and `describe()` says so.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Sequence
from datetime import timedelta
from typing import Any, Protocol

from hypewatch import embeddings
from hypewatch.config import ExtractionSettings
from hypewatch.events import NewSource
from hypewatch.extractors import names
from hypewatch.extractors.extractor import Extraction
from hypewatch.models import Launch, Post
from hypewatch.storage import NotFoundError, Store

log = logging.getLogger(__name__)
CONTEXT_CHARS = 300
#: Launch vectors kept in memory (384 floats each); older ones are recomputed on demand.
VECTOR_CACHE = 4096


class Embedder(Protocol):
    def encode(self, sentences: list[str], **kwargs: Any) -> Any: ...


def load_embedder() -> tuple[Embedder | None, str]:
    """The MiniLM sentence embedder from the `ml` extra, or None and the reason."""
    reason = embeddings.unavailable()
    if reason:
        return None, reason
    return embeddings.minilm(), ""


def launch_of_repo(store: Store, repo: str) -> Launch | None:
    """The launch whose Hugging Face repo is `repo` (case-insensitive), or None."""
    if not repo:
        return None
    try:
        found = store.find_launch(repo)
    except NotFoundError:
        return None
    return found if found.hf_repo.lower() == repo.lower() else None


def _text(name: str, context: str) -> str:
    return f"{name}. {' '.join(context.split())[:CONTEXT_CHARS]}"


class FamilyIndex:
    """Launch ids by name family ("llama", "qwen"), kept in step with the store: each
    lookup first indexes launches created since the last one (by anyone)."""

    def __init__(self) -> None:
        self._ids: dict[str, set[int]] = {}
        self._last_id = 0
        self._db: object | None = None

    def add(self, launch_id: int, name: str, hf_repo: str) -> None:
        for label in (name, hf_repo.split("/", 1)[-1] if hf_repo else ""):
            family = names.family(names.tokens(label)) if label else ""
            if family:
                self._ids.setdefault(family, set()).add(launch_id)

    def ids(self, store: Store, families: set[str]) -> set[int]:
        if self._db is not store.db:
            self._ids, self._last_id, self._db = {}, 0, store.db
        for launch_id, name, repo in store.launch_index_rows(self._last_id):
            self.add(launch_id, name, repo)
            self._last_id = launch_id
        return set().union(*(self._ids.get(f, set()) for f in families))


class LaunchResolver:
    """Finds or creates the Launch a post is about. Build once; keeps launch vectors cached."""

    def __init__(
        self, settings: ExtractionSettings | None = None, embedder: Embedder | None = None
    ) -> None:
        self.settings = settings or ExtractionSettings()
        self.window = timedelta(days=self.settings.resolution_window_days)
        self._embedder = embedder
        self._loaded = embedder is not None
        self.reason = "" if self.settings.use_embeddings else "use_embeddings is off"
        self._vectors: OrderedDict[int, Any] = OrderedDict()  # LRU, see VECTOR_CACHE
        self._index = FamilyIndex()
        self._pending: dict[str, Any] = {}

    @property
    def embedder(self) -> Embedder | None:
        if not self._loaded and self.settings.use_embeddings:
            self._loaded = True
            self._embedder, self.reason = load_embedder()
            if self._embedder is None:
                log.warning("launch resolution without embeddings: %s", self.reason)
        return self._embedder if self.settings.use_embeddings else None

    def describe(self) -> str:
        if self.embedder is not None:
            return (
                "launch resolution: Hub repo and name rules + sentence embeddings "
                "(all-MiniLM-L6-v2)"
            )
        return f"launch resolution: Hub repo and name rules only, less accurate ({self.reason})"

    def _encode(self, texts: list[str]) -> Any:
        assert self._embedder is not None
        return self._embedder.encode(texts, normalize_embeddings=True, batch_size=64)

    def prime(self, items: Sequence[tuple[Post, Extraction]]) -> None:
        """Embed many posts in one batch before resolving them one by one (the batch
        replaces any earlier one, so unused vectors never pile up)."""
        if self.embedder is None:
            return
        self._pending.clear()
        texts = [_text(e.model, p.text) for p, e in items]
        for text, vector in zip(texts, self._encode(texts), strict=True):
            self._pending[text] = vector

    def _post_vector(self, post: Post, extraction: Extraction) -> Any:
        text = _text(extraction.model, post.text)
        if text not in self._pending:
            self._pending[text] = self._encode([text])[0]
        return self._pending.pop(text)

    def _launch_vector(self, store: Store, launch: Launch) -> Any:
        if launch.id in self._vectors:
            self._vectors.move_to_end(launch.id)
            return self._vectors[launch.id]
        posts = store.posts_for_launch(launch.id)
        context = posts[0].text if posts else f"{launch.hf_repo} {launch.base_model}"
        vector = self._vectors[launch.id] = self._encode([_text(launch.name, context)])[0]
        if len(self._vectors) > VECTOR_CACHE:
            self._vectors.popitem(last=False)  # a long-running daemon stays bounded
        return vector

    def _by_repo(self, store: Store, repo: str) -> Launch | None:
        return launch_of_repo(store, repo)

    def _candidates(self, store: Store, post: Post, labels: Sequence[str]) -> list[Launch]:
        """Launches in the time window that could be the same release: those of the same
        name family (a match needs one), found through the index, never a full scan."""
        families = {names.family(names.tokens(label)) for label in labels if label} - {""}
        if families:
            found = store.launches_by_id(self._index.ids(store, families))
        else:
            found = store.recent_launches(post.created_at - self.window)
        return [f for f in found if abs(f.first_seen - post.created_at) <= self.window]

    def match(self, store: Store, post: Post, extraction: Extraction) -> Launch | None:
        """The existing Launch this post is about, or None."""
        found = self._by_repo(store, extraction.hf_repo)
        if found is not None:
            return found
        model = extraction.model
        repo_name = extraction.hf_repo.split("/", 1)[1] if extraction.hf_repo else ""
        launches = self._candidates(store, post, (model, repo_name))
        best, best_score = None, 0.0
        for launch in launches:
            labels = [launch.name, launch.hf_repo.split("/", 1)[-1] if launch.hf_repo else ""]
            for mine in (model, repo_name):
                for theirs in labels:
                    if not mine or not theirs:
                        continue
                    if names.key(mine) == names.key(theirs):
                        return launch
                    score = names.similarity(mine, theirs)
                    if names.compatible(mine, theirs) and score >= 0.5 and score > best_score:
                        best, best_score = launch, score
        if best is not None:
            return best
        return self._by_embedding(store, post, extraction, launches)

    def _by_embedding(
        self, store: Store, post: Post, extraction: Extraction, launches: list[Launch]
    ) -> Launch | None:
        if self.embedder is None or not launches:
            return None
        model = extraction.model
        allowed = [
            launch for launch in launches if not model or names.compatible(model, launch.name)
        ]
        if not allowed:
            return None
        mine = self._post_vector(post, extraction)
        threshold = self.settings.similarity_threshold + (0.0 if model else 0.05)
        best, best_sim = None, threshold
        for launch in allowed:
            sim = float(mine @ self._launch_vector(store, launch))
            if sim >= best_sim:
                best, best_sim = launch, sim
        return best

    def resolve(self, store: Store, post: Post, extraction: Extraction) -> Launch | None:
        """Find or create the Launch of a post; None when the post names no model or repo.

        A found launch gets the fields it lacked (size, base model, repo, endpoint) and a
        `new_source` event the first time a source mentions it."""
        with store.transaction():
            found = self.match(store, post, extraction)
            if found is None:
                if not extraction.is_claim or not (extraction.model or extraction.hf_repo):
                    return None
                return self._create(store, extraction)
            return self._update(store, found, post, extraction)

    def _fields(self, extraction: Extraction) -> dict[str, Any]:
        fields: dict[str, Any] = {
            "params_b": extraction.params_b,
            "base_model": extraction.base_model,
            "hf_repo": extraction.hf_repo,
            "endpoint": extraction.endpoint,
            "org": extraction.hf_repo.split("/", 1)[0] if extraction.hf_repo else "",
        }
        return {k: v for k, v in fields.items() if v not in (None, "")}

    def _create(self, store: Store, extraction: Extraction) -> Launch:
        name = extraction.model or extraction.hf_repo.split("/", 1)[1]
        base = names.key(name).replace(" ", "-") or "launch"
        # significance 0 until the pipeline assesses it: no thread before that
        return store.create_launch(
            store.free_slug(base), name[:120], significance=0.0, **self._fields(extraction)
        )

    def _update(self, store: Store, launch: Launch, post: Post, extraction: Extraction) -> Launch:
        current = {
            "params_b": launch.params_b,
            "base_model": launch.base_model,
            "hf_repo": launch.hf_repo,
            "endpoint": launch.endpoint,
            "org": launch.org,
        }
        missing = {k: v for k, v in self._fields(extraction).items() if current[k] in (None, "")}
        if missing:
            launch = store.update_launch(launch.id, **missing)
            self._index.add(launch.id, launch.name, launch.hf_repo)
        sources = store.launch_sources(launch.id, except_post=post.key)
        if sources and post.source not in sources:
            store.append_event(launch.id, NewSource(source=post.source, post=post.key))
        return launch
