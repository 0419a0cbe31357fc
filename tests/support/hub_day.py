"""A realistic day of new `text-generation` repos on the Hub, with labels, for the replay
test and bench/bench_significance.py.

Generated, not stored: `hub_day(n, seed)` gives `n` new repos in the Hub stand-in's data
model (`HubRepo`: listing fields `createdAt`, `likes`, `downloads`, `trendingScore`, `tags`,
`library_name`; a README with YAML front matter as the Hub serves it), spread over 24 hours,
plus the X and Reddit posts that announce the real launches. Roughly the mix a day on the
real Hub has:

- a handful of **launches** (1 in ~150): an organisation (a known lab, or an unknown one
  announced on X and Reddit), its own benchmark table, likes arriving fast;
- **quantisations** (GGUF/AWQ/GPTQ/MLX/EXL2) of those launches and of last month's, whose
  card is "GGUF quantizations of org/name ... original model card below" plus the copied
  card, table included (`base_model_relation: quantized` on most, tags only on the rest);
- **adapters** (`library_name: peft`, LoRA), **merges** (mergekit cards naming their bases),
  **personal fine-tunes** (some with a score table of their own), **empty cards** (no README,
  or the Hub's template);
- a few **old repos**: popular models created months ago that the trending list brings back.

Each repo has a `Label`: `launch` or what else it is. Weights are not served (the card and
listing are what decides a thread); the verifiers are not part of this replay.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from hypewatch.standins.hub import HubRepo, model_card

__all__ = ["DayPost", "HubDay", "Label", "hub_day"]

KINDS = ("launch", "quantized", "adapter", "merge", "finetune", "empty", "old")
#: Share of each kind among the day's new repos (old repos come on top, from trending).
MIX = {"quantized": 0.55, "adapter": 0.12, "merge": 0.08, "finetune": 0.18, "empty": 0.07}
KNOWN_LABS = ("Qwen", "mistralai", "deepseek-ai", "google", "microsoft", "nvidia", "allenai")
NEW_LABS = ("auroralabs-ai", "kestrel-research", "northwind-ml", "lattice-ai")
FAMILIES = ("Orion", "Vela", "Corvus", "Lyra", "Draco", "Carina", "Pavo", "Tucana", "Indus")
SIZES = (1.5, 3, 7, 8, 14, 24, 32, 70)
BENCHMARKS = ("MMLU", "GSM8K", "HumanEval", "MATH", "GPQA", "ARC-Challenge", "HellaSwag")
QUANTS = (
    ("GGUF", ["gguf"], "llama.cpp"),
    ("AWQ", ["awq", "4-bit"], "transformers"),
    ("GPTQ-Int4", ["gptq", "4-bit"], "transformers"),
    ("MLX-4bit", ["mlx"], "mlx"),
    ("exl2-6.0bpw", ["exl2"], "exllamav2"),
)
USERS = ("bartowski-x", "quantfactory-x", "mradermacher-x", "lonestriker-x", "tinkerer", "kaito")


@dataclass(frozen=True)
class Label:
    repo: str
    kind: str  # one of KINDS
    base: str = ""  # the launch a derivative was made from


@dataclass(frozen=True)
class DayPost:
    """An X or Reddit post announcing a launch (`source`: "x" or "reddit")."""

    source: str
    number: int
    title: str
    text: str
    at: datetime


@dataclass
class HubDay:
    repos: list[HubRepo] = field(default_factory=list)
    labels: dict[str, Label] = field(default_factory=dict)
    posts: list[DayPost] = field(default_factory=list)

    def launches(self) -> list[str]:
        return [r for r, label in self.labels.items() if label.kind == "launch"]


def _table(rng: random.Random, name: str, rival: str) -> str:
    rows = ["| Benchmark | " + name + " | " + rival + " |", "|---|---|---|"]
    for bench in rng.sample(BENCHMARKS, 4):
        mine = round(rng.uniform(45, 88), 1)
        rows.append(f"| {bench} | {mine} | {round(mine - rng.uniform(0.5, 6), 1)} |")
    return "\n".join(rows)


def _launch_card(rng: random.Random, org: str, name: str, size: float) -> str:
    return (
        f"# {name}\n\n{org} releases {name}, a {size:g}B parameter language model trained "
        f"on 18T tokens, with a 128K context window.\n\n## Evaluation\n\n"
        f"{_table(rng, name, 'Llama-3.1-70B-Instruct')}\n\n## License\n\nApache 2.0\n"
    )


def _quant(rng: random.Random, base: HubRepo, card: str, user: str, when: datetime) -> HubRepo:
    suffix, tags, library = rng.choice(QUANTS)
    repo_id = f"{user}/{base.id.split('/', 1)[1]}-{suffix}"
    front: dict[str, object] = {"base_model": base.id, "tags": tags, "license": "apache-2.0"}
    if rng.random() < 0.8:
        front["base_model_relation"] = "quantized"
    body = (
        f"## {suffix} quantizations of {base.id}\n\nQuantized with {library}. "
        f"Pick the file that fits your RAM.\n\n# Original model card below\n\n{card}"
    )
    return HubRepo(
        repo_id,
        {"README.md": model_card(front, body)},
        when,
        downloads=rng.randint(0, 400),
        likes=rng.randint(0, 3),
        trending_score=rng.choice((0, 0, 1)),
        tags=[*tags, "text-generation"],
        library_name=library,
    )


def _adapter(rng: random.Random, base: str, user: str, when: datetime, n: int) -> HubRepo:
    repo_id = f"{user}/{base.split('/', 1)[1]}-lora-{n}"
    front = {"base_model": base, "library_name": "peft", "tags": ["lora", "sft", "trl"]}
    body = (
        f"# {repo_id.split('/')[1]}\n\nA LoRA adapter for {base}, trained with TRL on my "
        "own chat data.\n\n### Framework versions\n\n- PEFT 0.13.2\n"
    )
    return HubRepo(
        repo_id,
        {"README.md": model_card(front, body)},
        when,
        likes=rng.randint(0, 1),
        library_name="peft",
        tags=["peft", "lora", "text-generation"],
    )


def _merge(rng: random.Random, bases: list[str], user: str, when: datetime, n: int) -> HubRepo:
    pair = rng.sample(bases, 2)
    repo_id = f"{user}/merge-{n}"
    front = {"base_model": pair, "library_name": "transformers", "tags": ["mergekit", "merge"]}
    body = (
        f"# merge-{n}\n\nThis is a merge of pre-trained language models created using "
        "mergekit.\n\n## Merge Details\n### Merge Method\n\nThis model was merged using the "
        f"SLERP merge method.\n\n### Models Merged\n\n* {pair[0]}\n* {pair[1]}\n"
    )
    return HubRepo(repo_id, {"README.md": model_card(front, body)}, when, likes=rng.randint(0, 2))


def _finetune(rng: random.Random, base: str, user: str, when: datetime, n: int) -> HubRepo:
    repo_id = f"{user}/{base.split('/', 1)[1]}-sft-{n}"
    front = {"base_model": base, "tags": ["sft", "unsloth"], "license": "apache-2.0"}
    body = f"# {repo_id.split('/')[1]}\n\nFine-tuned from {base} on a roleplay dataset.\n"
    if rng.random() < 0.4:  # some report numbers of their own
        body += f"\n## Results\n\n{_table(rng, repo_id.split('/')[1], base.split('/')[1])}\n"
    return HubRepo(repo_id, {"README.md": model_card(front, body)}, when, likes=rng.randint(0, 2))


def _empty(rng: random.Random, user: str, when: datetime, n: int) -> HubRepo:
    repo_id = f"{user}/test-model-{n}"
    if rng.random() < 0.5:
        return HubRepo(repo_id, {"config.json": b"{}"}, when)
    body = (
        "# Model Card for Model ID\n\n<!-- Provide a quick summary of what the model is/does. "
        "-->\n\n## Model Details\n\n[More Information Needed]\n"
    )
    return HubRepo(repo_id, {"README.md": model_card({"library_name": "transformers"}, body)}, when)


def hub_day(n: int = 1500, seed: int = 19, start: datetime | None = None) -> HubDay:
    """`n` new repos over the 24 hours after `start` (default: now minus a day), labelled."""
    rng = random.Random(seed)
    start = start or datetime.now().astimezone() - timedelta(days=1)
    day = HubDay()
    launches = max(3, n // 150)
    cards: dict[str, str] = {}
    # last month's launches: their quantisations keep coming (the bases are not re-listed)
    older = [
        f"{lab}/{fam}-{size:g}B"
        for lab, fam, size in zip(KNOWN_LABS, FAMILIES, SIZES, strict=False)
    ]
    for base in older:
        cards[base] = _launch_card(rng, base.split("/")[0], base.split("/")[1], 7)
    for i in range(launches):
        when = start + timedelta(hours=24 * i / launches)
        new_lab = i % 3 == 2
        org = NEW_LABS[i % len(NEW_LABS)] if new_lab else KNOWN_LABS[i % len(KNOWN_LABS)]
        size = rng.choice(SIZES)
        name = f"{FAMILIES[i % len(FAMILIES)]}{i // len(FAMILIES) + 2}-{size:g}B"
        repo_id = f"{org}/{name}"
        cards[repo_id] = card = _launch_card(rng, org, name, size)
        front = {"license": "apache-2.0", "library_name": "transformers", "language": ["en"]}
        day.repos.append(
            HubRepo(
                repo_id,
                {"README.md": model_card(front, card)},
                when,
                likes=rng.randint(40, 400),
                downloads=rng.randint(100, 5000),
                trending_score=rng.randint(10, 120),
            )
        )
        day.labels[repo_id] = Label(repo_id, "launch")
        url = f"https://huggingface.co/{repo_id}"
        text = f"Today we release {name}, open weights and a 128K context: {url}"
        day.posts.append(DayPost("x", 5000 + i, "", text, when + timedelta(minutes=5)))
        day.posts.append(
            DayPost(
                "reddit",
                9000 + i,
                f"{org} released {name} (open weights)",
                f"{name} is out: {url}\n\nTheir card claims strong MMLU and GSM8K numbers.",
                when + timedelta(minutes=20),
            )
        )
    bases = list(cards)
    recent = [r.id for r in day.repos]
    for k in range(n - launches):
        when = start + timedelta(seconds=rng.uniform(60, 86_000))
        user = f"{rng.choice(USERS)}{rng.randint(0, 40)}"
        kind = rng.choices(list(MIX), weights=list(MIX.values()))[0]
        base = rng.choice(recent if recent and rng.random() < 0.6 else bases)
        if kind == "quantized":
            origin = next(r for r in day.repos if r.id == base) if base in recent else None
            source = origin or HubRepo(base)
            repo = _quant(rng, source, cards[base], user, when)
        elif kind == "adapter":
            repo = _adapter(rng, base, user, when, k)
        elif kind == "merge":
            repo = _merge(rng, bases, user, when, k)
        elif kind == "finetune":
            repo = _finetune(rng, base, user, when, k)
        else:
            repo = _empty(rng, user, when, k)
        if repo.id in day.labels:
            repo.id = f"{repo.id}-{k}"
        day.repos.append(repo)
        day.labels[repo.id] = Label(repo.id, kind, base if kind != "empty" else "")
    for j, lab in enumerate(KNOWN_LABS[:3]):  # old favourites the trending list brings back
        repo_id = f"{lab}/Classic-{j + 1}-7B"
        created = start - timedelta(days=200 + 40 * j)
        front = {"license": "apache-2.0"}
        card = _launch_card(rng, lab, repo_id.split("/")[1], 7)
        day.repos.append(
            HubRepo(
                repo_id,
                {"README.md": model_card(front, card)},
                created,
                likes=3000,
                downloads=900_000,
                trending_score=300 + j,
            )
        )
        day.labels[repo_id] = Label(repo_id, "old")
    return day
