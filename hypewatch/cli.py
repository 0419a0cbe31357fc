"""The hypewatch command line (typer): the commands of DESIGN.md, nothing else.

Every command prints human output by default and one JSON document with
`--json`. Exit codes (docs/cli.md): 0 ok, 1 unexpected error, 2 usage,
3 configuration, 4 network refused or failed, 5 bad input file, 6 not found,
7 storage.
"""

from __future__ import annotations

import functools
import json
import shutil
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, NoReturn, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from hypewatch import lifecycle
from hypewatch.config import (
    EXAMPLE_CONFIG,
    ConfigError,
    Settings,
    check_secrets,
    load_settings,
    resolve_config_path,
)
from hypewatch.models import ClaimStatus
from hypewatch.net import NetError
from hypewatch.storage import NotFoundError, StorageError, Store

EXIT_OK, EXIT_ERROR, EXIT_USAGE, EXIT_CONFIG, EXIT_NETWORK = 0, 1, 2, 3, 4
EXIT_INPUT, EXIT_NOT_FOUND, EXIT_STORAGE = 5, 6, 7

app = typer.Typer(
    name="hypewatch",
    help="Hold AI model-launch claims to evidence.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
config_app = typer.Typer(help="Inspect the configuration.", no_args_is_help=True)
app.add_typer(config_app, name="config")

out = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, highlight=False)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print one JSON document.")]
AllowPrivateOpt = Annotated[
    bool,
    typer.Option(
        "--allow-private", help="Allow loopback and private addresses (your own local server)."
    ),
]


@dataclass
class AppState:
    config_path: Path | None = None
    db_path: Path | None = None
    _settings: Settings | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings(resolve_config_path(self.config_path))
        return self._settings

    @property
    def database(self) -> Path:
        return self.db_path or self.settings.general.database

    def store(self) -> Store:
        return Store.open(self.database)


state = AppState()


class InputError(Exception):
    """An input file or argument is unusable; the message says what to do."""


def fail(message: str, code: int) -> NoReturn:
    err.print(f"[bold red]error:[/] {escape(message)}")
    raise typer.Exit(code)


P = ParamSpec("P")
R = TypeVar("R")


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn the errors users can act on into a clear message and a stable exit code."""

    @functools.wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except ConfigError as error:
            fail(str(error), EXIT_CONFIG)
        except NetError as error:
            fail(str(error), EXIT_NETWORK)
        except InputError as error:
            fail(str(error), EXIT_INPUT)
        except NotFoundError as error:
            fail(str(error).strip("'\""), EXIT_NOT_FOUND)
        except StorageError as error:
            fail(str(error), EXIT_STORAGE)
        except lifecycle.IllegalTransitionError as error:
            fail(str(error), EXIT_ERROR)

    return wrapper


def emit_json(document: Any) -> None:
    sys.stdout.write(json.dumps(document, ensure_ascii=False, default=str) + "\n")


@app.callback()
def main_options(
    config: Annotated[
        Path | None,
        typer.Option("--config", "-c", envvar="HYPEWATCH_CONFIG", help="Config file (TOML)."),
    ] = None,
    db: Annotated[
        Path | None, typer.Option("--db", help="Database file (overrides config).")
    ] = None,
) -> None:
    state.config_path = config
    state.db_path = db
    state._settings = None


# -- setup -------------------------------------------------------------------


@app.command()
@handle_errors
def init(
    force: Annotated[bool, typer.Option(help="Overwrite an existing config file.")] = False,
    json_out: JsonOpt = False,
) -> None:
    """Write a config file from the example and create the database."""
    path = state.config_path or Path("hypewatch.toml")
    wrote = False
    if not path.exists() or force:
        path.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(EXAMPLE_CONFIG, path)
        wrote = True
    state.config_path = path
    store = state.store()
    version = store.schema_version()
    store.close()
    if json_out:
        emit_json(
            {
                "config": str(path),
                "config_written": wrote,
                "database": str(state.database),
                "schema_version": version,
            }
        )
        return
    verb = "wrote" if wrote else "kept existing"
    out.print(f"{verb} {path}; database {state.database} at schema version {version}")
    out.print("next: edit the config, then 'hypewatch config check' and 'hypewatch run'")


@config_app.command("check")
@handle_errors
def config_check(json_out: JsonOpt = False) -> None:
    """Validate the configuration and that every secret it names is set."""
    settings = state.settings
    check_secrets(settings)
    path = resolve_config_path(state.config_path)
    if json_out:
        emit_json(
            {"ok": True, "config": str(path) if path else None, "database": str(state.database)}
        )
        return
    out.print(f"configuration ok ({path or 'built-in defaults'})")


# -- reading the database ----------------------------------------------------


@app.command()
@handle_errors
def claims(
    status: Annotated[
        ClaimStatus | None, typer.Option("--status", help="Only claims with this status.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """List claims, optionally by status."""
    store = state.store()
    rows = store.claims(status=status)
    launches = {launch.id: launch for launch in store.launches()}
    store.close()
    if json_out:
        emit_json(
            {
                "claims": [
                    {
                        "id": c.id,
                        "launch": launches[c.launch_id].name,
                        "kind": str(c.kind),
                        "key": c.key,
                        "benchmark": c.benchmark,
                        "setting": c.setting,
                        "value": c.value,
                        "subject": c.subject,
                        "status": str(c.status),
                        "flags": list(c.flags),
                    }
                    for c in rows
                ]
            }
        )
        return
    if not rows:
        out.print("no claims yet; 'hypewatch poll' or 'hypewatch demo' brings some")
        return
    table = Table("id", "launch", "kind", "claim", "status", "flags")
    for c in rows:
        what = (
            f"{c.benchmark} {c.value:g} {c.setting}".strip() if c.value is not None else c.subject
        )
        table.add_row(
            str(c.id),
            escape(launches[c.launch_id].name),
            str(c.kind),
            escape(what),
            str(c.status),
            escape(", ".join(c.flags)),
        )
    out.print(table)


@app.command()
@handle_errors
def show(
    launch: Annotated[str, typer.Argument(help="Launch id, slug, name or Hub repo.")],
    json_out: JsonOpt = False,
) -> None:
    """Show a launch: its claims and its timeline of events."""
    store = state.store()
    found = store.find_launch(launch)
    claim_rows = store.claims(launch_id=found.id)
    events = store.events(found.id)
    headline = store.headline_status(found.id)
    store.close()
    if json_out:
        emit_json(
            {
                "launch": {
                    "id": found.id,
                    "slug": found.slug,
                    "name": found.name,
                    "org": found.org,
                    "params_b": found.params_b,
                    "base_model": found.base_model,
                    "hf_repo": found.hf_repo,
                    "endpoint": found.endpoint,
                    "status": str(headline),
                },
                "claims": [
                    {
                        "id": c.id,
                        "kind": str(c.kind),
                        "key": c.key,
                        "status": str(c.status),
                        "value": c.value,
                        "subject": c.subject,
                    }
                    for c in claim_rows
                ],
                "events": [
                    {
                        "id": e.id,
                        "kind": str(e.kind),
                        "claim_id": e.claim_id,
                        "at": e.created_at.isoformat(),
                        "payload": e.payload,
                    }
                    for e in events
                ],
            }
        )
        return
    out.print(f"[bold]{escape(found.name)}[/] ({escape(found.slug)}) — {headline}")
    for e in events:
        detail = ", ".join(f"{k}={v}" for k, v in e.payload.items() if v not in ("", None, []))
        out.print(f"  {e.created_at:%Y-%m-%d %H:%M} {e.kind:<22} {escape(detail[:160])}")


# -- commands added by later issues go below, one section each ----------------


# -- poll, status: watchers (issue 3) --
# (section start)
def _poll_line(report: Any) -> str:
    if report.skipped:
        return f"{report.source}: skipped ({report.skipped})"
    line = (
        f"{report.source}: stored {report.stored} new, refreshed {report.refreshed} "
        f"({report.batches} batch(es))"
    )
    if report.budget_limit is not None:
        line += f"; budget {report.budget_used}/{report.budget_limit} this month"
    if report.error:
        line += f"; ERROR ({report.error_kind}): {report.error}"
        if report.backoff_until is not None:
            line += f"; backing off until {report.backoff_until:%Y-%m-%d %H:%M:%S} UTC"
    return line


@app.command()
@handle_errors
def poll(
    source: Annotated[
        str | None, typer.Option("--source", help="Only this source: x, reddit or hf.")
    ] = None,
    allow_private: AllowPrivateOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Run one pass of the enabled (or named) sources and print what was stored."""
    from hypewatch.bot.watchers import SOURCE_ALIASES, build_watchers, poll_once

    if source is not None and source.lower() not in SOURCE_ALIASES:
        raise typer.BadParameter(
            f"{source!r} is not a source; use x, reddit or hf", param_hint="--source"
        )
    watchers = build_watchers(
        state.settings, [source] if source else None, allow_private=allow_private
    )
    from hypewatch.bot.app import build_pipeline
    from hypewatch.bot.pipeline import ProcessReport

    store = state.store()
    try:
        reports = [poll_once(store, watcher) for watcher in watchers]
        # the extractor (spaCy, maybe MiniLM) is loaded only when there is something to read
        processed = (
            build_pipeline(state.settings, store).process_pending()
            if store.unprocessed_posts(limit=1)
            else ProcessReport()
        )
    finally:
        store.close()
    if json_out:
        emit_json(
            {
                "sources": [r.to_json() for r in reports],
                "stored": sum(r.stored for r in reports),
                "claim_posts": processed.claims_posts,
                "new_claims": processed.new_claims,
                "ok": all(not r.error for r in reports),
            }
        )
        return
    if not reports:
        out.print("no source is enabled; enable one under [sources.*] or pass --source")
    for report in reports:
        out.print(escape(_poll_line(report)))
        for note in report.notes:
            out.print(f"  note: {escape(note)}")
    if processed.posts:
        out.print(
            f"extracted {processed.posts} post(s): {processed.claims_posts} launch claim(s), "
            f"{processed.new_claims} new claim(s) queued for verification"
        )


@app.command()
@handle_errors
def status(json_out: JsonOpt = False) -> None:
    """Sources (last poll, errors, backoff, budget), the verification queue, deliveries."""
    from hypewatch.bot.status import full_status

    store = state.store()
    try:
        report = full_status(store, state.settings)
    finally:
        store.close()
    if json_out:
        emit_json(report)
        return
    table = Table("source", "enabled", "posts", "last success", "last error", "backoff", "budget")
    for row in report["sources"]:
        budget = str(row["budget_used"])
        if row["budget_limit"] is not None:
            budget += f"/{row['budget_limit']}"
        error = f"{row['last_error_at'] or ''} {row['last_error'] or ''}".strip()
        table.add_row(
            row["source"],
            "yes" if row["enabled"] else "no",
            str(row["posts"]),
            row["last_success"] or "never",
            escape(error[:120]) or "-",
            (f"until {row['backoff_until']}" if row["backing_off"] else "-"),
            budget,
        )
    out.print(table)
    queue = report["verifications"]
    states = ", ".join(f"{k} {v}" for k, v in sorted(queue["by_state"].items())) or "empty"
    out.print(f"launches: {report['launches']}; verifications: {states}")
    for row in queue["running"]:
        out.print(
            f"  running: {row['verifier']} on claim {row['claim_id']} since {row['started_at']}"
        )
    outbox = report["deliveries"]["outbox"]
    pending = outbox.get("pending", 0) + outbox.get("sending", 0)
    out.print(f"deliveries: {pending} pending, {outbox.get('sent', 0)} sent")
    for name, dest in report["deliveries"]["destinations"].items():
        if dest["state"] != "active":
            out.print(f"  [red]{escape(name)} {dest['state']}[/]: {escape(dest['reason'])}")


# (section end)


# -- extract: claim extraction (issue 4) --
# (section start)


def _warn(message: str) -> None:
    sys.stderr.write(f"warning: {message}\n")


@app.command()
@handle_errors
def extract(
    file: Annotated[
        Path,
        typer.Argument(
            help='JSONL of {"id","source","text"} (source x, reddit or huggingface); - for stdin.'
        ),
    ],
    json_out: JsonOpt = False,
) -> None:
    """Extract claims: one JSON line per post (id, is_claim, model, params_b, base_model,
    scores, comparisons, links, flags). Bad lines are skipped with a warning on stderr."""
    # Imported here so that other commands do not pay for loading spaCy.
    from hypewatch.extractors.batch import extract_file
    from hypewatch.extractors.extractor import Extractor

    del json_out  # the output is JSON lines either way (the contract)
    path = None if str(file) == "-" else file
    if path is not None and not path.is_file():
        raise InputError(f"{file} is not a readable file; give a JSONL file of posts")
    extractor = Extractor(state.settings.extraction)
    for extraction in extract_file(path, extractor, _warn, stdin=sys.stdin.buffer):
        emit_json(extraction.to_json())


# (section end)


# -- weights, verifiers: verifier framework and weights (issue 5) --
# (section start)
@app.command()
@handle_errors
def weights(
    repo: Annotated[str, typer.Argument(help="Hub repo to check, owner/name.")],
    revision: Annotated[
        str | None, typer.Option("--revision", help="Branch, tag or commit (default: main).")
    ] = None,
    claimed_base: Annotated[
        str | None,
        typer.Option("--claimed-base", help="The base model claimed (default: the card's)."),
    ] = None,
    base: Annotated[
        list[str] | None,
        typer.Option("--base", help="A candidate base to compare with; repeatable."),
    ] = None,
    allow_private: AllowPrivateOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """What do the published weights contain, and which base do they come from?"""
    from hypewatch.verifiers.weights.command import run_check

    try:
        report = run_check(
            state.settings,
            repo,
            revision=revision,
            claimed_base=claimed_base,
            bases=base or [],
            allow_private=allow_private,
        )
    except ValueError as error:
        raise InputError(str(error)) from None
    if json_out:
        emit_json(report.to_json())
        return
    out.print(
        f"[bold]{escape(report.repo)}[/] @ {report.revision[:12]}: [bold]{report.label}[/] — "
        f"{escape(report.reason)}"
    )
    out.print(
        f"claimed base: {escape(report.claimed_base or '-')}; "
        f"closest base: {escape(report.closest_base or '-')}; "
        f"read {report.bytes_fetched:,} of {report.total_weight_bytes:,} weight bytes"
    )
    table = Table("candidate", "similarity", "rel. diff", "p", "identical files", "tensors")
    for c in report.to_json()["candidates"]:
        table.add_row(
            escape(c["repo"]),
            "-" if c["similarity"] is None else f"{c['similarity']:.4f}",
            "-" if c["rel_diff"] is None else f"{c['rel_diff']:.4f}",
            f"{c['p_value']:.3g}",
            str(c["identical_files"]),
            str(c["tensors_compared"]) + (f" ({escape(c['error'])})" if c["error"] else ""),
        )
    out.print(table)
    for path, why in report.evidence["not_inspected"].items():
        out.print(f"  {escape(path)}: {escape(why)}")


@app.command("verifiers")
@handle_errors
def verifiers_cmd(json_out: JsonOpt = False) -> None:
    """List the registered verifiers (built-in and plugins), enabled or disabled and why."""
    from hypewatch.verifiers.base import discover

    registry = discover(state.settings)
    if json_out:
        emit_json({"verifiers": [r.to_json() for r in registry.values()]})
        return
    for r in registry.values():
        kinds = ", ".join(sorted(r.kinds)) or "-"
        out.print(
            f"[bold]{escape(r.name):<14}[/] {escape(kinds):<26} {escape(r.status)} "
            f"({escape(r.distribution)})"
        )


# (section end)


# -- fingerprint: endpoint fingerprinting (issue 6) --
# (section start)
from typer.core import TyperGroup  # noqa: E402  (kept inside this section)


class _FingerprintGroup(TyperGroup):
    """`fingerprint URL ...` runs the (hidden) `probe` command; `fingerprint enroll URL` enrolls."""

    def parse_args(self, ctx: Any, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ("--help", "-h"):
            args = ["probe", *args]
        return super().parse_args(ctx, args)


fingerprint_app = typer.Typer(
    cls=_FingerprintGroup,
    no_args_is_help=True,
    help=(
        "Which model really answers behind an API? "
        "'hypewatch fingerprint URL --model NAME [--reference LABEL=TOKENIZER_JSON ...] "
        "[--claimed-tokenizer LABEL] [--json]' probes it; "
        "'hypewatch fingerprint enroll URL --label NAME' stores a behavioural signature."
    ),
)
app.add_typer(fingerprint_app, name="fingerprint")
ApiKeyEnvOpt = Annotated[
    str | None,
    typer.Option("--api-key-env", help="Environment variable holding the endpoint's API key."),
]


def _fp_target_net(url: str, allow_private: bool) -> Any:
    from hypewatch.net import NetConfig, check_url

    if not url.lower().startswith(("http://", "https://")):
        raise InputError(f"{url!r} is not an http(s) URL; pass the endpoint's base URL")
    net = NetConfig.from_settings(state.settings.network, allow_private=allow_private)
    check_url(url, net)  # refuses loopback/private before any request is sent
    return net


def _fp_api_key(api_key_env: str | None) -> Any:
    from hypewatch.config import optional_secret, read_secret

    if api_key_env:
        return read_secret(api_key_env, "--api-key-env")
    return optional_secret(state.settings.verifiers.fingerprint.api_key_env)


def _fp_print(result: Any) -> None:
    colour = {"consistent": "green", "inconsistent": "red"}.get(result.verdict, "yellow")
    out.print(
        f"[bold]{escape(result.endpoint)}[/] claimed {escape(result.claimed_model)}: "
        f"[bold {colour}]{result.verdict}[/] (confidence {result.confidence:.2f}, "
        f"{result.queries} requests, {result.seconds:.1f} s)"
    )
    out.print(f"  {escape(result.reason)}")
    if result.tokenizer_scores:
        table = Table("tokenizer", "score", "")
        for label, score in sorted(result.tokenizer_scores.items(), key=lambda i: -i[1]):
            mark = "match" if label == result.tokenizer_match else ""
            mark += " (claimed)" if label == result.claimed_tokenizer else ""
            table.add_row(escape(label), f"{score:.2f}", mark)
        out.print(table)
    for item in result.evidence:
        out.print(f"  - {item.probe} [{item.weight:g}, {item.supports}]: {escape(item.result)}")


@fingerprint_app.command("probe", hidden=True)
@handle_errors
def fingerprint_probe(
    url: Annotated[str, typer.Argument(help="The endpoint's OpenAI-compatible base URL.")],
    model: Annotated[str, typer.Option("--model", help="Model name the claim says it serves.")],
    reference: Annotated[
        list[str] | None,
        typer.Option(
            "--reference",
            help="LABEL=TOKENIZER_JSON (or LABEL=org/repo, LABEL=tiktoken:ENC); repeatable.",
        ),
    ] = None,
    claimed_tokenizer: Annotated[
        str | None,
        typer.Option("--claimed-tokenizer", help="Label of the tokenizer the claim implies."),
    ] = None,
    allow_private: AllowPrivateOpt = False,
    api_key_env: ApiKeyEnvOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Probe URL and say whether it is consistent with the claimed model."""
    import asyncio

    from hypewatch.verifiers.fingerprint.references import (
        ReferenceLoadError,
        parse_reference_option,
    )
    from hypewatch.verifiers.fingerprint.service import (
        Target,
        fingerprint_url,
        references_from_settings,
        skipped_notes,
    )

    net = _fp_target_net(url, allow_private)
    try:
        given = [parse_reference_option(value) for value in reference or []]
        loaded = references_from_settings(state.settings, given)
    except ReferenceLoadError as error:
        raise InputError(str(error)) from None
    labels = [r.label for r in loaded.references]
    if claimed_tokenizer is not None and claimed_tokenizer not in labels:
        raise InputError(
            f"--claimed-tokenizer {claimed_tokenizer} is not a reference; known: "
            f"{', '.join(labels) or 'none (add --reference LABEL=TOKENIZER_JSON)'}"
        )
    target = Target(url, model, claimed_tokenizer, _fp_api_key(api_key_env))
    store = state.store() if state.database.exists() else None
    try:
        result = asyncio.run(
            fingerprint_url(
                state.settings,
                net,
                target,
                loaded.references,
                store=store,
                notes=skipped_notes(loaded.skipped),
            )
        )
    finally:
        if store is not None:
            store.close()
    if json_out:
        emit_json(result.to_json())
    else:
        _fp_print(result)


@fingerprint_app.command("enroll")
@handle_errors
def fingerprint_enroll(
    url: Annotated[str, typer.Argument(help="Endpoint serving the model to enroll.")],
    label: Annotated[str, typer.Option("--label", help="Name to store the signature under.")],
    model: Annotated[
        str | None, typer.Option("--model", help="Model name to request (default: the label).")
    ] = None,
    allow_private: AllowPrivateOpt = False,
    api_key_env: ApiKeyEnvOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Store URL's behavioural signature as a reference named LABEL."""
    import asyncio

    from hypewatch.verifiers.fingerprint.client import ProbeError
    from hypewatch.verifiers.fingerprint.references import ReferenceLoadError, check_label
    from hypewatch.verifiers.fingerprint.service import Target, enroll_url
    from hypewatch.verifiers.fingerprint.signature import MiniLMEmbedder, ml_unavailable

    try:
        check_label(label)
    except ReferenceLoadError as error:
        raise InputError(str(error)) from None
    net = _fp_target_net(url, allow_private)
    reason = ml_unavailable()
    if reason:
        raise ConfigError(reason)
    target = Target(url, model or label, None, _fp_api_key(api_key_env))
    store = state.store()
    try:
        signature = asyncio.run(enroll_url(net, target, label, store, MiniLMEmbedder()))
    except ProbeError as error:
        raise NetError(f"enrolling {url} failed: {error}") from None
    finally:
        store.close()
    document = {
        "label": label,
        "endpoint": url,
        "model": target.model,
        "prompts": len(signature),
        "database": str(state.database),
    }
    if json_out:
        emit_json(document)
    else:
        out.print(f"enrolled {escape(label)} from {escape(url)} ({len(signature)} prompts)")


# (section end)


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
    elif endpoint is None or model is None or task is None:
        raise typer.BadParameter(
            "give --endpoint, --model and --task (or --lm-eval-samples FILE)",
            param_hint="--endpoint/--model/--task",
        )
    else:
        result = _bench_endpoint(
            endpoint, model, task, claim, tolerance, max_items, concurrency, setting, seed,
            allow_private, api_key_env, json_out,
        )  # fmt: skip
    summary = result.summary()
    summary["seconds"] = round(time.monotonic() - started, 3)
    if json_out:
        emit_json(summary)
        return
    support.print_result(out, result, summary)


def _bench_endpoint(
    endpoint: str, model: str, task: Path, claim: float, tolerance: float | None,
    max_items: int | None, concurrency: int | None, setting: str, seed: int | None,
    allow_private: bool, api_key_env: str | None, json_out: bool,
) -> Any:  # fmt: skip
    import asyncio

    from hypewatch.config import read_secret
    from hypewatch.net import NetConfig, check_url
    from hypewatch.verifiers.benchmark import cli_support as support

    settings = state.settings
    config = settings.verifiers.benchmark
    net = NetConfig.from_settings(settings.network, allow_private=allow_private)
    url = support.endpoint_url(endpoint)
    check_url(url, net)
    api_key = read_secret(api_key_env, "--api-key-env") if api_key_env else None
    items = support.read_task(task, InputError)
    plan = support.make_plan(config, claim, tolerance, max_items, setting, seed)
    with support.progress_bar(err, enabled=not json_out) as on_progress:
        return asyncio.run(
            support.measure(
                items,
                support.Target(endpoint, model, api_key),
                plan,
                net=net,
                concurrency=concurrency or config.concurrency,
                max_tokens=config.max_tokens,
                task=task.stem,
                on_progress=on_progress,
            )
        )


# (section end)


# -- digest: notifiers and digest (issue 8) --
# (section start)


@app.command("digest")
@handle_errors
def digest_command(
    preview: Annotated[
        Path | None,
        typer.Option("--preview", help="Write the HTML digest to FILE.html (chart inline)."),
    ] = None,
    send: Annotated[
        bool, typer.Option("--send", help="Email it to digest.recipients (once per ISO week).")
    ] = False,
    json_out: JsonOpt = False,
) -> None:
    """Build this week's digest: print it, write an HTML preview, or send it."""
    from hypewatch.bot.digest import build_digest, preview_html, render_text, send_weekly_digest

    settings = state.settings
    store = state.store()
    try:
        built = build_digest(store, max_launches=settings.digest.max_launches)
        if preview is not None:
            try:
                preview.write_text(preview_html(built), encoding="utf-8")
            except OSError as error:
                raise InputError(f"cannot write the preview to {preview}: {error}") from None
        result = send_weekly_digest(store, settings.digest) if send else None
    finally:
        store.close()
    if json_out:
        document = built.to_json()
        document["preview"] = str(preview) if preview else None
        document["sent"] = bool(result and result.sent)
        document["already_sent"] = bool(result and result.already_sent)
        document["refused"] = result.refused if result else []
        emit_json(document)
        return
    if preview is None and not send:
        out.print(escape(render_text(built)))
    if preview is not None:
        out.print(f"wrote {escape(str(preview))}")
    if result is not None and result.already_sent:
        out.print(f"the digest for {result.iso_week} was already sent; nothing sent")
    elif result is not None:
        out.print(f"sent the digest for {result.iso_week} to {len(result.recipients)} recipient(s)")
        if result.refused:
            err.print(f"refused by the server: {escape(', '.join(result.refused))}")


# (section end)


# -- run, verify, demo: daemon and demo (issue 9) --
# (section start)


def _verdict_row(outcome: Any, claim: Any) -> dict[str, Any]:
    verdict = outcome.verdict
    return {
        "claim_id": claim.id,
        "kind": str(claim.kind),
        "key": claim.key,
        "claimed": claim.value if claim.value is not None else claim.subject,
        "verifier": outcome.verifier,
        "status": str(verdict.status),
        "label": verdict.label,
        "summary": verdict.summary,
        "measured": verdict.measured,
        "ci_low": verdict.ci_low,
        "ci_high": verdict.ci_high,
        "sample_size": verdict.sample_size,
        "claim_status": str(claim.status),
    }


@app.command()
@handle_errors
def verify(
    launch: Annotated[str, typer.Argument(help="Launch id, slug, name or Hub repo.")],
    verifier: Annotated[
        str | None, typer.Option("--verifier", help="Only this verifier (see 'verifiers').")
    ] = None,
    allow_private: AllowPrivateOpt = False,
    json_out: JsonOpt = False,
) -> None:
    """Run the verifiers for a launch's claims now and print the verdicts."""
    import asyncio

    from hypewatch.bot.app import build_pipeline

    store = state.store()
    try:
        pipeline = build_pipeline(state.settings, store, allow_private=allow_private)
        if verifier is not None and verifier not in pipeline.registry:
            known = ", ".join(sorted(pipeline.registry)) or "none"
            raise InputError(f"no verifier named {verifier!r}; installed: {known}")
        found = store.find_launch(launch)
        for claim in store.claims(launch_id=found.id):
            pipeline.queue_claim(claim, found, verifier)
        claim_ids = {c.id for c in store.claims(launch_id=found.id)}
        queued = [
            int(r["id"])
            for r in store.queued_verifications(limit=10_000)
            if int(r["claim_id"]) in claim_ids
        ]
        outcomes = [asyncio.run(pipeline.run_verification(vid)) for vid in queued]
        rows = [_verdict_row(o, store.get_claim(o.claim_id)) for o in outcomes]
        headline = str(store.headline_status(found.id))
    finally:
        store.close()
    if json_out:
        emit_json({"launch": found.name, "status": headline, "verdicts": rows})
        return
    if not rows:
        out.print(f"{escape(found.name)}: nothing to verify (no claim an enabled verifier accepts)")
    for row in rows:
        out.print(
            f"{row['verifier']:<12} {escape(row['key']):<32} {row['status']:<13} "
            f"{escape(row['summary'][:140])}"
        )
    out.print(f"[bold]{escape(found.name)}[/]: {headline}")


@app.command()
@handle_errors
def run() -> None:
    """Run the daemon: polls, verification queue, re-checks, deliveries, weekly digest."""
    import asyncio

    from hypewatch.bot.app import build_application
    from hypewatch.bot.health import start_health_server
    from hypewatch.bot.logs import configure_logging
    from hypewatch.config import check_secrets

    settings = state.settings
    check_secrets(settings)
    configure_logging(settings)

    async def main() -> None:
        store = state.store()
        try:
            application = build_application(settings, store)
            daemon = application.daemon()
            daemon.install_signal_handlers()
            runner = None
            if settings.daemon.health_port:
                runner = await start_health_server(daemon, settings.daemon.health_port)
            try:
                await daemon.run()
            finally:
                if runner is not None:
                    await runner.cleanup()
        finally:
            store.close()

    asyncio.run(main())


@app.command()
@handle_errors
def demo(
    out_dir: Annotated[
        Path | None, typer.Option("--out", help="Where the demo database and digest go.")
    ] = None,
    json_out: JsonOpt = False,
) -> None:
    """Replay a Reflection-style launch against stand-ins on 127.0.0.1 (no keys, no network)."""
    from hypewatch.demo.replay import run_demo

    user = state.settings if resolve_config_path(state.config_path) else None
    console = Console(stderr=True, highlight=False, soft_wrap=True) if json_out else out
    summary = run_demo(out_dir, console, user)
    if json_out:
        emit_json(summary)


# (section end)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
