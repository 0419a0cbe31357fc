"""The `verify`, `run` and `demo`: the verifiers now, the daemon, the demo."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from hypewatch.cli.common import (
    AllowPrivateOpt,
    InputError,
    JsonOpt,
    app,
    emit_json,
    handle_errors,
    out,
    state,
)
from hypewatch.config import (
    check_secrets,
    resolve_config_path,
)

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

    store = state.store(create=False)
    try:
        found = store.find_launch(launch)  # first: an unknown launch fails before any loading
        from hypewatch.bot.app import build_pipeline
        from hypewatch.bot.notifiers.factory import register_destinations
        from hypewatch.bot.watchers.hub_http import configure_hub_http

        register_destinations(state.settings, store)  # the verdicts get delivered by `run`
        pipeline = build_pipeline(state.settings, store, allow_private=allow_private)
        configure_hub_http(pipeline.net)  # as the daemon does (timeouts, network.retries)
        if verifier is not None and verifier not in pipeline.registry:
            known = ", ".join(sorted(pipeline.registry)) or "none"
            raise InputError(f"no verifier named {verifier!r}; installed: {known}")
        for claim in store.claims(launch_id=found.id):
            pipeline.queue_claim(claim, found, verifier)
        claim_ids = {c.id for c in store.claims(launch_id=found.id)}
        queued = [r.id for r in store.queued_verifications(limit=10_000) if r.claim_id in claim_ids]
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
def run(
    once: Annotated[
        bool,
        typer.Option(
            "--once",
            help="One pass (polls, the verification queue until empty, re-checks, "
            "deliveries, the digest if due), then exit: for cron.",
        ),
    ] = False,
) -> None:
    """Run the daemon: polls, verification queue, re-checks, deliveries, weekly digest."""
    import asyncio

    from hypewatch.bot.app import build_application, net_config
    from hypewatch.bot.chat_bots import build_chat_bots, serve
    from hypewatch.bot.health import start_health_server
    from hypewatch.bot.logs import configure_logging

    settings = state.settings
    check_secrets(settings)
    configure_logging(settings)

    async def main() -> None:
        store = state.store()
        try:
            application = build_application(settings, store)
            daemon = application.daemon()
            if once:
                await daemon.run_once()
                return
            daemon.install_signal_handlers()
            bots = build_chat_bots(settings, state.database, net_config(settings))
            runner = None
            if settings.daemon.health_port:
                runner = await start_health_server(daemon, settings.daemon.health_port)
            try:
                await serve(daemon, bots)
            finally:
                if runner is not None:
                    await runner.cleanup()
        finally:
            store.close()

    from hypewatch.storage.instance import single_instance

    with single_instance(state.database):
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
