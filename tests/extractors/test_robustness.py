from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hypewatch.config import ExtractionSettings
from hypewatch.extractors.extractor import CONTRACT_KEYS, Extractor


def test_empty_text_warns(extractor: Extractor) -> None:
    found = extractor.extract("", "x", "e")
    assert found.to_json()["is_claim"] is False
    assert any("empty" in w for w in found.warnings)


def test_megabyte_text_is_capped_and_fast() -> None:
    small = Extractor(ExtractionSettings(max_text_chars=20_000))
    text = "Introducing Kite-7B: MMLU 70.1. " + ("lorem ipsum 12.5 dolor " * 50_000)
    assert len(text) > 1_000_000
    start = time.perf_counter()
    found = small.extract(text, "x")
    assert time.perf_counter() - start < 5.0  # generous; the bench measures speed
    assert any("only the first 20,000" in w for w in found.warnings)
    assert [(s.benchmark, s.value) for s in found.scores] == [("mmlu", 70.1)]


def test_binary_junk_warns(extractor: Extractor) -> None:
    junk = bytes(range(256)).decode("latin-1") * 20
    found = extractor.extract(junk, "x")
    assert any("binary" in w for w in found.warnings)
    assert set(found.to_json()) == CONTRACT_KEYS


def test_deeply_nested_markdown(extractor: Extractor) -> None:
    nested = "".join(
        ">" * i + " - " * i + f"[{'(' * i}MMLU 5{')' * i}](x)\n" for i in range(1, 400)
    )
    found = extractor.extract(nested + "| a |\n|---|\n" * 500, "huggingface")
    assert set(found.to_json()) == CONTRACT_KEYS


def test_front_matter_that_is_not_a_mapping(extractor: Extractor) -> None:
    found = extractor.extract("---\n- just\n- a list\n---\nMMLU 50.0", "huggingface")
    assert any("not a mapping" in w for w in found.warnings)
    alias_bomb = (
        "---\na: &a [1,1,1,1]\nb: &b [*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b]\nmodel-index: *c\n---\n"
    )
    assert set(extractor.extract(alias_bomb, "huggingface").to_json()) == CONTRACT_KEYS


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.lists(
        st.one_of(
            st.text(max_size=40),
            st.sampled_from(
                [
                    "MMLU",
                    "GSM8K",
                    "89.9",
                    "%",
                    "(",
                    ")",
                    "|",
                    "---\n",
                    "\n| x | y |\n|---|---|\n",
                    "5-shot",
                    "maj@8",
                    "on",
                    "beats",
                    "https://huggingface.co/a/b",
                    "70B",
                    "?",
                    "NOT",
                    "model-index:",
                    ": [",
                ]
            ),
        ),
        max_size=30,
    ),
    st.sampled_from(["x", "reddit", "huggingface", "other"]),
)
def test_fuzz_never_crashes(extractor: Extractor, parts: list[str], source: str) -> None:
    found = extractor.extract(" ".join(parts), source, "fuzz")
    data = found.to_json()
    assert set(data) == CONTRACT_KEYS
    for score in data["scores"]:
        assert isinstance(score["value"], float)
        assert score["benchmark"]
    if not data["is_claim"]:
        assert data["scores"] == []
