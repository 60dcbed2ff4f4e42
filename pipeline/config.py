"""All configuration, read from ``GAPWATCH_*`` environment variables in this one place.

Settings are grouped by concern (``settings.kafka.bootstrap``, ``settings.alerting.evidence``);
each field names its variable once, beside its default, so ``GAPWATCH_KAFKA_BOOTSTRAP`` can
be found by searching for ``KAFKA_BOOTSTRAP``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, fields, replace
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.contracts.decode import Limits
from pipeline.contracts.evolution import POLICIES, UnknownFields

# The repository root: model assets and infra files live beside the package.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PREFIX = "GAPWATCH_"

T = TypeVar("T")


class ConfigError(ValueError):
    """A GAPWATCH_* variable holds a value we cannot use."""


@dataclass(frozen=True)
class Secret:
    """A password or token. Its repr and str never show it (settings are logged and end up in
    tracebacks); ``reveal()`` where a client needs it, and nowhere else."""

    value: str = ""

    def reveal(self) -> str:
        return self.value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __repr__(self) -> str:
        return "Secret('***')" if self.value else "Secret('')"

    __str__ = __repr__


# The types the settings' fields hold, as read from the environment.
Scalar = bool | int | float | str | Path | Secret


def var(name: str, default: T) -> T:
    """A setting read from ``GAPWATCH_<name>``, ``default`` when unset or empty."""
    return field(default=default, metadata={"env": name})


@dataclass(frozen=True)
class KafkaSettings:
    bootstrap: str = var("KAFKA_BOOTSTRAP", "127.0.0.1:9092")
    # The consumer group and Faust app id: workers with the same id share the partitions.
    app_id: str = var("APP_ID", "gapwatch")
    # Off for the embedded broker, which cannot create topics (it auto-creates them).
    declare_topics: bool = var("KAFKA_DECLARE_TOPICS", True)
    # How long a silent worker keeps its partitions; a restart waits this long for them.
    session_timeout: float = var("KAFKA_SESSION_TIMEOUT", 30.0)
    # How long a worker or command waits for a broker to answer before saying none does.
    connect_timeout: float = var("KAFKA_CONNECT_TIMEOUT", 20.0)
    # How long the broker may hold a fetch that finds no data (Faust alone would use 1500).
    fetch_max_wait_ms: int = var("KAFKA_FETCH_MAX_WAIT_MS", 500)
    # Declared on a real broker: partitions are the unit of parallelism (workers ≤ partitions).
    partitions: int = var("KAFKA_PARTITIONS", 8)
    replication: int = var("KAFKA_REPLICATION", 1)
    # Passed through to every Kafka client: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
    security_protocol: str = var("KAFKA_SECURITY_PROTOCOL", "PLAINTEXT")
    sasl_mechanism: str = var("KAFKA_SASL_MECHANISM", "PLAIN")  # or SCRAM-SHA-256, SCRAM-SHA-512
    sasl_username: str = var("KAFKA_SASL_USERNAME", "")
    sasl_password: Secret = var("KAFKA_SASL_PASSWORD", Secret())
    ssl_cafile: str = var(
        "KAFKA_SSL_CAFILE", ""
    )  # CA bundle for SSL and SASL_SSL; empty: the system's
    # A worker without partitions rejoins its group when the partitions with a backlog have
    # made no progress for this long (a stalled rebalance); 0: never.
    rejoin_seconds: float = var("KAFKA_REJOIN_SECONDS", 60.0)


@dataclass(frozen=True)
class WarehouseSettings:
    # chdb://PATH (the engine in-process) or http(s)://user:pass@host:8123/db (a server).
    dsn: str = var("CLICKHOUSE_DSN", f"chdb://{PROJECT_ROOT / 'var' / 'chdb'}")
    # A sink writes at most this many rows per insert, and waits at most this long to fill one.
    batch_size: int = var("BATCH_SIZE", 2000)
    batch_seconds: float = var("BATCH_SECONDS", 0.5)
    # TTLs: raw rows, dead letters and their keys; rollups (minute and hour) separately.
    raw_retention_days: int = var("RAW_RETENTION_DAYS", 730)
    rollup_retention_days: int = var("ROLLUP_RETENTION_DAYS", 1825)
    # Server mode: passwords of the users `gapwatch warehouse access` creates. Never shown.
    writer_password: Secret = var("CH_WRITER_PASSWORD", Secret())
    analyst_password: Secret = var("CH_ANALYST_PASSWORD", Secret())
    grafana_password: Secret = var("CH_GRAFANA_PASSWORD", Secret())


@dataclass(frozen=True)
class ClassifierSettings:
    model_dir: Path = var("MODEL_DIR", PROJECT_ROOT / "var" / "model")
    assets_dir: Path = var("ASSETS_DIR", PROJECT_ROOT / "models")
    # Child processes that classify complaints; 0 classifies in the worker process itself.
    # One gives classification a core of its own: in one interpreter it takes turns with
    # Faust's delivery and the warehouse writes.
    processes: int = var("CLASSIFIER_PROCESSES", 1)
    # How often a worker looks for a model `gapwatch train` saved and switches to it; 0: never
    # (a worker then keeps the model it started with until it restarts).
    reload_seconds: float = var("MODEL_RELOAD_SECONDS", 30.0)
    # Predictions less confident than this wait in review_queue for a human label.
    review_threshold: float = var("REVIEW_THRESHOLD", 0.5)

    def __post_init__(self) -> None:
        if self.processes < 0:
            raise ConfigError(f"{PREFIX}CLASSIFIER_PROCESSES={self.processes} must be 0 or more")
        if not 0.0 < self.review_threshold <= 1.0:
            raise ConfigError(f"{PREFIX}REVIEW_THRESHOLD={self.review_threshold} must be in (0, 1]")


@dataclass(frozen=True)
class MessageSettings:
    """What a message must be to be accepted; the rest become dead letters."""

    max_text_chars: int = var("MAX_TEXT_CHARS", 2000)
    # Fields a message carries that its contract does not know: keep (in the row's `extra`
    # column), ignore, or reject (dead-letter the message). See README, "Message contracts".
    unknown_fields: UnknownFields = var("UNKNOWN_FIELDS", "keep")
    max_future_seconds: int = var("TS_MAX_FUTURE_SECONDS", 600)
    max_age_days: int = var("TS_MAX_AGE_DAYS", 400)

    def __post_init__(self) -> None:
        if self.unknown_fields not in POLICIES:
            raise ConfigError(
                f"{PREFIX}UNKNOWN_FIELDS={self.unknown_fields!r} must be one of "
                + ", ".join(POLICIES)
            )

    def limits(self) -> Limits:
        return Limits(
            max_text_chars=self.max_text_chars,
            max_future=timedelta(seconds=self.max_future_seconds),
            max_age=timedelta(days=self.max_age_days),
            unknown_fields=self.unknown_fields,
        )


@dataclass(frozen=True)
class AlertingSettings:
    """Satisfaction drops (see pipeline/alerting/detector.py) and complaint service levels."""

    enabled: bool = var("ALERTS_ENABLED", True)
    interval_seconds: float = var(
        "ALERT_INTERVAL_SECONDS", 10.0
    )  # how often closed windows are checked
    # Extra nats of evidence every alert needs beyond what the false-alert budget sets:
    # higher is quieter and slower, 0 is the detector as measured (`gapwatch alerts evaluate`).
    evidence: float = var("ALERT_EVIDENCE", 0.0)
    min_ratings: int = var("ALERT_MIN_RATINGS", 15)  # no alert rests on fewer ratings
    replay_days: int = var(
        "ALERT_REPLAY_DAYS", 14
    )  # history replayed at start to rebuild baselines
    # Service-level targets for complaints; a breach raises an alert on the same path.
    sla_first_response_minutes: int = var("SLA_FIRST_RESPONSE_MINUTES", 120)
    sla_resolution_hours: int = var("SLA_RESOLUTION_HOURS", 48)
    webhook_url: str = var("ALERT_WEBHOOK_URL", "")
    webhook_secret: Secret = var("ALERT_WEBHOOK_SECRET", Secret())


@dataclass(frozen=True)
class WebSettings:
    """What people look at: the worker's pages, the report, the dashboards."""

    bind: str = var("WEB_BIND", "127.0.0.1")
    port: int = var("WEB_PORT", 6066)
    # Where the users are: the report, the demo's live view and the Grafana dashboards show
    # times in this IANA zone (the warehouse keeps UTC).
    timezone: str = var("TIMEZONE", "Asia/Shanghai")
    # `gapwatch grafana push`: a service-account token of the Grafana it pushes to.
    grafana_token: Secret = var("GRAFANA_TOKEN", Secret())

    def __post_init__(self) -> None:
        if not _is_zone(self.timezone):
            raise ConfigError(
                f"{PREFIX}TIMEZONE={self.timezone!r} is not an IANA time zone (e.g. Asia/Shanghai)"
            )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)


@dataclass(frozen=True)
class Settings:
    kafka: KafkaSettings = field(default_factory=KafkaSettings)
    warehouse: WarehouseSettings = field(default_factory=WarehouseSettings)
    classifier: ClassifierSettings = field(default_factory=ClassifierSettings)
    messages: MessageSettings = field(default_factory=MessageSettings)
    alerting: AlertingSettings = field(default_factory=AlertingSettings)
    web: WebSettings = field(default_factory=WebSettings)
    data_dir: Path = var("DATA_DIR", PROJECT_ROOT / "var")
    infra_dir: Path = var("INFRA_DIR", PROJECT_ROOT / "infra")
    log_level: str = var("LOG_LEVEL", "info")
    # How often each worker writes its consumer lag to pipeline_health.
    health_interval_seconds: float = var("HEALTH_INTERVAL_SECONDS", 10.0)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        changes = {}
        for name, kind in _variables(cls()).items():
            raw = env.get(PREFIX + name)
            if raw:
                changes[name.lower()] = _convert(name, raw, kind)
        return cls().with_(**changes)

    def with_(self, **changes: object) -> Settings:
        """These settings with some changed, each named as its variable without the prefix,
        in lower case (``kafka_bootstrap=...``), or a whole group (``kafka=KafkaSettings()``)."""
        tops = {f.name for f in fields(self)}
        where = {name.lower(): path for name, path in _paths(self)}
        by_group: dict[str, dict[str, Any]] = {}
        top: dict[str, Any] = {}
        for name, value in changes.items():
            if name in tops:
                top[name] = value
                continue
            if name not in where:
                raise TypeError(f"no setting {PREFIX}{name.upper()}")
            group, attr = where[name]
            if isinstance(value, str) and type(_get(self, where[name])) is Secret:
                value = Secret(value)  # a secret given as plain text (tests) is one too
            if group:
                by_group.setdefault(group, {})[attr] = value
            else:
                top[attr] = value
        for group, values in by_group.items():
            top[group] = replace(top.get(group, getattr(self, group)), **values)
        return replace(self, **top)

    def env(self) -> dict[str, str]:
        """These settings as GAPWATCH_* variables, for starting child processes."""
        return {PREFIX + name: _render(_get(self, path)) for name, path in _paths(self)}


# Where a variable's value sits: (group attribute or "" for the top, field name).
Where = tuple[str, str]


def _paths(settings: Settings) -> Iterator[tuple[str, Where]]:
    for spec in fields(settings):
        if "env" in spec.metadata:
            yield spec.metadata["env"], ("", spec.name)
            continue
        for inner in fields(getattr(settings, spec.name)):
            yield inner.metadata["env"], (spec.name, inner.name)


def _get(settings: Settings, path: Where) -> Any:
    group, attr = path
    return getattr(getattr(settings, group) if group else settings, attr)


def _variables(settings: Settings) -> dict[str, type[Scalar]]:
    """Each variable's name without the prefix, and the type of its value."""
    return {name: type(_get(settings, path)) for name, path in _paths(settings)}


def _is_zone(name: str) -> bool:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return False
    return True


def _convert(name: str, raw: str, kind: type[Scalar]) -> Scalar:
    try:
        if kind is bool:
            lowered = raw.strip().lower()
            if lowered in {"1", "true", "yes", "on"}:
                return True
            if lowered in {"0", "false", "no", "off"}:
                return False
            raise ValueError(raw)
        if issubclass(kind, Path):
            return Path(raw).expanduser().resolve()
        return kind(raw)
    except ValueError:
        raise ConfigError(f"{PREFIX}{name}={raw!r} is not a valid {kind.__name__}") from None


def _render(value: object) -> str:
    if isinstance(value, Secret):
        return value.reveal()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
