"""Tables in a post, whichever syntax they came in, as one model the score reader uses.

Markdown pipe tables are parsed by markdown-it-py (CommonMark with the GFM table
rule: escapes, code spans, tables written without spaces); HTML tables by
selectolax (the `<td>`-per-line tables of model cards, `rowspan`/`colspan`
headers). A flattened pipe table (rows run together on one line, as pages that
render a card as text produce) is put back on separate lines first; a table
rendered to text without pipes (cells apart by tabs or runs of spaces) is read
when three or more lines line up with numbers in most cells.

Every table becomes a rectangular grid of `Cell`s with spans expanded, the
number of header rows, its caption, the heading above it and the line just
before it. Only the cheap line tests run on a post without tables.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from typing import Any

from markdown_it import MarkdownIt
from selectolax.lexbor import LexborHTMLParser as HTMLParser
from selectolax.lexbor import LexborNode as Node

from hypewatch.extractors import registry

MAX_TABLES = 40
MAX_ROWS = 400
MAX_COLS = 40
MAX_SPAN = 40
_SEPARATOR = re.compile(r"^\s*\|?\s*:?-+:?\s*(?:\|\s*:?-+:?\s*)+\|?\s*$|^\s*\|\s*:?-+:?\s*\|\s*$")
_INLINE_SEPARATOR = re.compile(r"\|\s*(?::?-{3,}:?\s*\|\s*)+")
# a table runs to its closing tag, or (cut off, as pages trimmed or scraped are) to the next
# table or the end of the text; the HTML parser closes what was left open
_HTML_TABLE = re.compile(r"<table\b.{0,200000}?(?:</table\s*>|(?=<table\b)|\Z)", re.I | re.S)
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
# Block rules only (the table rule finds rows and cells, escapes and code spans included);
# a cell's inline markup is two patterns below, which is three times faster than
# markdown-it's inline parser on score tables.
_MD = MarkdownIt("zero").enable("table").disable("inline")
_ESCAPE = re.compile(r"\\([!-/:-@\[-`{-~])")
_BOLD = re.compile(r"^(\*\*|__)(.+)\1$")
_EMPHASIS = re.compile(r"\*\*|__|(?<!\w)[*_](?=\S)|(?<=\S)[*_](?!\w)")


@dataclass(frozen=True)
class Cell:
    text: str
    bold: bool = False


@dataclass
class Table:
    """A grid of cells; the first `header_rows` rows are headers."""

    rows: list[list[Cell]]
    header_rows: int = 1
    caption: str = ""
    heading: str = ""
    topic: str = ""  # the benchmark a heading above names, if one does
    before: str = ""
    first_line: int = 0
    last_line: int = 0
    syntax: str = "markdown"

    @property
    def width(self) -> int:
        return max((len(r) for r in self.rows), default=0)

    @property
    def body(self) -> list[list[Cell]]:
        return self.rows[self.header_rows :]

    def header(self, j: int) -> list[str]:
        """The header texts above column j, top to bottom, repeats (from spans) removed."""
        out: list[str] = []
        for row in self.rows[: self.header_rows]:
            text = row[j].text if j < len(row) else ""
            if text and text not in out:
                out.append(text)
        return out


@dataclass
class Found:
    tables: list[Table] = field(default_factory=list)
    lines: set[int] = field(default_factory=set)  # body lines that belong to a table


def _rectangular(rows: list[list[Cell]]) -> list[list[Cell]]:
    width = max((len(r) for r in rows), default=0)
    return [r + [Cell("")] * (width - len(r)) for r in rows]


# --- markdown -------------------------------------------------------------------------


def _inline(token: Any) -> Cell:
    raw = " ".join(token.content.split())
    if "*" not in raw and "_" not in raw and "\\" not in raw:  # plain cells: most of them
        return Cell(raw)
    bold = _BOLD.match(raw) is not None
    text = _ESCAPE.sub(r"\1", _EMPHASIS.sub("", raw))
    return Cell(" ".join(text.split()), bold=bold)


def _markdown_grid(block: str) -> list[tuple[list[list[Cell]], int, int]]:
    """(rows, first line, last line) of each table markdown-it finds in a block."""
    out: list[tuple[list[list[Cell]], int, int]] = []
    rows: list[list[Cell]] = []
    start = end = 0
    for token in _MD.parse(block):
        if token.type == "table_open":
            rows = []
            start, end = token.map or (0, 0)
        elif token.type == "tr_open":
            rows.append([])
        elif token.type == "inline" and rows and len(rows[-1]) < MAX_COLS:
            rows[-1].append(_inline(token))
        elif token.type == "table_close" and rows:
            out.append((_rectangular(rows[:MAX_ROWS]), start, end - 1))
    return out


def _unflatten(line: str) -> list[str]:
    """A table run together on one line (`| A | B | |---|---| | x | 1 |`), back on lines."""
    sep = _INLINE_SEPARATOR.search(line)
    first = line.find("|")
    if sep is None or first < 0 or sep.start() <= first:
        return [line]
    columns = sep.group(0).count("|") - 1
    lead, rest = line[:first].strip(), line[first:]
    pieces = rest.split("|")[1:]
    rows: list[str] = []
    i = 0
    while i + columns <= len(pieces) and len(rows) <= MAX_ROWS:
        cells = pieces[i : i + columns]
        if any(c.strip() for c in cells):
            rows.append("|" + "|".join(cells) + "|")
        i += columns + 1
    if len(rows) < 2:
        return [line]
    return ([lead] if lead else []) + rows


def _markdown(lines: list[str], found: Found, context: list[tuple[str, str]]) -> None:
    i = 1
    while i < len(lines) and len(found.tables) < MAX_TABLES:
        line = lines[i]
        if i in found.lines:
            i += 1
        elif "|" in lines[i - 1] and "-" in line and _SEPARATOR.match(line):
            j = i + 1
            while j < len(lines) and "|" in lines[j] and j - i <= MAX_ROWS:
                j += 1
            block = "\n".join(lines[i - 1 : j])
            grids = _markdown_grid(block)
            if not grids:  # GFM wants as many separator cells as header cells; pages slip
                grids = _markdown_grid("\n".join(_mended(lines[i - 1 : j])))
            for rows, start, end in grids:
                found.tables.append(_with_context(rows, 1, i - 1 + start, i - 1 + end, context))
                found.lines.update(range(i - 1 + start, i + end))
            i = j + 1
        else:
            i += 1


_CELL_EDGE = re.compile(r"(?<!\\)\|")


def _mended(block: list[str]) -> list[str]:
    """A pipe table whose separator row has another number of cells than its header
    (`| A | B | C |` over `|---|---|`), with the separator rewritten to the header's count."""
    header = block[0].strip()
    cells = len(_CELL_EDGE.split(header.strip("|")))
    return [header, "|" + "---|" * cells, *block[2:]]


def _flattened(lines: list[str], found: Found, context: list[tuple[str, str]]) -> None:
    for n, line in enumerate(lines):
        if len(found.tables) >= MAX_TABLES:
            return
        if (
            n in found.lines
            or line.count("|") < 8
            or "-" not in line
            or not _INLINE_SEPARATOR.search(line)
        ):
            continue
        if _SEPARATOR.match(line):
            continue
        split = _unflatten(line)
        if len(split) < 2:
            continue
        for rows, _start, _end in _markdown_grid("\n".join(split)):
            found.tables.append(_with_context(rows, 1, n, n, context))
            found.lines.add(n)


# --- rendered text tables (no pipes) -----------------------------------------------------

_GAP = re.compile(r"\t+|\s{2,}")
_PLAIN_NUMBER = re.compile(r"^[-+]?\d{1,4}(?:\.\d+)?%?\*?$")


def _split_rendered(line: str) -> list[str]:
    return [c for c in _GAP.split(line.strip()) if c]


def _rendered(lines: list[str], found: Found, context: list[tuple[str, str]]) -> None:
    """Tables a page rendered to text: columns separated by tabs or runs of spaces.

    At least three consecutive lines with the same number (2 or more) of cells, every line
    after the first holding a number in most of its cells beyond the first.
    """
    i = 0
    while i < len(lines) and len(found.tables) < MAX_TABLES:
        line = lines[i]
        if i in found.lines or "|" in line or ("\t" not in line and "  " not in line.strip()):
            i += 1
            continue
        width = len(_split_rendered(line))
        j = i + 1
        while j < len(lines) and j - i <= MAX_ROWS and j not in found.lines:
            cells = _split_rendered(lines[j])
            numbers = sum(1 for c in cells[1:] if _PLAIN_NUMBER.match(c))
            if len(cells) != width or numbers * 2 < len(cells) - 1 or numbers == 0:
                break
            j += 1
        if width >= 2 and j - i >= 3:
            rows = [[Cell(c) for c in _split_rendered(lines[k])] for k in range(i, j)]
            found.tables.append(_with_context(rows, 1, i, j - 1, context))
            found.lines.update(range(i, j))
            i = j
        else:
            i += 1


# --- tables whose cells a page glued together (`MMLU84.8%86.3%87.2%`) ----------------------

# a row: a label, then two or more percentages with nothing between them
_GLUED_ROW = re.compile(
    r"^\s*([A-Za-z][^%\d]*?(?:\d+[^%\d.]+?)*?)\s*((?:\d{1,3}(?:\.\d+)?%){2,})\s*$"
)
_GLUED_VALUE = re.compile(r"\d{1,3}(?:\.\d+)?%")
# the header: `Benchmark` (or `Model`, `Task`), then the models' names run together
_GLUED_HEAD = re.compile(r"^\s*(Benchmarks?|Models?|Tasks?|Metrics?)(?=[A-Z0-9])(.+)$")
_GLUED_HEAD_ANYWHERE = re.compile(r"^\s*(?:Benchmarks?|Models?|Tasks?|Metrics?)[A-Z0-9]", re.M)
# where one glued name ends and the next begins: `(14B)Llama`, `GPT-4oGPT-4o-mini`, `70BGPT`
_NAME_SEAM = re.compile(r"(?<=[a-z)])(?=[A-Z])|(?<=\d[BMK])(?=[A-Z][A-Za-z]*[-\d])")


def _glued(lines: list[str], found: Found, context: list[tuple[str, str]]) -> None:
    """A table a page rendered with no space between its cells: a header of names run
    together over rows of a label and percentages. Read only when the header splits into
    exactly as many names as every row has values; anything else is left alone."""
    i = 0
    while i < len(lines) and len(found.tables) < MAX_TABLES:
        head = _GLUED_HEAD.match(lines[i]) if i not in found.lines else None
        if head is None:
            i += 1
            continue
        columns = [c.strip() for c in _NAME_SEAM.split(head.group(2)) if c.strip()]
        j = i + 1
        rows: list[list[Cell]] = [[Cell(head.group(1)), *(Cell(c) for c in columns)]]
        while j < len(lines) and j - i <= MAX_ROWS and j not in found.lines:
            row = _GLUED_ROW.match(lines[j])
            values = _GLUED_VALUE.findall(row.group(2)) if row else []
            if row is None or len(values) != len(columns):
                break
            rows.append([Cell(row.group(1).strip()), *(Cell(v) for v in values)])
            j += 1
        if len(columns) >= 2 and len(rows) >= 3:
            found.tables.append(_with_context(rows, 1, i, j - 1, context))
            found.lines.update(range(i, j))
            i = j
        else:
            i += 1


# --- tables copied as text with single spaces (`Model AIME 2024 MATH 500 Avg.`) ------------

_VALUE = re.compile(r"^(?:[-–]|\d{1,4}(?:\.\d+)?%?)$")
_VALUE_RUN = re.compile(r"(?:[ \t]+(?:[-–]|\d{1,4}(?:\.\d+)?%?)){3,}[ \t]*$", re.M)
_AGGREGATE = frozenset({"avg", "avg.", "average", "overall", "mean"})


def _header_columns(words: list[str]) -> list[str] | None:
    """A header's column names when every part is a known benchmark of up to four words
    (`AIME 2024`, `Minerva Math`) or an average; None when any part is neither."""
    cols: list[str] = []
    i = 0
    while i < len(words):
        if words[i].lower() in _AGGREGATE:
            cols.append(words[i])
            i += 1
            continue
        for n in (4, 3, 2, 1):
            name = " ".join(words[i : i + n])
            if i + n <= len(words) and registry.lookup(name) is not None:
                cols.append(name)
                i += n
                break
        else:
            return None
    return cols


def _spaced_row(line: str, width: int) -> list[Cell] | None:
    words = line.split()
    if len(words) <= width or not all(_VALUE.match(w) for w in words[-width:]):
        return None
    return [Cell(" ".join(words[:-width])), *(Cell(w) for w in words[-width:])]


def _spaced(lines: list[str], found: Found, context: list[tuple[str, str]]) -> None:
    """A table copied as text with its cells apart by single spaces: a header line that is
    a row label's word and then known benchmark names only, and two or more lines of a label
    and one value per column (`DeepScaleR-1.5B-Preview 43.1 87.8 73.6 ...`)."""
    i = 1
    while i < len(lines) and len(found.tables) < MAX_TABLES:
        if i in found.lines or (i - 1) in found.lines or not _VALUE_RUN.search(lines[i]):
            i += 1
            continue
        words = lines[i - 1].split()
        cols = None
        for skip in (1, 2):
            cols = _header_columns(words[skip:]) if len(words) > skip + 2 else None
            if cols:
                break
        rows = [_spaced_row(lines[j], len(cols)) for j in range(i, len(lines))] if cols else []
        body = list(itertools.takewhile(lambda row: row is not None, rows[:MAX_ROWS]))
        if cols and len(body) >= 2 and sum(c.lower() not in _AGGREGATE for c in cols) >= 3:
            header = [Cell(" ".join(words[: len(words) - sum(len(c.split()) for c in cols)]))]
            grid = [header + [Cell(c) for c in cols], *(r for r in body if r is not None)]
            found.tables.append(_with_context(grid, 1, i - 1, i + len(body) - 1, context))
            found.lines.update(range(i - 1, i + len(body)))
            i += len(body)
        else:
            i += 1


# --- HTML -----------------------------------------------------------------------------


def _span(node: Node, name: str) -> int:
    raw = (node.attributes.get(name) or "1").strip()
    return max(1, min(MAX_SPAN, int(raw))) if raw.isdigit() else 1


def _html_cell(node: Node) -> Cell:
    text = " ".join(node.text(separator=" ").split())
    strong = [" ".join(b.text(separator=" ").split()) for b in node.css("strong, b")]
    bold = bool(text) and " ".join(strong).replace(" ", "") == text.replace(" ", "")
    return Cell(text, bold=bold)


def _html_grid(fragment: str) -> tuple[list[list[Cell]], int, str]:
    """(rows with spans expanded, header rows, caption) of one HTML table."""
    tree = HTMLParser(fragment)
    table = tree.css_first("table")
    if table is None:
        return [], 0, ""
    for mark in table.css("sup"):  # footnote marks (`Gaokao-Bench<sup>1</sup>`)
        if len(mark.text(strip=True)) <= 12:
            mark.decompose()
    caption_node = table.css_first("caption")
    caption = caption_node.text(strip=True) if caption_node is not None else ""
    grid: dict[tuple[int, int], Cell] = {}
    header_rows = 0
    in_header = True
    for r, tr in enumerate(table.css("tr")[:MAX_ROWS]):
        cells = [c for c in tr.iter() if c.tag in ("td", "th")]
        heads = bool(cells) and all(
            c.tag == "th" or (c.parent is not None and c.parent.tag == "thead") for c in cells
        )
        parent = tr.parent
        heads = heads or (parent is not None and parent.tag == "thead")
        if in_header and heads:
            header_rows = r + 1
        else:
            in_header = False
        c = 0
        for node in cells[:MAX_COLS]:
            while (r, c) in grid:
                c += 1
            cell = _html_cell(node)
            for dr in range(_span(node, "rowspan")):
                for dc in range(_span(node, "colspan")):
                    if c + dc < MAX_COLS:
                        grid.setdefault((r + dr, c + dc), cell)
            c += _span(node, "colspan")
    if not grid:
        return [], 0, caption
    height = max(r for r, _ in grid) + 1
    width = max(c for _, c in grid) + 1
    rows = [[grid.get((r, c), Cell("")) for c in range(width)] for r in range(height)]
    return rows, max(1, header_rows), caption


def _html(body: str, lines: list[str], found: Found, context: list[tuple[str, str]]) -> None:
    if "<table" not in body and "<TABLE" not in body:
        return
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    for match in _HTML_TABLE.finditer(body):
        if len(found.tables) >= MAX_TABLES:
            return
        first = _line_of(starts, match.start())
        last = _line_of(starts, match.end() - 1)
        rows, header_rows, caption = _html_grid(match.group(0))
        found.lines.update(range(first, last + 1))
        if rows:
            table = _with_context(rows, header_rows, first, last, context)
            table.caption, table.syntax = caption, "html"
            found.tables.append(table)


def _line_of(starts: list[int], offset: int) -> int:
    lo, hi = 0, len(starts) - 1
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if starts[mid] <= offset:
            lo = mid
        else:
            hi = mid - 1
    return lo


# --- context --------------------------------------------------------------------------


_TOPIC_WORDS = re.compile(
    r"\b(?:average\s+turn|results?|evaluations?|performance|scores?|benchmarks?|on|of|the|in"
    r"|average|avg|overall)\b",
    re.I,
)


def _topic(heading: str) -> str:
    """The benchmark a heading names (`MMLU`, `Results on MMLU`), or ""."""
    bare = re.sub(r"\s*\([^)]*\)", "", heading)  # `MT-Bench (GPT-4-Turbo)`: its judge
    for name in (heading, " ".join(_TOPIC_WORDS.sub(" ", heading).split()), bare):
        if name and registry.lookup(name) is not None:
            return name
    return ""


def _context(lines: list[str]) -> list[tuple[str, str]]:
    """For each line, the nearest heading at or above it, and the nearest one among the
    headings it sits under that names a known benchmark (`### Gaokao` over `#### Results`)."""
    out: list[tuple[str, str]] = []
    heading = ""
    open_headings: list[tuple[int, str]] = []  # (level, text) of the headings a line is under
    topic = ""
    for line in lines:
        if line.startswith(("#", " #", "  #")):
            match = _HEADING.match(line)
            if match:
                heading = match.group(1)
                level = len(line.lstrip()) - len(line.lstrip().lstrip("#"))
                open_headings = [(lv, t) for lv, t in open_headings if lv < level]
                open_headings.append((level, heading))
                topic = next((n for _, t in reversed(open_headings) if (n := _topic(t))), "")
        out.append((heading, topic))
    return out


def _with_context(
    rows: list[list[Cell]],
    header_rows: int,
    first: int,
    last: int,
    context: list[tuple[str, str]],
) -> Table:
    heading, topic = context[first] if first < len(context) else ("", "")
    return Table(rows, header_rows, heading=heading, topic=topic, first_line=first, last_line=last)


def _before(lines: list[str], table: Table, skip: set[int]) -> str:
    """The line of text just above a table, within its section (a heading in between ends
    the search: what stands above a section's heading is not about its table)."""
    for i in range(table.first_line - 1, max(-1, table.first_line - 12), -1):
        text = lines[i].strip()
        if _HEADING.match(lines[i]):
            return ""
        if text and i not in skip and not text.startswith(("<", "#", "|", "!", "[!")):
            return text[:400]
    return ""


def find(body: str) -> Found:
    """Every table in a post's body, and the body lines they take up."""
    found = Found()
    rendered = "\t" in body or "   " in body
    spaced = "\n" in body and _VALUE_RUN.search(body) is not None
    glued = "%" in body and _GLUED_HEAD_ANYWHERE.search(body) is not None
    if "|" not in body and "<t" not in body.lower() and not rendered and not spaced and not glued:
        return found
    lines = body.splitlines()
    context = _context(lines)
    _html(body, lines, found, context)
    if "|" in body:
        _markdown(lines, found, context)
        _flattened(lines, found, context)
    if rendered:
        _rendered(lines, found, context)
    if glued:
        _glued(lines, found, context)
    if spaced:
        _spaced(lines, found, context)
    for table in found.tables:
        table.before = _before(lines, table, found.lines)
        if not table.topic and _BOLD_LINE.fullmatch(table.before):
            # `**MT-Bench Average Turn**` over `| model | score |`: a bold line as a heading
            table.topic = _topic(table.before.strip("*_ "))
        if "<br" in body.lower():
            table.rows = _unstack(table.rows, table.header_rows)
    found.tables.sort(key=lambda t: t.first_line)
    return found


_BOLD_LINE = re.compile(r"(\*\*|__)[^*_\n]{2,80}\1:?")
_BR = re.compile(r"\s*<br\s*/?>\s*", re.I)


def _unstack(rows: list[list[Cell]], header_rows: int) -> list[list[Cell]]:
    """Body rows whose cells stack several rows with `<br>` (`| AIME 2024<br>MATH | 74.3<br>96.4
    |`), one row per stacked line; a cell that stacks nothing (`| **Math** |`) stays on the
    first. A row whose stacked cells disagree on how many lines they hold is left alone."""
    out = rows[:header_rows]
    for row in rows[header_rows:]:
        parts = [_BR.split(c.text) if "<br" in c.text.lower() else [c.text] for c in row]
        counts = {len(p) for p in parts if len(p) > 1}
        if len(counts) != 1 or sum(len(p) > 1 for p in parts) < 2:
            out.append(row)
            continue
        (k,) = counts
        for i in range(k):
            out.append(
                [
                    Cell(p[i].strip() if len(p) == k else (p[0] if i == 0 else ""), c.bold)
                    for p, c in zip(parts, row, strict=True)
                ]
            )
    return out
