"""Model cards: markdown score tables and the `model-index` / `base_model` front matter.

A table may list benchmarks as rows and models as columns, or the other way
round; only the launched model's column (or row) is read. Columns that
describe the evaluation (metric, shots, setting) give the setting. A table
whose percent-scale scores are all fractions (0.312) is read as percent (31.2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from hypewatch.extractors import names, registry, settings_norm
from hypewatch.extractors.scores import Score

MAX_TABLE_ROWS = 400
MAX_TABLES = 40
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-{2,}:?\s*(\|\s*:?-{2,}:?\s*)*\|?\s*$")
_CELL_NUMBER = re.compile(r"(?<![\w.])(\d{1,4}(?:\.\d+)?)(?![\w.])")
_MARKUP = re.compile(
    r"\*\*|__|`|<[^>]{0,80}>|\[\^?[^\]]{0,40}\]\([^)]{0,300}\)|\[\^\w+\]|[*†‡§¹²³]"
)
_LINK = re.compile(r"\[([^\]]{0,200})\]\([^)]{0,300}\)")
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
    ]
)
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
        "params",
        "model",
    ]
)
_OURS = re.compile(r"\bours\b|\(ours\)|\bour model\b", re.I)


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]] = field(default_factory=list)
    first_line: int = 0
    last_line: int = 0


def _cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return [_clean_cell(c) for c in line.split("|")]


def _clean_cell(cell: str) -> str:
    cell = _LINK.sub(r"\1", cell)
    return _MARKUP.sub("", cell).strip()


def find_tables(lines: list[str]) -> list[Table]:
    """Markdown pipe tables: a header line, a separator line, then rows."""
    tables: list[Table] = []
    i = 1
    while i < len(lines) and len(tables) < MAX_TABLES:
        if "|" in lines[i - 1] and "-" in lines[i] and _SEPARATOR.match(lines[i]):
            table = Table(_cells(lines[i - 1]), first_line=i - 1)
            j = i + 1
            while j < len(lines) and "|" in lines[j] and len(table.rows) < MAX_TABLE_ROWS:
                table.rows.append(_cells(lines[j]))
                j += 1
            table.last_line = j - 1
            tables.append(table)
            i = j + 1
        else:
            i += 1
    return tables


_SETTING_TEXT = re.compile(
    r"\b(\d+|zero|few)[\s-]*shots?\b|\b(maj|pass|cons|avg|mean)\s*@\s*\d+|\(\s*\)", re.I
)


def _number(cell: str) -> tuple[float, str] | None:
    match = _CELL_NUMBER.search(_SETTING_TEXT.sub(" ", cell).replace(",", ""))
    return (float(match.group(1)), match.group(1)) if match else None


def _label(cell: str) -> tuple[str, str]:
    """Benchmark name and setting from a label like `GSM8K (8-shot, CoT)` or `MMLU (EM)`."""
    setting = settings_norm.normalize(cell)
    bare = re.sub(r"\([^)]*\)", " ", cell)
    bare = re.sub(r"\bcot\b", " ", _SETTING_TEXT.sub(" ", bare), flags=re.I)
    bare = re.sub(r"\s+", " ", bare).strip(" -:,;")
    joined = re.sub(r"[()]", " ", cell)
    for name in (joined, bare, cell):
        if registry.lookup(name) is not None:
            return name, setting
    return bare or cell.strip(), setting


def _is_bench_label(cell: str) -> bool:
    name, _ = _label(cell)
    return registry.lookup(name) is not None


def _numeric(cells: list[str]) -> bool:
    filled = [c for c in cells if c and c not in {"-", "—", "–", "N/A", "n/a", "/"}]
    return bool(filled) and sum(_number(c) is not None for c in filled) >= max(1, len(filled) // 2)


def _column(table: Table, j: int) -> list[str]:
    return [row[j] if j < len(row) else "" for row in table.rows]


def _pick(candidates: list[tuple[int, str]], model_names: list[str]) -> int:
    """The launched model among (index, label) candidates."""
    if not candidates:
        return -1
    best = names.best_match([label for _, label in candidates], model_names)
    if best >= 0:
        return candidates[best][0]
    for index, label in candidates:
        if _OURS.search(label):
            return index
    return candidates[0][0]


def _fractions(values: list[tuple[str, float]]) -> bool:
    percent = [v for b, v in values if registry.scale_of(b) is registry.Scale.PERCENT]
    return bool(percent) and all(0 <= v <= 1.0 for v in percent)


def _finish(raw: list[tuple[str, float, str]], all_values: list[tuple[str, float]]) -> list[Score]:
    scale = _fractions(all_values)
    out: list[Score] = []
    for bench, value, setting in raw:
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


def _bench_rows(table: Table, model_names: list[str]) -> list[Score]:
    width = max(len(table.header), *(len(r) for r in table.rows))
    cols = list(range(width))
    numeric = [j for j in cols if _numeric(_column(table, j))]
    text_cols = [j for j in cols if j not in numeric]
    if not numeric or not text_cols:
        return []
    label_col = max(text_cols, key=lambda j: (sum(map(_is_bench_label, _column(table, j))), -j))
    header = table.header + [""] * (width - len(table.header))
    meta = [j for j in cols if j != label_col and (j in text_cols or _is_meta(header[j]))]
    models = [(j, header[j]) for j in numeric if j not in meta]
    ours = _pick(models, model_names)
    raw: list[tuple[str, float, str]] = []
    every: list[tuple[str, float]] = []
    for row in table.rows:
        row = row + [""] * (width - len(row))
        name, setting = _label(row[label_col])
        if not name or name.lower() in _NOT_BENCH:
            continue
        bench = registry.benchmark_id(name)
        extra = [_meta_setting(header[j], row[j]) for j in meta]
        setting = settings_norm.join([setting, *extra, settings_norm.normalize(header[ours])])
        every += [(bench, n[0]) for j, _ in models if (n := _number(row[j]))]
        found = _number(row[ours])
        if found is not None:
            raw.append((bench, found[0], setting))
    return _finish(raw, every)


def _model_rows(table: Table, model_names: list[str]) -> list[Score]:
    header = table.header
    rows = [(i, row[0] if row else "") for i, row in enumerate(table.rows)]
    ours = _pick(rows, model_names)
    if ours < 0:
        return []
    row = table.rows[ours]
    raw: list[tuple[str, float, str]] = []
    every: list[tuple[str, float]] = []
    for j, cell in enumerate(header[1:], start=1):
        name, setting = _label(cell)
        if not name or name.lower() in _NOT_BENCH or _is_meta(name):
            continue
        bench = registry.benchmark_id(name)
        every += [(bench, n[0]) for r in table.rows if j < len(r) and (n := _number(r[j]))]
        found = _number(row[j]) if j < len(row) else None
        if found is not None:
            raw.append((bench, found[0], setting))
    return _finish(raw, every)


def _real_header(table: Table) -> Table:
    """A grouped header (`| | Knowledge | | Math |`) whose first row names the benchmarks."""
    if not table.rows:
        return table
    first = table.rows[0]
    hits = sum(_is_bench_label(c) for c in first[1:])
    header_hits = sum(_is_bench_label(c) for c in table.header[1:])
    if hits >= 2 and hits > header_hits and not _numeric(first[1:]):
        return Table(first, table.rows[1:], table.first_line, table.last_line)
    return table


def table_scores(table: Table, model_names: list[str]) -> list[Score]:
    """The launched model's scores in one table."""
    table = _real_header(table)
    header_hits = sum(_is_bench_label(c) for c in table.header[1:])
    row_hits = sum(1 for row in table.rows for c in row[:2] if _is_bench_label(c))
    if header_hits > row_hits and header_hits >= 1:
        return _model_rows(table, model_names)
    if row_hits >= 1 or (table.header and table.header[0].lower() in _LABEL_HEADERS):
        return _bench_rows(table, model_names)
    return []


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
    return Score(bench, value, setting)


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
