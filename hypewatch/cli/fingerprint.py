"""The `fingerprint`: which model answers behind an API."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

# -- fingerprint: endpoint fingerprinting (issue 6) --
# (section start)
from typer.core import TyperGroup

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
    ConfigError,
)
from hypewatch.net import NetError


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
        "'hypewatch fingerprint enroll URL --label NAME [--counts]' stores a reference; "
        "'hypewatch fingerprint references' lists the reference tokenizers."
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


def _configure_hub(net: Any) -> None:
    """Default references not shipped in a package are fetched from the Hub through
    huggingface_hub's client with hypewatch's timeouts and caps."""
    from hypewatch.bot.watchers.hub_http import configure_hub_http

    configure_hub_http(net)


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
        typer.Option(
            "--claimed-tokenizer",
            help="Label of the tokenizer the claim implies (default: the family --model "
            "names, e.g. llama-3.x for Llama-3.1-70B).",
        ),
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
        infer_claimed_tokenizer,
        references_from_settings,
        skipped_notes,
    )

    net = _fp_target_net(url, allow_private)
    store = state.store() if state.database.exists() else None
    try:
        try:
            given = [parse_reference_option(value) for value in reference or []]
            _configure_hub(net)
            loaded = references_from_settings(state.settings, given, store=store)
        except ReferenceLoadError as error:
            raise InputError(str(error)) from None
        labels = [r.label for r in loaded.references]
        if claimed_tokenizer is not None and claimed_tokenizer not in labels:
            raise InputError(
                f"--claimed-tokenizer {claimed_tokenizer} is not a reference; known: "
                f"{', '.join(labels) or 'none (add --reference LABEL=TOKENIZER_JSON)'}"
            )
        claimed = claimed_tokenizer or infer_claimed_tokenizer(labels, model)
        target = Target(url, model, claimed, _fp_api_key(api_key_env))
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
    label: Annotated[str, typer.Option("--label", help="Name to store the reference under.")],
    model: Annotated[
        str | None, typer.Option("--model", help="Model name to request (default: the label).")
    ] = None,
    counts: Annotated[
        bool,
        typer.Option(
            "--counts",
            help="Record the usage counts the API reports for the probe set (a closed "
            "model's tokenizer reference) instead of a behavioural signature.",
        ),
    ] = False,
    allow_private: AllowPrivateOpt = False,
    api_key_env: ApiKeyEnvOpt = None,
    json_out: JsonOpt = False,
) -> None:
    """Store URL's behavioural signature (or, with --counts, its usage counts) as LABEL."""
    import asyncio

    from hypewatch.verifiers.fingerprint.client import ProbeError
    from hypewatch.verifiers.fingerprint.references import ReferenceLoadError, check_label

    try:
        check_label(label)
    except ReferenceLoadError as error:
        raise InputError(str(error)) from None
    net = _fp_target_net(url, allow_private)
    if not counts:
        from hypewatch.verifiers.fingerprint.signature import ml_unavailable

        reason = ml_unavailable()
        if reason:
            raise ConfigError(reason + "; or enroll with --counts (needs no ml extra)")
    api_key = _fp_api_key(api_key_env)
    store = state.store()
    try:
        if counts:
            document = asyncio.run(_enroll_counts(net, store, url, model or label, label, api_key))
        else:
            document = asyncio.run(
                _enroll_signature(net, store, url, model or label, label, api_key)
            )
    except ProbeError as error:
        raise NetError(f"enrolling {url} failed: {error}") from None
    finally:
        store.close()
    document["database"] = str(state.database)
    if json_out:
        emit_json(document)
    elif counts:
        out.print(
            f"enrolled {escape(label)} from {escape(url)}: usage counts of "
            f"{document['requests']} probe requests"
        )
    else:
        out.print(f"enrolled {escape(label)} from {escape(url)} ({document['prompts']} prompts)")


async def _enroll_signature(
    net: Any, store: Any, url: str, model: str, label: str, api_key: Any
) -> dict[str, Any]:
    from hypewatch.verifiers.fingerprint.service import Target, enroll_url
    from hypewatch.verifiers.fingerprint.signature import MiniLMEmbedder

    target = Target(url, model, None, api_key)
    signature = await enroll_url(net, target, label, store, MiniLMEmbedder())
    return {"label": label, "endpoint": url, "model": model, "prompts": len(signature)}


async def _enroll_counts(
    net: Any, store: Any, url: str, model: str, label: str, api_key: Any
) -> dict[str, Any]:
    from hypewatch.verifiers.fingerprint.enrolled import enroll_counts_url

    enrolled = await enroll_counts_url(
        net, store, endpoint=url, model=model, label=label, api_key=api_key
    )
    return {
        "label": label,
        "endpoint": url,
        "model": model,
        "kind": "counts",
        "requests": len(enrolled.counts),
        "prompt_tokens": [n for _, n in enrolled.counts],
    }


@fingerprint_app.command("references")
@handle_errors
def fingerprint_references(json_out: JsonOpt = False) -> None:
    """List the reference tokenizers: available offline, would be fetched, or missing."""
    from hypewatch.verifiers.fingerprint.defaults import availability, default_set
    from hypewatch.verifiers.fingerprint.references import hub_cache_lookup

    settings = state.settings.verifiers.fingerprint
    rows = availability(hub_cache_lookup()) if settings.default_references else []
    if not settings.fetch_references:
        rows = [_no_fetch(row) for row in rows]
    extra = _extra_references()
    document: dict[str, Any] = {
        "version": default_set().version,
        "defaults_enabled": settings.default_references,
        "hub_endpoint": state.settings.hub.endpoint,
        "fetch_enabled": settings.fetch_references,
        "references": [row.to_json() for row in rows] + extra,
    }
    if json_out:
        emit_json(document)
        return
    table = Table("label", "family", "state", "source", "detail")
    colour = {"offline": "green", "cached": "green", "would fetch": "yellow", "missing": "red"}
    for item in document["references"]:
        state_text = f"[{colour.get(item['state'], 'white')}]{item['state']}[/]"
        detail = " ".join(x for x in (item["note"], item["detail"]) if x)
        table.add_row(
            escape(item["label"]),
            escape(item["name"]),
            state_text,
            escape(item["source"]),
            escape(detail[:160]),
        )
    out.print(table)
    fetch = "from " + escape(state.settings.hub.endpoint) if settings.fetch_references else "off"
    out.print(f"default set version {document['version']}; Hub fetches: {fetch}")


def _no_fetch(row: Any) -> Any:
    from dataclasses import replace

    if row.state != "would fetch":
        return row
    return replace(row, state="missing", detail="verifiers.fingerprint.fetch_references = false")


def _extra_references() -> list[dict[str, Any]]:
    """Configured references and usage counts enrolled in the database."""
    from hypewatch.storage.fingerprint import enrolled_counts

    items: list[dict[str, Any]] = [
        {
            "label": label,
            "name": label,
            "state": "configured",
            "source": spec,
            "detail": "",
            "families": [],
            "note": "",
        }
        for label, spec in state.settings.verifiers.fingerprint.references.items()
    ]
    if state.database.exists():
        store = state.store()
        try:
            items += [
                {
                    "label": e.label,
                    "name": e.label,
                    "state": "enrolled",
                    "source": f"enrolled:{e.endpoint}",
                    "detail": f"usage counts of {e.model}, {e.enrolled_at:%Y-%m-%d}",
                    "families": [],
                    "note": "",
                }
                for e in enrolled_counts(store)
            ]
        finally:
            store.close()
    return items


# (section end)
