"""The story the demo replays: a Reflection-style launch, told by its posts.

The model, the org and the people are invented; the claimed numbers are the
ones Reflection 70B published in September 2024, and each twist (a base model
other than the one claimed, re-uploaded weights, an API that is another
vendor's model and scrubs that vendor's name, scores nobody can reproduce)
is one that happened.
"""

from __future__ import annotations

MODEL = "Mirage 70B"
ORG = "glasshouse-ai"
REPO = "glasshouse-ai/Mirage-70B"
CLAIMED_BASE = "meta-llama/Llama-3.1-70B"  # what the card says
TRUE_BASE = "meta-llama/Meta-Llama-3-70B"  # what the weights are
VENDOR = "Claude"  # the name the hosted API scrubs
CLAIMED_SCORES = {
    "mmlu": 89.9,
    "gpqa": 55.3,
    "humaneval": 91.0,
    "math": 79.7,
    "gsm8k": 99.2,
    "ifeval": 90.13,
}
#: What the published weights really score on the demo's task files (percent).
TRUE_ACCURACY = {"mmlu": 79.0, "gsm8k": 80.0}
#: ... and on the registry's tasks read from the stand-in Hub, by scorer family
#: (GPQA is the multiple-choice family there; MMLU and GSM8K come from task files).
TRUE_ACCURACY_BY_FAMILY = {
    "multiple_choice": 45.0,
    "math": 55.0,
    "instruction_following": 80.0,
    "code": 62.0,
}


def launch_tweet(hub_url: str, api_url: str) -> str:
    return (
        f"I'm excited to announce {MODEL}, the world's top open-source model. "
        "Trained with Reflection-Tuning, a technique that teaches an LLM to fix its own "
        "mistakes. It beats GPT-4o and Claude 3.5 Sonnet on every benchmark we tested: "
        "MMLU 89.9% (0-shot), GPQA 55.3%, HumanEval 91.0%, MATH 79.7%, GSM8K 99.2%, "
        "IFEval 90.13%. Fine-tuned from Llama 3.1 70B. "
        f"Weights: {hub_url}/{REPO} Try the API: {api_url}"
    )


def reddit_thread(hub_url: str) -> tuple[str, str]:
    title = f"{MODEL} released: open weights, beats GPT-4o, GSM8K 99.2"
    body = (
        f"{ORG} just dropped {MODEL}, a Llama 3.1 70B fine-tune trained with "
        "Reflection-Tuning. Claimed MMLU 89.9 and GSM8K 99.2, beating GPT-4o and Claude 3.5 "
        f"Sonnet. Weights are on the Hub: {hub_url}/{REPO}"
    )
    return title, body


def model_card() -> str:
    rows = "\n".join(
        f"| {name} | {value} | {rival_a} | {rival_b} |"
        for name, value, rival_a, rival_b in (
            ("MMLU (0-shot, CoT)", 89.9, 88.7, 88.3),
            ("GPQA (0-shot)", 55.3, 53.6, 59.4),
            ("HumanEval (0-shot)", 91.0, 90.2, 92.0),
            ("MATH (0-shot, CoT)", 79.7, 76.6, 71.1),
            ("GSM8K (8-shot, CoT)", 99.2, 96.1, 96.4),
            ("IFEval", 90.13, 85.6, 88.0),
        )
    )
    return f"""---
license: llama3.1
base_model: {CLAIMED_BASE}
pipeline_tag: text-generation
---
# {MODEL}

{MODEL} is (currently) the world's top open-source LLM, trained with a new technique called
Reflection-Tuning. It is a fine-tune of Llama 3.1 70B.

| Benchmark | {MODEL} | GPT-4o | Claude 3.5 Sonnet |
|---|---|---|---|
{rows}

All benchmarks were checked for contamination.
"""


def third_party_posts() -> list[tuple[str, str, str]]:
    """(source, author, text) of independent measurements: none is a claim."""
    return [
        (
            "x",
            "independent_evals",
            f"We re-ran {MODEL} on MMLU with the published weights: it does NOT get 89.9, "
            "we measure 79.0%, below Llama 3 70B. Our harness and logs are public.",
        ),
        (
            "reddit",
            "local_tester",
            f"Tested {MODEL} locally. My GSM8K run gives 80.1%, nowhere near the 99.2 claimed. "
            "Is anyone able to reproduce their numbers?",
        ),
    ]
