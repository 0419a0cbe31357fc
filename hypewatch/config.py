"""TOML configuration -> typed settings.

Every model forbids unknown keys, so a typo is an error that names the key
instead of a setting silently ignored. Secrets are never in the file: a
setting ending in `_env` names the environment variable that holds one, and
`Secret.reveal()` is the only way to read it.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

DEFAULT_CONFIG_PATH = Path("hypewatch.toml")
CONFIG_ENV = "HYPEWATCH_CONFIG"
EXAMPLE_CONFIG = Path(__file__).with_name("config.example.toml")

EnvName = Annotated[str, Field(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")]


class ConfigError(Exception):
    """The configuration is wrong; the message says where and what to do."""


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


class Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class GeneralSettings(Section):
    database: Path = Path("hypewatch.db")
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    log_format: Literal["json", "text"] = "text"


class NetworkSettings(Section):
    connect_timeout_seconds: float = Field(5.0, gt=0)
    read_timeout_seconds: float = Field(30.0, gt=0)
    total_timeout_seconds: float = Field(120.0, gt=0)
    max_response_bytes: int = Field(50_000_000, gt=0)
    max_redirects: int = Field(5, ge=0, le=10)
    retries: int = Field(3, ge=0, le=10)
    retry_max_wait_seconds: float = Field(60.0, ge=0)
    allow_private: bool = False
    allowlist: list[str] = Field(default_factory=list)
    user_agent: str = "hypewatch/0.1 (+https://github.com/hypewatch/hypewatch)"


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
    interval_minutes: float = Field(15.0, gt=0)
    max_results_per_page: int = Field(100, ge=10, le=100)
    max_pages: int = Field(5, ge=1)
    monthly_read_budget: int = Field(10_000, ge=0)
    rate_limit_max_wait_seconds: float = Field(900.0, ge=0)


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
    interval_minutes: float = Field(10.0, gt=0)
    limit: int = Field(100, ge=1, le=1000)
    top_comments: int = Field(5, ge=0, le=50)


class HuggingFaceSourceSettings(Section):
    enabled: bool = True
    watch_authors: list[str] = Field(default_factory=list)
    interval_minutes: float = Field(30.0, gt=0)
    limit: int = Field(50, ge=1, le=1000)
    pipeline_tag: str = "text-generation"
    trending: bool = True


class SourcesSettings(Section):
    x: XSourceSettings = Field(default_factory=XSourceSettings)
    reddit: RedditSourceSettings = Field(default_factory=RedditSourceSettings)
    huggingface: HuggingFaceSourceSettings = Field(default_factory=HuggingFaceSourceSettings)


class ExtractionSettings(Section):
    max_text_chars: int = Field(100_000, gt=0)
    use_embeddings: bool = True
    resolution_window_days: float = Field(30.0, gt=0)
    similarity_threshold: float = Field(0.80, gt=0, le=1)


class WeightsVerifierSettings(Section):
    enabled: bool = True
    byte_budget: int = Field(150_000_000, gt=0)
    samples_per_tensor: int = Field(4096, gt=0)
    max_tensors: int = Field(24, gt=0)
    rows_per_tensor: int = Field(16, ge=2, le=1024)
    alpha: float = Field(0.01, gt=0, lt=0.5)
    seed: int | None = None
    recheck_hours: float = Field(6.0, gt=0)
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
    default_references: bool = True
    fetch_references: bool = True
    reprobe_hours: float = Field(6.0, gt=0)
    max_queries: int = Field(10, ge=1)
    signature_margin: float = Field(0.05, ge=0)
    signature_min_similarity: float = Field(0.8, ge=0, le=1)
    scrub_words: list[str] = Field(default_factory=list)


class BenchmarkEndpoint(Section):
    repo_pattern: str
    url: str
    model: str
    api_key_env: EnvName | None = None


class BenchmarkVerifierSettings(Section):
    enabled: bool = True
    tolerance: float = Field(2.0, ge=0)
    max_items: int = Field(500, ge=1)
    max_seconds: float = Field(1800.0, gt=0)
    max_tokens: int = Field(512, ge=1)
    concurrency: int = Field(8, ge=1, le=256)
    seed: int = 1234
    alpha: float = Field(0.05, gt=0, lt=0.5)
    prior_strength: float = Field(30.0, gt=0)
    token_budget: int = Field(0, ge=0)
    reask: bool = True
    retry_truncated: bool = True
    structured_reask: bool = True
    tasks_dir: Path | None = None
    hub_datasets: bool = True
    dataset_revisions: dict[str, str] = Field(default_factory=dict)
    dataset_cache_dir: Path | None = None
    endpoints: list[BenchmarkEndpoint] = Field(default_factory=list)


class VerifiersSettings(Section):
    weights: WeightsVerifierSettings = Field(default_factory=WeightsVerifierSettings)
    fingerprint: FingerprintVerifierSettings = Field(default_factory=FingerprintVerifierSettings)
    benchmark: BenchmarkVerifierSettings = Field(default_factory=BenchmarkVerifierSettings)
    plugins: dict[str, dict[str, Any]] = Field(default_factory=dict)


class Filters(Section):
    min_hype: float = Field(0.0, ge=0)
    min_plausibility_flags: int = Field(0, ge=0)
    statuses: list[str] = Field(default_factory=list)
    orgs: list[str] = Field(default_factory=list)
    benchmarks: list[str] = Field(default_factory=list)


class DiscordWebhookSettings(Section):
    name: str
    webhook_url_env: EnvName
    forum: bool = True
    filters: Filters = Field(default_factory=Filters)


class DiscordBotSettings(Section):
    enabled: bool = False
    token_env: EnvName = "DISCORD_BOT_TOKEN"
    api_base: str = "https://discord.com/api/v10"
    guild_id: int | None = None


class SlackChannelSettings(Section):
    name: str
    channel: str
    token_env: EnvName = "SLACK_BOT_TOKEN"
    base_url: str = "https://slack.com/api/"
    filters: Filters = Field(default_factory=Filters)


class ConsoleSettings(Section):
    enabled: bool = True


class NotifiersSettings(Section):
    console: ConsoleSettings = Field(default_factory=ConsoleSettings)
    discord_bot: DiscordBotSettings = Field(default_factory=DiscordBotSettings)
    discord: list[DiscordWebhookSettings] = Field(default_factory=list)
    slack: list[SlackChannelSettings] = Field(default_factory=list)
    max_retry_after_seconds: float = Field(300.0, ge=0)


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
    smtp_timeout_seconds: float = Field(30.0, gt=0)
    subject: str = "hypewatch weekly digest"
    max_launches: int = Field(50, ge=1)
    catch_up: bool = True


class DaemonSettings(Section):
    health_port: int | None = Field(None, ge=1, le=65535)
    verification_concurrency: int = Field(2, ge=1)
    outbox_interval_seconds: float = Field(10.0, gt=0)
    jitter_seconds: float = Field(30.0, ge=0)
    queue_interval_seconds: float = Field(5.0, gt=0)
    shutdown_grace_seconds: float = Field(20.0, ge=0)


class Settings(Section):
    general: GeneralSettings = Field(default_factory=GeneralSettings)
    network: NetworkSettings = Field(default_factory=NetworkSettings)
    hub: HubSettings = Field(default_factory=HubSettings)
    sources: SourcesSettings = Field(default_factory=SourcesSettings)
    extraction: ExtractionSettings = Field(default_factory=ExtractionSettings)
    verifiers: VerifiersSettings = Field(default_factory=VerifiersSettings)
    notifiers: NotifiersSettings = Field(default_factory=NotifiersSettings)
    digest: DigestSettings = Field(default_factory=DigestSettings)
    daemon: DaemonSettings = Field(default_factory=DaemonSettings)

    @field_validator("general")
    @classmethod
    def _expand_database(cls, value: GeneralSettings) -> GeneralSettings:
        return value.model_copy(update={"database": value.database.expanduser()})


def _describe(error: ValidationError, source: str) -> str:
    lines = [f"{source}: the configuration has {error.error_count()} problem(s):"]
    for item in error.errors():
        key = ".".join(str(part) for part in item["loc"]) or "(top level)"
        if item["type"] == "extra_forbidden":
            hint = "unknown setting; check the spelling against config.example.toml"
        elif item["type"] == "missing":
            hint = "required setting is missing"
        else:
            hint = f"{item['msg']} (got {item.get('input')!r})"
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
    for i, channel in enumerate(settings.notifiers.slack):
        needed.append((f"notifiers.slack[{i}].token_env", channel.token_env))
    if settings.notifiers.discord_bot.enabled:
        needed.append(("notifiers.discord_bot.token_env", settings.notifiers.discord_bot.token_env))
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
