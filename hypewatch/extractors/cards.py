"""Score tables (any syntax, see `tables`) and the `model-index` / `base_model` front matter.

A table may list benchmarks as rows and models as columns, or the other way
round; only the launched model's column (or row) is read, chosen by `launched`
from the names the text gives the model. Columns that describe the evaluation
(metric, shots, setting), a header row of shot counts and label parentheses
give the setting. A table whose percent-scale scores are all fractions (0.312)
is read as percent (31.2). One table gives one value per benchmark: the first
row (the headline setting) wins.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Any

from hypewatch.extractors import launched, names, registry, settings_norm, tables
from hypewatch.extractors.launched import Candidate, Choice, Evidence
from hypewatch.extractors.scores import Score

_CELL_NUMBER = re.compile(r"(?<![\w./])(\d{1,4}(?:\.\d+)?)(?![\w./])")
# `KoMT-Bench[1]`: a footnote mark is no part of a benchmark's name
_MARKUP = re.compile(r"\*\*|__|`|<[^>]{0,80}>|\[\^\w+\]|\[\d{1,2}\]|[*†‡§¹²³]")
_EMPTY = frozenset({"", "-", "—", "–", "N/A", "n/a", "/", "--"})
_META = frozenset(
    [
        "metric",
        "metrics",
        "setting",
        "settings",
        "shots",
        "shot",
        "nshot",
        "nshots",
        "fewshot",
        "type",
        "category",
        "task",
        "tasks",
        "domain",
        "eval",
        "evaluation",
        "method",
        "mode",
        "protocol",
        # lm-evaluation-harness output: numeric columns that are not scores
        "version",
        "stderr",
        "std",
        "filter",
        # how many items and how many right (`| Questions | Correct | Accuracy |`): counts
        "questions",
        "correct",
        "samples",
        "examples",
        "items",
        # training compute beside the scores (`Train FLOPs` over `1.8·10²³`)
        "flops",
        "trainflops",
        "trainingflops",
        # parameter counts beside the scores (`#TP`, `#AP`, `Params`)
        "tp",
        "ap",
        "params",
        "size",
    ]
)
# Words of a category or an average over several benchmarks (`Common-sense Reasoning`,
# `Math & Code`): a label made only of these names no benchmark.
_CATEGORY_WORDS = frozenset(
    [
        "general",
        "knowledge",
        "reasoning",
        "commonsense",
        "common",
        "sense",
        "reading",
        "comprehension",
        "math",
        "mathematics",
        "code",
        "coding",
        "english",
        "chinese",
        "multilingual",
        "average",
        "avg",
        "overall",
        "language",
        "understanding",
        "world",
        "tool",
        "use",
        "steerability",
        "long",
        "context",
        "safety",
        "and",
        "instruction",
        "following",
        "agentic",
        "agent",
        "agents",
        "science",
        "sciences",
        "social",
        "humanities",
        "stem",
        "other",
        "others",
        "hard",
        # `Popular aggregated benchmark`, `Code generation`, `Factual knowledge`, `Robustness`
        "popular",
        "aggregated",
        "benchmark",
        "benchmarks",
        "generation",
        "factual",
        "robustness",
        "tasks",
    ]
)


def _is_meta(header: str) -> bool:
    return re.sub(r"[^a-z]", "", header.lower()) in _META


_LABEL_HEADERS = frozenset(
    [
        "benchmark",
        "benchmarks",
        "dataset",
        "datasets",
        "task",
        "tasks",
        "eval",
        "model",
        "models",
        "name",
        "metric",
    ]
)
# Headers of the column that names the benchmarks (`| Capability | Dataset | Ours | ... |`):
# its rows are benchmarks even where the registry knows none of them (HotpotQA, VCSUM).
_BENCH_HEADERS = frozenset(["benchmark", "benchmarks", "dataset", "datasets", "task", "tasks"])
_NOT_BENCH = frozenset(
    [
        "average",
        "avg",
        "avg.",
        "mean",
        "overall",
        "params",
        "parameters",
        "size",
        "context",
        "license",
        "release",
        "date",
        "tokens",
        "total",
        "active",
        "#",
        "model",
        "value",
        "result",
        "score",
    ]
)


_BREAK = re.compile(r"<br\s*/?>", re.I)
# `Baichuan-7B<sup>0</sup>`, `Gaokao-Bench<sup>1</sup>`: a footnote mark, not part of a name
_FOOTNOTE = re.compile(r"<sup>[^<]{0,12}</sup>", re.I)


def _clean(text: str) -> str:
    if "<" in text:  # `LAMBADA<br>OpenAI` is two words
        text = _FOOTNOTE.sub("", _BREAK.sub(" ", text))
    return _MARKUP.sub("", text).strip()


@dataclass
class _View:
    """A table as header labels (one per column) and body rows of cleaned text."""

    header: list[list[str]]
    header_bold: list[bool]
    rows: list[list[str]]
    bold: list[list[bool]]

    @property
    def width(self) -> int:
        return len(self.header)

    def column(self, j: int) -> list[str]:
        return [row[j] for row in self.rows]

    def label(self, j: int) -> str:
        return " ".join(self.header[j])


def _settings_row(row: list[tables.Cell], first_header: str) -> bool:
    """A header row of shot counts under the benchmark names (`| | 5-shot | 8-shot |`)."""
    label = _clean(row[0].text) if row else ""
    if label and label != first_header:
        return False
    rest = [_clean(c.text) for c in row[1:]]
    named = [c for c in rest if c not in _EMPTY]
    return bool(named) and all(settings_norm.normalize(c) for c in named)


def _names_row(table: tables.Table, r: int) -> bool:
    """The row of benchmark names under a grouped header (`| | Knowledge | | Math |`)."""
    row = [_clean(c.text) for c in table.rows[r][1:]]
    above = [_clean(c.text) for row_above in table.rows[:r] for c in row_above[1:]]
    hits = sum(map(_is_bench_label, row))
    return hits >= 2 and hits > sum(map(_is_bench_label, above)) and not _numeric(row)


_VALUE_CELL = re.compile(r"^[\s*~≈<>]*[+\-−]?\d[\d.,]*\s*%?[\s*†‡]*$")


def _group_row(row: list[tables.Cell]) -> bool:
    """A header that groups columns (`| Benchmark | Similar size | | | 2x size | |`):
    half or more of its cells after the first are blank."""
    cells = [c.text.strip() for c in row[1:]]
    return len(cells) >= 3 and sum(1 for c in cells if c) * 2 <= len(cells)


def _label_row(row: list[tables.Cell]) -> bool:
    """A row under a grouping header that names the columns (`| | Phi-4 mini-Ins | Qwen2.5-3B
    |`): a blank first cell, the rest filled with distinct labels, none of them a value."""
    if not row or row[0].text.strip():
        return False
    cells = [c.text.strip() for c in row[1:]]
    filled = [c for c in cells if c]
    return (
        len(filled) >= max(2, (len(cells) + 1) // 2)
        and len(set(filled)) == len(filled)
        and not any(_VALUE_CELL.match(c) for c in filled)
    )


def _view(table: tables.Table) -> _View:
    head = table.header_rows
    first_header = _clean(table.rows[0][0].text) if table.rows and table.rows[0] else ""
    while head < len(table.rows) - 1 and (
        _settings_row(table.rows[head], first_header) or _names_row(table, head)
    ):
        head += 1
    # `| Benchmark | Similar size | | 2x size | |` over `| | Phi-4 mini-Ins | ... |`: the row
    # under the groups names the models; a group's words are no part of a model's name
    grouped = head == 1 < len(table.rows) - 1 and _group_row(table.rows[0])
    grouped = grouped and _label_row(table.rows[1])
    head += grouped
    header: list[list[str]] = []
    for j in range(table.width):
        parts: list[str] = []
        for row in table.rows[1 if grouped and j else 0 : head]:
            text = _clean(row[j].text) if j < len(row) else ""
            if text and text not in parts:
                parts.append(text)
        header.append(parts)
    header_bold = [
        any(row[j].bold for row in table.rows[:head] if j < len(row)) for j in range(table.width)
    ]
    body = table.rows[head:]
    return _View(
        header,
        header_bold,
        [[_clean(c.text) for c in row] for row in body],
        [[c.bold for c in row] for row in body],
    )


_SETTING_TEXT = re.compile(
    r"\b(\d+|zero|few)[\s-]*shots?\b|\b(maj|pass|cons|avg|mean)\s*@\s*\d+|\(\s*\)", re.I
)


@functools.lru_cache(maxsize=8192)  # a table's cells are read by several column tests
def _number(cell: str) -> tuple[float, str] | None:
    # each alternative of _SETTING_TEXT needs `shot`, `@` or `(`: most cells have none
    if "@" in cell or "(" in cell or not cell.isascii() or "shot" in cell.lower():
        cell = _SETTING_TEXT.sub(" ", cell)
    match = _CELL_NUMBER.search(cell.replace(",", ""))
    return (float(match.group(1)), match.group(1)) if match else None


_EVALPLUS = re.compile(r"\bevalplus\b|\s\+\+(?=\s|$)", re.I)
_EVALPLUS_BASE = re.compile(r"\(base\)|\bbase(?:\s+version)?\b", re.I)


_DATE_RANGE = re.compile(r"\b\d{4}\s*[-–]\s*\d{4}\b")
# `XQuAD (th)`, `TAU-bench *(airline)*`: a language code or a domain in parentheses is part of
# the benchmark's name (a subset reported on its own), not a setting like `(EM)` or `(5-shot)`
_QUALIFIER = re.compile(
    r"[*_]*\(\s*[*_]*((?!em\b)[a-z]{2}|airline|retail|telecom)[*_]*\s*\)[*_]*\s*$"
)


_ARC_MEAN = re.compile(r"[*_\s]*ARC\b[^\w]*\(?\s*(?:avg|average|mean)\b", re.I)
_METRIC_WORD = re.compile(r"\b(?:accuracy|acc|score|zero[\s-]?shot|few[\s-]?shot)\s*$", re.I)


@functools.lru_cache(maxsize=4096)
def _label(cell: str) -> tuple[str, str]:
    """Benchmark name and setting from a label like `GSM8K (8-shot, CoT)` or `MMLU (EM)`."""
    if "_" in cell and " " not in cell.strip():
        cell = cell.replace("_", " ")  # an lm-eval task id: `gpqa_diamond_cot_zeroshot`
    if _ARC_MEAN.match(cell):
        return "", ""  # `ARC (Average)`: the mean of ARC-Easy and ARC-Challenge, neither one
    setting = settings_norm.normalize(cell)
    if _EVALPLUS_BASE.search(cell) and _EVALPLUS.search(cell):
        # EvalPlus reports the original tests ("base") and its extra ones ("plus"):
        # `MBPP EvalPlus (base)`, `MBPP ++ base version` are MBPP
        cell = " ".join(_EVALPLUS.sub(" ", _EVALPLUS_BASE.sub(" ", cell)).split())
    qualifier = _QUALIFIER.search(cell) if "(" in cell else None
    if qualifier:
        head = cell[: qualifier.start()].strip(" *_")
        if registry.lookup(head) is not None:
            return f"{head} {qualifier.group(1)}", setting
    bare = re.sub(r"\([^)]*\)", " ", cell)
    # `LiveCodeBench 2408-2502`: the date range of a rolling benchmark's problems
    bare = _DATE_RANGE.sub(" ", bare) if "-" in bare or "–" in bare else bare
    bare = settings_norm.COT.sub(" ", _SETTING_TEXT.sub(" ", bare))
    bare = _METRIC_WORD.sub(" ", bare)  # `GSM8K Accuracy`: the metric, not the name
    bare = re.sub(r"\s+", " ", bare).strip(" -:,;")
    joined = re.sub(r"[()]", " ", cell)
    for name in (joined, bare, cell):
        if registry.lookup(name) is not None:
            return name, setting
    return bare or cell.strip(), setting


# `MT-bench Pairwise Comparison` over `Win | Loss | Tie`: outcome counts, not scores
_OUTCOMES = frozenset(
    [
        "win",
        "wins",
        "loss",
        "losses",
        "lose",
        "tie",
        "ties",
        "draw",
        "draws",
        "winrate",
        "win rate",
        "adjusted win rate",
        "loss rate",
        "tie rate",
        "lose rate",
    ]
)


def _label_of(parts: list[str]) -> tuple[str, str]:
    """The benchmark named by a column's header rows (`MT-Bench` over `Avg. Score`)."""
    if parts and " ".join(re.findall(r"[a-z]+", parts[-1].lower())) in _OUTCOMES:
        return "", ""
    setting = settings_norm.normalize(" ".join(parts))
    for part in reversed(parts):  # the lowest header row is the most specific
        name, _ = _label(part)
        if registry.lookup(name) is not None:
            return name, setting
    name, _ = _label(" ".join(parts))
    return name, setting


def _is_bench_label(cell: str) -> bool:
    name, _ = _label(cell)
    return registry.known(name) is not None


# An unknown label with one of these words is an aggregate ("Average Score in English").
_AGGREGATE_WORDS = frozenset(["average", "avg", "mean", "overall", "total"])
# The column of a table under a benchmark's heading that holds that benchmark's value
_TOPIC_VALUE_WORDS = _AGGREGATE_WORDS | {"score"}


def _is_category(name: str) -> bool:
    words = re.findall(r"[a-z]+", name.lower())
    known = registry.lookup(name) is not None
    if known or not words:
        return False
    return all(w in _CATEGORY_WORDS for w in words) or not _AGGREGATE_WORDS.isdisjoint(words)


def _names_benchmark(name: str) -> bool:
    low = name.lower()
    return bool(name) and low not in _NOT_BENCH and not _is_meta(name) and not _is_category(name)


def _sized_model(name: str) -> bool:
    """`BLOOMZ-7B`, `LLaMA-7B`: a parameter count names a model; no benchmark has one."""
    return registry.lookup(name) is None and bool(names.sizes(names.tokens(name)))


def _numeric(cells: list[str]) -> bool:
    filled = [c for c in cells if c not in _EMPTY]
    # `AIME-24 (pass@1)` holds a number but is a benchmark's name, not a score
    numbers = sum(_number(c) is not None and not _is_bench_label(c) for c in filled)
    return bool(filled) and numbers >= max(1, len(filled) // 2)


def _fractions(values: list[tuple[str, float]]) -> bool:
    percent = [v for b, v in values if registry.scale_of(b) is registry.Scale.PERCENT]
    return bool(percent) and all(0 <= v <= 1.0 for v in percent)


def _finish(raw: list[tuple[str, float, str]], all_values: list[tuple[str, float]]) -> list[Score]:
    scale = _fractions(all_values)
    out: list[Score] = []
    for bench, value, setting in raw:
        if any(s.benchmark == bench for s in out):
            continue  # a second row of one benchmark is another setting; the first is the claim
        if scale and registry.scale_of(bench) is registry.Scale.PERCENT:
            value = round(value * 100, 6)
        if bench and registry.value_in_range(bench, value, setting):  # a label of only
            out.append(Score(bench, value, setting))  # punctuation names no benchmark
    return out


def _meta_setting(header: str, cell: str) -> str:
    """The setting in a metadata cell; a bare number under a shots header is n-shot."""
    if "shot" in header.lower() and cell.strip().isdigit():
        return f"{int(cell)}-shot"
    return settings_norm.normalize(cell)


def _bench_rows(view: _View, evidence: Evidence) -> tuple[list[Score], Choice]:
    cols = list(range(view.width))
    numeric = [j for j in cols if _numeric(view.column(j))]
    text_cols = [j for j in cols if j not in numeric]
    if not numeric or not text_cols:
        return [], Choice(-1, reason="no benchmark labels beside the numbers")
    label_col = max(
        text_cols,
        key=lambda j: (
            sum(map(_is_bench_label, view.column(j))),
            view.label(j).lower() in _BENCH_HEADERS,
            -j,
        ),
    )
    labels = [_label(c)[0] for c in view.column(label_col)]
    categories = sum(map(_is_category, labels))
    if categories >= 3 and categories > sum(registry.lookup(n) is not None for n in labels):
        # `| Reasoning | 84.1 |`, `| Code generation | 66.1 |`, `| Math | 52.8 |`: averages
        # over categories of benchmarks (its `Math` is a category, not MATH)
        return [], Choice(-1, reason="rows are categories of benchmarks, not benchmarks")
    meta = [j for j in cols if j != label_col and (j in text_cols or _is_meta(view.label(j)))]
    models = [j for j in numeric if j not in meta]
    choice = launched.choose(
        [Candidate(j, view.label(j), view.header_bold[j]) for j in models], evidence
    )
    if choice.index < 0:
        return [], choice
    ours = choice.index
    raw: list[tuple[str, float, str]] = []
    every: list[tuple[str, float]] = []
    for row in view.rows:
        name, setting = _label(row[label_col])
        if not _names_benchmark(name) or _sized_model(name):
            continue
        bench = registry.benchmark_id(name)
        extra = [_meta_setting(view.label(j), row[j]) for j in meta]
        setting = settings_norm.join([setting, *extra, settings_norm.normalize(view.label(ours))])
        every += [(bench, n[0]) for j in models if (n := _number(row[j]))]
        found = _number(row[ours])
        if found is not None:
            raw.append((bench, found[0], setting))
    return _finish(raw, every), choice


_SIZE_HEADERS = frozenset(["size", "params", "param", "parameters", "model size", "total params"])


def _row_name(view: _View, row: list[str]) -> str:
    """A row's model: its label, with the size from a `Size` column when the label is a bare
    family, with no size or version (`| Yi-Coder | 9B |` is `Yi-Coder 9B`)."""
    label = row[0]
    toks = names.tokens(label)
    if names.sizes(toks) or names.versions(toks):
        return label
    for j in range(1, min(view.width, 4)):
        header = " ".join(re.findall(r"[a-z]+", view.label(j).lower()))
        if header in _SIZE_HEADERS and names.sizes(names.tokens(row[j])):
            return f"{label} {row[j]}"
    return label


def _model_rows(view: _View, evidence: Evidence) -> tuple[list[Score], Choice]:
    candidates = [
        Candidate(i, _row_name(view, row), view.bold[i][0])
        for i, row in enumerate(view.rows)
        if row and row[0] and any(_number(c) for c in row[1:])
    ]
    choice = launched.choose(candidates, evidence)
    if choice.index < 0:
        return [], choice
    row = view.rows[choice.index]
    raw: list[tuple[str, float, str]] = []
    every: list[tuple[str, float]] = []
    for j in range(1, view.width):
        if _is_meta(view.label(j)):
            continue
        pair = _PLUS_PAIR.match(view.label(j))
        if pair and registry.lookup(pair.group(1) + "+") is not None:
            # `HumanEval (+)` over `76.8 (70.7)`: EvalPlus's base tests, then its plus tests
            for k, bench in enumerate(
                (registry.benchmark_id(pair.group(1)), registry.benchmark_id(pair.group(1) + "+"))
            ):
                every += [(bench, v) for r in view.rows if (v := _nth_number(r[j], k)) is not None]
                pair_value = _nth_number(row[j], k)
                if pair_value is not None:
                    raw.append((bench, pair_value, ""))
            continue
        name, setting = _label_of(view.header[j])
        if not _names_benchmark(name):
            continue
        bench = registry.benchmark_id(name)
        every += [(bench, n[0]) for r in view.rows if (n := _number(r[j]))]
        found = _number(row[j])
        if found is not None:
            raw.append((bench, found[0], setting))
    return _finish(raw, every), choice


_PLUS_PAIR = re.compile(r"^\s*(.+?)\s*\(\s*\+\s*\)\s*$")
_BASE_PLUS_CELL = re.compile(
    r"[*_\s]*(\d{1,3}(?:\.\d+)?)[*_\s]*\(\s*[*_]*(\d{1,3}(?:\.\d+)?)[*_]*\s*\)\s*"
)


def _nth_number(cell: str, k: int) -> float | None:
    """The k-th number of a `76.8 (70.7)` cell (the one outside the parentheses, then the one
    inside); None unless the cell is exactly that pair."""
    pair = _BASE_PLUS_CELL.fullmatch(cell)
    return float(pair.group(k + 1)) if pair else None


_MODEL_HEADERS = frozenset(["model", "models"])
# Column headers of a model's make-up or download, not of a score (`| Model | Seq Len |`).
_CONFIG_WORDS = frozenset(
    [
        "len",
        "length",
        "seq",
        "sequence",
        "context",
        "window",
        "size",
        "params",
        "parameters",
        "tokens",
        "layers",
        "heads",
        "dim",
        "hidden",
        "vocab",
        "experts",
        "download",
        "link",
        "links",
        "license",
        "date",
        "release",
        "type",
        "precision",
        "gpu",
        "gpus",
        "memory",
        "batch",
        "steps",
        "lr",
        "rate",
    ]
)


def _score_headers(view: _View) -> int:
    """How many columns after the first read as scores: named, numeric, no make-up word."""
    count = 0
    for j in range(1, view.width):
        label = view.label(j)
        words = set(re.findall(r"[a-z]+", label.lower()))
        if (
            _names_benchmark(_label_of(view.header[j])[0])
            and words.isdisjoint(_CONFIG_WORDS)
            and _numeric(view.column(j))
        ):
            count += 1
    return count


def _topic_view(view: _View, topic: str) -> _View | None:
    """`### Gaokao` over `| Model | Average |`, `### MMLU` over `| Model | Average | STEM |
    Humanities |`: a table of models under a heading that names the benchmark, whose columns
    are its average and its parts. The view keeps the label column and the average, named
    by the heading; None for any other table."""
    if not topic or any(
        _is_bench_label(view.label(j)) or any(map(_is_bench_label, view.header[j]))
        for j in range(view.width)
    ):
        return None
    average = next(
        (
            j
            for j in range(1, view.width)
            if view.label(j).lower().strip(" .:") in _TOPIC_VALUE_WORDS and _numeric(view.column(j))
        ),
        -1,
    )
    if average < 0 or not all(
        _is_category(view.label(j)) or _is_meta(view.label(j))
        for j in range(1, view.width)
        if j != average
    ):
        return None
    return _View(
        [view.header[0], [topic]],
        [view.header_bold[0], view.header_bold[average]],
        [[row[0], row[average]] for row in view.rows],
        [[bold[0], bold[average]] for bold in view.bold],
    )


def _value_row(view: _View, topic: str) -> list[Score] | None:
    """`#### MMLU` over `| MMLU 0-shot |` and `| 78.7 |`; `#### MT-Bench` over `| total |
    writing | math | ... |` and one row of values: a table of one row of numbers and no label
    column is the text's own model's. Under a heading that names a benchmark with an aggregate
    column, that column is the benchmark's value and the others its parts (`math` there is an
    MT-Bench category, not MATH); otherwise each column named by a benchmark gives its value.
    None for any other table."""
    if len(view.rows) != 1 or not view.rows[0]:
        return None
    row = view.rows[0]
    values = [_number(c) for c in row]
    if any(v is None for c, v in zip(row, values, strict=True) if c not in _EMPTY):
        return None
    raw: list[tuple[str, float, str]] = []
    aggregate = next(
        (j for j in range(view.width) if view.label(j).lower().strip(" .:") in _AGGREGATE_WORDS),
        -1,
    )
    if topic and aggregate >= 0 and (found := values[aggregate]) is not None:
        raw.append((registry.benchmark_id(topic), found[0], ""))
    else:
        for j in range(view.width):
            name, setting = _label_of(view.header[j])
            if registry.lookup(name) is not None and (found := values[j]) is not None:
                raw.append((registry.benchmark_id(name), found[0], setting))
    if not raw and topic and (first := values[0]) is not None:
        # `#### IFEval` over `| Prompt-Strict Acc | Instruction-Strict Acc |`: the
        # benchmark's first metric, as its card reports it first
        raw.append((registry.benchmark_id(topic), first[0], ""))
    return _finish(raw, [(bench, value) for bench, value, _ in raw])


def reports_benchmarks(table: tables.Table) -> bool:
    """Does a table name two or more known benchmarks (in its header or first column)? A
    card with such a table reports results, even when no column of it could be read."""
    labels = [c.text for row in table.rows[: table.header_rows] for c in row]
    labels += [row[0].text for row in table.body if row]
    return sum(_is_bench_label(_clean(label)) for label in labels) >= 2


def table_scores(table: tables.Table, evidence: Evidence) -> tuple[list[Score], Choice]:
    """The launched model's scores in one table, and which column or row they came from
    (`evidence`: what the text says about which one is the launched model). A value reported on a
    leaderboard's own scale carries that protocol as a setting (`settings_norm.protocol_of`)."""
    scores, choice = _table_scores(table, evidence)
    context = f"{table.heading}\n{table.caption}\n{table.before}"
    return [_with_protocol(score, context) for score in scores], choice


def _with_protocol(score: Score, context: str) -> Score:
    protocol = settings_norm.protocol_of(score.benchmark, context)
    if not protocol:
        return score
    return Score(score.benchmark, score.value, settings_norm.join([score.setting, protocol]))


def _table_scores(table: tables.Table, evidence: Evidence) -> tuple[list[Score], Choice]:
    view = _view(table)
    own = _value_row(view, table.topic)
    if own is not None:
        return own, Choice(0, reason="one row of values, no model column")
    if not view.rows or view.width < 2:
        return [], Choice(-1, reason="not a score table")
    topical = _topic_view(view, table.topic)
    if topical is not None:
        return _model_rows(topical, evidence)
    header_hits = sum(
        _is_bench_label(view.label(j)) or any(_is_bench_label(p) for p in view.header[j])
        for j in range(1, view.width)
    )
    row_hits = sum(1 for row in view.rows for c in row[:2] if _is_bench_label(c))
    if header_hits > row_hits and header_hits >= 1:
        return _model_rows(view, evidence)
    first = view.label(0).lower()
    named_col = any(view.label(j).lower() in _BENCH_HEADERS for j in range(min(3, view.width)))
    if not row_hits and not named_col and first in _MODEL_HEADERS and _score_headers(view) >= 2:
        # `| Model | Avg. | bAbI#16 | CLUTRR |`: rows of models under benchmark names the
        # registry does not know
        return _model_rows(view, evidence)
    if row_hits >= 1 or first in _LABEL_HEADERS or named_col:
        return _bench_rows(view, evidence)
    return [], Choice(-1, reason="no benchmark names in the table")


def _as_list(value: Any) -> list[Any]:
    if isinstance(value, list):
        return value
    return [value] if value is not None else []


def _index_result(result: Any) -> Score | None:
    if not isinstance(result, dict):
        return None
    dataset = result.get("dataset") if isinstance(result.get("dataset"), dict) else {}
    metrics = [m for m in _as_list(result.get("metrics")) if isinstance(m, dict)]
    if not dataset or not metrics:
        return None
    label = str(dataset.get("name") or dataset.get("type") or "")
    name, setting = _label(label)
    found = registry.lookup(name) or registry.lookup(str(dataset.get("type") or ""))
    bench = found.id if found else registry.slug(name)
    args = dataset.get("args")
    if isinstance(args, dict) and "num_few_shot" in args:
        setting = settings_norm.join([setting, f"{args['num_few_shot']}-shot"])
    raw = metrics[0].get("value")
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        return None
    value = float(raw)
    if registry.scale_of(bench) is registry.Scale.PERCENT and 0 < value <= 1.0:
        value = round(value * 100, 6)
    if not bench or not registry.value_in_range(bench, value, setting):
        return None
    source = result.get("source")
    context = (
        f"{source.get('name') or ''} {source.get('url') or ''}" if isinstance(source, dict) else ""
    )
    return _with_protocol(Score(bench, value, setting), context)


def model_index(front: dict[str, Any], warnings: list[str]) -> tuple[str, list[Score]]:
    """The model name and scores of a card's `model-index` front matter."""
    entries = front.get("model-index")
    if entries is None:
        return "", []
    if not isinstance(entries, list):
        warnings.append("front matter model-index is not a list; ignored")
        return "", []
    name, scores = "", []
    for entry in entries[:20]:
        if not isinstance(entry, dict):
            continue
        name = name or str(entry.get("name") or "")
        for result in _as_list(entry.get("results"))[:200]:
            score = _index_result(result)
            if score is not None:
                scores.append(score)
    return name, scores


def base_models(front: dict[str, Any]) -> list[str]:
    """The `base_model` front matter: one repo id or a list of them."""
    return [str(b).strip() for b in _as_list(front.get("base_model")) if str(b).strip()][:5]


def license_of(front: dict[str, Any]) -> str:
    value = front.get("license")
    return str(value).strip()[:60] if isinstance(value, str | int) else ""
