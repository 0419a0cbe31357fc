"""The benchmark registry: canonical ids, aliases, scales, item counts, noise ceilings.

One table (`BENCHMARKS`) is the only list of known benchmarks; every lookup
goes through `lookup()`. A name the registry does not know is kept as a slug
of the name as written (`slug("LiveCodeBench-Easy") == "livecodebench-easy"`),
never dropped.
"""

from __future__ import annotations

import enum
import functools
import re
from dataclasses import dataclass


class Scale(enum.StrEnum):
    PERCENT = "percent"
    TEN = "0-10"
    ELO = "elo"
    RATING = "rating"
    PERCENTILE = "percentile"


_RANGES: dict[Scale, tuple[float, float]] = {
    Scale.PERCENT: (0.0, 100.0),
    Scale.TEN: (0.0, 10.0),
    Scale.ELO: (100.0, 4000.0),
    Scale.RATING: (0.0, 4500.0),
    Scale.PERCENTILE: (0.0, 100.0),
}


@dataclass(frozen=True)
class Benchmark:
    id: str
    name: str
    aliases: tuple[str, ...] = ()
    scale: Scale = Scale.PERCENT
    items: int | None = None
    noise_ceiling: float | None = None
    noise_source: str = ""
    case_sensitive: tuple[str, ...] = ()

    def in_range(self, value: float) -> bool:
        low, high = _RANGES[self.scale]
        return low <= value <= high


def _b(
    id_: str,
    name: str,
    aliases: tuple[str, ...] = (),
    scale: Scale = Scale.PERCENT,
    items: int | None = None,
    ceiling: float | None = None,
    source: str = "",
    case_sensitive: tuple[str, ...] = (),
) -> Benchmark:
    return Benchmark(id_, name, aliases, scale, items, ceiling, source, case_sensitive)


BENCHMARKS: tuple[Benchmark, ...] = (
    _b(
        "mmlu",
        "MMLU",
        ("Massive Multitask Language Understanding", "cais/mmlu", "hendrycksTest", "MMLU-5shot"),
        items=14042,
        ceiling=93.5,
        source="Gema et al. 2024, 'Are We Done with MMLU?': about 6.5% of sampled "
        "MMLU questions contain errors",
    ),
    _b("mmlu-pro", "MMLU-Pro", ("MMLU Pro", "MMLUPro", "TIGER-Lab/MMLU-Pro"), items=12032),
    _b("mmlu-redux", "MMLU-Redux", ("MMLU Redux", "MMLU-Redux-2.0"), items=3000),
    _b(
        "gpqa",
        "GPQA",
        ("GPQA Main", "Idavidrein/gpqa"),
        items=448,
        ceiling=90.0,
        source="Rein et al. 2023: expert validators agree with the key on about 74-81% "
        "of items; scores far above that are suspect",
    ),
    _b(
        "gpqa-diamond",
        "GPQA Diamond",
        ("GPQA-Diamond", "GPQA (Diamond)", "GPQA Diamond (0-shot)", "GPQA_diamond", "GPQA-D"),
        items=198,
    ),
    _b(
        "humaneval",
        "HumanEval",
        ("Human Eval", "Human-Eval", "openai_humaneval", "openai/openai_humaneval"),
        items=164,
        ceiling=98.0,
        source="Liu et al. 2023 (EvalPlus): some HumanEval reference solutions and tests "
        "are wrong or insufficient",
    ),
    _b(
        "humaneval-plus",
        "HumanEval+",
        ("HumanEval Plus", "HumanEvalPlus", "HumanEval-Plus"),
        items=164,
    ),
    _b("mbpp", "MBPP", ("google-research-datasets/mbpp", "mbpp-sanitized"), items=500),
    _b("mbpp-plus", "MBPP+", ("MBPP Plus", "MBPPPlus", "MBPP-Plus"), items=378),
    _b(
        "math",
        "MATH",
        ("hendrycks/competition_math", "competition_math", "MATH (4-shot)"),
        items=5000,
        case_sensitive=("MATH",),
    ),
    _b(
        "minerva-math",
        "Minerva MATH",
        ("MATH (Minerva)", "Minerva-MATH", "MinervaMath", "minerva_math"),
        items=5000,
    ),
    _b("math-500", "MATH-500", ("MATH500", "MATH 500", "HuggingFaceH4/MATH-500"), items=500),
    _b(
        "gsm8k",
        "GSM8K",
        ("GSM-8K", "GSM 8K", "openai/gsm8k", "Grade School Math 8K"),
        items=1319,
        ceiling=99.0,
        source="Vendrow et al. 2025 (GSM8K-Platinum): more than 1% of the GSM8K test "
        "set is mislabeled, so claims above ~99% are implausible",
    ),
    _b("ifeval", "IFEval", ("IF-Eval", "IF Eval", "google/IFEval"), items=541),
    _b(
        "arc-challenge",
        "ARC-Challenge",
        (
            "ARC Challenge",
            "ARC-C",
            "ARC (Challenge)",
            "ai2_arc",
            "ARC",
            "AI2 Reasoning Challenge",
        ),
        items=1172,
        case_sensitive=("ARC",),
    ),
    _b("hellaswag", "HellaSwag", ("Hella Swag", "Rowan/hellaswag", "HSwag"), items=10042),
    _b("truthfulqa", "TruthfulQA", ("Truthful QA", "truthful_qa", "TruthfulQA MC2"), items=817),
    _b("winogrande", "WinoGrande", ("Wino Grande", "WinoG"), items=1267),
    _b(
        "bbh",
        "BBH",
        ("BIG-Bench Hard", "Big Bench Hard", "BigBench Hard", "lukaemon/bbh"),
        items=6511,
    ),
    _b(
        "aime-2024",
        "AIME 2024",
        ("AIME24", "AIME 24", "AIME'24", "AIME-2024", "AIME 2024 (pass@1)"),
        items=30,
    ),
    _b("aime-2025", "AIME 2025", ("AIME25", "AIME 25", "AIME'25", "AIME-2025"), items=30),
    _b("amc-2023", "AMC 2023", ("AMC23", "AMC 23", "AMC'23", "AMC-2023"), items=40),
    _b("olympiadbench", "OlympiadBench", ("Olympiad Bench", "Olympiad-Bench")),
    _b("livecodebench", "LiveCodeBench", ("Live Code Bench", "LCB")),
    _b(
        "swe-bench-verified",
        "SWE-bench Verified",
        (
            "SWE-Bench-Verified",
            "SWE bench Verified",
            "SWE-bench (Verified)",
            "SWE-bench-V",
            "SWE Verified",
        ),
        items=500,
    ),
    _b("swe-bench-multilingual", "SWE-bench Multilingual", ("SWE bench Multilingual",)),
    _b("swe-bench", "SWE-bench", ("SWE bench", "SWEBench")),
    _b("terminal-bench-2.0", "Terminal-Bench 2.0", ("Terminal Bench 2.0", "TerminalBench 2.0")),
    _b("terminal-bench", "Terminal-Bench", ("Terminal Bench", "TerminalBench")),
    _b(
        "arena-hard",
        "Arena-Hard",
        ("Arena Hard", "ArenaHard", "Arena-Hard-Auto", "Arena-Hard v0.1"),
        items=500,
    ),
    _b("mt-bench", "MT-Bench", ("MT Bench", "MTBench"), scale=Scale.TEN, items=80),
    _b(
        "chatbot-arena",
        "Chatbot Arena",
        (
            "LMSYS Arena",
            "LMSYS Chatbot Arena",
            "LMArena",
            "LM Arena",
            "Arena Elo",
            "Chatbot Arena Elo",
            "Arena",  # a table column of Elo ratings (`| Models | MT-Bench | Arena |`)
        ),
        scale=Scale.ELO,
        case_sensitive=("Arena",),
    ),
    # One name, two scales: a rating (2029) is `codeforces-rating`, a percentile (96.3) is
    # `codeforces`; `split_scale` moves a rating written as plain "Codeforces" to its id.
    _b("codeforces", "Codeforces", ("CodeForces", "Codeforces Percentile"), scale=Scale.RATING),
    _b("codeforces-rating", "Codeforces Rating", ("Codeforces Elo",), scale=Scale.RATING),
    _b(
        "alpacaeval-2.0",
        "AlpacaEval 2.0",
        ("AlpacaEval 2", "AlpacaEval2", "AlpacaEval 2.0 LC"),
    ),
    _b("alpacaeval", "AlpacaEval", ("AlpacaEval 1", "AlpacaEval 1.0")),  # 2023, win rate vs davinci
    _b("simpleqa", "SimpleQA", ("Simple QA",), items=4326),
    _b("drop", "DROP", (), items=9536, case_sensitive=("DROP",)),
    _b("mgsm", "MGSM", (), items=2750),
    _b("cmmlu", "CMMLU", ()),
    _b("c-eval", "C-Eval", ("CEval",)),
    _b("musr", "MuSR", ()),
    _b("bigcodebench", "BigCodeBench", ("Big Code Bench",)),
    _b("livebench", "LiveBench", ("Live Bench",)),
    _b("aider-polyglot", "Aider Polyglot", ("Aider-Polyglot",)),
    _b("aider", "Aider", ()),
    _b("aime", "AIME", (), items=30, case_sensitive=("AIME",)),
    _b("mmmu", "MMMU", (), items=900),
    _b("mathvista", "MathVista", ("Math Vista",)),
    _b("agieval", "AGIEval", ("AGI Eval",)),
    _b("triviaqa", "TriviaQA", ("Trivia QA",)),
    _b("arc-easy", "ARC-Easy", ("ARC Easy", "ARC-E"), items=2376),
    _b("piqa", "PIQA", ()),
    _b("boolq", "BoolQ", ()),
    _b("bfcl", "BFCL", ("Berkeley Function Calling Leaderboard",)),
    _b("multipl-e", "MultiPL-E", ("MultiPLE", "MultiPL-E (avg)"), case_sensitive=("MultiPLE",)),
    _b(
        "math-lvl-5",
        "MATH Lvl 5",
        ("MATH Level 5", "MATH-Lvl-5", "MATH lvl5", "MATH-Hard"),
        items=1324,
    ),
    _b("superclue", "SuperCLUE", ("Super CLUE",)),
    _b("spider", "Spider", ("Spider 1.0",), case_sensitive=("Spider",)),
    _b("ds-1000", "DS-1000", ("DS1000",), items=1000),
    _b("cruxeval", "CRUXEval", ("CRUX-Eval", "CRUXEval-O")),
    _b("naturalcodebench", "NaturalCodeBench", ("NCB",), case_sensitive=("NCB",)),
    _b(
        "naturalquestions",
        "NaturalQuestions",
        ("Natural Questions", "NQ", "NQ-Open"),
        case_sensitive=("NQ",),
    ),
    _b("openbookqa", "OpenBookQA", ("OpenBook QA", "OBQA")),
    _b("commonsenseqa", "CommonsenseQA", ("CSQA",)),
    _b("siqa", "SIQA", ("Social IQa", "SocialIQA")),
    _b("lambada", "LAMBADA", ("LAMBADA OpenAI",), case_sensitive=("LAMBADA",)),
    _b("tau-bench", "TAU-bench", ("τ-Bench", "Tau Bench", "TauBench")),
    _b("tau2-bench", "τ²-Bench", ("Tau2-Bench", "Tau2 Bench", "tau^2-bench")),
    _b("hle", "Humanity's Last Exam", ("HLE",), case_sensitive=("HLE",)),
    # multilingual reading and reasoning sets, reported per language (`XQuAD (th)`)
    _b("xquad", "XQuAD"),
    _b("tydiqa", "TyDi QA", ("TydiQA", "TyDiQA", "TyDi-QA")),
    _b("xcopa", "XCOPA"),
    _b("belebele", "Belebele"),
    _b("m3exam", "M3Exam"),
)

_WORD = re.compile(r"[a-z0-9+]+")


_GREEK = str.maketrans({"τ": "tau", "²": "2"})  # `τ-Bench`, `τ²-Bench`


@functools.lru_cache(maxsize=16384)  # the same few labels are looked up many times a post
def norm_key(name: str) -> str:
    """Case, spaces, hyphens, underscores and quotes do not distinguish benchmark names."""
    lowered = name.lower()
    if not lowered.isascii():
        lowered = lowered.translate(_GREEK)
    return "".join(_WORD.findall(lowered))


def _index() -> dict[str, Benchmark]:
    index: dict[str, Benchmark] = {}
    for bench in BENCHMARKS:
        for alias in (bench.id, bench.name, *bench.aliases):
            index.setdefault(norm_key(alias), bench)
            if "/" in alias:
                index.setdefault(norm_key(alias.rsplit("/", 1)[1]), bench)
    return index


_INDEX = _index()
BY_ID: dict[str, Benchmark] = {b.id: b for b in BENCHMARKS}


def lookup(name: str) -> Benchmark | None:
    """The registered benchmark a name refers to, or None."""
    key = norm_key(name)
    return _INDEX.get(key) if key else None


def slug(name: str) -> str:
    """A benchmark id for a name the registry does not know, built from the name as written."""
    text = name.lower().replace("+", " plus")
    if not text.isascii():
        text = text.translate(_GREEK)
    return re.sub(r"[^a-z0-9.]+", "-", text).strip("-.")[:60]


# `LCBv2 All`, `AIME25 I`: a known name (here an alias) with a version or split after it
_QUALIFIED = re.compile(r"^([A-Za-z][A-Za-z0-9'.-]*?)(?:\s+|(?<=[A-Za-z])(?=v\d))(\S.*)$")


def known(name: str) -> Benchmark | None:
    """The registry's benchmark for a name, or for the known name a qualifier follows
    (`XQuAD th`, `TAU-bench airline`)."""
    found = lookup(name)
    if found is None:
        qualified = _QUALIFIED.match(name.strip())
        found = lookup(qualified.group(1)) if qualified else None
    return found


def benchmark_id(name: str) -> str:
    """Canonical id for a name: the registry's id; a known name with a qualifier after it
    keeps the known id (`LCBv2 All` -> `livecodebench-v2-all`); else a slug of the name."""
    found = lookup(name)
    if found:
        return found.id
    qualified = _QUALIFIED.match(name.strip())
    if qualified:
        head = lookup(qualified.group(1))
        if head is not None and head.id != slug(qualified.group(1)):
            return f"{head.id}-{slug(qualified.group(2))}"[:60]
    return slug(name)


def scale_of(benchmark: str) -> Scale:
    found = BY_ID.get(benchmark)
    return found.scale if found else Scale.PERCENT


def value_in_range(benchmark: str, value: float, setting: str = "") -> bool:
    """Whether a value is possible on the benchmark's own scale."""
    if "percentile" in setting:
        return 0.0 <= value <= 100.0
    found = BY_ID.get(benchmark)
    if found is None:
        return 0.0 <= value <= 100.0
    return found.in_range(value)


def split_scale(benchmark: str, value: float) -> str:
    """The id for a value: a Codeforces value above 100 is a rating, not a percentile."""
    if benchmark == "codeforces" and value > 100:
        return "codeforces-rating"
    return benchmark


def prose_aliases() -> list[tuple[str, str, bool]]:
    """(benchmark id, alias, case-sensitive) for every alias a matcher should find in prose."""
    out: list[tuple[str, str, bool]] = []
    for bench in BENCHMARKS:
        written = {bench.name, *bench.aliases}
        for alias in (bench.name, *bench.aliases):
            if "/" in alias or "_" in alias:
                continue
            out.append((bench.id, alias, alias in bench.case_sensitive))
            # `AIME 2024` is also written `AIME2024`: one token the phrase matcher must know
            glued = _YEAR_OR_COUNT.sub(r"\1\2", alias)
            if glued not in written:
                written.add(glued)
                out.append((bench.id, glued, alias in bench.case_sensitive))
    return out


_YEAR_OR_COUNT = re.compile(r"^([A-Za-z][A-Za-z\-]*[A-Za-z])[ \-](\d{2,4})$")
