"""What a verifier plugin imports: the whole public surface, nothing else.

A plugin is a class registered under the `hypewatch.verifiers` entry-point
group (the same way the built-in weights, fingerprint and benchmark verifiers
are registered); the entry point's name must equal the class's `name`:

    [project.entry-points."hypewatch.verifiers"]
    license = "my_package.license:LicenseVerifier"

It subclasses `BaseVerifier`, declares a `VerifierSettings` model for its
`[verifiers.<name>]` section (checked by `hypewatch config check`), and
implements `async verify(claim, ctx) -> Verdict`. `ctx` is a read-only
`VerifierContext`: the launch, the claim, the launch's posts, the claim's
earlier verdicts, and `ctx.http()`, the guarded HTTP client. `verify` runs
under the per-verifier timeout (`verifiers.timeouts.<name>`); a timeout or an
exception becomes an inconclusive verdict with the reason. See
docs/verifiers.md, "Writing a verifier plugin".
"""

from __future__ import annotations

from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict

from hypewatch.config import Settings
from hypewatch.models import Claim, ClaimKind, Launch, Post, Verdict, VerdictStatus
from hypewatch.storage.store import VerdictRecord
from hypewatch.verifiers.base import ENTRY_POINT_GROUP, Verifier, VerifierContext

__all__ = [
    "ENTRY_POINT_GROUP",
    "BaseVerifier",
    "Claim",
    "ClaimKind",
    "Launch",
    "Post",
    "Settings",
    "Verdict",
    "VerdictRecord",
    "VerdictStatus",
    "Verifier",
    "VerifierContext",
    "VerifierSettings",
]


class VerifierSettings(BaseModel):
    """Base of a plugin's settings model: unknown keys and wrong types are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class BaseVerifier:
    """Base class for a verifier: set `name`, `kinds`, `config_model`; implement `verify`."""

    name: ClassVar[str]
    kinds: ClassVar[frozenset[ClaimKind]]
    config_model: ClassVar[type[BaseModel]] = VerifierSettings

    def __init__(self, config: Any) -> None:
        self.config = config

    @classmethod
    def unavailable(cls, settings: Settings) -> str | None:
        """Why this verifier cannot run with these settings, or None (it can)."""
        return None

    async def verify(self, claim: Claim, ctx: VerifierContext) -> Verdict:
        raise NotImplementedError(f"{type(self).__name__}.verify")
