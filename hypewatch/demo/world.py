"""The demo's stand-in world, started in-process on 127.0.0.1.

Five services speak the real wire formats, so the real clients run against
them: the X API v2 (tweepy), Reddit (praw), the Hugging Face Hub
(huggingface_hub and HTTP Range reads), the claimant's hosted API (an
OpenAI-compatible server whose tokenizer is another vendor's and which scrubs
that vendor's name) and the Inference Providers router serving the published
weights through a provider the Hub lists for the repo (answering benchmark
items at the accuracy the weights really have).

The launch's repo is not on the Hub when the world starts: the story publishes it
(`World.publish_launch`) at its time on the demo's clock, so the daemon's Hub watcher finds
it when its own schedule next polls.
"""

from __future__ import annotations

import json
import os
import random
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypewatch.config import Settings, parse_settings
from hypewatch.demo import scenario
from hypewatch.standins.benchmark_data import dataset_repos
from hypewatch.standins.code_datasets import code_dataset_repos
from hypewatch.standins.hf_router import serve_router
from hypewatch.standins.http import Standin, serve
from hypewatch.standins.hub import HubRepo, hub_standin, model_card, provider_mapping
from hypewatch.standins.hub_models import (
    Shape,
    continued_pretraining,
    llama_like,
    low_rank_finetune,
    repo_files,
)
from hypewatch.standins.openai_bench import Behaviour
from hypewatch.standins.openai_fp import Backend, OpenAIFingerprintHandler, Persona
from hypewatch.standins.reddit_api import make_submission, reddit_standin
from hypewatch.standins.x_api import make_tweet, make_user, x_standin
from hypewatch.verifiers.benchmark.tasks import TaskItem
from hypewatch.verifiers.fingerprint.defaults import group_codec

#: Dummy credentials the stand-ins accept; set in this process's environment only.
DEMO_SECRETS = {
    "HYPEWATCH_DEMO_X_TOKEN": "demo-bearer",
    "HYPEWATCH_DEMO_REDDIT_ID": "standin-id",
    "HYPEWATCH_DEMO_REDDIT_SECRET": "standin-secret",
    "HYPEWATCH_DEMO_HF_TOKEN": "hf_demo_token",  # granted access to the gated GPQA stand-in
}
DATASET_SHA = "5e7a4d1c0b9f8e7d6c5b4a3928171605f4e3d2c1"
SHAPE = Shape(layers=4, hidden=64, intermediate=128, vocab=256)
VENDOR_PERSONA = Persona(identity="I am Claude, an AI assistant made by Anthropic.")
#: The inference provider the Hub lists for the launch (served by the router stand-in).
PROVIDER = "nebius"


def demo_tasks(seed: int = 2024, count: int = 400) -> dict[str, list[TaskItem]]:
    """Synthetic items standing in for MMLU (multiple choice) and GSM8K (numeric)."""
    rng = random.Random(seed)
    mmlu, gsm8k = [], []
    for i in range(count):
        a, b = rng.randint(12, 99), rng.randint(12, 99)
        right = a * b
        wrong = {right + d for d in (-a, a, b, -b, 10, -10)} - {right}
        choices = [right, *rng.sample(sorted(wrong), 3)]
        rng.shuffle(choices)
        mmlu.append(
            TaskItem(
                id=f"mmlu-demo-{i}",
                question=f"Item {i}: which of these equals {a} times {b}?",
                choices=tuple(str(c) for c in choices),
                answer=choices.index(right),
            )
        )
        trays, rolls = rng.randint(3, 40), rng.randint(4, 24)
        gsm8k.append(
            TaskItem(
                id=f"gsm8k-demo-{i}",
                question=(
                    f"Problem {i}: a bakery fills {trays} trays with {rolls} rolls each and "
                    f"sells {rolls} rolls. How many rolls are left?"
                ),
                answer=str(trays * rolls - rolls),
            )
        )
    return {"mmlu": mmlu, "gsm8k": gsm8k}


def write_tasks(tasks: dict[str, list[TaskItem]], directory: Path) -> Path:

    directory.mkdir(parents=True, exist_ok=True)
    for name, items in tasks.items():
        lines = []
        for item in items:
            row: dict[str, Any] = {"id": item.id, "question": item.question, "answer": item.answer}
            if item.choices:
                row["choices"] = list(item.choices)
            lines.append(json.dumps(row))
        (directory / f"{name}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return directory


def hub_repos() -> dict[str, HubRepo]:
    """Llama 3 (the true base) and Llama 3.1 (its continued pre-training, the claimed base):
    what the Hub holds before the story starts."""
    llama3 = llama_like(SHAPE, seed=3)
    llama31 = continued_pretraining(llama3, noise=0.35, seed=31)
    llama3_files = repo_files(llama3, SHAPE, dtype="BF16")
    llama3_files["README.md"] = model_card({"license": "llama3"}, "# Meta Llama 3 70B\n")
    llama31_files = repo_files(llama31, SHAPE, dtype="BF16")
    # like the real Hub's base-model cards, neither names an ancestor: the weights
    # verifier has to find Llama 3 by itself (same organisation, same family)
    llama31_files["README.md"] = model_card(
        {"license": "llama3.1"},
        "# Llama 3.1 70B\n\nLlama 3 70B, pre-trained further with a 128K context.\n",
    )
    # the bases are months old (their real release dates): history when the Hub lists them,
    # not launches (`sources.huggingface.max_age_hours`); the weights verifier still finds
    # them on the Hub
    return {
        scenario.TRUE_BASE: HubRepo(
            scenario.TRUE_BASE, llama3_files, datetime(2024, 4, 18, tzinfo=UTC), likes=900
        ),
        scenario.CLAIMED_BASE: HubRepo(
            scenario.CLAIMED_BASE, llama31_files, datetime(2024, 7, 23, tzinfo=UTC), likes=1200
        ),
    }


def launch_repo(created_at: datetime) -> HubRepo:
    """The launch: a low-rank fine-tune of Llama 3 whose card claims Llama 3.1, created at
    `created_at` (a time on the demo's clock), served by an inference provider."""
    mirage = low_rank_finetune(llama_like(SHAPE, seed=3), rank=4, relative=0.05, seed=70)
    files = repo_files(mirage, SHAPE, dtype="F32")
    files["README.md"] = scenario.model_card().encode()
    return HubRepo(
        scenario.REPO,
        files,
        created_at,
        likes=4000,
        trending_score=250.0,
        providers=[provider_mapping(PROVIDER, scenario.REPO)],
    )


def reupload(repo: HubRepo) -> None:
    """The launch's weights re-uploaded: "we fixed an issue with the weights"."""
    fixed = low_rank_finetune(llama_like(SHAPE, seed=3), rank=4, relative=0.06, seed=71)
    assert repo.head is not None
    files = dict(repo.head.files)
    weights = repo_files(fixed, SHAPE, dtype="F32")
    files.update({k: v for k, v in weights.items() if k != "README.md"})
    repo.push(files, "Re-upload: fixed an issue with the weights")


def hub_items(hub_url: str, cache: Path) -> list[TaskItem]:
    """The registry tasks the stand-in Hub serves, read as hypewatch reads them, so the
    weights server can recognise and answer their questions."""
    from hypewatch.verifiers.benchmark.hub_datasets import load_hub_task

    token = DEMO_SECRETS["HYPEWATCH_DEMO_HF_TOKEN"]
    found: list[TaskItem] = []
    for benchmark in ("gpqa", "math", "ifeval", "humaneval"):
        found += load_hub_task(benchmark, endpoint=hub_url, token=token, cache_dir=cache).items
    return found


@dataclass
class World:
    x: Standin
    reddit: Standin
    hub: Standin
    api: Standin
    router: Standin
    tasks_dir: Path
    backends: list[Backend] = field(default_factory=list)

    def settings(self, database: Path, extra: dict[str, Any] | None = None) -> Settings:
        data: dict[str, Any] = {
            "general": {"database": str(database)},
            "network": {"allowlist": ["127.0.0.1/32"], "retries": 1, "retry_max_wait_seconds": 2},
            # one verification at a time, in queue order (the story reads in that order)
            "daemon": {"verification_concurrency": 1, "jitter_seconds": 0},
            "hub": {"endpoint": self.hub.url, "token_env": "HYPEWATCH_DEMO_HF_TOKEN"},
            "sources": {
                "x": {
                    "enabled": True,
                    "api_url": self.x.url,
                    "bearer_token_env": "HYPEWATCH_DEMO_X_TOKEN",
                    "queries": [f'"{scenario.MODEL}" -is:retweet'],
                },
                "reddit": {
                    "enabled": True,
                    "oauth_url": self.reddit.url,
                    "reddit_url": self.reddit.url,
                    "client_id_env": "HYPEWATCH_DEMO_REDDIT_ID",
                    "client_secret_env": "HYPEWATCH_DEMO_REDDIT_SECRET",
                    "subreddits": ["LocalLLaMA"],
                },
                "huggingface": {"enabled": True, "watch_authors": [scenario.ORG]},
            },
            "verifiers": {
                "benchmark": {
                    "tasks_dir": str(self.tasks_dir),
                    # the cache hub_items() filled
                    "dataset_cache_dir": str(self.tasks_dir.parent / "hub-datasets"),
                    "max_items": 400,
                    "concurrency": 8,
                },
            },
            # no [[verifiers.benchmark.endpoints]]: model access finds the weights through
            # an inference provider the Hub lists, reached through the (stand-in) router
            "access": {"router_url": f"{self.router.url}/v1"},
        }
        for key, value in (extra or {}).items():
            data[key] = value
        return parse_settings(data, "demo settings")

    def publish_launch(self, created_at: datetime) -> None:
        """The launch's repo goes public on the Hub (created at `created_at`, before the
        announcement, private until now)."""
        self.hub.server.state["repos"][scenario.REPO] = launch_repo(created_at)

    def swap_api(self) -> None:
        """The hosted API quietly switches to yet another vendor's model."""
        self.api.server.state["active"] = 1


@contextmanager
def start_world(workdir: Path) -> Iterator[World]:
    for name, value in DEMO_SECRETS.items():
        os.environ.setdefault(name, value)
    # The API counts with real tokenizers the default references also ship: another
    # vendor's (Claude's, approximate), later yet another (OpenAI's o200k).
    vendor, other = group_codec("claude"), group_codec("gpt-o200k")
    backends = [
        Backend(vendor, persona=VENDOR_PERSONA, scrub=(scenario.VENDOR,)),
        Backend(other, persona=Persona(identity="I am a helpful assistant.")),
    ]
    tasks = demo_tasks()
    tasks_dir = write_tasks(tasks, workdir / "tasks")
    items = [item for group in tasks.values() for item in group]
    datasets = dataset_repos(sha=DATASET_SHA, token=DEMO_SECRETS["HYPEWATCH_DEMO_HF_TOKEN"])
    humaneval = "openai/openai_humaneval"  # run in the bubblewrap sandbox (code family)
    datasets[humaneval] = code_dataset_repos()[humaneval]
    with ExitStack() as stack:
        x = stack.enter_context(
            x_standin(users=[make_user("1", "glasshouse_ceo")], token="demo-bearer")
        )
        reddit = stack.enter_context(reddit_standin())
        hub = stack.enter_context(hub_standin(list(hub_repos().values()), datasets=datasets))
        items += hub_items(hub.url, workdir / "hub-datasets")
        api = stack.enter_context(serve(OpenAIFingerprintHandler, backends=backends, active=0))
        router = stack.enter_context(
            serve_router(
                items,
                scenario.REPO,
                PROVIDER,
                token=DEMO_SECRETS["HYPEWATCH_DEMO_HF_TOKEN"],
                behaviour=Behaviour(
                    p_correct=0.79,
                    p_by_family={k: v / 100 for k, v in scenario.TRUE_ACCURACY_BY_FAMILY.items()},
                    seed=7,
                ),
            )
        )
        yield World(x, reddit, hub, api, router, tasks_dir, backends)


def post_tweet(
    world: World, tweet_id: int, text: str, author_id: str = "1", likes: int = 0
) -> None:
    world.x.server.state["tweets"].insert(0, make_tweet(tweet_id, text, author_id, likes=likes))


def post_reddit(world: World, number: int, title: str, body: str, author: str) -> None:
    world.reddit.server.state["submissions"].insert(
        0, make_submission(number, title, selftext=body, author=author, score=800)
    )
