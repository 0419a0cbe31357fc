"""Route providers, found through the entry-point group `hypewatch.access` and tried
in the configured order (`[access] order`)."""

from __future__ import annotations

import importlib.metadata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from hypewatch.access.routes import AccessRequest, Route, RouteProvider
from hypewatch.config import Settings

ENTRY_POINT_GROUP = "hypewatch.access"

#: The built-ins as pyproject.toml registers them: an install whose metadata predates
#: the group still finds them (tests/access checks the two lists agree).
BUILTIN = {
    "own_servers": "hypewatch.access.own_servers:OwnServers",
    "inference_providers": "hypewatch.access.inference_providers:InferenceProviders",
    "on_demand": "hypewatch.access.on_demand:OnDemand",
    "launch_api": "hypewatch.access.launch_api:LaunchApi",
}

EntryPointSource = Callable[[], Sequence[importlib.metadata.EntryPoint]]


def _installed() -> list[importlib.metadata.EntryPoint]:
    found = {ep.name: ep for ep in importlib.metadata.entry_points(group=ENTRY_POINT_GROUP)}
    for name, value in BUILTIN.items():
        found.setdefault(name, importlib.metadata.EntryPoint(name, value, ENTRY_POINT_GROUP))
    return list(found.values())


def load_providers(
    order: Sequence[str], entry_points: EntryPointSource = _installed
) -> list[RouteProvider | str]:
    """The providers named in `order`, each loaded, or the reason it could not be."""
    by_name = {ep.name: ep for ep in entry_points()}
    loaded: list[RouteProvider | str] = []
    for name in order:
        ep = by_name.get(name)
        if ep is None:
            loaded.append(f"{name}: no route provider of that name is installed")
            continue
        try:
            provider = ep.load()()
        except Exception as error:  # a broken plugin is reported, not fatal
            loaded.append(f"{name}: cannot load {ep.value}: {type(error).__name__}: {error}")
            continue
        if not isinstance(provider, RouteProvider):
            loaded.append(f"{name}: {ep.value} does not implement the RouteProvider protocol")
            continue
        loaded.append(provider)
    return loaded


@dataclass(frozen=True)
class Resolution:
    """Every route in the order tried; `chosen` is the first usable one."""

    request: AccessRequest
    routes: list[Route] = field(default_factory=list)

    @property
    def chosen(self) -> Route | None:
        return next((r for r in self.routes if r.usable), None)

    def why_none(self) -> str:
        tried = "; ".join(f"{r.kind}: {r.reason}" for r in self.routes) or "no route provider"
        return f"no way to run {self.request.repo or 'the model'}: {tried}"

    def to_json(self) -> dict[str, Any]:
        chosen = self.chosen
        return {
            "repo": self.request.repo,
            "revision": self.request.revision,
            "chosen": chosen.to_json() if chosen else None,
            "routes": [r.to_json() for r in self.routes],
        }


async def resolve(
    settings: Settings,
    request: AccessRequest,
    *,
    first_usable: bool = False,
    entry_points: EntryPointSource = _installed,
) -> Resolution:
    """Ask the configured providers in order; every route is kept, usable or not.
    With `first_usable`, stop after the provider that gave the first usable route
    (a run asks no more than it needs; `hypewatch access` lists them all)."""
    routes: list[Route] = []
    order = settings.access.order
    for name, provider in zip(order, load_providers(order, entry_points), strict=True):
        if isinstance(provider, str):
            routes.append(Route(kind=name, usable=False, reason=provider))
            continue
        found = await provider.routes(request, settings)
        routes.extend(found or [Route(kind=name, usable=False, reason="no route for this model")])
        if first_usable and any(r.usable for r in found):
            break
    return Resolution(request, routes)
