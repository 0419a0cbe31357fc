"""The verifier plugin contract and its one registry.

A verifier is a class with a `name`, the claim `kinds` it accepts, a pydantic
`config_model`, an `unavailable()` check, and `async verify(claim, ctx)`.
Built-ins and third-party plugins register the same way, through the
`hypewatch.verifiers` entry-point group:

    [project.entry-points."hypewatch.verifiers"]
    my_check = "my_package.module:MyVerifier"

A verifier that cannot be imported, or whose `unavailable()` returns a
reason, is listed as disabled with that reason and never run. Two
distributions registering one name, or an entry point whose name differs from
the class's `name`, is a packaging error naming both (`PluginNameError`).

A verifier is handed a `VerifierContext`: read-only values (the launch, the
claim, the launch's posts, the claim's earlier verdicts), its own settings,
and the guarded HTTP client, never the writable Store. Plugin authors import
all of this from `hypewatch.plugin`.
"""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable

import httpx
from pydantic import BaseModel, ValidationError

from hypewatch.config import Secret, Settings
from hypewatch.errors import ConfigError
from hypewatch.models import Claim, ClaimKind, Launch, Post, Verdict
from hypewatch.net import NetConfig, Resolver, async_client
from hypewatch.storage.store import VerdictRecord

if TYPE_CHECKING:
    from hypewatch.access.budget import UsageLog
    from hypewatch.verifiers.fingerprint.service import ProbeHistory

ENTRY_POINT_GROUP = "hypewatch.verifiers"


def _frozen(values: Mapping[str, Any] | None = None) -> Mapping[str, Any]:
    return MappingProxyType(dict(values or {}))


@dataclass(frozen=True, kw_only=True)
class VerifierContext:
    """What a verifier is given besides the claim: read-only facts, its settings, the network.

    `launch`, `claim`, `posts` (the launch's posts) and `prior_verdicts` (the
    claim's history, oldest first) are frozen values: a verifier reports
    through the `Verdict` it returns, never by writing. `endpoint`/`model`/
    `api_key` describe an OpenAI-compatible server for the claim (the
    claimant's API or the user's own); `hf_repo`/`revision` the published
    weights. Network access goes through `http()`, the guarded client.
    `probes` is the built-in fingerprint verifier's read-only probe history (None for
    every other verifier): it returns its new probes in `Verdict.probes` and the
    pipeline stores them; `usage` the model-access usage log the budgets read and
    add to (score claims; docs/access.md, "Budgets").
    """

    settings: Settings
    net: NetConfig
    launch: Launch | None = None
    claim: Claim | None = None
    posts: tuple[Post, ...] = ()
    prior_verdicts: tuple[VerdictRecord, ...] = ()
    hf_repo: str = ""
    revision: str | None = None
    endpoint: str = ""
    model: str = ""
    api_key: Secret | None = None
    resolver: Resolver | None = None
    probes: ProbeHistory | None = None
    usage: UsageLog | None = None
    extra: Mapping[str, Any] = field(default_factory=_frozen)

    def __post_init__(self) -> None:
        if not isinstance(self.extra, MappingProxyType):
            object.__setattr__(self, "extra", _frozen(self.extra))

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


class VerifierError(ConfigError):
    """A verifier cannot be built or found; the message says what to do."""


class PluginNameError(VerifierError):
    """Two distributions register one verifier name, or an entry point's name is not its class's."""


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
    section = settings.verifiers.sections().get(name)
    return section if section is not None else settings.verifiers.plugins.get(name, {})


def _location(name: str, settings: Settings, error: ValidationError) -> str:
    def where(loc: tuple[int | str, ...]) -> str:
        return ".".join(str(p) for p in loc) or "(the section)"

    legacy = name in settings.verifiers.plugins and name not in settings.verifiers.sections()
    section = f"verifiers.plugins.{name}" if legacy else f"verifiers.{name}"
    return "; ".join(f"[{section}] {where(e['loc'])}: {e['msg']}" for e in error.errors())


def config_of(registered: RegisteredVerifier, settings: Settings) -> BaseModel:
    """The verifier's settings, validated against its own `config_model`."""
    if registered.cls is None:
        raise VerifierError(f"verifier {registered.name} is disabled: {registered.disabled_reason}")
    model = registered.cls.config_model
    data = _config_data(registered.name, settings)
    if isinstance(data, model):
        return data
    try:
        return model.model_validate(data.model_dump() if isinstance(data, BaseModel) else data)
    except ValidationError as error:
        raise VerifierError(
            f"{_location(registered.name, settings, error)} "
            f"(distribution {registered.distribution!r}); "
            "fix the key in the config file, then run 'hypewatch config check'"
        ) from None


def check_sections(settings: Settings, registry: dict[str, RegisteredVerifier]) -> list[str]:
    """Every problem with the `[verifiers.<name>]` sections: unknown names, invalid keys."""
    problems: list[str] = []
    named = {**settings.verifiers.plugins, **settings.verifiers.sections()}
    for name in sorted(named):
        if name not in registry:
            problems.append(
                f"[verifiers.{name}] names no installed verifier "
                f"(installed: {', '.join(sorted(registry)) or 'none'}); "
                "install its distribution or remove the section"
            )
    for registered in registry.values():
        if registered.cls is None or registered.name not in named:
            continue
        try:
            config_of(registered, settings)
        except VerifierError as error:
            problems.append(str(error))
    return problems


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


def _declared_name(ep: importlib.metadata.EntryPoint, registered: RegisteredVerifier) -> None:
    declared = getattr(registered.cls, "name", ep.name) if registered.cls else ep.name
    if declared != ep.name:
        raise PluginNameError(
            f"entry point {ep.name!r} of distribution {registered.distribution!r} loads "
            f"{ep.value}, which declares name = {declared!r}: rename one so they match "
            f"(the name is the [verifiers.<name>] section and what `hypewatch verifiers` lists)"
        )


def discover(
    settings: Settings, entry_points: EntryPointSource = _installed_entry_points
) -> dict[str, RegisteredVerifier]:
    """Every verifier registered under the entry-point group, enabled or not.

    Raises `PluginNameError` for a name two distributions register, or an
    entry point whose name differs from the class's declared `name`.
    """
    found: dict[str, RegisteredVerifier] = {}
    for ep in sorted(entry_points(), key=lambda e: (e.name, e.value)):
        dist = ep.dist.name if ep.dist is not None else "?"
        if ep.name in found:
            first = found[ep.name]
            raise PluginNameError(
                f"verifier name {ep.name!r} is registered twice: by distribution "
                f"{first.distribution!r} ({first.target}) and by distribution {dist!r} "
                f"({ep.value}); uninstall one (pip uninstall {dist}) or rename its entry point"
            )
        found[ep.name] = _load(ep, settings)
        _declared_name(ep, found[ep.name])
    return found


def build(registered: RegisteredVerifier, settings: Settings) -> Verifier:
    """Instantiate a verifier with its validated config."""
    if registered.cls is None or registered.disabled_reason:
        raise VerifierError(f"verifier {registered.name} is disabled: {registered.disabled_reason}")
    return registered.cls(config_of(registered, settings))


def verifiers_for(
    claim: Claim, registry: dict[str, RegisteredVerifier]
) -> list[RegisteredVerifier]:
    """The enabled verifiers that accept this claim's kind."""
    return [r for r in registry.values() if r.enabled and claim.kind in r.kinds]
