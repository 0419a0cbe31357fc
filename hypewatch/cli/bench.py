"""The `bench`: replicate a claimed benchmark score."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from hypewatch.cli.common import (
    AllowPrivateOpt,
    InputError,
    JsonOpt,
    app,
    emit_json,
    err,
    handle_errors,
    out,
    state,
)

# -- bench: benchmark replication (issue 7) --
# (section start)


@app.command()
@handle_errors
def bench(
    claim: Annotated[
        float, typer.Option("--claim", min=0.0, max=100.0, help="Claimed score, percent.")
    ],
    endpoint: Annotated[
        str | None,
        typer.Option("--endpoint", help="OpenAI-compatible base URL, e.g. http://host:8000/v1."),
    ] = None,
    model: Annotated[
        str | None, typer.Option("--model", help="Model name the server expects.")
    ] = None,
    task: Annotated[
        Path | None, typer.Option("--task", help="Task file (JSONL; docs/benchmark.md).")
    ] = None,
    benchmark: Annotated[
        str | None,
        typer.Option(
            "--benchmark", help="A registered benchmark id (`hypewatch tasks`), read from the Hub."
        ),
    ] = None,
    tolerance: Annotated[
        float | None,
        typer.Option("--tolerance", min=0.0, help="Points below the claim that still replicate."),
    ] = None,
    max_items: Annotated[int | None, typer.Option("--max-items", min=1)] = None,
    concurrency: Annotated[int | None, typer.Option("--concurrency", min=1, max=256)] = None,
    setting: Annotated[
        str, typer.Option("--setting", help='Prompting, e.g. "0-shot", "5-shot", "8-shot CoT".')
    ] = "",
    seed: Annotated[int | None, typer.Option("--seed", help="Item order and request seed.")] = None,
    allow_private: AllowPrivateOpt = False,
    api_key_env: Annotated[
        str | None, typer.Option("--api-key-env", help="Environment variable holding the API key.")
    ] = None,
    lm_eval_samples: Annotated[
        Path | None,
        typer.Option(
            "--lm-eval-samples",
            help="Judge an lm-evaluation-harness samples_*.jsonl instead of querying an endpoint.",
        ),
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Re-measure a claimed score on an endpoint; stop as soon as the evidence decides."""
    import time

    from hypewatch.verifiers.benchmark import cli_support as support
    from hypewatch.verifiers.benchmark import lm_eval_backend

    started = time.monotonic()
    settings = state.settings
    config = settings.verifiers.benchmark
    if lm_eval_samples is not None:
        try:
            samples = lm_eval_backend.read_samples(lm_eval_samples)
        except lm_eval_backend.SamplesError as error:
            raise InputError(str(error)) from None
        # the answers are already there: use all of them unless told otherwise
        plan = support.make_plan(config, claim, tolerance, max_items or len(samples), setting, seed)
        name = lm_eval_samples.stem.removeprefix("samples_").rsplit("_", 1)[0]
        result = lm_eval_backend.result_from_samples(samples, plan, name)
    elif endpoint is None or model is None or (task is None) == (benchmark is None):
        raise typer.BadParameter(
            "give --endpoint, --model and one of --task or --benchmark (or --lm-eval-samples FILE)",
            param_hint="--endpoint/--model/--task/--benchmark",
        )
    else:
        source: Path | str = task if task is not None else str(benchmark)
        result = _bench_endpoint(
            endpoint, model, source, claim, tolerance, max_items, concurrency, setting, seed,
            allow_private, api_key_env, json_out,
        )  # fmt: skip
    summary = result.summary()
    summary["seconds"] = round(time.monotonic() - started, 3)
    if json_out:
        emit_json(summary)
        return
    support.print_result(out, result, summary)


def _bench_endpoint(
    endpoint: str, model: str, task: Path | str, claim: float, tolerance: float | None,
    max_items: int | None, concurrency: int | None, setting: str, seed: int | None,
    allow_private: bool, api_key_env: str | None, json_out: bool,
) -> Any:  # fmt: skip
    import asyncio

    from hypewatch.bot.watchers.hub_http import configure_hub_http
    from hypewatch.config import read_secret
    from hypewatch.net import NetConfig, check_url
    from hypewatch.verifiers.benchmark import cli_support as support

    settings = state.settings
    config = settings.verifiers.benchmark
    net = NetConfig.from_settings(settings.network, allow_private=allow_private)
    url = support.endpoint_url(endpoint)
    check_url(url, net)
    configure_hub_http(net)  # --benchmark reads the Hub: our timeouts, caps, network.retries
    api_key = read_secret(api_key_env, "--api-key-env") if api_key_env else None
    loaded = support.load(task, settings, InputError)
    plan = support.make_plan(config, claim, tolerance, max_items, setting or loaded.setting, seed)
    env = support.Environment.from_settings(settings, net=net)

    async def run() -> Any:
        async with support.open_scorer(loaded, env) as scorer:
            return await support.measure(
                loaded.items,
                support.Target(endpoint, model, api_key),
                plan,
                net=net,
                concurrency=concurrency or config.concurrency,
                max_tokens=config.max_tokens,
                task=loaded.name,
                on_progress=on_progress,
                scorer=scorer,
            )

    with support.progress_bar(err, enabled=not json_out) as on_progress:
        return asyncio.run(run())


# (section end)
