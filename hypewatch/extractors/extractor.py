"""The extractor: one post's text in, one `Extraction` out.

    extractor = Extractor(settings.extraction)       # builds the spaCy pipeline once
    extraction = extractor.extract(text, "x", post_id="123")
    extraction.to_json()       # the `hypewatch extract` contract
    extraction.claim_specs()   # ready for store.add_claim

Never raises on bad text: problems become `warnings`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from typing import Any

from hypewatch.config import ExtractionSettings
from hypewatch.extractors import (
    cards,
    claims,
    derivatives,
    names,
    plausibility,
    signals,
    tables,
    text,
)
from hypewatch.extractors.claims import Comparison, Link
from hypewatch.extractors.launched import Evidence
from hypewatch.extractors.scores import Score, ScoreFinder
from hypewatch.extractors.text import prepare
from hypewatch.models import ClaimKind

# `web`: lab blogs, news articles and press pages (the RSS/Atom watcher's posts).
SOURCES = frozenset({"x", "reddit", "huggingface", "web"})
# Front-matter keys of a model card (a discussion or a blog post has other front matter).
_CARD_KEYS = frozenset(
    {
        "license",
        "base_model",
        "model-index",
        "pipeline_tag",
        "library_name",
        "language",
        "tags",
        "datasets",
        "model_name",
        "inference",
    }
)
# Front-matter keys that only a dataset card has: its numbers describe data, not a model.
_DATASET_KEYS = frozenset(
    {"task_categories", "size_categories", "dataset_info", "task_ids", "annotations_creators"}
)
_MODEL_ONLY_KEYS = frozenset({"base_model", "model-index", "pipeline_tag", "library_name"})
# Fields of the Hub's model-card template: a card rendered without its front matter.
_CARD_TEMPLATE = re.compile(
    r"^\W*(?:model card for\b|finetuned from model\b|model type:|developed by:)", re.I | re.M
)
_REPO_ID = re.compile(r"^[A-Za-z0-9][\w.\-]{0,95}/[A-Za-z0-9][\w.\-]{0,95}$")


#: The keys of one `hypewatch extract` line (its JSON contract, docs/extraction.md).
CONTRACT_KEYS = frozenset(
    {"id", "is_claim", "model", "params_b", "base_model", "scores", "comparisons", "links", "flags"}
)


@dataclass(frozen=True)
class ClaimSpec:
    """One claim, ready for `store.add_claim(launch_id, spec.kind, spec.key, ...)`."""

    kind: ClaimKind
    key: str
    benchmark: str = ""
    setting: str = ""
    value: float | None = None
    subject: str = ""
    flags: tuple[str, ...] = ()

    def store_kwargs(self) -> dict[str, Any]:
        return {
            "benchmark": self.benchmark,
            "setting": self.setting,
            "value": self.value,
            "subject": self.subject,
            "flags": self.flags,
        }


@dataclass
class Extraction:
    id: str
    source: str
    is_claim: bool = False
    model: str = ""
    params_b: float | None = None
    base_model: str = ""
    scores: list[Score] = field(default_factory=list)
    comparisons: list[Comparison] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    active_params_b: float | None = None
    open_weights: bool = False
    license: str = ""
    superlative: bool = False
    score_flags: dict[str, list[str]] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    hf_repo: str = ""

    @property
    def endpoint(self) -> str:
        return next((link.url for link in self.links if link.kind == "endpoint"), "")

    def to_json(self) -> dict[str, Any]:
        """The `hypewatch extract` contract: exactly these keys."""
        return {
            "id": self.id,
            "is_claim": self.is_claim,
            "model": self.model,
            "params_b": self.params_b,
            "base_model": self.base_model,
            "scores": [s.to_json() for s in self.scores],
            "comparisons": [c.to_json() for c in self.comparisons],
            "links": [link.to_json() for link in self.links],
            "flags": list(self.flags),
        }

    def add_score_flags(self, extra: dict[str, list[str]]) -> None:
        """Merge flags found later (for example against the database) into the extraction."""
        for benchmark, flags in extra.items():
            for flag in flags:
                if flag not in self.score_flags.setdefault(benchmark, []):
                    self.score_flags[benchmark].append(flag)
                if f"{flag}:{benchmark}" not in self.flags:
                    self.flags.append(f"{flag}:{benchmark}")

    def claim_specs(self) -> list[ClaimSpec]:
        """The checkable claims of a launch post (none when `is_claim` is false)."""
        if not self.is_claim:
            return []
        post_flags = (plausibility.SUPERLATIVE,) if self.superlative else ()
        specs: list[ClaimSpec] = []
        for score in self.scores:
            key = f"score:{score.benchmark}"
            if score.setting:
                key += ":" + score.setting.replace(", ", "+")
            flags = (*self.score_flags.get(score.benchmark, []), *post_flags)
            specs.append(
                ClaimSpec(
                    ClaimKind.SCORE, key, score.benchmark, score.setting, score.value, flags=flags
                )
            )
        if self.base_model:
            specs.append(ClaimSpec(ClaimKind.BASE_MODEL, "base_model", subject=self.base_model))
        for comp in self.comparisons:
            key = f"comparison:{comp.relation}:{names.key(comp.model).replace(' ', '-')}"
            specs.append(ClaimSpec(ClaimKind.COMPARISON, key, subject=comp.model, flags=post_flags))
        if self.open_weights:
            subject = self.hf_repo or self.license
            specs.append(ClaimSpec(ClaimKind.OPEN_WEIGHTS, "open_weights", subject=subject))
        if self.endpoint:
            specs.append(
                ClaimSpec(ClaimKind.ENDPOINT, f"endpoint:{self.endpoint}", subject=self.endpoint)
            )
        return specs


def _merge_scores(groups: list[list[Score]], prose: list[Score]) -> list[Score]:
    """First score per (benchmark, setting) and per (benchmark, value) wins. A second,
    different value for a benchmark in prose is taken to be a rival's and dropped."""
    out: list[Score] = []
    for group in [*groups, prose]:
        for score in group:
            if (
                group is prose
                and any(
                    s.benchmark == score.benchmark
                    and (not score.setting or s.setting == score.setting)
                    for s in out
                )
                and all(s.value != score.value for s in out if s.benchmark == score.benchmark)
            ):
                continue
            same_value = next(
                (
                    i
                    for i, s in enumerate(out)
                    if s.benchmark == score.benchmark and s.value == score.value
                ),
                -1,
            )
            if same_value >= 0:
                if not out[same_value].setting and score.setting:
                    out[same_value] = score
                continue
            if group is prose and any(
                s.value == score.value and s.benchmark.startswith(score.benchmark + "-")
                for s in out
            ):
                continue  # prose `43.1% on AIME` is the table's `AIME 2024` 43.1

            if any(s.benchmark == score.benchmark and s.setting == score.setting for s in out):
                continue
            out.append(score)
    return out


_PAREN = re.compile(r"\s*\([^)]*\)")
# `* These scores are lower than those reported by Meta ... Meta reports 77 for MATH`: a
# table's footnote speaks of its cells (often a rival's), it claims nothing of its own
_FOOTNOTE = re.compile(r"^\s*(?:\*(?!\*)|[†‡§¹²³])\s*\S")


def _footnotes(lines: list[str], found: tables.Found) -> set[int]:
    """The lines of footnote marks right under a table."""
    out: set[int] = set()
    for table in found.tables:
        i = table.last_line + 1
        while i < len(lines) and i <= table.last_line + 3:
            if _FOOTNOTE.match(lines[i]) and not lines[i].lstrip().startswith("* *"):
                out.add(i)
            elif lines[i].strip():
                break
            i += 1
    return out


def _variant_of(label: str, decided: str) -> bool:
    """`InternLM2.5-20B-Chat` beside `InternLM2.5-20B`: the same name but for its variant
    words (chat, instruct, base)."""
    a = [t for t in names.tokens(_PAREN.sub("", label)) if t not in names.NOISE]
    b = [t for t in names.tokens(_PAREN.sub("", decided)) if t not in names.NOISE]
    return a == b and names.tokens(label) != names.tokens(decided)


def _named_in(prose: str, model: str) -> bool:
    """Does the text outside its tables name the model's family?"""
    family = names.family(names.tokens(model))
    return bool(family) and family in names.key(prose[:20000])


def _many_families(table: tables.Table) -> bool:
    """Does a table name models of three or more families (in its rows or its columns)?"""
    rows = [row[0].text for row in table.body if row]
    columns = [cell.text for cell in table.rows[0][1:]] if table.rows else []
    return len(claims.name_families(rows)) >= 3 or len(claims.name_families(columns)) >= 3


def _asserts(result: Extraction, prose: str, found: tables.Found, source: str) -> bool:
    """Does a text with no score, comparison or base assert anything to check? A card or
    README that does not (a training recipe, a merge config, a page of install steps) is no
    claim: a claim states results, superiority, a relation to other models, an endpoint, or
    holds a table of known benchmarks it was not possible to read. A post announcing a
    release (`Today we release X, open weights: <url>`) always does: its card on the Hub is
    where the numbers are."""
    return (
        source != "huggingface"
        or result.superlative
        or bool(result.endpoint)
        or claims.asserts_relative(prose)
        or any(cards.reports_benchmarks(t) for t in found.tables)
    )


class Extractor:
    """Built once (the spaCy pipeline and matchers); `extract()` is then cheap."""

    def __init__(self, settings: ExtractionSettings | None = None) -> None:
        self.settings = settings or ExtractionSettings()
        self.finder = ScoreFinder()

    def extract(self, text: str, source: str, post_id: str = "") -> Extraction:
        result = Extraction(id=post_id, source=source)
        prep = prepare(text, self.settings.max_text_chars)
        result.warnings.extend(prep.warnings)
        if source not in SOURCES:
            result.warnings.append(f"unknown source {source!r}; expected one of {sorted(SOURCES)}")
        if not prep.body and not prep.front_matter:
            return result
        self._fill(result, prep.body, prep.front_matter, source, post_id)
        return result

    def _fill(
        self, result: Extraction, body: str, front: dict[str, Any], source: str, post_id: str
    ) -> None:
        found = tables.find(body)
        lines = body.splitlines()
        skip = found.lines | _footnotes(lines, found)
        prose = "\n".join("" if i in skip else line for i, line in enumerate(lines))
        if "model-index" not in front and "model-index:" in body:
            front = {**front, **text.yaml_block(body, "model-index", result.warnings)}
        index_name, index_scores = cards.model_index(front, result.warnings)
        if not index_scores and "model-index:" in body:
            # the metadata as a page rendered it: on one line, or its indentation lost
            flat = text.flat_model_index(body)
            if flat:
                front = {**front, **flat}
                index_name, index_scores = cards.model_index(front, result.warnings)
        result.links = claims.links(body)
        repos = [
            link.url.removeprefix("https://huggingface.co/")
            for link in result.links
            if link.kind == "hf_repo"
        ]
        own_repo = source == "huggingface" and bool(_REPO_ID.match(post_id))
        if own_repo:
            repos.insert(0, post_id)
        result.hf_repo = repos[0] if repos else ""
        result.comparisons = claims.comparisons(prose)
        exclude = {names.key(c.model) for c in result.comparisons}
        result.model, subjects = self._name(
            prose, index_name, post_id if own_repo else "", repos, exclude
        )
        table_scores: list[Score] = []
        decided = ""
        stated = claims.stated_size(prose) if result.model else None
        if stated and not names.sizes(names.tokens(result.model)):
            # `DeepSeek LLM ... comprising 67 billion parameters`: the size the text states
            # tells the launched row of a table of several sizes
            subjects = [f"{result.model} {stated:g}B", *subjects]
        declared = tuple(cards.base_models(front))
        for table in found.tables:
            evidence = Evidence(
                subjects,
                decided,
                declared,
                above=f"{table.heading}\n{table.caption}\n{table.before}",
                prose=prose,
            )
            scores, choice = cards.table_scores(table, evidence)
            # the model the table is about, named above it (`### Qwen2.5-72B Performance`,
            # `X compared with:`), for a table whose columns the launch names cannot decide
            local = claims.first_name(f"{table.caption}. {table.before}. {table.heading}", exclude)
            names_given = subjects
            if (
                choice.index < 0
                and local
                and choice.reason.startswith("no column or row")
                and not names.other_version(local, result.model)
            ):
                scores, choice = cards.table_scores(table, replace(evidence, subjects=[local]))
                names_given = [*subjects, local]
            if decided and choice.label and _variant_of(choice.label, decided):
                # `InternLM2.5-20B-Chat` after the card's `InternLM2.5-20B` table: the chat
                # variant's numbers stand only for benchmarks the launched one was not given
                claimed = {s.benchmark for s in table_scores}
                scores = [s for s in scores if s.benchmark not in claimed]
            table_scores += scores
            if scores and choice.label:
                result.model = self._sized(result.model, choice.label, names_given)
                decided = decided or choice.label
            elif choice.index < 0 and choice.reason.startswith("no column or row names"):
                result.warnings.append(
                    f"table at line {table.first_line + 1}: {choice.reason}; nothing taken from it"
                )
        # after the tables, which may name the size: `MiniCPM-V, based on MiniCPM-2B` is a
        # sibling's base when the launched model is MiniCPM-2B
        result.base_model = declared[0] if declared else claims.base_model(prose, result.model)
        scanned = text.vertical_scores(text.unlink(prose))
        result.scores = _merge_scores(
            [index_scores, table_scores],
            [
                score
                for score, at in self.finder.find_at(scanned)
                if not claims.another_size(scanned, at, result.model)
                and not claims.rival_subject(scanned, at, result.model)
            ],
        )
        result.params_b, result.active_params_b = claims.params(prose, result.model)
        is_card = source == "huggingface" and bool(
            _CARD_KEYS.intersection(front)
            or found.tables
            or index_scores
            or _CARD_TEMPLATE.search(body[:20000])
        )
        verdict = signals.classify(prose, has_scores=bool(result.scores), is_card=is_card)
        if (
            not verdict.reason
            and source != "huggingface"
            and (
                len(claims.performing_families(prose)) >= 3
                or (
                    not verdict.launch
                    and not _named_in(prose, result.model)
                    and any(_many_families(t) for t in found.tables)
                )
            )
            and not claims.launch_names(prose, set())
        ):
            # `Llama 3.1 405B scores ..., DeepSeek-V3 matches ..., Qwen 2.5 outperforms ...`,
            # or a leaderboard's table of them, with nobody launching anything: a roundup of
            # other people's numbers
            verdict = signals.Signals(False, "roundup")
        if _DATASET_KEYS.intersection(front) and not _MODEL_ONLY_KEYS.intersection(front):
            verdict = signals.Signals(verdict.launch, "dataset_card")
        derivative = (
            derivatives.derivative_of(front, body, result.hf_repo)
            if source == "huggingface"
            else None
        )
        if derivative is not None:  # a conversion's copied scores are its base's claims
            verdict = signals.Signals(False, "derivative")
            result.base_model = derivative.base or result.base_model
            result.flags.extend(derivative.flags())
        # a base model alone makes a claim only on the launcher's own page (a Hub card) or
        # launch post: a commenter's "seems to be a Llama-3.1 finetune" is not a claim
        own_base = bool(result.base_model) and (verdict.launch or source == "huggingface")
        has_content = bool(result.scores or result.comparisons or own_base)
        named = bool(result.model or result.hf_repo)
        result.superlative = plausibility.superlative(prose)
        asserts = has_content or _asserts(result, prose, found, source)
        reason = verdict.reason or (
            "" if asserts or not (verdict.launch and named) else "no_results"
        )
        result.is_claim = not reason and (has_content or (verdict.launch and named))
        result.license = cards.license_of(front) or claims.license_in(prose)
        result.open_weights = claims.open_weights(prose) or (
            source == "huggingface" and bool(repos)
        )
        self._flags(result, reason)

    @staticmethod
    def _name(
        prose: str, index_name: str, own_repo: str, repos: list[str], exclude: set[str]
    ) -> tuple[str, list[str]]:
        """The launched model's name, and every name the text gives it (for tables)."""
        launch = claims.launch_names(prose, exclude)
        title, whole = claims.title_name(prose, exclude)
        strong = claims.clip(index_name) or (own_repo.split("/", 1)[1] if own_repo else "")
        if strong:
            model = strong
        elif title:
            model = claims.refine(title, prose, launch, whole)
        else:
            model = claims.model_name(prose, repos, exclude, launch)
        model, other_names = (
            claims.aliases(claims.plain(prose), model) if not strong else (model, [])
        )
        performing = claims.performers(prose, model)
        # another launch sentence's name of another version (`OpenChat 3.5 1210` on the card
        # of `OpenChat 3.5 0106`) is the older release, not another name of this one
        others = [n for n in (*launch[:3], *performing) if not names.other_version(n, model)]
        subjects = [n for n in (model, *other_names, strong, title, *others) if n]
        return model, subjects

    @staticmethod
    def _sized(model: str, label: str, subjects: list[str]) -> str:
        """A family name (`Yi`, `Llama 3`) made the size the table's launched column names."""
        named = claims.clip(_PAREN.sub("", label).strip())
        if (
            named
            and model
            and not names.compatible(named, model)
            and any(names.key(s) == names.key(named) for s in subjects)
        ):
            return named  # a project's title (`SkyThought`), the launch sentence's model
        if not model or names.sizes(names.tokens(model)):
            return model
        # `DeepSeek-V2 (MoE-236B)`: the parenthesis describes the column, it is not the name
        if named and names.sizes(names.tokens(named)) and names.compatible(named, model):
            return named
        if named and not any(c.isdigit() for c in model) and claims.extends(named, model):
            return named  # a bare family (`OpenChat`) made the row's `OpenChat-3.5-0106`
        return model

    def _flags(self, result: Extraction, reason: str) -> None:
        if not result.is_claim:
            result.scores, result.comparisons = [], []
            result.superlative = False
            if reason:
                result.flags.append(f"not_claim:{reason}")
            return
        for score in result.scores:
            for flag in plausibility.ceiling_flags(score.benchmark, score.value):
                result.add_score_flags({score.benchmark: [flag]})
        if result.superlative:
            result.flags.append(plausibility.SUPERLATIVE)
        if result.open_weights:
            result.flags.append("open_weights")
        if result.license:
            result.flags.append(f"license:{result.license}")
        if result.active_params_b is not None:
            result.flags.append(f"active_params_b:{result.active_params_b:g}")
