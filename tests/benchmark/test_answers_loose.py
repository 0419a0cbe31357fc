"""Reading loosely phrased, multilingual, reasoning-model and TeX replies (issue 22)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hypewatch.standins.openai_bench import Behaviour, answer_for, reply_for, thoughts_for
from hypewatch.verifiers.benchmark.answer_phrases import MMLU_PROX_ANSWER_IS
from hypewatch.verifiers.benchmark.answers import (
    answers_equivalent,
    extract,
    extract_choice,
    extract_number,
    is_correct,
    split_reasoning,
    structured_answer,
)
from hypewatch.verifiers.benchmark.tasks import TaskItem

CHOICES = ("Paris", "London", "Berlin", "Madrid")
MC = TaskItem("mc", "Capital of the UK?", 1, CHOICES)
NUM = TaskItem("n", "How many?", "462")


@pytest.mark.parametrize(
    ("reply", "rule"),
    [
        ("Therefore, B is correct.", "is_correct"),
        ("B is the correct answer.", "is_correct"),
        ("I think it's B.", "i_pick"),
        ("I would go with (B).", "i_pick"),
        ("So it comes to 462, which corresponds to B.", "corresponds_to"),
        ("That matches option B", "corresponds_to"),
        ("答案是 B", "multilingual"),
        ("答案：B", "multilingual"),
        ("La respuesta es (B)", "multilingual"),
        ("Die Antwort ist B.", "multilingual"),
        ("Réponse : B", "multilingual"),
        ("Ответ - (B)", "multilingual"),
        ("الإجابة: ب", "multilingual"),
        ("**Final answer:** B", "answer_is"),
        ("Let me weigh it.\n\nOption B", "last_line"),
        ("The capital is London, of course.", "choice_text"),
        ("I'd pick **B** here, though I hesitated", "bold"),
    ],
)
def test_loose_multiple_choice_phrasings_are_read(reply: str, rule: str) -> None:
    parsed = extract_choice(reply, CHOICES)
    assert (parsed.value, parsed.rule) == ("B", rule)


@pytest.mark.parametrize("language", sorted(MMLU_PROX_ANSWER_IS))
def test_every_vendored_answer_phrase_is_read(language: str) -> None:
    reply = "…\n" + MMLU_PROX_ANSWER_IS[language].format("C")
    assert extract_choice(reply, CHOICES).value == "C"


@pytest.mark.parametrize(
    "reply",
    [
        "Option A is wrong, and so is D.",  # names options without choosing
        "A is correct only if the premise holds; it does not.",
        "It is not London.",
        "It's A good question",
        "I'm not sure; it could be B or C.",
        "正解は B です",  # a phrasing the vendored data does not carry: left for the re-ask
    ],
)
def test_ambiguous_or_unknown_phrasings_stay_unread(reply: str) -> None:
    assert extract_choice(reply, CHOICES).value is None


def test_reasoning_blocks_are_set_aside() -> None:
    reply = "<think>A? The answer is (C) perhaps. No.</think>\nB"
    assert split_reasoning(reply) == ("B", "A? The answer is (C) perhaps. No.")
    assert extract(reply, MC).value == "B"
    # the template opened <think>: only its closing tag is in the reply
    assert (
        extract("Looks like C... the answer is (C)? </think> The answer is (B).", MC).value == "B"
    )
    # nothing after the reasoning: its explicit statement is read, marked as such
    cut = extract("<think>Weighing all four, the answer is (B).</think>", MC)
    assert (cut.value, cut.rule) == ("B", "reasoning:answer_is")
    # an unclosed block is all reasoning, and loose mentions in it are not read
    assert extract("<think>Maybe B is correct.", MC).value is None
    # reasoning_content sent separately
    separate = extract("", MC, reasoning="So the answer is (B).")
    assert (separate.value, separate.rule) == ("B", "reasoning:answer_is")


@pytest.mark.parametrize(
    ("reply", "value"),
    [
        ("The total is $462.", "462"),
        ("462 apples", "462"),
        ("答案是 462", "462"),
        ("Ответ: 462", "462"),
        ("\\boxed{462\\text{ km}}", "462"),
        ("\\boxed{\\frac{924}{2}}", "\\frac{924}{2}"),
        ("The answer is $\\frac{924}{2}$.", "\\frac{924}{2}"),
        ("so we get \\(\\frac{924}{2}\\)", "\\frac{924}{2}"),
        ("4.62 \\times 10^2", "4.62 \\times 10^2"),
    ],
)
def test_numbers_with_units_and_tex_are_read_and_scored(reply: str, value: str) -> None:
    parsed = extract_number(reply)
    assert parsed.value == value
    assert is_correct(parsed, NUM)


def test_the_equivalence_check() -> None:
    assert answers_equivalent("42.0", "42")
    assert answers_equivalent("\\frac{1}{2}", "0.5")
    assert answers_equivalent("1/2", "\\frac{2}{4}")
    assert not answers_equivalent("463", "462")
    assert not answers_equivalent("\\frac{1}{3}", "0.5")
    assert not answers_equivalent("x" * 300, "1")


def test_structured_re_ask_replies() -> None:
    assert structured_answer('{"answer": "B"}') == "B"
    assert structured_answer('{"answer": 462}') == "462"
    assert structured_answer('{"answer": true}') is None
    assert structured_answer("B") is None
    assert structured_answer("[1]") is None


def test_strong_rules_only_in_cut_off_replies() -> None:
    assert extract("The answer is (B).", MC).strong
    assert not extract("I think it's B.", MC).strong
    assert not extract_number("First 40, then 2").strong
    assert extract_number("First 40, then 2", strong_only=True).value is None


@pytest.mark.parametrize("reasoning", ["", "tagged"])
def test_loose_stand_in_replies_are_never_misread(items: list[TaskItem], reasoning: str) -> None:
    # Every reply the stand-in can phrase: read as the answer it meant, or not read at all.
    behaviour = Behaviour(p_correct=0.5, p_loose=1.0, reasoning=reasoning)
    read = 0
    for item in items:
        meant = answer_for(item, behaviour)[0]
        thoughts = thoughts_for(item, behaviour)
        reply = reply_for(item, behaviour)
        text = f"<think>{thoughts}</think>\n{reply}" if reasoning else reply
        parsed = extract(text, item)
        if parsed.value is not None:
            read += 1
            if item.is_multiple_choice:
                assert parsed.value == meant, (reply, parsed)
            else:
                assert answers_equivalent(parsed.value, meant), (reply, parsed)
    assert read > 0.7 * len(items)


@settings(max_examples=150, deadline=None)
@given(st.text(max_size=300))
def test_hostile_text_never_raises(text: str) -> None:
    final, _ = split_reasoning(text)
    choice = extract_choice(final, CHOICES)
    assert choice.value is None or choice.value in "ABCD"
    number = extract_number(final)
    assert number.value is None or isinstance(number.value, str)
    is_correct(number, NUM)


_TEX_TOKENS = st.sampled_from(
    ["\\boxed{", "\\frac{", "}", "{", "$", "^", "9", "1", "/", " ", "\\text{km}", "<think>",
     "</think>", "answer is", "答案是", "B", "(", ")", "####", "-", ".", ",", "\n"]
)  # fmt: skip


@settings(max_examples=150, deadline=None)
@given(st.lists(_TEX_TOKENS, max_size=40).map("".join))
def test_hostile_tex_never_raises(text: str) -> None:
    parsed = extract(text, NUM)
    is_correct(parsed, NUM)
    assert extract(text, MC).value in (None, "A", "B", "C", "D")
