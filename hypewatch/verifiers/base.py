"""The verifier plugin contract and its one registry.

A verifier is a class with a `name`, the claim `kinds` it accepts, a pydantic
`config_model`, an `unavailable()` check, and `async verify(claim, ctx)`.
Built-ins and third-party plugins register the same way, through the
`hypewatch.verifiers` entry-point group:

    [project.entry-points."hypewatch.verifiers"]
    my_check = "my_package.module:MyVerifier"

A verifier that cannot be imported, or whose `unavailable()` returns a
reason, is listed as disabled with that reason and never run.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol, runtime_checkable

import httpx
from pydantic import BaseModel, ValidationError

from hypewatch.config import Secret, Settings
from hypewatch.models import Claim, ClaimKind, Launch, Verdict
from hypewatch.net import NetConfig, Resolver, async_client
from hypewatch.storage import Store

ENTRY_POINT_GROUP = "hypewatch.verifiers"


@dataclass
class VerifierContext:
    """What a verifier is given besides the claim: settings, where to look, how to reach it.

    `endpoint`/`model`/`api_key` describe an OpenAI-compatible server for the
    claim (the claimant's API or the user's own); `hf_repo`/`revision` the
    published weights. Network access goes through `http()`, the guarded client.
    """

    settings: Settings
    net: NetConfig
    launch: Launch | None = None
    store: Store | None = None
    hf_repo: str = ""
    revision: str | None = None
    endpoint: str = ""
    model: str = ""
    api_key: Secret | None = None
    resolver: Resolver | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def http(self, **kwargs: Any) -> httpx.AsyncClient:
        return async_client(self.net, resolver=self.resolver, **kwargs)


@runtime_checkable
class Verifier(Protocol):
    """The contract every verifier implements."""

    name: ClassVar[str]
    kinds: ClassVar[frozenset[ClaimKind]]
    config_model: ClassVar[type[BaseModel]]

    def __init__(self, config: Any) -> None: ...

    @classmethod
    def unavailable(cls, settings: Settings) -> str | None:
        """Why this verifier cannot run with these settings (missing extra, disabled), or None."""
        ...

    async def verify(self, claim: Claim, ctx: VerifierContext) -> Verdict: ...


class VerifierError(Exception):
    """A verifier cannot be built or found; the message says what to do."""


@dataclass(frozen=True)
class RegisteredVerifier:
    name: str
    target: str
    distribution: str
    cls: type[Verifier] | None
    disabled_reason: str | None

    @property
    def enabled(self) -> bool:
        return self.disabled_reason is None

    @property
    def kinds(self) -> frozenset[ClaimKind]:
        return self.cls.kinds if self.cls is not None else frozenset()

    @property
    def status(self) -> str:
        """`enabled`, or `disabled: <reason>`."""
        return "enabled" if self.enabled else f"disabled: {self.disabled_reason}"

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "kinds": sorted(str(k) for k in self.kinds),
            "enabled": self.enabled,
            "status": self.status,
            "reason": self.disabled_reason,
            "distribution": self.distribution,
            "target": self.target,
        }


def _config_data(name: str, settings: Settings) -> Any:
    builtin = getattr(settings.verifiers, name, None)
    if isinstance(builtin, BaseModel):
        return builtin
    return settings.verifiers.plugins.get(name, {})


def _import_failure(ep: importlib.metadata.EntryPoint, error: Exception) -> str:
    if isinstance(error, ModuleNotFoundError) and error.name and error.name != ep.module:
        top = error.name.split(".")[0]
        return f"missing dependency {top!r} (install it, e.g. pip install {top})"
    return f"cannot import {ep.value}: {type(error).__name__}: {error}"


def _protocol_gaps(cls: Any) -> list[str]:
    gaps = [] if isinstance(getattr(cls, "kinds", None), frozenset) else ["kinds"]
    config_model = getattr(cls, "config_model", None)
    if not (isinstance(config_model, type) and issubclass(config_model, BaseModel)):
        gaps.append("config_model")
    gaps += [a for a in ("verify", "unavailable") if not callable(getattr(cls, a, None))]
    return gaps


def _load(ep: importlib.metadata.EntryPoint, settings: Settings) -> RegisteredVerifier:
    dist = ep.dist.name if ep.dist is not None else "?"
    try:
        cls = ep.load()
    except Exception as error:  # an optional dependency missing, a broken plugin
        return RegisteredVerifier(ep.name, ep.value, dist, None, _import_failure(ep, error))
    gaps = _protocol_gaps(cls)
    if gaps:
        reason = f"{ep.value} does not implement the Verifier protocol (missing {', '.join(gaps)})"
        return RegisteredVerifier(ep.name, ep.value, dist, None, reason)
    try:
        reason = cls.unavailable(settings)
    except Exception as error:
        reason = f"availability check failed: {type(error).__name__}: {error}"
    return RegisteredVerifier(ep.name, ep.value, dist, cls, reason)


EntryPointSource = Callable[[], list[importlib.metadata.EntryPoint]]


def _installed_entry_points() -> list[importlib.metadata.EntryPoint]:
    return list(importlib.metadata.entry_points(group=ENTRY_POINT_GROUP))


def discover(
    settings: Settings, entry_points: EntryPointSource = _installed_entry_points
) -> dict[str, RegisteredVerifier]:
    """Every verifier registered under the entry-point group, enabled or not."""
    found: dict[str, RegisteredVerifier] = {}
    for ep in sorted(entry_points(), key=lambda e: e.name):
        if ep.name in found:
            continue  # first distribution wins; duplicates are a packaging error
        found[ep.name] = _load(ep, settings)
    return found


def build(registered: RegisteredVerifier, settings: Settings) -> Verifier:
    """Instantiate a verifier with its validated config."""
    if registered.cls is None or registered.disabled_reason:
        raise VerifierError(f"verifier {registered.name} is disabled: {registered.disabled_reason}")
    data = _config_data(registered.name, settings)
    try:
        config = (
            data
            if isinstance(data, registered.cls.config_model)
            else registered.cls.config_model.model_validate(
                data.model_dump() if isinstance(data, BaseModel) else data
            )
        )
    except ValidationError as error:
        raise VerifierError(
            f"verifiers.{registered.name} (or verifiers.plugins.{registered.name}) is invalid: "
            f"{error}"
        ) from None
    return registered.cls(config)


def verifiers_for(
    claim: Claim, registry: dict[str, RegisteredVerifier]
) -> list[RegisteredVerifier]:
    """The enabled verifiers that accept this claim's kind."""
    return [r for r in registry.values() if r.enabled and claim.kind in r.kinds]
