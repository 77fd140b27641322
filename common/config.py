"""Settings from the environment, parsed and typed in one place.

Every process (service, worker, scheduler, CLI) builds one ``Config`` with ``Config.from_env()``.
Each field is set by ``TTS_<FIELD NAME>`` and parsed by its annotation; its default is
written once, on the field. Development and test runs get working defaults (generated keys
under ``var/``, loopback servers); production refuses to start when a secret is missing or
left at a dev default.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from types import UnionType
from typing import Any, Union, get_args, get_origin, get_type_hints
from urllib.parse import quote

ENVIRONMENTS = ("development", "test", "production")
DEV_SECRET = "dev-only-secret-never-use-in-production"


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


MIN_RETENTION_DAYS = 8


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"not a boolean: {value!r}")


def _comma_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


# How a variable's text becomes a field's value, by the field's annotation; any other
# annotation (str, int, float) is its own parser.
PARSERS: dict[Any, Callable[[str], Any]] = {
    bool: _bool,
    Path: lambda value: Path(value).resolve(),  # against the directory the process started in
    tuple[str, ...]: _comma_list,
}
# Per-service database URLs are a family of variables, not one: TTS_<SERVICE>_DATABASE_URL.
DATABASE_URL_VARS = ("TTS_", "_DATABASE_URL")


def env_var(field_name: str) -> str:
    """The variable that sets a ``Config`` field."""
    return f"TTS_{field_name.upper()}"


def _unwrap_optional(hint) -> tuple[Any, bool]:
    """``X | None`` → (X, True); any other annotation → (itself, False)."""
    args = get_args(hint)
    if get_origin(hint) in (Union, UnionType) and type(None) in args:
        (kind,) = (arg for arg in args if arg is not type(None))
        return kind, True
    return hint, False


def _database_urls(env: Mapping[str, str]) -> dict[str, str]:
    start, end = DATABASE_URL_VARS
    return {
        key[len(start) : -len(end)].lower(): value
        for key, value in env.items()
        if key.startswith(start) and key.endswith(end) and value
    }


def project_root() -> Path:
    return Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Config:
    env: str = "development"
    secret_key: str = DEV_SECRET
    var_dir: Path = field(default_factory=lambda: project_root() / "var")

    # Largest attachment accepted (the whole request may be 1 MB more for the envelope).
    max_upload_mb: int = 25
    # Attachment quotas: per ticket (bytes and files) and per person per day.
    ticket_upload_mb: int = 200
    ticket_max_files: int = 50
    user_daily_upload_mb: int = 500
    # Resolved tickets close by themselves after this long (the scheduler does it).
    auto_close_hours: float = 72.0

    # PostgreSQL: one database per service, named <prefix><service> unless a URL is given.
    database_host: str = "127.0.0.1"
    database_port: int = 5432
    database_user: str = "postgres"
    database_password: str = ""
    database_prefix: str = "tts_"
    database_urls: dict[str, str] = field(default_factory=dict)
    database_pool_size: int = 5
    # Server-side prepared statements for the hottest statements (common/prepared.py);
    # off behind a pooler in transaction mode, which changes server sessions under a client.
    database_prepared_statements: bool = True

    # "amqp://..." for RabbitMQ, "stub" for the in-process broker (dev and unit tests).
    broker_url: str = "amqp://guest:guest@127.0.0.1:5672/%2F"
    # "thread": a background relay publishes committed events; "sync": publish right after
    # commit in the committing thread (CLI, tests).
    outbox_relay: str = "thread"

    jwt_private_key_file: Path | None = None
    jwt_public_key_file: Path | None = None
    # The key retired by the last rotation: tokens it signed stay valid until they expire.
    jwt_previous_public_key_file: Path | None = None
    jwt_issuer: str = "tts-auth"
    jwt_audience: str = "tts"
    access_token_minutes: int = 15
    refresh_token_days: int = 7

    # Where services reach tickets_api for access checks (chat_api asks with the caller's token).
    tickets_api_url: str = "http://127.0.0.1:8000"
    log_json: bool = True
    log_level: str = "INFO"
    demo_password: str | None = None
    sweep_interval_seconds: float = 5.0
    # How old an unmarked outbox row must be before the sweeper sends it again: longer than
    # a relay running late under load takes to mark what it sent.
    outbox_grace_seconds: float = 30.0

    # Identity (auth_api). X-Real-IP is believed only from these proxy addresses (nginx).
    trusted_proxies: tuple[str, ...] = ("127.0.0.1",)
    # Employee self-registration: "open" (active at once), "approval" (an hdts admin
    # approves), "closed".
    registration_mode: str = "approval"
    # Where people open the web UI: links in invitation and reset emails point here.
    public_url: str = "http://127.0.0.1:8000"
    invitation_hours: int = 72
    reset_minutes: int = 30
    # Reset emails one account may be sent per hour: more would flood its owner's inbox
    # and void each earlier link. Requests beyond it are answered alike and send nothing.
    resets_per_hour: int = 3
    # How long a service trusts its in-process copy of the revocation table.
    revocation_cache_seconds: float = 2.0

    # Outgoing email (notifier's email worker).
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = None
    smtp_from: str = "TTS <no-reply@localhost>"
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 10.0
    # An email's retries: backing off from the first delay to the longest, the last retry
    # landing in the dead-letter queue (12 retries reach about an hour of outage).
    email_max_retries: int = 12
    email_min_backoff_ms: int = 5_000
    email_max_backoff_ms: int = 600_000
    # Uploaded attachments (TTS_MEDIA_DIR); `tts backup` archives this directory.
    media_dir: Path | None = None
    # Backups: where `tts backup` writes, and how many of them it keeps.
    backup_dir: Path | None = None
    backup_keep: int = 7
    # Open WebSockets one person may hold per live service (chat, notifications), across
    # every live process; one more is refused with 429.
    live_sockets_per_user: int = 20
    # Seconds between the server's pings; a client silent for two of them is closed.
    live_ping_seconds: float = 25.0
    # A worker's Prometheus exposition port (Dramatiq's middleware); 0 leaves it off.
    worker_metrics_port: int = 0
    # How many of a worker's threads may be in a database transaction at once
    # (common/actors.py): the threads are what group commit batches, these slots what the
    # database has connections for.
    worker_db_slots: int = 8
    # Operating the jobs (common/ops). Workers and schedulers beat this often; a beat three
    # intervals old (or, for a scheduler, three sweeps) means the process is gone or hung.
    heartbeat_seconds: float = 5.0
    # RabbitMQ's management API, read with a monitoring-only user (queue depths and rates).
    rabbitmq_management_url: str = "http://guest:guest@127.0.0.1:15672"
    # Operators (tts Operator) may see the jobs; whether they may also act (requeue,
    # discard, purge, sweep) is the deployment's choice. Admins always may.
    operators_may_act: bool = False
    # Published outbox rows and processed-event records are pruned after this many days.
    retention_days: float = 14.0
    # Development only: the Maildir of the local mail catcher (common/mail_catcher.py)
    # that scripts/dev and scripts/stack run; the Operations pages list what it caught.
    mail_catcher_dir: Path | None = None

    def __post_init__(self) -> None:
        if self.media_dir is None:
            object.__setattr__(self, "media_dir", self.var_dir / "media")
        if self.backup_dir is None:
            object.__setattr__(self, "backup_dir", self.var_dir / "backups")
        # However they were given: URLs without a trailing slash, the level in capitals.
        for name in ("tickets_api_url", "public_url"):
            object.__setattr__(self, name, getattr(self, name).rstrip("/"))
        object.__setattr__(self, "log_level", self.log_level.upper())

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **overrides) -> Config:
        """Every field from ``TTS_<FIELD NAME>``, parsed by its annotation; a variable that
        is not set leaves the field's default. ``overrides`` win over the environment."""
        env = os.environ if environ is None else environ
        hints = get_type_hints(cls)
        values: dict = {"database_urls": _database_urls(env)}
        for f in fields(cls):
            raw = env.get(env_var(f.name))
            if f.name == "database_urls" or raw is None:
                continue
            kind, optional = _unwrap_optional(hints[f.name])
            if raw == "" and (optional or kind is Path):
                continue  # set but empty: as good as unset, for a value that may be absent
            values[f.name] = PARSERS.get(kind, kind)(raw)
        values.update(overrides)
        config = cls(**values)
        config.validate()
        return config

    @property
    def media_path(self) -> Path:
        return self.media_dir

    def replace(self, **changes) -> Config:
        return replace(self, **changes)

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    def validate(self) -> None:
        if self.env not in ENVIRONMENTS:
            raise ConfigError(f"TTS_ENV must be one of {ENVIRONMENTS}, not {self.env!r}")
        if self.outbox_relay not in ("thread", "sync"):
            raise ConfigError("TTS_OUTBOX_RELAY must be 'thread' or 'sync'")
        if self.registration_mode not in ("open", "approval", "closed"):
            raise ConfigError("TTS_REGISTRATION_MODE must be 'open', 'approval' or 'closed'")
        if self.worker_db_slots < 1:
            raise ConfigError("TTS_WORKER_DB_SLOTS must be at least 1")
        if self.retention_days < MIN_RETENTION_DAYS:
            # A dead letter may be requeued for 7 days: its dedupe records must outlive it.
            raise ConfigError(f"TTS_RETENTION_DAYS must be at least {MIN_RETENTION_DAYS}")
        if not self.is_production:
            return
        missing = []
        if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
            missing.append("TTS_SECRET_KEY (32+ random characters)")
        if self.jwt_public_key_file is None:
            missing.append("TTS_JWT_PUBLIC_KEY_FILE")
        if self.broker_url == "stub":
            missing.append("TTS_BROKER_URL (a RabbitMQ URL)")
        if self.mail_catcher_dir is not None:
            # Caught mail shows one-time links to whoever reads it: development only.
            raise ConfigError("TTS_MAIL_CATCHER_DIR is for development: unset it in production")
        if missing:
            raise ConfigError("production needs real settings: " + ", ".join(missing))

    def database_url(self, service: str) -> str:
        if service in self.database_urls:
            return self.database_urls[service]
        auth = quote(self.database_user, safe="")
        if self.database_password:
            auth += ":" + quote(self.database_password, safe="")
        host = self.database_host
        # A path means a Unix socket directory (the embedded dev server listens on one).
        if host.startswith("/"):
            return f"postgresql+psycopg2://{auth}@/{self.database_name(service)}?host={host}"
        return (
            f"postgresql+psycopg2://{auth}@{host}:{self.database_port}/"
            f"{self.database_name(service)}"
        )

    def database_name(self, service: str) -> str:
        return f"{self.database_prefix}{service}"

    def as_dict(self) -> dict:
        return {f.name: getattr(self, f.name) for f in fields(self)}
