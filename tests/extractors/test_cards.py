from __future__ import annotations

from hypewatch.extractors.extractor import Extractor

COLUMNS = """# Foo-7B

| Benchmark | GPT-4o | Foo-7B | Llama-3-8B |
|---|---|---|---|
| MMLU (5-shot) | 88.7 | **66.1** | 66.6 |
| GSM8K | 90.0 | 80.2 | - |
| HumanEval | 90.2 | N/A | 62.2 |
"""

ROWS = """# Bar-3B

| Model | MMLU | GSM8K (8-shot) | MT-Bench |
|:--|--:|--:|--:|
| Llama-3.2-3B | 0.634 | 0.776 | 6.8 |
| Bar-3B | 0.655 | 0.801 | 7.1 |
"""


def triples(extractor: Extractor, text: str, post_id: str = "") -> list[tuple[str, float, str]]:
    found = extractor.extract(text, "huggingface", post_id)
    return [(s.benchmark, s.value, s.setting) for s in found.scores]


def test_launched_model_column_only(extractor: Extractor) -> None:
    assert triples(extractor, COLUMNS) == [("mmlu", 66.1, "5-shot"), ("gsm8k", 80.2, "")]


def test_launched_model_row_and_fractions_become_percent(extractor: Extractor) -> None:
    found = triples(extractor, ROWS, "acme/Bar-3B")
    assert found == [("mmlu", 65.5, ""), ("gsm8k", 80.1, "8-shot"), ("mt-bench", 7.1, "")]


def test_metric_and_shot_columns_give_the_setting(extractor: Extractor) -> None:
    card = (
        "# Baz-70B\n\n| Category | Benchmark | # Shots | Metric | Other-70B | Baz-70B |\n"
        "|---|---|---|---|---|---|\n| General | MMLU | 5 | acc | 80.0 | 82.5 |\n"
        "| Code | HumanEval | 0 | pass@1 | 70.1 | 75.0 |\n"
        "| Math | Weird-Bench | 4 | em | 1.0 | 33.3 |\n"
    )
    assert triples(extractor, card, "org/Baz-70B") == [
        ("mmlu", 82.5, "5-shot"),
        ("humaneval", 75.0, "0-shot, pass@1"),
        ("weird-bench", 33.3, "4-shot"),
    ]


def test_model_index_and_base_model_front_matter(extractor: Extractor) -> None:
    card = """---
base_model:
- meta-llama/Llama-3.1-8B
model-index:
- name: Qux-8B
  results:
  - task: {type: text-generation}
    dataset: {name: GPQA (Diamond), type: Idavidrein/gpqa, args: {num_few_shot: 0}}
    metrics: [{type: acc, value: 0.412}]
  - task: {type: text-generation}
    dataset: {name: Chatbot Arena, type: lmsys}
    metrics: [{type: elo, value: 1201}]
---
Body text.
"""
    found = extractor.extract(card, "huggingface", "org/Qux-8B")
    assert found.model == "Qux-8B"
    assert found.base_model == "meta-llama/Llama-3.1-8B"
    assert [(s.benchmark, s.value, s.setting) for s in found.scores] == [
        ("gpqa-diamond", 41.2, "0-shot"),
        ("chatbot-arena", 1201.0, ""),
    ]
    assert found.hf_repo == "org/Qux-8B"


def test_bullet_lists_in_cards(extractor: Extractor) -> None:
    card = "# Zed-2B\n\n* ARC-Easy 74.3\n* Winogrande: 63.5\n- MMLU — 48.9\n"
    assert triples(extractor, card) == [
        ("arc-easy", 74.3, ""),
        ("winogrande", 63.5, ""),
        ("mmlu", 48.9, ""),
    ]


def test_malformed_front_matter_warns_and_reads_the_rest(extractor: Extractor) -> None:
    card = "---\nlicense: mit\nbase_model: [unclosed\n---\n# Q-1B\n\nMMLU 41.0\n"
    found = extractor.extract(card, "huggingface", "org/Q-1B")
    assert any("malformed YAML front matter" in w for w in found.warnings)
    assert [(s.benchmark, s.value) for s in found.scores] == [("mmlu", 41.0)]
