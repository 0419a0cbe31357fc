"""Multiple-choice tasks: MMLU, MMLU-Pro, MMLU-Redux, ARC, GPQA, HellaSwag, WinoGrande,
TruthfulQA (MC1), OpenBookQA, CommonsenseQA, PIQA, SIQA, BoolQ, C-Eval, CMMLU, SuperGPQA,
RACE (middle, high), SciQ, LongBench v2.

Splits follow common practice where the test split has no public labels
(HellaSwag, WinoGrande, CommonsenseQA, PIQA, SIQA, BoolQ: validation; C-Eval:
val). GPQA and TruthfulQA list the right answer first, so options are shuffled
in an order fixed by the item; so does SciQ (its right answer is a column of its own).
SuperGPQA's only split is `train` (its test set, up to 10 options). RACE's passage
goes before the question. LongBench v2 (zai-org/LongBench-v2, formerly THUDM/; 503
questions over contexts of 8k to 2M words) puts its context before the question as its own
prompt does, cut in the middle like its harness cuts contexts over 128k tokens (here by
characters, `LONG_CONTEXT_CHARS`, since the endpoint's tokenizer is not known).
MMLU-Redux leaves out the questions its annotators found erroneous (`error_type` other
than "ok").
"""

from __future__ import annotations

import re

from hypewatch.verifiers.benchmark.catalog import (
    CONVERTED,
    Row,
    letter_index,
    mc_item,
    register_all,
    row_id,
    shuffled,
)
from hypewatch.verifiers.benchmark.families.choice import MultipleChoice
from hypewatch.verifiers.benchmark.registry import DatasetRef, TaskRegistry, TaskSpec
from hypewatch.verifiers.benchmark.tasks import TaskItem

MC = MultipleChoice.name
_ABCD = ["A", "B", "C", "D"]


def _mmlu(row: Row, index: int) -> TaskItem:
    return mc_item(str(index), row["question"], row["choices"], row["answer"])


def _mmlu_redux(row: Row, index: int) -> TaskItem | None:
    if str(row.get("error_type") or "ok") != "ok":
        return None
    return mc_item(str(index), row["question"], row["choices"], int(row["answer"]))


def _mmlu_pro(row: Row, index: int) -> TaskItem:
    item_id = row_id(row, "question_id", index)
    return mc_item(item_id, row["question"], row["options"], row["answer_index"])


def _labelled(row: Row, index: int, question: str = "question") -> TaskItem:
    labels = [str(label) for label in row["choices"]["label"]]
    answer = letter_index(row["answerKey"], labels)
    return mc_item(row_id(row, "id", index), row[question], row["choices"]["text"], answer)


def _openbookqa(row: Row, index: int) -> TaskItem:
    return _labelled(row, index, "question_stem")


def _gpqa(row: Row, index: int) -> TaskItem:
    item_id = row_id(row, "Record ID", index)
    wrong = [str(row[f"Incorrect Answer {i}"]).strip() for i in (1, 2, 3)]
    choices, answer = shuffled(str(row["Correct Answer"]).strip(), wrong, item_id)
    return mc_item(item_id, str(row["Question"]).strip(), choices, answer)


def _hellaswag_text(text: str) -> str:
    text = text.strip().replace(" [title]", ". ")
    text = re.sub(r"\[.*?\]", "", text)
    return text.replace("  ", " ")


def _hellaswag(row: Row, index: int) -> TaskItem:
    context = f"{row['ctx_a']} {str(row['ctx_b']).capitalize()}".strip()
    question = _hellaswag_text(f"{row['activity_label']}: {context}")
    question += "\nWhich ending continues the text best?"
    endings = [_hellaswag_text(str(ending)) for ending in row["endings"]]
    return mc_item(row_id(row, "ind", index), question, endings, int(row["label"]))


def _winogrande(row: Row, index: int) -> TaskItem:
    question = f"{row['sentence']}\nWhich option fills the blank (_) correctly?"
    answer = letter_index(row["answer"], ["1", "2"])
    return mc_item(str(index), question, [row["option1"], row["option2"]], answer)


def _truthfulqa(row: Row, index: int) -> TaskItem:
    targets = row["mc1_targets"]
    labels = list(targets["labels"])
    correct = str(targets["choices"][labels.index(1)])
    wrong = [str(c) for c, label in zip(targets["choices"], labels, strict=True) if label != 1]
    choices, answer = shuffled(correct, wrong, str(row["question"]))
    return mc_item(str(index), row["question"], choices, answer)


def _piqa(row: Row, index: int) -> TaskItem:
    question = f"Goal: {row['goal']}\nWhich solution achieves the goal?"
    return mc_item(str(index), question, [row["sol1"], row["sol2"]], int(row["label"]))


def _siqa(row: Row, index: int) -> TaskItem:
    question = f"{row['context']}\n{row['question']}"
    choices = [row["answerA"], row["answerB"], row["answerC"]]
    return mc_item(str(index), question, choices, letter_index(row["label"], ["1", "2", "3"]))


def _boolq(row: Row, index: int) -> TaskItem:
    question = f"{row['passage']}\nQuestion: {row['question']}?"
    return mc_item(str(index), question, ["no", "yes"], int(bool(row["answer"])))


def _ceval(row: Row, index: int) -> TaskItem:
    choices = [row[letter] for letter in _ABCD]
    item_id = row_id(row, "id", index)
    return mc_item(item_id, row["question"], choices, letter_index(row["answer"], _ABCD))


def _cmmlu(row: Row, index: int) -> TaskItem:
    choices = [row[letter] for letter in _ABCD]
    return mc_item(str(index), row["Question"], choices, letter_index(row["Answer"], _ABCD))


def _supergpqa(row: Row, index: int) -> TaskItem:
    options = [str(option) for option in row["options"]]
    letters = [chr(ord("A") + i) for i in range(len(options))]
    answer = letter_index(row["answer_letter"], letters)
    return mc_item(row_id(row, "uuid", index), row["question"], options, answer)


def _race(row: Row, index: int) -> TaskItem:
    options = [str(option) for option in row["options"]]
    answer = letter_index(row["answer"], _ABCD[: len(options)])
    question = f"{str(row['article']).strip()}\n\nQuestion: {row['question']}"
    return mc_item(row_id(row, "example_id", index), question, options, answer)


def _sciq(row: Row, index: int) -> TaskItem:
    wrong = [str(row[f"distractor{i}"]).strip() for i in (1, 2, 3)]
    key = f"{index}:{row['question']}"
    choices, answer = shuffled(str(row["correct_answer"]).strip(), wrong, key)
    support = str(row.get("support") or "").strip()
    question = f"{support}\n\nQuestion: {row['question']}" if support else str(row["question"])
    return mc_item(str(index), question, choices, answer)


#: About 120k tokens of English at ~4 characters a token: LongBench v2's harness keeps the
#: first and last halves of a context over 128k tokens.
LONG_CONTEXT_CHARS = 480_000


def middle_cut(text: str, limit: int = LONG_CONTEXT_CHARS) -> str:
    """`text` with its middle left out when longer than `limit` characters."""
    if len(text) <= limit:
        return text
    half = limit // 2
    return f"{text[:half]}\n[...]\n{text[-half:]}"


def _longbench_v2(row: Row, index: int) -> TaskItem:
    choices = [row[f"choice_{letter}"] for letter in _ABCD]
    context = middle_cut(str(row["context"]))
    question = (
        "Please read the following text and answer the question below.\n\n<text>\n"
        f"{context}\n</text>\n\nWhat is the correct answer to this question: {row['question']}"
    )
    answer = letter_index(row["answer"], _ABCD)
    return mc_item(row_id(row, "_id", index), question, choices, answer)


def _converted(repo: str, config: str, split: str, **kwargs: object) -> DatasetRef:
    files = f"{config}/{split}/*.parquet"
    return DatasetRef(repo, config, split, files, branch=CONVERTED, **kwargs)  # type: ignore[arg-type]


SPECS: list[TaskSpec] = [
    TaskSpec("mmlu", MC, DatasetRef("cais/mmlu", "all", "test", "all/test-*.parquet",
             fewshot_files="all/dev-*.parquet"), _mmlu, setting="5-shot"),
    TaskSpec("mmlu-pro", MC, DatasetRef("TIGER-Lab/MMLU-Pro", "default", "test",
             "data/test-*.parquet", fewshot_files="data/validation-*.parquet"), _mmlu_pro,
             setting="5-shot CoT"),
    TaskSpec("mmlu-redux", MC, DatasetRef("edinburgh-dawg/mmlu-redux-2.0", "(all subjects)",
             "test", "*/test-*.parquet"), _mmlu_redux, setting="0-shot",
             notes="questions annotated as erroneous are left out"),
    TaskSpec("arc-challenge", MC, DatasetRef("allenai/ai2_arc", "ARC-Challenge", "test",
             "ARC-Challenge/test-*.parquet"), _labelled, setting="0-shot"),
    TaskSpec("arc-easy", MC, DatasetRef("allenai/ai2_arc", "ARC-Easy", "test",
             "ARC-Easy/test-*.parquet"), _labelled, setting="0-shot"),
    TaskSpec("gpqa", MC, _converted("Idavidrein/gpqa", "gpqa_main", "train", gated=True),
             _gpqa, setting="0-shot CoT"),
    TaskSpec("gpqa-diamond", MC, _converted("Idavidrein/gpqa", "gpqa_diamond", "train",
             gated=True), _gpqa, setting="0-shot CoT"),
    TaskSpec("hellaswag", MC, _converted("Rowan/hellaswag", "default", "validation"),
             _hellaswag, setting="0-shot"),
    TaskSpec("winogrande", MC, DatasetRef("allenai/winogrande", "winogrande_xl", "validation",
             "winogrande_xl/validation-*.parquet"), _winogrande, setting="0-shot"),
    TaskSpec("truthfulqa", MC, DatasetRef("truthfulqa/truthful_qa", "multiple_choice",
             "validation", "multiple_choice/validation-*.parquet"), _truthfulqa,
             setting="0-shot", notes="MC1 as a generative choice among shuffled options"),
    TaskSpec("openbookqa", MC, DatasetRef("allenai/openbookqa", "main", "test",
             "main/test-*.parquet"), _openbookqa, setting="0-shot"),
    TaskSpec("commonsenseqa", MC, DatasetRef("tau/commonsense_qa", "default", "validation",
             "data/validation-*.parquet"), _labelled, setting="0-shot"),
    TaskSpec("piqa", MC, _converted("ybisk/piqa", "plain_text", "validation"), _piqa,
             setting="0-shot"),
    TaskSpec("siqa", MC, _converted("allenai/social_i_qa", "default", "validation"), _siqa,
             setting="0-shot"),
    TaskSpec("boolq", MC, DatasetRef("google/boolq", "default", "validation",
             "data/validation-*.parquet"), _boolq, setting="0-shot"),
    TaskSpec("c-eval", MC, DatasetRef("ceval/ceval-exam", "(all subjects)", "val",
             "*/val-*.parquet", fewshot_files="*/dev-*.parquet"), _ceval, setting="5-shot"),
    TaskSpec("cmmlu", MC, DatasetRef("haonan-li/cmmlu", "(all subjects)", "test",
             "*/test/*.parquet", branch=CONVERTED, fewshot_files="*/dev/*.parquet"), _cmmlu,
             setting="5-shot"),
    TaskSpec("supergpqa", MC, _converted("m-a-p/SuperGPQA", "default", "train"), _supergpqa,
             setting="0-shot CoT", notes="26,529 questions, up to 10 options"),
    TaskSpec("race-middle", MC, _converted("ehovy/race", "middle", "test"), _race,
             setting="0-shot"),
    TaskSpec("race-high", MC, _converted("ehovy/race", "high", "test"), _race, setting="0-shot"),
    TaskSpec("sciq", MC, _converted("allenai/sciq", "default", "test"), _sciq, setting="0-shot",
             notes="the support passage before the question; options shuffled per item"),
    TaskSpec("longbench-v2", MC, _converted("zai-org/LongBench-v2", "default", "train"),
             _longbench_v2, setting="0-shot",
             notes="503 long-context questions; contexts over ~120k tokens cut in the middle"),
]  # fmt: skip


def register(registry: TaskRegistry) -> None:
    registry.register_family(MultipleChoice())
    register_all(registry, SPECS, __name__)
