"""Queries and seconds to a fingerprint verdict, per case, against stand-ins.

Run from the repository root:

    python bench/bench_fingerprint.py [--latency 0.05] [--repeat 3] [--signature]
    python bench/bench_fingerprint.py --defaults [--latency 0.05] [--repeat 3]

Each case starts a stand-in OpenAI-compatible server on 127.0.0.1 backed by a
tokenizer trained here (the same four the tests use: two byte-level BPEs,
WordPiece, Unigram), probes it with all four as references, and reports the
verdict, the tokenizer match, the number of requests and the wall time. With
`--latency`, the stand-in waits that long before each answer (a model's time
to first byte). `--signature` adds a case with enrolled behavioural signatures
(needs the ml extra; enrolment, and so loading the embedding model, happens
before the timer starts).

`--defaults` measures the default reference set instead: the time and memory
to load the real tokenizers shipped in packages (cold, in this process), then
one case per shipped family — the stand-in counts and answers with that
family's real tokenizer, the claim is Llama 3.x, every default reference is
given — with the verdict, the match, requests and seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tokenizers import Tokenizer

from hypewatch.net import NetConfig, async_client
from hypewatch.standins.http import serve
from hypewatch.standins.openai_fp import Backend, OpenAIFingerprintHandler, Persona
from hypewatch.storage import Store
from hypewatch.verifiers.fingerprint.references import Reference, load_reference
from hypewatch.verifiers.fingerprint.service import Target, enroll, fingerprint
from tests.support.trained_tokenizers import train_all


@dataclass
class Case:
    name: str
    backends: list[str]
    claimed: str | None
    state: dict[str, Any] = field(default_factory=dict)
    backend_args: dict[str, Any] = field(default_factory=dict)


def cases() -> list[Case]:
    found = []
    for label, wrong in [
        ("bpe-a", "unigram"),
        ("bpe-b", "bpe-a"),
        ("wordpiece", "bpe-b"),
        ("unigram", "wordpiece"),
    ]:
        found.append(Case(f"{label}, claimed {label}", [label], label))
        found.append(Case(f"{label}, claimed {wrong}", [label], wrong))
        found.append(
            Case(
                f"{label}, no usage, claimed {wrong}", [label], wrong, backend_args={"usage": False}
            )
        )
    found += [
        Case("scrubs 'Claude', no claim", ["bpe-a"], None, backend_args={"scrub": ("Claude",)}),
        Case(
            "switches backend every request", ["bpe-a", "wordpiece"], "bpe-a", {"switch_every": 1}
        ),
        Case("HTTP 500", ["bpe-a"], "bpe-a", {"mode": "error"}),
        Case("garbage", ["bpe-a"], "bpe-a", {"mode": "garbage"}),
        Case("hangs (read timeout 1 s)", ["bpe-a"], "bpe-a", {"mode": "hang", "hang": 3.0}),
    ]
    return found


async def run_case(
    case: Case, toks: dict[str, Tokenizer], refs: list[Reference], latency: float
) -> tuple[str, str | None, int, float]:
    backends = [Backend(toks[b], **case.backend_args) for b in case.backends]
    net = NetConfig(allow_private=True, retries=0, read_timeout=1.0, total_timeout=5.0)
    with serve(OpenAIFingerprintHandler, backends=backends, latency=latency, **case.state) as s:
        started = time.perf_counter()
        async with async_client(net) as http:
            result = await fingerprint(http, Target(s.url, "m", case.claimed), refs)
        return result.verdict, result.tokenizer_match, result.queries, time.perf_counter() - started


async def run_signature_case(
    toks: dict[str, Tokenizer], refs: list[Reference], latency: float, db: Path
) -> tuple[str, str | None, int, float]:
    from hypewatch.verifiers.fingerprint.signature import MiniLMEmbedder

    personas = [
        Persona(
            identity="I am Claude, made by Anthropic.",
            default="Certainly! Here is a thoughtful answer.",
        ),
        Persona(
            identity="I'm Llama, trained by Meta.", default="Sure thing. Short answer follows."
        ),
    ]
    backends = [Backend(toks["bpe-a"], persona=p) for p in personas]
    net = NetConfig(allow_private=True, retries=0, read_timeout=2.0, total_timeout=10.0)
    store = Store.open(db)
    embedder = MiniLMEmbedder()
    with serve(OpenAIFingerprintHandler, backends=backends, latency=latency, active=0) as s:
        async with async_client(net) as http:
            for index, label in enumerate(["claude-like", "llama-like"]):
                s.server.state["active"] = index
                await enroll(store, http, Target(s.url, label), label, embedder)
            s.server.state["active"] = 0
            started = time.perf_counter()
            result = await fingerprint(
                http, Target(s.url, "llama-like", None), refs, store=store, embedder=embedder
            )
    store.close()
    return result.verdict, result.signature_match, result.queries, time.perf_counter() - started


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


async def run_default_case(
    label: str, refs: list[Reference], latency: float
) -> tuple[str, str | None, int, float]:
    from hypewatch.verifiers.fingerprint.defaults import group_codec

    backends = [Backend(group_codec(label))]
    net = NetConfig(allow_private=True, retries=0, read_timeout=2.0, total_timeout=10.0)
    with serve(OpenAIFingerprintHandler, backends=backends, latency=latency) as s:
        started = time.perf_counter()
        async with async_client(net) as http:
            result = await fingerprint(http, Target(s.url, "Llama-3.1-70B", "llama-3.x"), refs)
        return result.verdict, result.tokenizer_match, result.queries, time.perf_counter() - started


def bench_defaults(latency: float, repeat: int) -> None:
    from hypewatch.verifiers.fingerprint.defaults import DefaultLoader

    before, started = _rss_mb(), time.perf_counter()
    loaded = DefaultLoader(lambda repo, revision: None, fetch=None).load()
    seconds, grown = time.perf_counter() - started, _rss_mb() - before
    refs = loaded.references
    print(
        f"loaded {len(refs)} default references offline in {seconds:.1f} s, "
        f"+{grown:.0f} MB resident; not shipped in a package: {', '.join(sorted(loaded.skipped))}"
    )
    print(f"latency per request: {latency * 1000:.0f} ms; median of {repeat} runs\n")
    print("| endpoint counts with | claimed | verdict | tokenizer match | requests | seconds |")
    print("|---|---|---|---|---:|---:|")
    for ref in refs:
        runs = [asyncio.run(run_default_case(ref.label, refs, latency)) for _ in range(repeat)]
        verdict, match, queries, _ = runs[0]
        median = statistics.median(r[3] for r in runs)
        print(f"| {ref.name} | llama-3.x | {verdict} | {match or '-'} | {queries} | {median:.3f} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--latency", type=float, default=0.0)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--signature", action="store_true")
    parser.add_argument("--defaults", action="store_true")
    args = parser.parse_args()
    if args.defaults:
        bench_defaults(args.latency, args.repeat)
        return
    with tempfile.TemporaryDirectory() as tmp:
        paths = train_all(Path(tmp))
        toks = {k: Tokenizer.from_file(str(p)) for k, p in paths.items()}
        refs = [load_reference(k, str(p)) for k, p in paths.items()]
        print(f"latency per request: {args.latency * 1000:.0f} ms; median of {args.repeat} runs\n")
        print("| case | verdict | tokenizer match | requests | seconds |")
        print("|---|---|---|---:|---:|")
        for case in cases():
            runs = [
                asyncio.run(run_case(case, toks, refs, args.latency)) for _ in range(args.repeat)
            ]
            verdict, match, queries, _ = runs[0]
            seconds = statistics.median(r[3] for r in runs)
            print(f"| {case.name} | {verdict} | {match or '-'} | {queries} | {seconds:.3f} |")
        if args.signature:
            verdict, match, queries, seconds = asyncio.run(
                run_signature_case(toks, refs, args.latency, Path(tmp) / "sig.db")
            )
            print(
                f"| enrolled signatures, claimed llama-like, serves claude-like "
                f"(signature match) | {verdict} | {match or '-'} | {queries} | {seconds:.3f} |"
            )


if __name__ == "__main__":
    main()
