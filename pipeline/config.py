"""All configuration, read from ``GAPWATCH_*`` environment variables in this one place."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pipeline.contracts.evolution import POLICIES, UnknownFields

# The repository root: model assets and infra files live beside the package.
PROJECT_ROOT = Path(__file__).resolve().parent.parent
PREFIX = "GAPWATCH_"


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


@dataclass(frozen=True)
class Settings:
    kafka_bootstrap: str = "127.0.0.1:9092"
    # Off for the embedded broker, which cannot create topics (it auto-creates them).
    kafka_declare_topics: bool = True
    # How long a silent worker keeps its partitions; a restart waits this long for them.
    kafka_session_timeout: float = 30.0
    # How long a worker or command waits for a broker to answer before saying none does.
    kafka_connect_timeout: float = 20.0
    # How long the broker may hold a fetch that finds no data (Faust alone would use 1500).
    kafka_fetch_max_wait_ms: int = 500
    # Declared on a real broker: partitions are the unit of parallelism (workers ≤ partitions).
    kafka_partitions: int = 8
    kafka_replication: int = 1
    # Passed through to every Kafka client: PLAINTEXT, SSL, SASL_PLAINTEXT or SASL_SSL.
    kafka_security_protocol: str = "PLAINTEXT"
    kafka_sasl_mechanism: str = "PLAIN"  # or SCRAM-SHA-256, SCRAM-SHA-512
    kafka_sasl_username: str = ""
    kafka_sasl_password: Secret = Secret()
    kafka_ssl_cafile: str = ""  # CA bundle for SSL and SASL_SSL; empty: the system's
    # A worker without partitions rejoins its group when the partitions with a backlog have
    # made no progress for this long (a stalled rebalance); 0: never.
    kafka_rejoin_seconds: float = 60.0
    clickhouse_dsn: str = f"chdb://{PROJECT_ROOT / 'var' / 'chdb'}"
    model_dir: Path = PROJECT_ROOT / "var" / "model"
    assets_dir: Path = PROJECT_ROOT / "models"
    infra_dir: Path = PROJECT_ROOT / "infra"
    data_dir: Path = PROJECT_ROOT / "var"
    app_id: str = "gapwatch"
    web_bind: str = "127.0.0.1"
    web_port: int = 6066
    # An agent writes at most this many rows per insert, and waits at most this long to fill one.
    batch_size: int = 2000
    batch_seconds: float = 0.5
    max_text_chars: int = 2000
    # Fields a message carries that its contract does not know: keep (in the row's `extra`
    # column), ignore, or reject (dead-letter the message). See README, "Message contracts".
    unknown_fields: UnknownFields = "keep"
    ts_max_future_seconds: int = 600
    ts_max_age_days: int = 400
    # TTLs: raw rows, dead letters and their keys; rollups (minute and hour) separately.
    raw_retention_days: int = 730
    rollup_retention_days: int = 1825
    log_level: str = "info"
    # Where the users are: the report, the demo's live view and the Grafana dashboards show
    # times in this IANA zone (the warehouse keeps UTC).
    timezone: str = "Asia/Shanghai"
    # Alerting on satisfaction drops (see pipeline/alerting/detector.py).
    alerts_enabled: bool = True
    alert_interval_seconds: float = 10.0  # how often closed windows are checked
    alert_evidence: float = 11.0  # sensitivity: nats of evidence to open (lower = sooner, noisier)
    alert_min_ratings: int = 15  # no alert rests on fewer ratings
    alert_replay_days: int = 14  # history replayed at start to rebuild baselines
    # Service-level targets for complaints; a breach raises an alert on the same path.
    sla_first_response_minutes: int = 120
    sla_resolution_hours: int = 48
    alert_webhook_url: str = ""
    alert_webhook_secret: Secret = Secret()
    # Server mode: passwords of the users `gapwatch warehouse access` creates. Never shown.
    ch_writer_password: Secret = Secret()
    ch_analyst_password: Secret = Secret()
    ch_grafana_password: Secret = Secret()
    # Child processes that classify complaints; 0 classifies in the worker process itself.
    # One gives classification a core of its own: in one interpreter it takes turns with
    # Faust's delivery and the warehouse writes.
    classifier_processes: int = 1
    # How often a worker looks for a model `gapwatch train` saved and switches to it; 0: never
    # (a worker then keeps the model it started with until it restarts).
    model_reload_seconds: float = 30.0
    # Predictions less confident than this wait in review_queue for a human label.
    review_threshold: float = 0.5
    # How often each worker writes its consumer lag to pipeline_health.
    health_interval_seconds: float = 10.0
    # `gapwatch grafana push`: a service-account token of the Grafana it pushes to.
    grafana_token: Secret = Secret()

    def __post_init__(self) -> None:
        for spec in fields(self):  # a secret given as plain text (with_, tests) is one too
            if spec.type in ("Secret", Secret) and isinstance(getattr(self, spec.name), str):
                object.__setattr__(self, spec.name, Secret(getattr(self, spec.name)))
        if self.classifier_processes < 0:
            raise ConfigError(
                f"{PREFIX}CLASSIFIER_PROCESSES={self.classifier_processes} must be 0 or more"
            )
        if not 0.0 < self.review_threshold <= 1.0:
            raise ConfigError(f"{PREFIX}REVIEW_THRESHOLD={self.review_threshold} must be in (0, 1]")
        if self.unknown_fields not in POLICIES:
            raise ConfigError(
                f"{PREFIX}UNKNOWN_FIELDS={self.unknown_fields!r} must be one of "
                + ", ".join(POLICIES)
            )
        if not _is_zone(self.timezone):
            raise ConfigError(
                f"{PREFIX}TIMEZONE={self.timezone!r} is not an IANA time zone (e.g. Asia/Shanghai)"
            )

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = os.environ if environ is None else environ
        values: dict[str, Scalar] = {}
        for spec in fields(cls):
            raw = env.get(PREFIX + spec.name.upper())
            if raw is None or raw == "":
                continue
            values[spec.name] = _convert(spec.name, raw, cls._field_type(spec.name))
        return cls(**values)  # type: ignore[arg-type]  # one type per field: a dict cannot say

    @staticmethod
    def _field_type(name: str) -> type[Scalar]:
        return type(getattr(Settings, name))

    def with_(self, **changes: object) -> Settings:
        return replace(self, **changes)  # type: ignore[arg-type]  # one type per field: **changes cannot say

    def env(self) -> dict[str, str]:
        """These settings as GAPWATCH_* variables, for starting child processes."""
        return {PREFIX + f.name.upper(): _render(getattr(self, f.name)) for f in fields(self)}


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
        raise ConfigError(
            f"{PREFIX}{name.upper()}={raw!r} is not a valid {kind.__name__}"
        ) from None


def _render(value: object) -> str:
    if isinstance(value, Secret):
        return value.reveal()
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)
