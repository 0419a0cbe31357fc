"""Tasks added for benchmarks real launch posts claim (bench/bench_coverage.py ranks them):
each is read from the Hub stand-in in its dataset's real schema (invented rows, the real
column names, the path of the Hub's parquet conversion) through `load_hub_task`, the code
a user runs; and names that carry their setting find their task."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from hypewatch.extractors.registry import benchmark_id
from hypewatch.standins.http import Standin, serve
from hypewatch.standins.hub_datasets import HubDatasetsHandler, parquet_bytes
from hypewatch.verifiers.benchmark.catalog.choice import LONG_CONTEXT_CHARS
from hypewatch.verifiers.benchmark.families.exact import ExactMatch
from hypewatch.verifiers.benchmark.families.judged import judge_prompt, read_verdict
from hypewatch.verifiers.benchmark.families.span_f1 import SpanF1, span_scores
from hypewatch.verifiers.benchmark.hub_datasets import load_hub_task
from hypewatch.verifiers.benchmark.registry import default_registry
from hypewatch.verifiers.benchmark.tasks import TaskItem
from tests.benchmark.test_hub_verifier import SHA

CONVERTED = "refs/convert/parquet"

SUPERGPQA = [
    {"uuid": f"sg{i}", "question": f"Stand-in question {i}: which value is largest?",
     "options": [str(v) for v in range(10)], "answer": "7", "answer_letter": "H",
     "discipline": "Science", "field": "Physics", "subfield": "Optics",
     "difficulty": "middle", "is_calculation": False}
    for i in range(3)
]  # fmt: skip
RACE = [
    {"example_id": f"middle{i}.txt", "article": f"Stand-in passage {i}: Tom walks to school.",
     "answer": "C", "question": "How does Tom go to school?",
     "options": ["By bus", "By car", "On foot", "By bike"]}
    for i in range(3)
]  # fmt: skip
SCIQ = [
    {"question": f"Stand-in {i}: what gas do plants take in?", "distractor3": "helium",
     "distractor1": "oxygen", "distractor2": "neon", "correct_answer": "carbon dioxide",
     "support": "Plants use carbon dioxide in photosynthesis." if i else ""}
    for i in range(4)
]  # fmt: skip
OLYMPIAD = [
    {"id": 1601, "question": "Stand-in: find all x with x^2 = 9.", "solution": ["x = 3 or -3."],
     "final_answer": ["$3$", "$-3$"], "context": None, "image_1": None, "modality": "Text-only",
     "difficulty": "Competition", "is_multiple_answer": True, "unit": None,
     "answer_type": "Numerical", "error": None, "question_type": "Open-ended",
     "subfield": "Algebra", "subject": "Math", "language": "English"},
    {"id": 1602, "question": "Stand-in: a rod is 2 m long; how long is half of it?",
     "solution": ["Half of 2 is 1."], "final_answer": ["$1$"], "context": None,
     "image_1": None, "modality": "Text-only", "difficulty": "Competition",
     "is_multiple_answer": False, "unit": "m", "answer_type": "Numerical", "error": None,
     "question_type": "Open-ended", "subfield": "Geometry", "subject": "Math",
     "language": "English"},
]  # fmt: skip
AMC = [
    {"id": i, "question": f"Stand-in AMC {i}: what is {i} + 20?", "answer": float(i + 20),
     "url": f"https://artofproblemsolving.com/wiki/stand-in/{i}"}
    for i in range(3)
]  # fmt: skip
AIME_I = [{"question": f"Stand-in AIME I {i}: compute 6 * {i}.", "answer": str(6 * i)}
          for i in range(1, 4)]  # fmt: skip
AIME_II = [{"question": "Stand-in AIME II: compute 7 * 7.", "answer": "49"}]
CMATH = [
    {"id": f"cm{i}", "question": f"小明有{i}个苹果，又买了2个，一共有几个？",
     "golden": str(i + 2), "grade": 1, "reasoning_step": 1}
    for i in range(3)
]  # fmt: skip
TRIVIAQA = [
    {"question": "Stand-in: which band recorded Abbey Road?", "question_id": "tc_1",
     "question_source": "http://www.stand-in.example/", "entity_pages": {"doc_source": []},
     "search_results": {"description": []},
     "answer": {"aliases": ["The Beatles", "Beatles", "Fab Four"],
                "normalized_aliases": ["beatles", "fab four"],
                "matched_wiki_entity_name": "", "normalized_matched_wiki_entity_name": "",
                "normalized_value": "beatles", "type": "WikipediaEntity",
                "value": "The Beatles"}},
]  # fmt: skip
DROP = [
    {"section_id": "nfl_1", "query_id": f"q{i}",
     "passage": "Stand-in game: the Bears kicked a 32-yard field goal, then Smith and Jones "
     "each ran for a touchdown.", "question": question,
     "answers_spans": {"spans": spans, "types": types}}
    for i, (question, spans, types) in enumerate([
        ("How long was the field goal?", ["32"], ["number"]),
        ("Who ran for touchdowns?", ["Smith", "Jones"], ["span", "span"]),
    ])
]  # fmt: skip
LONGBENCH = [
    {"_id": "66f36490821e116aacb2cc22", "domain": "Single-Document QA",
     "sub_domain": "Financial", "difficulty": "easy", "length": "short",
     "question": "Stand-in: what did the report forecast?", "choice_A": "Growth",
     "choice_B": "Decline", "choice_C": "No change", "choice_D": "A merger", "answer": "B",
     "context": "Stand-in annual report. " + "Filler sentence. " * 40_000 + "It forecasts decline."}
]  # fmt: skip
SIMPLEQA = [
    {"metadata": "{'topic': 'Science', 'answer_type': 'Person', 'urls': []}",
     "problem": "Stand-in: who first described the stand-in effect?", "answer": "Jane Roe"}
]  # fmt: skip
ALPACA = [
    {"instruction": "Stand-in: name three colours.", "output": "Red, green and blue.",
     "generator": "text_davinci_003", "dataset": "helpful_base"}
]  # fmt: skip
NQ_OPEN = [{"question": "stand-in who wrote the stand-in novel", "answer": ["Jane Roe", "J. Roe"]}]


def _converted(files: dict[str, list[dict[str, Any]]]) -> dict[str, Any]:
    return {
        "sha": SHA,
        "refs": [CONVERTED],
        "files": {path: parquet_bytes(rows) for path, rows in files.items()},
    }


@pytest.fixture(scope="module")
def hub() -> Iterator[Standin]:
    repos = {
        "m-a-p/SuperGPQA": _converted({"default/train/0000.parquet": SUPERGPQA}),
        "ehovy/race": _converted(
            {"middle/test/0000.parquet": RACE, "high/test/0000.parquet": RACE[:1]}
        ),
        "allenai/sciq": _converted({"default/test/0000.parquet": SCIQ}),
        "Hothan/OlympiadBench": _converted({"OE_TO_maths_en_COMP/train/0000.parquet": OLYMPIAD}),
        "math-ai/amc23": _converted({"default/test/0000.parquet": AMC}),
        "opencompass/AIME2025": _converted(
            {"AIME2025-I/test/0000.parquet": AIME_I, "AIME2025-II/test/0000.parquet": AIME_II}
        ),
        "weitianwen/cmath": _converted({"default/test/0000.parquet": CMATH}),
        "mandarjoshi/trivia_qa": _converted({"rc.nocontext/validation/0000.parquet": TRIVIAQA}),
        "google-research-datasets/nq_open": _converted(
            {"nq_open/validation/0000.parquet": NQ_OPEN}
        ),
        "zai-org/LongBench-v2": _converted({"default/train/0000.parquet": LONGBENCH}),
        "basicv8vc/SimpleQA": _converted({"default/test/0000.parquet": SIMPLEQA}),
        "tatsu-lab/alpaca_eval": _converted({"alpaca_eval/eval/0000.parquet": ALPACA}),
        "ucinlp/drop": {  # parquet files of its own on main
            "sha": SHA,
            "files": {"data/validation-00000-of-00001.parquet": parquet_bytes(DROP)},
        },
    }
    with serve(HubDatasetsHandler, repos=repos) as server:
        yield server


def _chosen(item: TaskItem) -> str:
    assert isinstance(item.answer, int)
    return item.choices[item.answer]


def _supergpqa(items: list[TaskItem]) -> None:
    assert [i.id for i in items] == ["sg0", "sg1", "sg2"]
    assert len(items[0].choices) == 10 and _chosen(items[0]) == "7"


def _race(items: list[TaskItem]) -> None:
    assert items[0].id == "middle0.txt" and _chosen(items[0]) == "On foot"
    question = items[0].question
    assert question.startswith("Stand-in passage 0") and "Question: How" in question


def _sciq(items: list[TaskItem]) -> None:
    assert all(_chosen(i) == "carbon dioxide" and len(i.choices) == 4 for i in items)
    assert len({i.answer for i in items}) > 1  # the right answer is not always first
    assert items[0].question.startswith("Stand-in 0") and "photosynthesis" in items[1].question


def _olympiad(items: list[TaskItem]) -> None:
    several, unit = items
    assert (several.id, several.answer, several.family) == ("1601", "3, -3", "math")
    assert "several answers" in several.question
    assert unit.answer == "1" and "Give the answer in m" in unit.question


def _amc(items: list[TaskItem]) -> None:
    assert [i.answer for i in items] == ["20", "21", "22"]  # 20.0 in the data


def _aime_i(items: list[TaskItem]) -> None:
    assert [i.answer for i in items] == ["6", "12", "18"]  # part II is not read


def _cmath(items: list[TaskItem]) -> None:
    assert (items[1].id, items[1].answer, items[1].family) == ("cm1", "3", "math")


def _triviaqa(items: list[TaskItem]) -> None:
    (item,) = items
    assert (item.id, item.answer, item.family) == ("tc_1", "The Beatles", "exact_match")
    assert item.extra["aliases"] == ["The Beatles", "The Beatles", "Beatles", "Fab Four"]


def _nq(items: list[TaskItem]) -> None:
    assert items[0].extra["aliases"] == ["Jane Roe", "J. Roe"]


def _drop(items: list[TaskItem]) -> None:
    goal, both = items
    assert (goal.id, goal.answer, goal.family) == ("q0", "32", "span_f1")
    assert goal.question.startswith("Passage: Stand-in game")
    assert goal.question.endswith("Question: How long was the field goal?")
    assert both.extra["answers"] == [["Smith", "Jones"]]


def _longbench(items: list[TaskItem]) -> None:
    (item,) = items
    assert (item.id, _chosen(item)) == ("66f36490821e116aacb2cc22", "Decline")
    assert len(item.question) < LONG_CONTEXT_CHARS + 1000  # the 640k-character context is cut
    assert "Stand-in annual report." in item.question and "It forecasts decline." in item.question
    assert item.question.endswith("question: Stand-in: what did the report forecast?")


def _simpleqa(items: list[TaskItem]) -> None:
    (item,) = items
    assert (item.answer, item.family, item.extra["mode"]) == ("Jane Roe", "judged", "graded")


def _alpaca(items: list[TaskItem]) -> None:
    assert items[0].extra["baseline_model"] == "text_davinci_003"


CASES: list[tuple[str, str, Callable[[list[TaskItem]], None]]] = [
    ("SuperGPQA", "supergpqa", _supergpqa),
    ("RACE-middle", "race-middle", _race),
    ("SciQ", "sciq", _sciq),
    ("OlympiadBench", "olympiadbench", _olympiad),
    ("AMC 2023", "amc-2023", _amc),
    ("AIME25 I", "aime-2025-i", _aime_i),
    ("CMATH", "cmath", _cmath),
    ("TriviaQA", "triviaqa", _triviaqa),
    ("Natural Questions", "naturalquestions", _nq),
    ("DROP", "drop", _drop),
    ("LongBench v2", "longbench-v2", _longbench),
    ("SimpleQA", "simpleqa", _simpleqa),
    ("AlpacaEval 1.0", "alpacaeval", _alpaca),
]


@pytest.mark.parametrize(("claimed", "task_id", "check"), CASES, ids=[c[1] for c in CASES])
def test_added_task_reads_its_dataset_as_the_hub_serves_it(
    hub: Standin, tmp_path: Path, claimed: str, task_id: str, check: Callable[..., None]
) -> None:
    assert benchmark_id(claimed) == task_id  # the id the extractor gives the name as written
    task = load_hub_task(claimed, endpoint=hub.url, cache_dir=tmp_path)
    assert (task.benchmark, task.revision) == (task_id, SHA)
    check(list(task.items))


def test_race_high_reads_its_own_config(hub: Standin, tmp_path: Path) -> None:
    task = load_hub_task("race-high", endpoint=hub.url, cache_dir=tmp_path)
    assert task.files == ("high/test/0000.parquet",) and len(task.items) == 1


def test_aime_2025_ii_reads_part_two_only(hub: Standin, tmp_path: Path) -> None:
    assert benchmark_id("AIME25 II") == "aime-2025-ii"
    task = load_hub_task("AIME25 II", endpoint=hub.url, cache_dir=tmp_path)
    assert [item.answer for item in task.items] == ["49"]


async def test_open_qa_answers_match_any_alias_after_squad_normalisation() -> None:
    item = TaskItem("1", "q", "The Beatles", family="exact_match",
                    extra={"aliases": ["The Beatles", "Fab Four"]})  # fmt: skip
    family = ExactMatch()
    right = await family.score("They recorded it in 1969.\nSo the answer is **Beatles**.", item)
    also = await family.score("So the answer is: the Fab Four!", item)
    wrong = await family.score("So the answer is The Rolling Stones.", item)
    assert (right.value, right.parsed, also.value, wrong.value) == (1.0, "**Beatles**.", 1.0, 0.0)
    bbh = TaskItem("2", "q", "(B)", family="exact_match")  # no aliases: BBH's own rule
    assert (await family.score("So the answer is B.", bbh)).value == 1.0


@pytest.mark.parametrize(
    ("name", "task_id"),
    [("MMLU (5-shot)", "mmlu"), ("BBH CoT", "bbh"), ("bbh-cot", "bbh"),
     ("HumanEval pass@1", "humaneval"), ("humaneval-pass-1", "humaneval"),
     ("MMLU-Pro 5-shot CoT", "mmlu-pro"), ("IFEval strict-prompt", "ifeval")],
)  # fmt: skip
def test_a_name_with_its_setting_finds_the_task(name: str, task_id: str) -> None:
    spec = default_registry().get(name)
    assert spec is not None and spec.id == task_id


@pytest.mark.parametrize("name", ["BBH MC", "mt-bench-101", "CoT", "5-shot", "math-odyssey"])
def test_a_different_benchmark_is_not_taken_for_its_prefix(name: str) -> None:
    assert default_registry().get(name) is None


@pytest.mark.parametrize(
    ("predicted", "gold", "expected"),
    [(["2"], ["2.0"], (1.0, 1.0)),  # numbers compare as numbers
     (["the Steelers"], ["Steelers"], (1.0, 1.0)),  # articles and case do not count
     (["Tom Brady"], ["Brady"], (0.0, 0.67)),  # partial credit
     (["Jones", "Smith"], ["Smith", "Jones"], (1.0, 1.0)),  # spans pair up in any order
     (["Smith"], ["Smith", "Jones"], (0.0, 0.5)),  # a missing span scores 0
     (["32 yards"], ["33 yards"], (0.0, 0.0)),  # a wrong number is wrong, words aside
     (["4 yards"], ["4"], (0.0, 0.67))],
)  # fmt: skip
def test_drop_f1_follows_the_official_definition(
    predicted: list[str], gold: list[str], expected: tuple[float, float]
) -> None:
    assert span_scores(predicted, gold) == expected


async def test_drop_replies_score_their_f1_and_the_family_is_bounded() -> None:
    family = SpanF1()
    item = TaskItem("q1", "Passage: ...", "Smith | Jones", family="span_f1",
                    extra={"answers": [["Smith", "Jones"]]})  # fmt: skip
    both = await family.score("Both scored.\nSo the answer is **Jones | Smith**.", item)
    one = await family.score("So the answer is Smith.", item)
    none = await family.score("", item)
    assert (both.value, both.values["em"], both.parsed) == (1.0, 1.0, "Jones | Smith")
    assert (one.value, one.values["em"]) == (0.5, 0.0)
    assert none.parsed is None and family.bounded


def test_simpleqa_is_graded_correct_incorrect_or_not_attempted() -> None:
    item = TaskItem("0", "Who first described it?", "Jane Roe", family="judged",
                    extra={"mode": "graded"})  # fmt: skip
    prompt = judge_prompt(item, "I believe it was Jane Roe.")
    assert "[Gold Target]\nJane Roe" in prompt and "I believe it was Jane Roe." in prompt
    grades = [read_verdict(item, f"Reasoning... [[{g}]]") for g in "ABC"]
    assert [(g.value, g.parsed) for g in grades] == [
        (1.0, "correct"),
        (0.0, "incorrect"),
        (0.0, "not_attempted"),
    ]
    unread = read_verdict(item, "I cannot grade this.")
    assert unread.parsed is None  # an unread item, never a pass or a fail
