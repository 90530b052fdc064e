"""Configuration: environment `TELEMETRYFLOW_MCP_*` > YAML file > defaults.

Environment names take either form:
  * nested with a double underscore: ``TELEMETRYFLOW_MCP_SERVER__PORT=9000``
  * TFO's section prefixes:         ``TELEMETRYFLOW_MCP_SERVER_PORT=9000``,
    ``TELEMETRYFLOW_MCP_POSTGRES_URL=...``, ``TELEMETRYFLOW_MCP_CLAUDE_DEFAULT_MODEL=...``
List values accept a JSON array or a comma-separated string.
"""

from __future__ import annotations

import json
import os
import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote_plus, urlsplit

from pydantic import BaseModel, ConfigDict, Field, SecretStr, ValidationError, field_validator
from pydantic_settings import BaseSettings, PydanticBaseSettingsSource, SettingsConfigDict

ENV_PREFIX = "TELEMETRYFLOW_MCP_"
CONFIG_PATH_ENV = "TELEMETRYFLOW_MCP_CONFIG"
YAML_SEARCH_PATHS = (
    Path("tfo-mcp.yaml"),
    Path("configs/tfo-mcp.yaml"),
    Path("~/.config/tfo-mcp/config.yaml"),
)
#: env section prefixes (single underscore form) -> settings section; longest first.
SECTION_ALIASES = {
    "CLICKHOUSE": "clickhouse",
    "TELEMETRY": "telemetry",
    "POSTGRES": "postgres",
    "REDIS": "redis",
    "CACHE": "cache",
    "NATS": "nats",
    "SECURITY": "security",
    "LOGGING": "logging",
    "SERVER": "server",
    "CLAUDE": "llm",
    "LLM": "llm",
    "MCP": "mcp",
    "LOG": "logging",
}
#: section names accepted in YAML besides the field names themselves.
YAML_SECTION_ALIASES = {"claude": "llm", "log": "logging"}

DEFAULT_ALLOWED_COMMANDS = [
    "ls", "cat", "head", "tail", "wc", "grep", "find", "stat", "file", "du", "df",
    "pwd", "echo", "date", "uname", "whoami", "sort", "uniq", "cut", "diff", "tree", "git",
]  # fmt: skip


class ConfigError(Exception):
    """A configuration problem, reported as one line naming the key and its source."""


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=True)


AuthMode = Literal["none", "token", "api_keys", "jwt"]


class StaticTokenSettings(_Section):
    """One static bearer token (``server.tokens``): who holds it, which organization it reads, what it may do."""

    name: str = Field(min_length=1, max_length=100)
    token: SecretStr
    #: the organization (id) every call with this token is confined to; none: an operator token (any organization)
    organization: str | None = None
    scopes: list[str] = Field(default_factory=lambda: ["telemetry:read"])

    @field_validator("token")
    @classmethod
    def _token_chars(cls, value: SecretStr) -> SecretStr:
        return _bearer_chars(value)


class ApiKeySettings(_Section):
    """TFO API keys (``server.auth_mode`` ``api_keys``): looked up in PostgreSQL's ``api_keys`` table."""

    #: how ``key_hash`` was made from the whole key: SHA-256 hex, or HMAC-SHA256 hex with ``pepper``
    hash_scheme: Literal["sha256", "hmac-sha256"] = "sha256"
    pepper: SecretStr | None = None
    #: how long a looked-up key (or a key that does not exist) is remembered: a revoked key stops within this
    cache_seconds: float = Field(10.0, ge=0, le=300)


class JwtSettings(_Section):
    """OIDC bearer tokens (``server.auth_mode`` ``jwt``), verified against a JWKS URL or a PEM public key."""

    jwks_url: str | None = None
    public_key: SecretStr | None = None
    issuer: str | None = None
    audience: str | None = None
    algorithm: str = "RS256"
    #: the claim naming the caller's organization (id); a token without it needs the operator scope
    organization_claim: str = "org_id"
    #: the claim holding the scopes (a space-separated string or a list)
    scopes_claim: str = "scope"
    #: authorization servers advertised in the protected-resource metadata (default: the issuer)
    authorization_servers: list[str] = Field(default_factory=list)


class RateLimitSettings(_Section):
    """Token buckets per identity and per organization (shared through Redis when ``redis.url`` is set)."""

    identity_per_minute: int = Field(60, ge=1)
    organization_per_minute: int = Field(600, ge=1)
    #: also limit the local user (stdio, and loopback HTTP without authentication)
    local: bool = False


def _bearer_chars(value: SecretStr | None) -> SecretStr | None:
    token = value.get_secret_value() if value is not None else ""
    if token and not all(33 <= ord(char) <= 126 for char in token):
        # never echo the value: it is a secret
        raise ValueError("must be printable ASCII without spaces (it is sent as `Authorization: Bearer <token>`)")
    return value


class ServerSettings(_Section):
    name: str = "TelemetryFlow-MCP"
    transport: Literal["stdio", "http", "sse"] = "stdio"
    host: str = "127.0.0.1"
    port: int = Field(8080, ge=1, le=65535)
    #: how HTTP callers prove who they are (several may be combined); empty: `token` when a token is configured,
    #: else `none` (loopback only)
    auth_mode: list[AuthMode] = Field(default_factory=list)
    #: the operator token: any organization, every scope
    auth_token: SecretStr | None = None
    tokens: list[StaticTokenSettings] = Field(default_factory=list)
    api_keys: ApiKeySettings = Field(default_factory=ApiKeySettings)
    jwt: JwtSettings = Field(default_factory=JwtSettings)
    rate_limits: RateLimitSettings = Field(default_factory=RateLimitSettings)
    #: the organization (id, name or slug) an operator's call means when it names none
    default_organization: str | None = None
    #: this server's public base URL (https://mcp.example.com), for the OAuth protected-resource metadata
    public_url: str | None = None
    allow_unauthenticated: bool = False
    debug: bool = False
    # DNS-rebinding protection (http/sse): Host names (`name` or `name:port`) answered besides the loopback
    # names at `port`; required when `host` is not loopback
    allowed_hosts: list[str] = Field(default_factory=list)
    # browser origins (`https://app.example.com`) accepted besides this server's own loopback origins
    allowed_origins: list[str] = Field(default_factory=list)
    # larger HTTP request bodies get 413 while they stream in; the MCP SDK's own cap is 4 MiB
    max_body_bytes: int = Field(4 * 1024 * 1024, ge=1024, le=4 * 1024 * 1024)

    @field_validator("auth_token")
    @classmethod
    def _token_chars(cls, value: SecretStr | None) -> SecretStr | None:
        return _bearer_chars(value)

    @field_validator("auth_mode", "allowed_hosts", "allowed_origins", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value

    @field_validator("allowed_hosts")
    @classmethod
    def _host_entries(cls, value: list[str]) -> list[str]:
        from tfo_mcp.http_guard import normalize_host_entry

        return [normalize_host_entry(entry) for entry in value]

    @field_validator("allowed_origins")
    @classmethod
    def _origin_entries(cls, value: list[str]) -> list[str]:
        from tfo_mcp.http_guard import normalize_origin_entry

        return [normalize_origin_entry(entry) for entry in value]


class ProviderSettings(_Section):
    api_key: SecretStr | None = None
    base_url: str | None = None


class LLMSettings(_Section):
    default_model: str = "claude-sonnet-4-20250514"
    api_key: SecretStr | None = None
    base_url: str | None = None
    max_tokens: int = Field(4096, ge=1)
    temperature: float = Field(1.0, ge=0.0, le=2.0)
    timeout: float = Field(120.0, gt=0)
    max_retries: int = Field(3, ge=0, le=10)
    history_max_turns: int = Field(20, ge=1)
    history_max_chars: int = Field(100_000, ge=1_000)  # rough token budget (~4 chars a token) for sent history
    max_conversations: int = Field(1000, ge=1)  # in-memory conversations kept (least recently used dropped)
    retry_backoff: float = Field(0.5, ge=0)  # first retry delay in seconds; doubles per attempt (429, 5xx)
    retry_backoff_max: float = Field(20.0, ge=0)  # cap on one retry delay, also on a provider's Retry-After
    providers: dict[str, ProviderSettings] = Field(default_factory=dict)


class MCPSettings(_Section):
    """Which kinds of component the server offers (a kind switched off is neither listed nor callable), which
    toolsets a connection sees (:mod:`tfo_mcp.toolsets`) and how results are sent (:mod:`tfo_mcp.results`)."""

    enable_tools: bool = True
    enable_resources: bool = True
    enable_prompts: bool = True
    #: the toolsets a connection sees when it asks for none: toolset names, "default" or "all"
    toolsets: list[str] = Field(default_factory=lambda: ["default"])
    #: the toolsets an HTTP connection may select (?toolsets=... or X-MCP-Toolsets)
    allowed_toolsets: list[str] = Field(default_factory=lambda: ["all"])
    #: send every result as JSON text in content alone (for clients that ignore structuredContent)
    content_only: bool = False
    #: seconds a context (and investigate) may take before its queries are cancelled; unset: 5
    context_budget: float | None = Field(None, gt=0, le=600)

    @field_validator("toolsets", "allowed_toolsets", mode="before")
    @classmethod
    def _toolset_words(cls, value: Any) -> Any:
        return [word.strip() for word in value.split(",")] if isinstance(value, str) else value

    @field_validator("toolsets", "allowed_toolsets")
    @classmethod
    def _known_toolsets(cls, value: list[str]) -> list[str]:
        from tfo_mcp.toolsets import parse_selection

        parse_selection(value)  # ValueError names an unknown toolset
        return value


class LoggingSettings(_Section):
    level: Literal["TRACE", "DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"] = "INFO"
    format: Literal["text", "json"] = "text"
    output: str = "stderr"

    @field_validator("level", mode="before")
    @classmethod
    def _upper(cls, value: Any) -> Any:
        return value.upper() if isinstance(value, str) else value


class TelemetrySettings(_Section):
    """OpenTelemetry traces and metrics of the server itself (:mod:`tfo_mcp.telemetry`), exported over OTLP/HTTP
    (protobuf) through the OpenTelemetry SDK (the ``otel`` extra), and over HTTP a Prometheus ``/metrics`` page.

    On when ``enabled`` is true, or, while ``enabled`` is left unset, when ``OTEL_EXPORTER_OTLP_ENDPOINT`` (or its
    ``_TRACES_`` / ``_METRICS_`` form) is set; ``OTEL_SDK_DISABLED=true`` turns it off whatever this says. The
    other standard variables apply as the SDK reads them: ``OTEL_SERVICE_NAME``, ``OTEL_RESOURCE_ATTRIBUTES``,
    ``OTEL_EXPORTER_OTLP_HEADERS``, ``OTEL_METRIC_EXPORT_INTERVAL``, ``OTEL_BSP_SCHEDULE_DELAY``,
    ``OTEL_TRACES_SAMPLER``, ``OTEL_TRACES_EXPORTER`` / ``OTEL_METRICS_EXPORTER`` (``none``: no OTLP export of that
    signal)... Off, nothing of the SDK is imported.
    """

    enabled: bool = False
    #: ``service.name``; set here it wins over OTEL_SERVICE_NAME / OTEL_RESOURCE_ATTRIBUTES, else they win over it
    service_name: str = "tfo-mcp"
    #: the OTLP/HTTP base URL (``/v1/traces`` and ``/v1/metrics`` are added; ``host:port`` means ``http://``);
    #: unset: OTEL_EXPORTER_OTLP_[TRACES_|METRICS_]ENDPOINT, else http://localhost:4318
    otlp_endpoint: str | None = None
    #: serve ``/metrics`` (HTTP transports) without credentials; by default it needs what ``/mcp`` needs
    metrics_open: bool = False


class RedisSettings(_Section):
    """Redis shared by the server's processes (rate-limit buckets); unset: each process keeps its own."""

    url: SecretStr | None = None


class CacheSettings(_Section):
    """The short-lived cache of collect_context and investigate results (shared in Redis when ``redis.url`` is set,
    else per process); see the README's "Context cache"."""

    #: seconds a result is served again to the same organization and arguments; 0 turns the cache off
    context_ttl_seconds: float = Field(10.0, ge=0, le=3600)
    #: results larger than this (serialized, after compression) are not cached
    max_entry_bytes: int = Field(1024 * 1024, ge=1024, le=64 * 1024 * 1024)


class NatsSettings(_Section):
    """The analytics stream (``nats.url`` set): every analytics/audit record goes through JetStream, and a
    consumer writes ClickHouse; unset: records go straight from an in-process queue to ClickHouse."""

    url: SecretStr | None = None  # nats://user:pass@host:4222
    stream: str = Field("TFO_ANALYTICS", pattern=r"^[A-Za-z0-9_-]+$")
    subject_prefix: str = Field("tfo.analytics", pattern=r"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")
    #: ``internal``: each server runs a consumer; ``external``: ``tfo-mcp analytics consume`` runs elsewhere
    consumer: Literal["internal", "external"] = "internal"
    durable: str = Field("tfo-analytics-writer", pattern=r"^[A-Za-z0-9_-]+$")  # shared by every replica
    batch_size: int = Field(500, ge=1, le=10_000)  # messages fetched and written to ClickHouse at once
    ack_wait: float = Field(60.0, ge=5)  # seconds before an unacknowledged message is delivered again
    buffer_size: int = Field(10_000, ge=10)  # records waiting for the publisher; more go to the fallback queue
    publish_timeout: float = Field(5.0, gt=0)  # seconds to wait for JetStream's acknowledgement
    max_age: float = Field(7 * 86400.0, gt=0)  # seconds a record is kept in the stream at most
    max_bytes: int = Field(1024**3, ge=1024 * 1024)  # bytes the stream keeps at most (oldest dropped first)


class PostgresSettings(_Section):
    url: SecretStr | None = None
    # optional separate, least-privilege login for pg_query / pg_list_tables / pg_describe_table
    query_url: SecretStr | None = None
    min_conns: int = Field(1, ge=0)
    max_conns: int = Field(10, ge=1)
    connect_timeout: float = Field(5.0, gt=0)
    statement_timeout: float = Field(30.0, gt=0)
    # closes a session left idle inside a transaction (a stuck client) after this many seconds
    idle_in_transaction_timeout: float = Field(60.0, gt=0)
    max_result_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    allow_write: bool = False
    # let pg_query run as a superuser or a login that can run programs, read/write server files or signal
    # backends (READ ONLY does not contain those); off by default
    allow_privileged_role: bool = False
    auto_migrate: bool = False


class ClickHouseSettings(_Section):
    url: SecretStr | None = None
    pool_size: int = Field(4, ge=1)
    connect_timeout: float = Field(5.0, gt=0)
    max_execution_time: float = Field(30.0, gt=0)
    max_result_bytes: int = Field(4 * 1024 * 1024, ge=1024)
    max_memory_usage: int = Field(1024**3, ge=1024 * 1024)  # bytes one read-only query may use (server-side)
    auto_migrate: bool | None = None  # None: on for the embedded chDB store, off for native servers
    server_id: str | None = None  # instance name in analytics rows (default: host name)
    analytics_enabled: bool = True  # record this server's own usage into ClickHouse
    analytics_queue_size: int = Field(10_000, ge=10)  # rows held while ClickHouse is slow; more are dropped
    analytics_batch_size: int = Field(500, ge=1)
    analytics_flush_interval: float = Field(1.0, gt=0)  # seconds between background flushes


class SecuritySettings(_Section):
    allowed_roots: list[Path] = Field(default_factory=lambda: [Path.cwd()])
    allowed_commands: list[str] = Field(default_factory=lambda: list(DEFAULT_ALLOWED_COMMANDS))
    enable_execute_command: bool = True
    enable_write: bool = True
    max_read_bytes: int = Field(10 * 1024 * 1024, ge=1)
    max_write_bytes: int = Field(10 * 1024 * 1024, ge=1)
    command_timeout: float = Field(30.0, gt=0)
    max_command_output: int = Field(1024 * 1024, ge=1024)

    @field_validator("allowed_roots", "allowed_commands", mode="before")
    @classmethod
    def _comma_separated(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [item.strip() for item in value.split(",") if item.strip()]
        return value


class Settings(BaseSettings):
    """The effective configuration of one server process."""

    model_config = SettingsConfigDict(extra="forbid", validate_assignment=True)

    server: ServerSettings = Field(default_factory=ServerSettings)
    llm: LLMSettings = Field(default_factory=LLMSettings)
    mcp: MCPSettings = Field(default_factory=MCPSettings)
    logging: LoggingSettings = Field(default_factory=LoggingSettings)
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    postgres: PostgresSettings = Field(default_factory=PostgresSettings)
    clickhouse: ClickHouseSettings = Field(default_factory=ClickHouseSettings)
    security: SecuritySettings = Field(default_factory=SecuritySettings)
    redis: RedisSettings = Field(default_factory=RedisSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    nats: NatsSettings = Field(default_factory=NatsSettings)

    @classmethod
    def settings_customise_sources(
        cls, settings_cls: type[BaseSettings], init_settings: PydanticBaseSettingsSource, **_: Any
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        # Only explicit init values: load_settings() merges env and YAML itself,
        # so it can say where every value came from.
        return (init_settings,)


class LoadedSettings(BaseModel):
    """Settings plus where each value came from (``default``, ``env:NAME``, ``yaml:PATH``)."""

    model_config = ConfigDict(arbitrary_types_allowed=True)

    settings: Settings
    sources: dict[str, str]
    config_file: Path | None


# --------------------------------------------------------------------------- sources


def _parse_env_value(value: str) -> Any:
    stripped = value.strip()
    if stripped.startswith(("[", "{")):
        try:
            return json.loads(stripped)
        except json.JSONDecodeError:
            return value
    return value


def _env_key_path(name: str) -> list[str] | None:
    rest = name[len(ENV_PREFIX) :]
    if not rest or name == CONFIG_PATH_ENV:
        return None
    if "__" in rest:
        first, *others = rest.lower().split("__")
        return [SECTION_ALIASES.get(first.upper(), first), *others]
    for prefix, section in SECTION_ALIASES.items():
        if rest.startswith(prefix + "_"):
            return [section, rest[len(prefix) + 1 :].lower()]
    return [rest.lower()]


def _set_path(target: dict[str, Any], path: list[str], value: Any) -> None:
    for key in path[:-1]:
        target = target.setdefault(key, {})
        if not isinstance(target, dict):
            raise ConfigError(f"config key {'.'.join(path)} conflicts with a scalar value")
    target[path[-1]] = value


def flatten_keys(values: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested dict -> {"section.key": value}."""
    flat: dict[str, Any] = {}
    for key, value in values.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and value:
            flat.update(flatten_keys(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


def env_values(environ: dict[str, str] | None = None) -> tuple[dict[str, Any], dict[str, str]]:
    """Nested values from the environment and the env var name behind each dotted key."""
    environ = dict(os.environ if environ is None else environ)
    values: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for name in sorted(environ):
        if not name.startswith(ENV_PREFIX):
            continue
        path = _env_key_path(name)
        if path is None:
            continue
        _set_path(values, path, _parse_env_value(environ[name]))
        origins[".".join(path)] = f"env:{name}"
    return values, origins


def find_config_file(explicit: str | Path | None = None) -> Path | None:
    """The YAML file to read: ``--config``, else ``$TELEMETRYFLOW_MCP_CONFIG``, else the search path."""
    chosen = explicit or os.environ.get(CONFIG_PATH_ENV)
    if chosen:
        path = Path(chosen).expanduser()
        if not path.is_file():
            raise ConfigError(f"config file {path}: not found or not a file")
        return path
    for candidate in YAML_SEARCH_PATHS:
        path = candidate.expanduser()
        if path.is_file():
            return path
    return None


def yaml_values(path: Path) -> dict[str, Any]:
    """Nested values from a YAML file; section aliases (``claude:``) are normalised."""
    import yaml

    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"config file {path}: cannot be read ({exc.strerror})") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}" if mark else ""
        raise ConfigError(f"config file {path}: invalid YAML{where}") from None
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        raise ConfigError(f"config file {path}: the top level must be a mapping of sections")
    return {YAML_SECTION_ALIASES.get(str(k), str(k)): v for k, v in raw.items()}


def _deep_merge(base: dict[str, Any], override: dict[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def _describe_error(exc: ValidationError, origins: dict[str, str]) -> str:
    error = exc.errors()[0]
    key = ".".join(str(part) for part in error["loc"])
    source = "default"
    for candidate, origin in origins.items():
        if key == candidate or key.startswith(candidate + ".") or candidate.startswith(key + "."):
            source = origin
            break
    if error["type"] == "extra_forbidden":
        return f"config error: unknown key {key!r} (from {source})"
    return f"config error: {key} (from {source}): {error['msg']}"


def load_settings(config_file: str | Path | None = None, environ: dict[str, str] | None = None) -> LoadedSettings:
    """Merge defaults, the YAML file and the environment; raise ConfigError on any bad value."""
    path = find_config_file(config_file)
    from_yaml = yaml_values(path) if path else {}
    from_env, env_origins = env_values(environ)
    origins = {key: f"yaml:{path}" for key in flatten_keys(from_yaml)}
    origins.update(env_origins)
    try:
        settings = Settings(**_deep_merge(from_yaml, from_env))
    except ValidationError as exc:
        raise ConfigError(_describe_error(exc, origins)) from None
    except TypeError as exc:
        raise ConfigError(f"config error: {exc}") from None
    sources = {key: "default" for key in flatten_keys(settings.model_dump(mode="json"))}
    for key in sources:
        for candidate, origin in origins.items():
            if key == candidate or key.startswith(candidate + "."):
                sources[key] = origin
    return LoadedSettings(settings=settings, sources=sources, config_file=path)


# --------------------------------------------------------------------------- redaction


#: How the name of a value that is a secret ends, compared lower-case with ``_ . -`` removed
#: (``sslpassword``, ``client_secret``, ``X-Api-Key``, ``aws_secret_access_key``, ``access_token``). The one
#: rule for URL query parameters (:func:`redact_url`) and for ``name=value`` / ``name: value`` in log text
#: and error messages (:func:`tfo_mcp.logs.scrub_secrets`, where ``_`` stands for an optional separator).
SECRET_NAME_ENDINGS = (
    "password", "passwd", "pwd", "secret", "token", "api_key", "access_key", "secret_key", "private_key",
    "credential", "credentials", "authorization", "signature",
)  # fmt: skip
#: Query parameter names that are secrets in URLs though too generic to mask in free text (Google ``key=``,
#: Azure SAS ``sig=``). libpq's ``sslkey``/``sslcert`` are file paths, not secrets, and stay visible.
SECRET_QUERY_NAMES = frozenset({"key", "sig", "pass"})
_NORMALIZED_ENDINGS = tuple(ending.replace("_", "") for ending in SECRET_NAME_ENDINGS)
_NAME_SEPARATORS = str.maketrans("", "", "_.-")


def is_secret_query_param(name: str) -> bool:
    """Whether a URL query parameter (its name, percent-encoded or not) holds a secret."""
    normalized = unquote_plus(name).lower().translate(_NAME_SEPARATORS)
    return normalized in SECRET_QUERY_NAMES or normalized.endswith(_NORMALIZED_ENDINGS)


def _redact_pairs(text: str) -> str:
    """``a=1&password=x;sig=y`` with the value of every secret parameter replaced by ``***``."""
    pairs = re.split(r"([&;])", text)
    for index in range(0, len(pairs), 2):
        name, equals, value = pairs[index].partition("=")
        if equals and value and is_secret_query_param(name):
            pairs[index] = f"{name}=***"
    return "".join(pairs)


def redact_url(url: str) -> str:
    """A URL with its password and every secret query parameter (and fragment parameter) as ``***``.

    User, host, path and the other parameters are kept as written. Secret parameters are those of
    :func:`is_secret_query_param`: ``?password=`` / ``?sslpassword=`` (libpq), ``password=`` (ClickHouse),
    ``token``, ``api_key``, ``access_key``, ``secret``, ``pwd``, ``sig`` and the like.
    """
    url = url.strip()
    try:
        parts = urlsplit(url)
        password = parts.password
    except ValueError:
        return "***"
    redacted = parts._replace(query=_redact_pairs(parts.query), fragment=_redact_pairs(parts.fragment))
    if password is not None:
        host = parts.netloc.rsplit("@", 1)[1]
        redacted = redacted._replace(netloc=f"{parts.username or ''}:***@{host}")
    if redacted == parts:
        return url
    # Joined by hand: urlunsplit drops the empty authority of `postgresql:///db` and lower-cases the scheme.
    scheme = url[: len(parts.scheme) + 1] if parts.scheme else ""
    authority = f"//{redacted.netloc}" if url[len(scheme) :].startswith("//") else redacted.netloc
    query = f"?{redacted.query}" if redacted.query else ""
    fragment = f"#{redacted.fragment}" if redacted.fragment else ""
    return f"{scheme}{authority}{redacted.path}{query}{fragment}"


def redacted_dump(settings: Settings) -> dict[str, Any]:
    """The settings as JSON-safe data: secrets masked, every URL (secret or not) through :func:`redact_url`."""

    def walk(value: Any) -> Any:
        if isinstance(value, SecretStr):
            secret = value.get_secret_value()
            return redact_url(secret) if "://" in secret else "***"
        if isinstance(value, str) and "://" in value:  # base_url, otlp_endpoint: ?api-key= or user:pass@
            return redact_url(value)
        if isinstance(value, BaseModel):
            return {name: walk(getattr(value, name)) for name in type(value).model_fields}
        if isinstance(value, dict):
            return {key: walk(item) for key, item in value.items()}
        if isinstance(value, (list, tuple)):
            return [walk(item) for item in value]
        if isinstance(value, Path):
            return str(value)
        return value

    return walk(settings)


# --------------------------------------------------------------------------- process-wide


_current: LoadedSettings | None = None


def set_settings(loaded: LoadedSettings) -> None:
    """Install the settings this process serves with (the CLI calls this once)."""
    global _current
    _current = loaded


def get_loaded() -> LoadedSettings:
    """The installed settings, loading them from env/YAML on first use."""
    global _current
    if _current is None:
        _current = load_settings()
    return _current


def get_settings() -> Settings:
    """The process-wide effective settings."""
    return get_loaded().settings
