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
