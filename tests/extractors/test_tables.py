"""Tables as labs write them, whose column is the launched model's, and the names around them.

Every text here is written for this test (invented models, real shapes).
"""

from __future__ import annotations

from hypewatch.extractors import tables
from hypewatch.extractors.extractor import Extractor


def _scores(extractor: Extractor, text: str, source: str = "huggingface") -> dict[str, float]:
    return {s.benchmark: s.value for s in extractor.extract(text, source, "t").scores}


def test_pipe_table_without_spaces_and_escapes() -> None:
    found = tables.find("|Model|\\# Shots|MMLU|\n|-|-|-|\n|**Foo-7B**|5|`70.1`|\n")
    assert len(found.tables) == 1
    table = found.tables[0]
    assert [c.text for c in table.rows[0]] == ["Model", "# Shots", "MMLU"]
    assert table.rows[1][0].bold and not table.rows[1][1].bold
    assert found.lines == {0, 1, 2}


def test_html_table_expands_spans_and_header_rows() -> None:
    html = """<table>
  <tr><th rowspan="2">Models</th><th colspan="2">Chat</th></tr>
  <tr><th>MT-Bench</th><th>AlpacaEval 2.0</th></tr>
  <tr><td>Rival-70B</td><td>8.1</td><td>30.2</td></tr>
  <tr><td><strong>Foo-110B-Chat</strong></td><td>8.9</td><td>43.9</td></tr>
</table>"""
    table = tables.find("Intro line\n" + html).tables[0]
    assert table.syntax == "html" and table.header_rows == 2
    assert table.header(0) == ["Models"] and table.header(2) == ["Chat", "AlpacaEval 2.0"]
    assert table.rows[3][0].bold and table.before == "Intro line"


def test_html_card_table_reads_the_launched_column(extractor: Extractor) -> None:
    cells = "\n".join(
        f"  <tr>\n   <td>{b}\n   </td>\n   <td>{x}\n   </td>\n   <td>{y}\n   </td>\n  </tr>"
        for b, x, y in [
            ("<strong>Benchmark</strong>", "Foo 2 8B", "Foo 3 8B"),
            ("MMLU (5-shot)", "45.1", "66.6"),
            ("GSM-8K (8-shot, CoT)", "20.0", "79.0"),
        ]
    )
    text = (
        "## Model Details\n\nWe released the Foo 3 family of models in 8B and 70B sizes.\n\n"
        f"<table>\n{cells}\n</table>\n"
    )
    found = extractor.extract(text, "huggingface", "card")
    assert {s.benchmark: s.value for s in found.scores} == {"mmlu": 66.6, "gsm8k": 79.0}
    assert found.model == "Foo 3 8B" and found.is_claim


def test_shot_count_header_row_and_launched_row(extractor: Extractor) -> None:
    text = (
        "# Foo\n\n* We release **Foo-72B** and Foo-1.8B today.\n\n"
        "| Model | MMLU | GSM8K |\n|:--|:--:|:--:|\n|  | 5-shot | 8-shot |\n"
        "| Rival-70B | 69.0 | 56.0 |\n| **Foo-1.8B** | 45.3 | 32.3 |\n"
        "| **Foo-72B** | **77.4** | **78.9** |\n"
    )
    found = extractor.extract(text, "huggingface", "readme")
    assert [(s.benchmark, s.value, s.setting) for s in found.scores] == [
        ("mmlu", 77.4, "5-shot"),
        ("gsm8k", 78.9, "8-shot"),
    ]
    assert found.model == "Foo-72B"


def test_version_and_name_words_tell_the_launched_column(extractor: Extractor) -> None:
    text = (
        "## Benchmarks\n\nThe Foo 3.3 multilingual large language model is out.\n\n"
        "| Benchmark | Foo 3.1 8B | Foo 3.1 70B | Foo-3.3 70B | Foo 3.1 405B |\n"
        "|---|---|---|---|---|\n| MMLU (CoT) | 73.0 | 86.0 | 86.4 | 88.6 |\n"
        "| IFEval | 80.4 | 87.5 | 92.1 | 88.6 |\n"
    )
    assert _scores(extractor, text) == {"mmlu": 86.4, "ifeval": 92.1}


def test_undecidable_table_gives_nothing_and_says_why(extractor: Extractor) -> None:
    text = (
        "Some results from the community.\n\n| Benchmark | Alpha-7B | Beta-7B |\n|---|---|---|\n"
        "| MMLU | 60.1 | 61.2 |\n| GSM8K | 40.0 | 45.5 |\n"
    )
    found = extractor.extract(text, "reddit", "r1")
    assert found.scores == []
    assert any("no column or row names the launched model" in w for w in found.warnings)


def test_model_named_before_the_table_decides(extractor: Extractor) -> None:
    text = (
        "Results\n\nThe table compares Gamma-9B with Alpha-7B.\n\n"
        "| Benchmark | Alpha-7B | Gamma-9B |\n|---|---|---|\n| MMLU | 60.1 | 66.2 |\n"
    )
    assert _scores(extractor, text, "web") == {"mmlu": 66.2}


def test_flattened_and_rendered_tables(extractor: Extractor) -> None:
    flat = (
        "Foo Syndicate is an experiment in fine-tuning.\nMore words here.\n"
        "Evaluation | Metric |Value| |---|---:| |Avg. |61.90| |HellaSwag (10-Shot) |82.91| "
        "|MMLU (5-Shot) |60.83|"
    )
    assert _scores(extractor, flat) == {"hellaswag": 82.91, "mmlu": 60.83}
    rendered = (
        "Introducing Foo-7B, our new open model.\n\nBenchmark\tFoo-7B\tBar-7B\n"
        "MMLU\t64.2\t45.3\nGSM8K\t52.1\t14.6\n"
    )
    assert _scores(extractor, rendered, "web") == {"mmlu": 64.2, "gsm8k": 52.1}


def test_categories_averages_counts_and_architecture_are_not_scores(
    extractor: Extractor,
) -> None:
    text = (
        "# Foo-8B\n\nWe release Foo-8B.\n\n"
        "- Number of layers: 32\n- Number of kv-heads: 8 (GQA)\n\n"
        "| Model | MMLU | Math & Code | AIME 2024 |\n|---|---|---|---|\n"
        "| Foo-8B | 70.1 | 40.2 | 4/30 |\n"
    )
    assert _scores(extractor, text) == {"mmlu": 70.1}


def test_names_bases_and_sizes(extractor: Extractor) -> None:
    news = (
        "Falcon 180B Shows That Open Models Can Win\nA subtitle\n\n"
        "TII has released the Falcon 180B model, trained on 4E1T tokens."
    )
    assert extractor.extract(news, "web").model == "Falcon 180B"
    card = (
        "# Quill-7B\n\n- **Developed by:** a lab\n"
        "- **Finetuned from model [optional]:** acme/Base-7B-v0.1\n"
    )
    assert extractor.extract(card, "huggingface").base_model == "acme/Base-7B-v0.1"
    prose = (
        "Today we release Smelt-72B. Smelt-72B is a fine-tuned version of \u201cRiver-72B,\u201d "
        "another open model."
    )
    assert extractor.extract(prose, "web").base_model == "River-72B"
    moe = "Introducing Mixer 8x22B. It uses 39B active parameters out of 141B total. MMLU 77.8"
    found = extractor.extract(moe, "web")
    assert (found.params_b, found.active_params_b) == (141.0, 39.0)
    long_name = "Introducing " + "Very " * 1200 + "Long-9B today"
    assert len(extractor.extract(long_name, "x").model) <= 80


def test_prose_shapes_of_real_launches(extractor: Extractor) -> None:
    news = (
        "- [2024/01/02] We released **Coder-34B-V1.0**, which achieves the **73.2 pass@1** "
        "and surpasses **Rival (2023/03/15)** and **Other-2** on the HumanEval Benchmarks."
    )
    assert _scores(extractor, news) == {"humaneval": 73.2}
    bullets = (
        "Sum-Mistral-7B Overview\nSum-Mistral-7B is built upon the Mistral-7B base.\n"
        "- Achieves a 77.7% Pass@1 score on GSM8K, up from 66.5% of its predecessor.\n"
        "- Scores 28.2% Pass@1 on the MATH benchmark.\n"
    )
    found = extractor.extract(bullets, "web")
    assert {s.benchmark: s.value for s in found.scores} == {"gsm8k": 77.7, "math": 28.2}
    assert found.base_model == "Mistral-7B" and found.model == "Sum-Mistral-7B"
    abstract = (
        "We introduce tiny-2-mini, a 3.8 billion parameter model (e.g. tiny-2-mini achieves "
        "69% on MMLU). The innovation lies entirely in our dataset."
    )
    found = extractor.extract(abstract, "web")
    assert found.is_claim and {s.benchmark: s.value for s in found.scores} == {"mmlu": 69.0}


def test_greek_versions_and_base_shapes(extractor: Extractor) -> None:
    text = (
        "# Breeze 7B \u03b2\n\nBreeze-7B-\u03b2 is the second model in the series.\n\n"
        "| Model | Size | MT-Bench |\n|---|---|---|\n| Breeze-7b-\u03b1 | 7B | 6.88 |\n"
        "| Breeze-7b-\u03b2 | 7B | 7.34 |\n"
    )
    assert _scores(extractor, text) == {"mt-bench": 7.34}
    init = (
        "## Introduction\n\nMathy 7B is initialized with [Coder-v1.5 7B](https://example.org/x) "
        "and trained more. Mathy 7B has achieved a score of **51.7%** on the MATH benchmark."
    )
    assert extractor.extract(init, "huggingface").base_model == "Coder-v1.5 7B"
    tune = "# Hermit 2 7B\n\nHermit 2 7B is a state of the art Mistral Fine-tune of our own."
    found = extractor.extract(tune, "huggingface")
    assert found.base_model == "Mistral" and found.is_claim
    comment = "Under the hood Glow 70B seems to be a Llama-3.1 finetune with extra tokens."
    assert not extractor.extract(comment, "reddit").is_claim
