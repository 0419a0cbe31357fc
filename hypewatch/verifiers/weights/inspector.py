"""Reading repos for attribution: files, config, headers and cached tensor samples.

One `WeightsInspector` per check: it owns the byte budget (its `RangeReader`),
the sample plan of each tensor (the same rows and columns in every repo) and
the samples read so far, so a tensor read for one comparison is never read
again for another.
"""

from __future__ import annotations

import asyncio
import re
from dataclasses import dataclass, field

import httpx
import numpy as np

from hypewatch.models import JSON
from hypewatch.net import NET_ERRORS, origin_of
from hypewatch.verifiers.weights import configdiff, shapes
from hypewatch.verifiers.weights.attribution import (
    CandidateStats,
    compare_tensor,
    permutation_pvalue,
)
from hypewatch.verifiers.weights.hub import (
    MAX_JSON_BYTES,
    SAFETENSORS_INDEX,
    HubClient,
    RepoSnapshot,
    fetch_json,
)
from hypewatch.verifiers.weights.safetensors_range import (
    FLOAT_DTYPES,
    BudgetExceededError,
    FloatArray,
    HeaderError,
    RangeError,
    RangeReader,
    SamplePlan,
    TensorInfo,
    plan_samples,
    read_header,
    read_sample,
)

PICKLE_NOTE = "not inspected: pickle"
READ_ERRORS: tuple[type[Exception], ...] = (RangeError, BudgetExceededError, *NET_ERRORS)


@dataclass(frozen=True)
class CheckOptions:
    byte_budget: int = 150_000_000
    samples_per_tensor: int = 4096
    max_tensors: int = 24
    rows_per_tensor: int = 16
    alpha: float = 0.01
    seed: int | None = None
    concurrency: int = 8


@dataclass
class RepoWeights:
    """What was learnt about one repo at one revision."""

    snapshot: RepoSnapshot
    tensors: dict[str, tuple[TensorInfo, str, int]] = field(default_factory=dict)
    not_inspected: dict[str, str] = field(default_factory=dict)
    config: JSON = field(default_factory=dict)
    tokenizer: JSON = field(default_factory=dict)
    shape: JSON = field(default_factory=dict)

    @property
    def repo(self) -> str:
        return self.snapshot.repo

    @property
    def parameters(self) -> int:
        """Parameters counted from the safetensors headers read."""
        return sum(info.numel for info, _, _ in self.tensors.values())


def _natural(name: str) -> tuple[object, ...]:
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"(\d+)", name))


def comparable(a: RepoWeights, b: RepoWeights) -> list[str]:
    """Tensors in both with equal shapes, at least 2-D, in float dtypes, in layer order."""
    names = []
    for name, (info, _, _) in a.tensors.items():
        other = b.tensors.get(name)
        if (
            other is not None
            and len(info.shape) >= 2
            and info.shape == other[0].shape
            and info.numel > 0
            and info.dtype in FLOAT_DTYPES
            and other[0].dtype in FLOAT_DTYPES
        ):
            names.append(name)
    return sorted(names, key=_natural)


def spread(names: list[str], count: int) -> list[str]:
    """`count` names evenly spaced over the list (so every depth of the model is seen)."""
    if len(names) <= count:
        return names
    picks = np.linspace(0, len(names) - 1, count).round().astype(int)
    return [names[i] for i in sorted(set(picks.tolist()))]


class WeightsInspector:
    """Reads repos and compares them; one instance per check (it caches samples)."""

    def __init__(self, hub: HubClient, client: httpx.AsyncClient, options: CheckOptions) -> None:
        self.hub = hub
        self.client = client
        self.options = options
        self.seed = (
            options.seed
            if options.seed is not None
            else int(np.random.default_rng().integers(0, 2**32))
        )
        self.rng = np.random.default_rng(self.seed)
        self.reader = RangeReader(
            client,
            options.byte_budget,
            concurrency=options.concurrency,
            auth_headers=hub.auth_headers(),
            auth_origin=origin_of(hub.endpoint),
        )
        self._plans: dict[str, SamplePlan] = {}
        self._samples: dict[tuple[str, str], FloatArray] = {}

    @property
    def bytes_fetched(self) -> int:
        return self.reader.bytes_fetched

    async def _json(self, snapshot: RepoSnapshot, path: str) -> JSON | None:
        if snapshot.file(path) is None:
            return None
        headers = self.hub.auth_headers()
        url = self.hub.resolve_url(snapshot.repo, snapshot.revision, path)
        cap = min(MAX_JSON_BYTES, self.reader.remaining)
        document, size = await fetch_json(self.client, url, headers, cap)
        self.reader.bytes_fetched += size  # small files count against the budget too
        return document

    async def load(
        self, repo: str, revision: str | None = None, *, tokenizer: bool = True
    ) -> RepoWeights:
        """Files, headers and config of `repo`; the tokenizer config too unless `tokenizer`
        is false (`load_tokenizer` reads it later)."""
        snapshot = await asyncio.to_thread(self.hub.snapshot, repo, revision)
        weights = RepoWeights(snapshot)
        for f in snapshot.weight_files:
            if f.is_pickle:
                weights.not_inspected[f.path] = PICKLE_NOTE
            elif not f.is_safetensors:
                weights.not_inspected[f.path] = "not inspected: format not read"
        await self._headers(weights, await self._shards(weights))
        config = await self._json(snapshot, configdiff.CONFIG_FILE)
        weights.config = configdiff.config_fields(config)
        weights.shape = shapes.shape_of(config)
        if tokenizer:
            await self.load_tokenizer(weights)
        return weights

    async def load_tokenizer(self, weights: RepoWeights) -> None:
        docs = [await self._json(weights.snapshot, p) for p in configdiff.TOKENIZER_FILES]
        weights.tokenizer = configdiff.tokenizer_fields(docs)

    async def _shards(self, weights: RepoWeights) -> list[str]:
        snapshot = weights.snapshot
        present = {f.path for f in snapshot.files if f.is_safetensors}
        index = await self._json(snapshot, SAFETENSORS_INDEX)
        weight_map = index.get("weight_map") if index else None
        if isinstance(weight_map, dict):
            listed = sorted({str(v) for v in weight_map.values()})
            for missing in [p for p in listed if p not in present]:
                weights.not_inspected[missing] = "listed in the index but not in the repo"
            return [p for p in listed if p in present]
        root = sorted(p for p in present if "/" not in p)
        return root or sorted(present)

    async def _headers(self, weights: RepoWeights, files: list[str]) -> None:
        snapshot = weights.snapshot
        sizes = {f.path: f.size or 0 for f in snapshot.files}

        async def one(path: str) -> None:
            url = self.hub.resolve_url(snapshot.repo, snapshot.revision, path)
            try:
                header = await read_header(self.reader, url, path, sizes[path])
            except HeaderError as error:
                weights.not_inspected[path] = f"invalid header: {error}"
                return
            except READ_ERRORS as error:
                weights.not_inspected[path] = f"not read: {error}"
                return
            for name, info in header.tensors.items():
                if name in weights.tensors:
                    weights.not_inspected[path] = f"tensor {name!r} is also in another shard"
                    continue
                weights.tensors[name] = (info, url, sizes[path])

        await asyncio.gather(*(one(p) for p in files))

    def plan(self, weights: RepoWeights, name: str) -> SamplePlan:
        if name not in self._plans:
            shape = weights.tensors[name][0].shape
            opts = self.options
            self._plans[name] = plan_samples(
                shape, opts.samples_per_tensor, opts.rows_per_tensor, self.rng
            )
        return self._plans[name]

    def _cost(self, weights: RepoWeights, name: str) -> int:
        info = weights.tensors[name][0]
        cost = self.plan(weights, name).elements() * info.itemsize
        return 0 if (weights.repo, name) in self._samples else cost

    async def sample(self, weights: RepoWeights, name: str) -> FloatArray:
        key = (weights.repo, name)
        if key not in self._samples:
            info, url, size = weights.tensors[name]
            self._samples[key] = await read_sample(
                self.reader, url, info, self.plan(weights, name), size
            )
        return self._samples[key]

    def choose(
        self, target: RepoWeights, candidate: RepoWeights, allowance: int, tensors: int
    ) -> list[str]:
        chosen: list[str] = []
        spent = 0
        for name in spread(comparable(target, candidate), tensors):
            cost = self._cost(target, name) + self._cost(candidate, name)
            if spent + cost > allowance:
                break
            chosen.append(name)
            spent += cost
        return chosen

    async def compare(
        self,
        target: RepoWeights,
        candidate: RepoWeights,
        allowance: int,
        tensors: int | None = None,
    ) -> CandidateStats:
        """Sample up to `tensors` (default `max_tensors`) shared tensors within `allowance`."""
        stats = CandidateStats(candidate.repo)
        theirs = {f.identity for f in candidate.snapshot.weight_files}
        ours = target.snapshot.weight_files
        stats.identical_files = sum(1 for f in ours if f.identity in theirs)
        stats.all_files_identical = bool(ours) and stats.identical_files == len(ours)
        if stats.all_files_identical:
            return stats
        count = tensors or self.options.max_tensors
        for name in self.choose(target, candidate, allowance, count):
            try:
                a, b = await asyncio.gather(self.sample(target, name), self.sample(candidate, name))
            except READ_ERRORS as error:
                stats.error = f"sampling stopped at {name}: {error}"
                break
            stats.comparisons.append(compare_tensor(name, a, b))
        stats.p_value, stats.aligned_row_cosine, stats.rows = permutation_pvalue(
            stats.comparisons, self.rng
        )
        return stats
