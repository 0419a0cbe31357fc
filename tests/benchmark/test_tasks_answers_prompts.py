from __future__ import annotations

import json
from pathlib import Path

import pytest

from hypewatch.verifiers.benchmark.answers import (
    extract,
    extract_choice,
    extract_number,
    is_correct,
)
from hypewatch.verifiers.benchmark.prompts import (
    PromptSetting,
    build_messages,
    parse_setting,
    prompt_hash,
)
from hypewatch.verifiers.benchmark.tasks import (
    TaskFormatError,
    TaskItem,
    find_task_file,
    load_task,
    parse_lines,
)

CHOICES = ("Paris", "London", "Berlin", "Rome")
MC = TaskItem("q1", "Which city is the capital of the UK?", 1, CHOICES)
NUM = TaskItem("q2", "Tom has 40 apples and buys 2. How many?", "42")


def lines(*rows: object) -> list[str]:
    return [json.dumps(row) for row in rows]


def test_parses_both_item_kinds_and_json_numbers(tmp_path: Path) -> None:
    path = tmp_path / "t.jsonl"
    path.write_text(
        "\n".join(
            lines(
                {"id": "a", "question": "Q?", "choices": ["x", "y"], "answer": 1},
                {"id": 7, "question": "N?", "answer": 42},
                {"id": "c", "question": "F?", "answer": 2.5},
                {"id": "d", "question": "S?", "answer": "1,234"},
            )
        )
        + "\n\n",
        encoding="utf-8",
    )
    items = load_task(path)
    assert [i.id for i in items] == ["a", "7", "c", "d"]
    assert items[0].is_multiple_choice
    assert items[0].answer_label == "B"
    assert [i.answer for i in items[1:]] == ["42", "2.5", "1,234"]


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ({"id": "a", "question": "Q", "choices": ["x", "y"], "answer": 2}, "out of range"),
        ({"id": "a", "question": "Q", "choices": ["x", "y"], "answer": "B"}, "0-based index"),
        ({"id": "a", "question": "Q", "choices": ["x"], "answer": 0}, "2 to 26"),
        ({"id": "a", "question": "", "answer": "1"}, "'question'"),
        ({"id": "a", "question": "Q", "answer": "forty-two"}, "string of digits"),
        ({"id": "a", "question": "Q", "answer": True}, "boolean"),
        ({"question": "Q", "answer": "1"}, "missing required field 'id'"),
        ({"id": "a", "question": "Q", "answer": "1", "extra": 1}, "unknown field"),
        ([1, 2], "JSON object"),
    ],
)
def test_bad_items_name_the_line(row: object, message: str) -> None:
    good = {"id": "ok", "question": "Fine?", "answer": "1"}
    with pytest.raises(TaskFormatError) as caught:
        parse_lines(lines(good, row), "task.jsonl")
    assert "task.jsonl:2" in str(caught.value)
    assert message in str(caught.value)


def test_bad_json_duplicates_and_empty_files() -> None:
    with pytest.raises(TaskFormatError, match=r"t:1: not valid JSON"):
        parse_lines(["{nope"], "t")
    with pytest.raises(TaskFormatError, match=r"t:2: duplicate id 'a' \(first on line 1\)"):
        parse_lines(lines({"id": "a", "question": "Q", "answer": 1}) * 2, "t")
    with pytest.raises(TaskFormatError, match="no items to score"):
        parse_lines(["", "// comment"], "t")


def test_missing_file_and_lookup_by_benchmark(tmp_path: Path) -> None:
    with pytest.raises(TaskFormatError, match="does not exist"):
        load_task(tmp_path / "none.jsonl")
    (tmp_path / "mmlu_pro.jsonl").write_text("", encoding="utf-8")
    assert find_task_file(tmp_path, "MMLU-Pro") == tmp_path / "mmlu_pro.jsonl"
    assert find_task_file(tmp_path, "GPQA") is None


@pytest.mark.parametrize(
    ("reply", "letter"),
    [
        ("The answer is (B).", "B"),
        ("Answer: B", "B"),
        ("B) London", "B"),
        ("**B**", "B"),
        ("(B)", "B"),
        ("Let me think. A seems wrong. C too. The answer is B.", "B"),
        ("The answer is (C). On reflection, the final answer is (B).", "B"),
        ("London", "B"),
        ("\\boxed{B}", "B"),
        ("So the correct option is **D**.", "D"),
    ],
)
def test_choice_extraction(reply: str, letter: str) -> None:
    assert extract_choice(reply, CHOICES).value == letter


@pytest.mark.parametrize(
    "reply", ["I cannot answer that.", "The answer is a mystery", "Answer: E", "", "It is unclear."]
)
def test_unparseable_choices_are_wrong(reply: str) -> None:
    parsed = extract(reply, MC)
    assert parsed.value is None
    assert parsed.rule == "unparseable"
    assert not is_correct(parsed, MC)


@pytest.mark.parametrize(
    ("reply", "number"),
    [
        ("#### 42", "42"),
        ("The answer is 42.", "42"),
        ("40 + 2 = 42 apples.\n#### 42", "42"),
        ("He pays $1,234.50.\n#### 1,234.50", "1234.5"),
        ("The answer is: **-7**", "-7"),
        ("\\boxed{42}", "42"),
        ("First 40, then 2 more, so 42 in total", "42"),
    ],
)
def test_number_extraction(reply: str, number: str) -> None:
    assert extract_number(reply).value == number


def test_numbers_compare_as_decimals() -> None:
    assert is_correct(extract("The answer is 42.0", NUM), NUM)
    assert not is_correct(extract("#### 41", NUM), NUM)
    assert not is_correct(extract("no idea", NUM), NUM)


@pytest.mark.parametrize(
    ("setting", "shots", "cot"),
    [
        ("", 0, None),
        ("0-shot", 0, None),
        ("5-shot", 5, None),
        ("8-shot CoT", 8, True),
        ("few-shot, chain-of-thought", 5, True),
        ("zero-shot direct", 0, False),
        ("25 shots", 25, None),
    ],
)
def test_settings(setting: str, shots: int, cot: bool | None) -> None:
    assert parse_setting(setting) == PromptSetting(shots, cot)


def test_prompts_hold_the_question_verbatim_and_exemplars() -> None:
    shot = TaskItem("e1", "What is 1+1?", "2", explanation="One plus one is two.")
    messages = build_messages(NUM, PromptSetting(1, True), [shot])
    assert [m["role"] for m in messages] == ["user", "assistant", "user"]
    assert messages[-1]["content"].startswith(NUM.question)
    assert messages[1]["content"] == "One plus one is two.\n#### 2"
    mc = build_messages(MC, PromptSetting(0, None), [shot])
    assert len(mc) == 1
    assert "B. London" in mc[0]["content"]
    assert "(X)" in mc[0]["content"]
    assert prompt_hash(mc) == prompt_hash([dict(m) for m in mc]) != prompt_hash(messages)
