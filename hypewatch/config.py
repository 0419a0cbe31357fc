"""TOML configuration -> typed settings.

Every model forbids unknown keys, so a typo is an error that names the key
instead of a setting silently ignored. Secrets are never in the file: a
setting ending in `_env` names the environment variable that holds one, and
`Secret.reveal()` is the only way to read it.
"""

from __future__ import annotations

import ipaddress
import os
import re
import tomllib
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from hypewatch.errors import ConfigError as ConfigError

DEFAULT_CONFIG_PATH = Path("hypewatch.toml")
CONFIG_ENV = "HYPEWATCH_CONFIG"
EXAMPLE_CONFIG = Path(__file__).with_name("config.example.toml")

#: Values that are secrets, not the name of a variable holding one (HF, OpenAI, Slack,
#: GitHub, GitLab, AWS, Google tokens), or random-looking strings no one names a variable.
_TOKEN_PREFIXES = re.compile(
    r"^(?:hf_|sk-|sk_|xox[abposr]-|xapp-|ghp_|gho_|ghu_|ghs_|github_pat_|glpat-|AKIA|ASIA|AIza|ya29\.)"
)


def secret_fingerprint(value: str) -> str:
    """How a possible secret is shown in an error: its first characters and its length."""
    return f"{value[:4]}…(len {len(value)})"


def _looks_like_a_token(value: str) -> bool:
    if _TOKEN_PREFIXES.match(value):
        return True
    digits = sum(c.isdigit() for c in value)
    return len(value) >= 24 and any(c.islower() for c in value) and digits >= 4


def _env_name(value: str) -> str:
    if _looks_like_a_token(value):
        raise ValueError(
            f"this looks like a secret ({secret_fingerprint(value)}), not the name of an "
            "environment variable; put the secret in a variable (e.g. export HF_TOKEN=...) "
            "and write the variable's name here"
        )
    return value


EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$"), AfterValidator(_env_name)]


class Secret:
    """A secret read from the environment. Its repr and str never show the value."""

    __slots__ = ("_value", "env")

    def __init__(self, env: str, value: str) -> None:
        self.env = env
        self._value = value

    def reveal(self) -> str:
        return self._value

    def __repr__(self) -> str:
        return f"Secret(env={self.env!r}, value='***')"

    __str__ = __repr__


def read_secret(env: str, setting: str) -> Secret:
    """The secret in environment variable `env`, named by config key `setting`."""
    value = os.environ.get(env, "")
    if not value:
        raise ConfigError(
            f"{setting} names the environment variable {env}, which is not set; "
            f"export {env}=... before starting, or disable the section that needs it"
        )
    return Secret(env, value)


def optional_secret(env: str | None) -> Secret | None:
    if not env:
        return None
    value = os.environ.get(env, "")
    return Secret(env, value) if value else None


def _plain_types(annotation: Any) -> set[Any]:
    """`int | None` -> {int, NoneType}; anything else -> {annotation}."""
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return set(typing.get_args(annotation))
    return {annotation}


class Section(BaseModel):
    """A configuration table: unknown keys, coerced types and non-finite numbers are errors."""

    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)

    @field_validator("*", mode="before")
    @classmethod
    def _no_coercion(cls, value: Any, info: ValidationInfo) -> Any:
        """TOML has real booleans and integers: `"yes"` is not true and 1e20 is not an int."""
        if info.field_name is None or value is None:
            return value
        kinds = _plain_types(cls.model_fields[info.field_name].annotation)
        if bool in kinds and not isinstance(value, bool):
            raise ValueError("must be true or false (unquoted)")
        if (int in kinds and float not in kinds and not isinstance(value, int)) or (
            int in kinds and isinstance(value, bool)
        ):
            raise ValueError("must be a whole number (unquoted, no decimal point or exponent)")
        if float in kinds and isinstance(value, str | bool):
            raise ValueError("must be a number (unquoted)")
        return value


_ADDRESS_LIKE = re.compile(r"^[0-9a-fA-F.:/\[\]%]+$")
_HOST_NAME = re.compile(
    r"^(?=.{1,253}\.?$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*\.?$"
)


class GeneralSettings(Section):
    database: Path = Path("hypewatch.db")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "text"


class NetworkSettings(Section):
    connect_timeout_seconds: float = Field(5.0, gt=0, le=300)
    read_timeout_seconds: float = Field(30.0, gt=0, le=3600)
    total_timeout_seconds: float = Field(120.0, gt=0, le=86_400)
    max_response_bytes: int = Field(50_000_000, gt=0, le=2**30)
    max_redirects: int = Field(5, ge=0, le=10)
    retries: int = Field(3, ge=0, le=10)
    retry_max_wait_seconds: float = Field(60.0, ge=0, le=3600)
    allow_private: bool = False
    allowlist: list[str] = Field(default_factory=list)
    user_agent: str = "hypewatch/0.1 (+https://github.com/hypewatch/hypewatch)"

    @field_validator("allowlist")
    @classmethod
    def _valid_entries(cls, entries: list[str]) -> list[str]:
        """Each entry is a network (`10.0.0.0/8`, `fd00::/8`, one address) or a host name."""
        for entry in entries:
            if _ADDRESS_LIKE.match(entry):
                try:
                    ipaddress.ip_network(entry, strict=False)
                except ValueError as error:
                    raise ValueError(f"{entry!r} is not a valid network: {error}") from None
            elif not _HOST_NAME.match(entry):
                raise ValueError(
                    f"{entry!r} is neither a network (10.0.0.0/8) nor a host name (models.lan)"
                )
        return entries


class HubSettings(Section):
    endpoint: str = "https://huggingface.co"
    token_env: EnvName | None = "HF_TOKEN"


class XSourceSettings(Section):
    enabled: bool = False
    bearer_token_env: EnvName = "X_BEARER_TOKEN"
    api_url: str = "https://api.twitter.com"
    queries: list[str] = Field(
        default_factory=lambda: [
            '("open weights" OR "open-source model" OR "new model" OR "we release" OR '
            '"introducing") (MMLU OR GPQA OR HumanEval OR GSM8K OR "MATH" OR benchmark) '
            "-is:retweet lang:en",
        ]
    )
    accounts: list[str] = Field(default_factory=list)
    interval_minutes: float = Field(15.0, gt=0, le=10_080)
    max_results_per_page: int = Field(100, ge=10, le=100)
    max_pages: int = Field(5, ge=1, le=100)
    monthly_read_budget: int = Field(10_000, ge=0, le=100_000_000)
    rate_limit_max_wait_seconds: float = Field(900.0, ge=0, le=86_400)


class RedditSourceSettings(Section):
    enabled: bool = False
    client_id_env: EnvName = "REDDIT_CLIENT_ID"
    client_secret_env: EnvName = "REDDIT_CLIENT_SECRET"
    user_agent: str = "hypewatch/0.1 (launch-claim watcher)"
    oauth_url: str = "https://oauth.reddit.com"
    reddit_url: str = "https://www.reddit.com"
    subreddits: list[str] = Field(
        default_factory=lambda: ["LocalLLaMA", "MachineLearning", "singularity"]
    )
    interval_minutes: float = Field(10.0, gt=0, le=10_080)
    limit: int = Field(100, ge=1, le=1000)
    top_comments: int = Field(5, ge=0, le=50)


class HuggingFaceSourceSettings(Section):
    enabled: bool = True
    watch_authors: list[str] = Field(default_factory=list)
    interval_minutes: float = Field(30.0, gt=0, le=10_080)
    limit: int = Field(50, ge=1, le=1000)
    pipeline_tag: str = "text-generation"
    trending: bool = True
    max_age_hours: float = Field(72.0, ge=1, le=8760)


class WebSourceSettings(Section):
    """RSS/Atom feeds of lab blogs and news sites (docs/watchers.md)."""

    enabled: bool = False
    feeds: list[str] = Field(default_factory=list)
    interval_minutes: float = Field(30.0, gt=0, le=10_080)
    max_entries_per_feed: int = Field(50, ge=1, le=1000)


class SourcesSettings(Section):
    x: XSourceSettings = Field(default_factory=XSourceSettings)
    reddit: RedditSourceSettings = Field(default_factory=RedditSourceSettings)
    huggingface: HuggingFaceSourceSettings = Field(default_factory=HuggingFaceSourceSettings)
    web: WebSourceSettings = Field(default_factory=WebSourceSettings)


class ExtractionSettings(Section):
    max_text_chars: int = Field(100_000, gt=0, le=10_000_000)
    use_embeddings: bool = True
    resolution_window_days: float = Field(30.0, gt=0, le=3650)
    similarity_threshold: float = Field(0.80, gt=0, le=1)


class WeightsVerifierSettings(Section):
    enabled: bool = True
    byte_budget: int = Field(150_000_000, gt=0, le=100_000_000_000)
    samples_per_tensor: int = Field(4096, gt=0, le=1_000_000)
    max_tensors: int = Field(24, gt=0, le=10_000)
    rows_per_tensor: int = Field(16, ge=2, le=1024)
    alpha: float = Field(0.01, gt=0, lt=0.5)
    seed: int | None = Field(None, ge=0, le=2**32 - 1)
    recheck_hours: float = Field(6.0, gt=0, le=8760)
    # candidate discovery (docs/verifiers.md "Finding the candidates")
    discover: bool = True
    max_candidates: int = Field(8, ge=1, le=64)
    sampled_candidates: int = Field(3, ge=1, le=16)
    max_listed: int = Field(100, ge=1, le=1000)
    shipped_families: bool = True
    families: dict[str, dict[str, list[str]]] = Field(default_factory=dict)

    @field_validator("families")
    @classmethod
    def _repo_ids(cls, value: dict[str, dict[str, list[str]]]) -> dict[str, dict[str, list[str]]]:
        from hypewatch.verifiers.weights.families import validate

        validate(value, "families")
        return value


class FingerprintVerifierSettings(Section):
    enabled: bool = True
    api_key_env: EnvName | None = None
    references: dict[str, str] = Field(default_factory=dict)
    reprobe_hours: float = Field(6.0, gt=0, le=8760)
    max_queries: int = Field(10, ge=1, le=100)
    signature_margin: float = Field(0.05, ge=0, le=1)
    default_references: bool = True
    fetch_references: bool = True
    signature_min_similarity: float = Field(0.8, ge=0, le=1)
    scrub_words: list[str] = Field(default_factory=list)


class BenchmarkEndpoint(Section):
    repo_pattern: str
    url: str
    model: str
    api_key_env: EnvName | None = None
    #: Requests in flight on this server (default: verifiers.benchmark.concurrency);
    #: several entries for one repo and model form a pool (docs/access.md).
    concurrency: int | None = Field(None, ge=1, le=1024)


class BenchmarkJudge(Section):
    """An OpenAI-compatible endpoint that grades judged benchmarks (MT-Bench, AlpacaEval)."""

    url: str
    model: str
    api_key_env: EnvName | None = None


class CodeSandboxSettings(Section):
    """Limits for running model-written code (docs/benchmark.md, "The sandbox")."""

    enabled: bool = True
    wall_seconds: float = Field(10.0, gt=0, le=600)
    cpu_seconds: int = Field(10, ge=1, le=600)
    memory_mb: int = Field(1024, ge=64, le=65_536)
    processes: int = Field(8, ge=1, le=256)
    output_kb: int = Field(64, ge=1, le=1_048_576)
    parallel: int = Field(0, ge=0, le=64)  # 0: the CPUs available, at most 4


class BenchmarkVerifierSettings(Section):
    enabled: bool = True
    tolerance: float = Field(2.0, ge=0, le=100)
    max_items: int = Field(500, ge=1, le=1_000_000)
    max_seconds: float = Field(1800.0, gt=0, le=604_800)
    max_tokens: int = Field(512, ge=1, le=262_144)
    concurrency: int = Field(8, ge=1, le=256)
    seed: int = Field(1234, ge=0, le=2**32 - 1)
    alpha: float = Field(0.05, gt=0, lt=0.5)
    prior_strength: float = Field(30.0, gt=0, le=100_000)
    token_budget: int = Field(0, ge=0, le=10**13)
    reask: bool = True
    retry_truncated: bool = True
    structured_reask: bool = True
    tasks_dir: Path | None = None
    hub_datasets: bool = True
    dataset_revisions: dict[str, str] = Field(default_factory=dict)
    dataset_cache_dir: Path | None = None
    endpoints: list[BenchmarkEndpoint] = Field(default_factory=list)
    judge: BenchmarkJudge | None = None
    sandbox: CodeSandboxSettings = Field(default_factory=CodeSandboxSettings)


_ROUTE_PROVIDER = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
#: What a launcher command template may name (docs/access.md, "On-demand serving").
LAUNCH_PLACEHOLDERS = frozenset({"repo", "revision", "port", "host"})


def _placeholders(template: str, what: str) -> set[str]:
    import string

    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as error:
        raise ValueError(f"{what} {template!r} is not a valid template: {error}") from None
    unknown = names - LAUNCH_PLACEHOLDERS
    if unknown:
        known = ", ".join(f"{{{n}}}" for n in sorted(LAUNCH_PLACEHOLDERS))
        raise ValueError(f"{what} names {sorted(unknown)}; it may name only {known}")
    return names


class LauncherSettings(Section):
    """On-demand serving: a server started per REPO@REVISION from `command` when a model
    has no other route, stopped when the run ends (docs/access.md)."""

    #: e.g. "vllm serve {repo} --revision {revision} --host {host} --port {port}"; "": off.
    command: str = Field("", max_length=4000)
    #: The model id the started server serves (vLLM: the repo, or --served-model-name).
    model: str = Field("{repo}", min_length=1, max_length=300)
    host: str = Field("127.0.0.1", min_length=1, max_length=253)
    port: int = Field(0, ge=0, le=65535)  # 0: a free port per launch
    #: Repos that may be served on demand (shell-style, case-insensitive).
    repo_patterns: list[str] = Field(default_factory=lambda: ["*"], min_length=1, max_length=256)
    startup_seconds: float = Field(900.0, gt=0, le=86_400)
    poll_seconds: float = Field(2.0, gt=0, le=60)
    stop_seconds: float = Field(30.0, gt=0, le=600)
    max_servers: int = Field(1, ge=1, le=64)  # servers running at once (GPUs); others queue
    concurrency: int | None = Field(None, ge=1, le=1024)  # requests in flight on one
    api_key_env: EnvName | None = None  # the key the server wants (vllm --api-key)
    log_lines: int = Field(30, ge=0, le=1000)  # log tail in a failure's reason

    @field_validator("command")
    @classmethod
    def _command(cls, command: str) -> str:
        if not command.strip():
            return ""
        import shlex

        try:
            argv = shlex.split(command)
        except ValueError as error:
            raise ValueError(f"cannot split {command!r} into arguments: {error}") from None
        for arg in argv:
            _placeholders(arg, "access.launcher.command")
        return command

    @field_validator("model")
    @classmethod
    def _model(cls, model: str) -> str:
        _placeholders(model, "access.launcher.model")
        return model

    @model_validator(mode="after")
    def _port_named(self) -> LauncherSettings:
        if self.command and not self.port and "{port}" not in self.command:
            raise ValueError(
                "access.launcher.command must contain {port} (the free port hypewatch "
                "picks and polls), or set access.launcher.port to the port it listens on"
            )
        return self


class BudgetSettings(Section):
    """Model-access budgets across all routes (docs/access.md, "Budgets"); 0: no limit."""

    run_tokens: int = Field(0, ge=0, le=10**13)
    run_requests: int = Field(0, ge=0, le=10**9)
    day_tokens: int = Field(0, ge=0, le=10**13)
    day_requests: int = Field(0, ge=0, le=10**9)


class AccessSettings(Section):
    """Model access: the route providers tried in order (docs/access.md)."""

    order: list[str] = Field(
        default_factory=lambda: ["own_servers", "inference_providers", "on_demand", "launch_api"],
        min_length=1,
        max_length=16,
    )
    router_url: str = "https://router.huggingface.co/v1"
    providers: list[str] = Field(default_factory=list, max_length=64)
    allow_staging: bool = False
    launcher: LauncherSettings = Field(default_factory=LauncherSettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)

    @field_validator("order")
    @classmethod
    def _provider_names(cls, names: list[str]) -> list[str]:
        for name in names:
            if not _ROUTE_PROVIDER.match(name):
                raise ValueError(f"{name!r} is not a route provider name (like own_servers)")
        if len(set(names)) != len(names):
            raise ValueError("names a route provider twice")
        return names

    @field_validator("router_url")
    @classmethod
    def _http_url(cls, url: str) -> str:
        if not url.startswith(("https://", "http://")):
            raise ValueError(f"{url!r} is not an http(s) URL")
        return url


#: Organisations whose releases are news by default; extend or replace in the config.
KNOWN_ORGS = (
    "01-ai", "ai21labs", "allenai", "apple", "baidu", "CohereLabs", "databricks",
    "deepseek-ai", "google", "HuggingFaceTB", "ibm-granite", "internlm", "LGAI-EXAONE",
    "meta-llama", "microsoft", "MiniMaxAI", "mistralai", "moonshotai", "nvidia", "openai",
    "Qwen", "Snowflake", "stabilityai", "tencent", "THUDM", "tiiuae", "xai-org", "zai-org",
)  # fmt: skip


class SignificanceSettings(Section):
    """How a launch's significance (0-100) is scored; docs/significance.md has the reasoning."""

    known_orgs: list[str] = Field(default_factory=lambda: list(KNOWN_ORGS), max_length=1000)
    known_org_points: float = Field(35.0, ge=0, le=100)
    earlier_launch_points: float = Field(20.0, ge=0, le=100)
    #: An earlier launch counts for its publisher when it scored at least this.
    notable: float = Field(40.0, ge=0, le=100)
    source_points: float = Field(20.0, ge=0, le=100)  # per platform beyond the first
    velocity_cap: float = Field(20.0, ge=0, le=100)
    #: The Hub watcher snapshots a repo's likes/downloads at each poll for this many hours
    #: after its createdAt, and the launch is re-scored with each new snapshot; 0: the first
    #: sight only (docs/significance.md, "Velocity over the first hours").
    velocity_follow_hours: float = Field(6.0, ge=0, le=48)
    #: Velocity is the growth between the newest snapshot and the oldest within this window.
    velocity_window_minutes: float = Field(60.0, ge=5, le=720)
    score_points: float = Field(4.0, ge=0, le=100)  # per own score claimed
    score_cap: float = Field(16.0, ge=0, le=100)
    superlative_points: float = Field(5.0, ge=0, le=100)
    flag_points: float = Field(5.0, ge=0, le=100)  # per plausibility flag
    flag_cap: float = Field(10.0, ge=0, le=100)
    #: A repo created this long before it was first seen is old news (recorded, not announced).
    old_repo_days: float = Field(30.0, gt=0, le=36_500)
    #: Bytes the weights verifier may fetch per UTC day, over all its checks; 0: no cap.
    weights_daily_bytes: int = Field(5_000_000_000, ge=0, le=10**13)


class VerifiersSettings(Section):
    """`[verifiers]`: the built-ins' sections, plugin sections `[verifiers.<name>]`, timeouts.

    A plugin's section is kept as a table here and validated against the
    plugin's own settings model by `hypewatch config check` (and when the
    verifier is built); `[verifiers.plugins.<name>]` is the older spelling.
    """

    model_config = ConfigDict(extra="allow", frozen=True, allow_inf_nan=False)

    weights: WeightsVerifierSettings = Field(default_factory=WeightsVerifierSettings)
    fingerprint: FingerprintVerifierSettings = Field(default_factory=FingerprintVerifierSettings)
    benchmark: BenchmarkVerifierSettings = Field(default_factory=BenchmarkVerifierSettings)
    plugins: dict[str, dict[str, Any]] = Field(default_factory=dict)
    # seconds one verify() may run before it is stopped with an inconclusive verdict
    timeout_s: float = Field(1800.0, gt=0, le=86_400)
    timeouts: dict[str, float] = Field(default_factory=lambda: {"benchmark": 21_600.0})

    @model_validator(mode="after")
    def _plugin_sections_are_tables(self) -> VerifiersSettings:
        for name, value in (self.model_extra or {}).items():
            if not isinstance(value, dict):
                raise ValueError(
                    f"verifiers.{name} must be a table ([verifiers.{name}]), got {value!r}"
                )
        for name, seconds in self.timeouts.items():
            if not 0 < seconds <= 86_400:
                raise ValueError(f"verifiers.timeouts.{name} must be in (0, 86400] seconds")
        return self

    def sections(self) -> dict[str, dict[str, Any]]:
        """The plugin sections `[verifiers.<name>]`, by name."""
        return dict(self.model_extra or {})

    def timeout_for(self, name: str) -> float:
        return self.timeouts.get(name, self.timeout_s)


class Filters(Section):
    min_hype: float = Field(0.0, ge=0, le=1_000_000)
    #: Launches scored below this get no thread here; the digest lists them (docs/significance.md).
    min_significance: float = Field(40.0, ge=0, le=100)
    #: New threads this destination opens per 24 hours; 0: no cap. The rest go to the digest.
    max_threads_per_day: int = Field(25, ge=0, le=10_000)
    min_plausibility_flags: int = Field(0, ge=0, le=100)
    statuses: list[str] = Field(default_factory=list)
    orgs: list[str] = Field(default_factory=list)
    benchmarks: list[str] = Field(default_factory=list)


class DiscordWebhookSettings(Section):
    name: str
    webhook_url_env: EnvName
    forum: bool = True
    #: A bot token (env var) that can read the webhook's channel: an unconfirmed post is
    #: looked up before it is sent again, and forum posts are renamed as the status changes.
    bot_token_env: EnvName | None = None
    filters: Filters = Field(default_factory=Filters)


class DiscordBotSettings(Section):
    enabled: bool = False
    token_env: EnvName = "DISCORD_BOT_TOKEN"
    api_base: str = "https://discord.com/api/v10"
    #: The gateway the bot's websocket connects to (a plain client does not ask Discord).
    gateway_url: str = "wss://gateway.discord.gg/"
    guild_id: int | None = Field(None, ge=0, le=2**64 - 1)
    #: Members with this role may subscribe/unsubscribe/verify (besides Manage Channels).
    admin_role_id: int | None = Field(None, ge=0, le=2**64 - 1)
    #: `/hypewatch verify` runs per channel per window (the rest are refused).
    verify_per_channel: int = Field(3, ge=1, le=100)
    verify_window_minutes: float = Field(60.0, ge=1.0, le=1440.0)
    #: Longest wait between attempts to log in again after a failure.
    reconnect_max_seconds: float = Field(300.0, ge=1.0, le=3600.0)


class SlackChannelSettings(Section):
    name: str
    channel: str
    token_env: EnvName = "SLACK_BOT_TOKEN"
    base_url: str = "https://slack.com/api/"
    filters: Filters = Field(default_factory=Filters)


class SlackBotSettings(Section):
    """The Slack app (`/hypewatch` in Socket Mode): subscriptions made from Slack."""

    enabled: bool = False
    #: Bot token (xoxb-...): posts threads, looks up who ran a command.
    token_env: EnvName = "SLACK_BOT_TOKEN"
    #: App-level token (xapp-..., scope connections:write): opens the Socket Mode socket.
    app_token_env: EnvName = "SLACK_APP_TOKEN"
    base_url: str = "https://slack.com/api/"
    #: Members of this user group (S...) may subscribe/unsubscribe/verify besides admins.
    admin_usergroup_id: str | None = Field(None, pattern=r"^S[A-Z0-9]{2,30}$")
    #: How often the Socket Mode client pings; a dead socket is replaced within ~this.
    ping_interval_seconds: float = Field(10.0, ge=0.2, le=300.0)
    verify_per_channel: int = Field(3, ge=1, le=100)
    verify_window_minutes: float = Field(60.0, ge=1.0, le=1440.0)


class ConsoleSettings(Section):
    enabled: bool = True


class ChartAttachmentSettings(Section):
    """The claimed-vs-measured PNG attached to Discord and Slack verdict replies that have
    measured numbers (`bot/notifiers/attachments.py`, docs/notifications.md)."""

    enabled: bool = True
    #: A chart larger than this (bytes) is left off; the reply still goes out.
    max_bytes: int = Field(1_000_000, ge=10_000, le=8_000_000)


class NotifiersSettings(Section):
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    charts: ChartAttachmentSettings = Field(default_factory=ChartAttachmentSettings)
    discord_bot: DiscordBotSettings = Field(default_factory=DiscordBotSettings)
    slack_bot: SlackBotSettings = Field(default_factory=SlackBotSettings)
    discord: list[DiscordWebhookSettings] = Field(default_factory=list)
    slack: list[SlackChannelSettings] = Field(default_factory=list)
    max_retry_after_seconds: float = Field(300.0, ge=0, le=86_400)


class DigestSettings(Section):
    enabled: bool = False
    day_of_week: Literal["mon", "tue", "wed", "thu", "fri", "sat", "sun"] = "mon"
    hour: int = Field(9, ge=0, le=23)
    recipients: list[str] = Field(default_factory=list)
    sender: str = "hypewatch@localhost"
    smtp_host: str = "localhost"
    smtp_port: int = Field(587, ge=1, le=65535)
    smtp_security: Literal["starttls", "ssl", "none"] = "starttls"
    smtp_username_env: EnvName | None = None
    smtp_password_env: EnvName | None = None
    smtp_ca_file: Path | None = None
    smtp_timeout_seconds: float = Field(30.0, gt=0, le=600)
    subject: str = "hypewatch weekly digest"
    max_launches: int = Field(50, ge=1, le=10_000)
    catch_up: bool = True
    # a temporary SMTP failure (4xx, dropped connection) is retried this many more times,
    # after retry_backoff_seconds, doubling each time
    retry_attempts: int = Field(3, ge=0, le=10)
    retry_backoff_seconds: float = Field(30.0, gt=0, le=3_600)


class DaemonSettings(Section):
    health_port: int | None = Field(None, ge=1, le=65535)
    verification_concurrency: int = Field(2, ge=1, le=64)
    outbox_interval_seconds: float = Field(10.0, gt=0, le=86_400)
    jitter_seconds: float = Field(30.0, ge=0, le=3600)
    queue_interval_seconds: float = Field(5.0, gt=0, le=3600)
    shutdown_grace_seconds: float = Field(20.0, ge=0, le=3600)


class RetentionSettings(Section):
    """`[retention]`: how long rows that only bookkeeping reads are kept (the daemon's
    `retention` job; docs/configuration.md). 0 keeps everything."""

    #: Hub snapshots older than this are pruned, except the ones a launch's velocity still
    #: reads (each repo's newest two and those within `velocity_window_minutes` of its newest).
    hub_snapshots_days: float = Field(7.0, ge=0, le=36_500)
    #: A derivative whose base has not become a launch this long after it was seen is
    #: forgotten; attached ones are kept (they stop a re-read card being attached twice).
    pending_derivatives_days: float = Field(90.0, ge=0, le=36_500)
    #: How often the daemon prunes (first run one interval after start).
    interval_hours: float = Field(24.0, gt=0, le=720)

    @field_validator("hub_snapshots_days", "pending_derivatives_days")
    @classmethod
    def _off_or_a_day(cls, value: float) -> float:
        if 0 < value < 1:
            raise ValueError("must be 0 (keep everything) or at least 1 day")
        return value


class WebSettings(Section):
    """The claims ledger's server (`hypewatch web`; started by the daemon when enabled)."""

    enabled: bool = False
    host: str = Field("127.0.0.1", min_length=1, max_length=253)
    port: int = Field(8788, ge=1, le=65535)

    @field_validator("host")
    @classmethod
    def _host(cls, value: str) -> str:
        try:
            ipaddress.ip_address(value)
        except ValueError:
            if not _HOST_NAME.match(value):
                raise ValueError(
                    "must be an IP address (127.0.0.1, ::1, 0.0.0.0) or a host name"
                ) from None
        return value


class Settings(Section):
    general: GeneralSettings = Field(default_factory=GeneralSettings)
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    hub: HubSettings = Field(default_factory=HubSettings)
    sources: SourcesSettings = Field(default_factory=SourcesSettings)
    extraction: ExtractionSettings = Field(default_factory=ExtractionSettings)
    verifiers: VerifiersSettings = Field(default_factory=VerifiersSettings)
    access: AccessSettings = Field(default_factory=AccessSettings)
    notifiers: NotifiersSettings = Field(default_factory=NotifiersSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)
    web: WebSettings = Field(default_factory=WebSettings)
    significance: SignificanceSettings = Field(default_factory=SignificanceSettings)
    retention: RetentionSettings = Field(default_factory=RetentionSettings)

    @field_validator("general")
    @classmethod
    def _expand_database(cls, value: GeneralSettings) -> GeneralSettings:
        return value.model_copy(update={"database": value.database.expanduser()})


def _shown(key: str, value: Any) -> str:
    """The offending value as an error shows it: never a secret, never a wall of text."""
    if isinstance(value, str) and (key.endswith("_env") or _looks_like_a_token(value)):
        return secret_fingerprint(value)
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _describe(error: ValidationError, source: str) -> str:
    lines = [f"{source}: the configuration has {error.error_count()} problem(s):"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            hint = "unknown setting; check the spelling against config.example.toml"
        elif item["type"] == "missing":
            hint = "required setting is missing"
        else:
            hint = f"{item['msg']} (got {_shown(key, item.get('input'))})"
        lines.append(f"  - {key}: {hint}")
    return "\n".join(lines)


def parse_settings(data: dict[str, Any], source: str = "configuration") -> Settings:
    try:
        return Settings.model_validate(data)
    except ValidationError as error:
        raise ConfigError(_describe(error, source)) from None


def resolve_config_path(path: Path | None) -> Path | None:
    """`--config`, else `$HYPEWATCH_CONFIG`, else ./hypewatch.toml if present."""
    if path is not None:
        return path
    env = os.environ.get(CONFIG_ENV)
    if env:
        return Path(env)
    return DEFAULT_CONFIG_PATH if DEFAULT_CONFIG_PATH.exists() else None


def load_settings(path: Path | None) -> Settings:
    """Read settings from a TOML file; with no file, the defaults."""
    if path is None:
        return Settings()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(
            f"config file {path} does not exist; run 'hypewatch init' to create one"
        ) from None
    except (OSError, UnicodeDecodeError) as error:
        raise ConfigError(f"cannot read config file {path}: {error}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path} is not valid TOML: {error}") from None
    return parse_settings(data, str(path))


def required_secrets(settings: Settings) -> list[tuple[str, str]]:
    """(config key, env var) of every secret the enabled features need."""
    needed: list[tuple[str, str]] = []
    x, reddit = settings.sources.x, settings.sources.reddit
    if x.enabled:
        needed.append(("sources.x.bearer_token_env", x.bearer_token_env))
    if reddit.enabled:
        needed.append(("sources.reddit.client_id_env", reddit.client_id_env))
        needed.append(("sources.reddit.client_secret_env", reddit.client_secret_env))
    for i, hook in enumerate(settings.notifiers.discord):
        needed.append((f"notifiers.discord[{i}].webhook_url_env", hook.webhook_url_env))
        if hook.bot_token_env:
            needed.append((f"notifiers.discord[{i}].bot_token_env", hook.bot_token_env))
    for i, channel in enumerate(settings.notifiers.slack):
        needed.append((f"notifiers.slack[{i}].token_env", channel.token_env))
    if settings.notifiers.discord_bot.enabled:
        needed.append(("notifiers.discord_bot.token_env", settings.notifiers.discord_bot.token_env))
    slack_bot = settings.notifiers.slack_bot
    if slack_bot.enabled:
        needed.append(("notifiers.slack_bot.token_env", slack_bot.token_env))
        needed.append(("notifiers.slack_bot.app_token_env", slack_bot.app_token_env))
    digest = settings.digest
    if digest.enabled:
        for key in ("smtp_username_env", "smtp_password_env"):
            env = getattr(digest, key)
            if env:
                needed.append((f"digest.{key}", env))
    return needed


def check_secrets(settings: Settings) -> None:
    """Raise ConfigError naming every missing secret (never printing a value)."""
    missing = [(key, env) for key, env in required_secrets(settings) if not os.environ.get(env)]
    if missing:
        lines = ["missing secrets (set these environment variables or disable the feature):"]
        lines += [f"  - {key} names ${env}, which is not set" for key, env in missing]
        raise ConfigError("\n".join(lines))


def bounds_markdown() -> str:
    """The table of docs/configuration.md's "Bounds" section."""
    lines = ["| setting | lowest | highest |", "|---|---|---|"]
    lines += [f"| `{key}` | {low} | {high} |" for key, low, high in numeric_bounds()]
    return "\n".join(lines)


def numeric_bounds(
    model: type[BaseModel] = Settings, prefix: str = ""
) -> list[tuple[str, str, str]]:
    """(dotted key, lowest, highest) of every number in the settings, from the models
    themselves, so docs/configuration.md's table cannot drift from what is enforced."""
    rows: list[tuple[str, str, str]] = []
    for name, info in model.model_fields.items():
        key = f"{prefix}{name}"
        kinds = _plain_types(info.annotation)
        nested = [k for k in kinds if isinstance(k, type) and issubclass(k, BaseModel)]
        if nested:
            rows.extend(numeric_bounds(nested[0], f"{key}."))
            continue
        if not kinds & {int, float}:
            continue
        low = high = ""
        for meta in info.metadata:
            for attr, mark in (("gt", ">"), ("ge", "≥")):
                if getattr(meta, attr, None) is not None:
                    low = f"{mark} {getattr(meta, attr):,}"
            for attr, mark in (("lt", "<"), ("le", "≤")):
                if getattr(meta, attr, None) is not None:
                    high = f"{mark} {getattr(meta, attr):,}"
        rows.append((key, low, high))
    return rows
