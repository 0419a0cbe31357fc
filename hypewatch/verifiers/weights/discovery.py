"""Candidate bases found on the Hub before any tensor is read, cheapest source first.

A claimed base is only worth testing against the models it could be confused
with. `discover()` collects them from:

1. the claim itself, bases given by the caller, and the repo's card;
2. the Hub's model tree: the parents (`baseModels`) of the claimed base and
   of the repo;
3. the claimed base's family on the Hub: its organisation's repos whose names
   contain a word of its name (other versions, sizes, base/instruct variants),
   from the listing API, most downloaded first;
4. the registry of well-known open families (families.toml, overridable in the
   config): every repo of the claimed base's lineage, looked up with one
   listing per organisation.

Each `Candidate` remembers every source that named it and, once dropped or
compared, why. Listings carry the Hub's `config` and `safetensors` fields, so
the first shape filter (shapes.meta_mismatch) costs no file read.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from hypewatch.models import JSON
from hypewatch.storage import NotFoundError
from hypewatch.verifiers.weights.families import Registry, words
from hypewatch.verifiers.weights.hub import HubClient, HubError, RepoMeta, check_repo_id

#: Name words that mark a variant, not a family ("Llama-3-8B-Instruct": only "llama").
VARIANT_WORDS = frozenset({"instruct", "chat", "hf", "it", "pt", "b", "m", "k", "v", "x"})
#: Listing searches per claimed base (words of its name).
MAX_SEARCH_WORDS = 2
CLAIMED, GIVEN, CARD, FAMILY, REGISTRY = 0, 1, 2, 3, 4


@dataclass
class Candidate:
    """A possible base: where it was found, what the Hub says, and what became of it."""

    repo: str
    found_by: list[str]
    rank: int
    meta: RepoMeta | None = None
    status: str = "found"
    reason: str = ""

    def drop(self, reason: str) -> None:
        self.status, self.reason = "dropped", reason

    def to_json(self) -> JSON:
        return {
            "repo": self.repo,
            "found_by": self.found_by,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass(frozen=True)
class DiscoveryOptions:
    registry: Registry
    #: Repos read from one family listing.
    max_listed: int = 100
    #: Shape-compatible candidates (by the Hub's metadata) whose files are read.
    max_candidates: int = 8
    #: Candidates sampled in full besides the claimed base (the rest get a probe).
    sampled_candidates: int = 3
    #: Relative difference in parameter count still compatible.
    parameter_tolerance: float = 0.02


@dataclass
class Discovery:
    """Everything considered for one check, in the order found (by source rank)."""

    target: str
    candidates: dict[str, Candidate] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    #: Listings already read, by (organisation, search word): each is asked once.
    listings: dict[tuple[str, str], list[RepoMeta]] = field(default_factory=dict)

    def add(self, repo: str, source: str, rank: int, meta: RepoMeta | None = None) -> None:
        try:
            repo = check_repo_id(repo)
        except ValueError:
            self.notes.append(f"{source}: {repo[:120]!r} is not a repo id")
            return
        if repo.lower() == self.target.lower():
            return
        found = self.candidates.get(repo.lower())
        if found is None:
            self.candidates[repo.lower()] = Candidate(repo, [source], rank, meta)
            return
        if source not in found.found_by:
            found.found_by.append(source)
        found.rank = min(found.rank, rank)
        found.meta = found.meta or meta

    def get(self, repo: str) -> Candidate | None:
        return self.candidates.get(repo.lower())

    def ordered(self) -> list[Candidate]:
        """By source rank, then in the order found (listings: most downloaded first)."""
        return sorted(self.candidates.values(), key=lambda c: c.rank)

    def to_json(self) -> list[JSON]:
        return [c.to_json() for c in self.ordered()]


def search_words(repo: str) -> list[str]:
    """The family stems searched for in the repo's organisation ("Llama-3.1-70B" -> llama)."""
    found: list[str] = []
    for word in words(repo):
        if len(word) >= 2 and word not in VARIANT_WORDS and word not in found:
            found.append(word)
    return found[:MAX_SEARCH_WORDS]


def discover(
    hub: HubClient,
    target: str,
    claimed: str | None,
    card: Iterable[str],
    given: Iterable[str],
    options: DiscoveryOptions,
) -> Discovery:
    """Every candidate base from the four sources (blocking: Hub API calls)."""
    found = Discovery(target)
    if claimed:
        found.add(claimed, "claimed base", CLAIMED)
    for repo in given:
        found.add(repo, "given", GIVEN)
    for repo in card:
        found.add(repo, f"card of {target}", CARD)
    for seed in [s for s in (claimed, target) if s]:
        _tree(hub, found, seed)
    if claimed:
        _family(hub, found, claimed, options.max_listed)
        _registry(hub, found, claimed, options)
    return found


def _tree(hub: HubClient, found: Discovery, seed: str) -> None:
    try:
        meta = hub.meta(seed)
    except (NotFoundError, HubError, ValueError) as error:
        found.notes.append(f"model tree of {seed}: {error}")
        return
    if (own := found.get(seed)) is not None:
        own.meta = meta
    for parent in meta.base_models:
        found.add(parent, f"model tree: parent of {seed}", CARD)


def _listing(
    hub: HubClient, found: Discovery, author: str, word: str, limit: int
) -> list[RepoMeta] | None:
    key = (author.lower(), word.lower())
    if key not in found.listings:
        try:
            found.listings[key] = hub.list_repos(author, word, limit)
        except (NotFoundError, HubError, ValueError) as error:
            found.notes.append(f"listing {author} '{word}': {error}")
            return None
    return found.listings[key]


def _family(hub: HubClient, found: Discovery, claimed: str, limit: int) -> None:
    if "/" not in claimed:
        return
    author = claimed.split("/")[0]
    for word in search_words(claimed):
        for meta in _listing(hub, found, author, word, limit) or []:
            found.add(meta.repo, f"family: {author} repos named '{word}'", FAMILY, meta)


def _registry(hub: HubClient, found: Discovery, claimed: str, options: DiscoveryOptions) -> None:
    for lineage in options.registry.lineages_of(claimed):
        entries = options.registry.repos(lineage)
        authors = sorted({r.split("/")[0] for r, _ in entries if lineage in r.lower()})
        listed: dict[str, RepoMeta] = {}
        for author in authors:
            for meta in _listing(hub, found, author, lineage, options.max_listed) or []:
                listed[meta.repo.lower()] = meta
        for repo, family in entries:
            source = f"registry: {family}"
            if repo.lower() in listed:
                found.add(repo, source, REGISTRY, listed[repo.lower()])
            elif lineage in repo.lower():  # its organisation's listing did not have it
                _absent(found, repo, source, "not listed on the Hub")
            else:
                _registry_one(hub, found, repo, source)


def _registry_one(hub: HubClient, found: Discovery, repo: str, source: str) -> None:
    try:
        meta = hub.meta(repo)
    except NotFoundError:
        _absent(found, repo, source, "not found on the Hub")
        return
    except (HubError, ValueError) as error:
        found.notes.append(f"{source} {repo}: {error}")
        return
    found.add(repo, source, REGISTRY, meta)


def _absent(found: Discovery, repo: str, source: str, why: str) -> None:
    """A registry repo the Hub does not have: listed as dropped unless found otherwise."""
    known = found.get(repo) is not None
    found.add(repo, source, REGISTRY)
    if not known and (missing := found.get(repo)) is not None:
        missing.drop(why)
