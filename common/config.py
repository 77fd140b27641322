"""Settings from the environment, parsed and typed in one place.

Every process (service, worker, scheduler, CLI) builds one ``Config`` with ``Config.from_env()``.
Development and test runs get working defaults (generated keys under ``var/``, loopback
servers); production refuses to start when a secret is missing or left at a dev default.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from urllib.parse import quote

ENVIRONMENTS = ("development", "test", "production")
DEV_SECRET = "dev-only-secret-never-use-in-production"


class ConfigError(RuntimeError):
    """The environment does not describe a runnable configuration."""


def _bool(value: str) -> bool:
    lowered = value.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off", ""):
        return False
    raise ConfigError(f"not a boolean: {value!r}")


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

    def __post_init__(self) -> None:
        if self.media_dir is None:
            object.__setattr__(self, "media_dir", self.var_dir / "media")
        if self.backup_dir is None:
            object.__setattr__(self, "backup_dir", self.var_dir / "backups")

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None, **overrides) -> Config:
        env = os.environ if environ is None else environ

        def get(name: str, default: str | None = None) -> str | None:
            return env.get(f"TTS_{name}", default)

        urls = {
            key[len("TTS_") : -len("_DATABASE_URL")].lower(): value
            for key, value in env.items()
            if key.startswith("TTS_") and key.endswith("_DATABASE_URL") and value
        }
        values: dict = {
            "env": get("ENV", "development"),
            "secret_key": get("SECRET_KEY", DEV_SECRET),
            "database_host": get("DATABASE_HOST", "127.0.0.1"),
            "database_port": int(get("DATABASE_PORT", "5432")),
            "database_user": get("DATABASE_USER", "postgres"),
            "database_password": get("DATABASE_PASSWORD", ""),
            "database_prefix": get("DATABASE_PREFIX", "tts_"),
            "database_urls": urls,
            "database_pool_size": int(get("DATABASE_POOL_SIZE", "5")),
            "broker_url": get("BROKER_URL", cls.broker_url),
            "outbox_relay": get("OUTBOX_RELAY", "thread"),
            "jwt_issuer": get("JWT_ISSUER", "tts-auth"),
            "jwt_audience": get("JWT_AUDIENCE", "tts"),
            "access_token_minutes": int(get("ACCESS_TOKEN_MINUTES", "15")),
            "refresh_token_days": int(get("REFRESH_TOKEN_DAYS", "7")),
            "tickets_api_url": get("TICKETS_API_URL", "http://127.0.0.1:8000").rstrip("/"),
            "log_json": _bool(get("LOG_JSON", "1")),
            "log_level": get("LOG_LEVEL", "INFO").upper(),
            "demo_password": get("DEMO_PASSWORD"),
            "sweep_interval_seconds": float(get("SWEEP_INTERVAL_SECONDS", "5")),
            "outbox_grace_seconds": float(get("OUTBOX_GRACE_SECONDS", "30")),
            "backup_keep": int(get("BACKUP_KEEP", "7")),
            "worker_metrics_port": int(get("WORKER_METRICS_PORT", "0")),
            "live_sockets_per_user": int(get("LIVE_SOCKETS_PER_USER", "20")),
            "live_ping_seconds": float(get("LIVE_PING_SECONDS", "25")),
            "trusted_proxies": tuple(
                p.strip() for p in get("TRUSTED_PROXIES", "127.0.0.1").split(",") if p.strip()
            ),
            "registration_mode": get("REGISTRATION_MODE", "approval"),
            "public_url": get("PUBLIC_URL", "http://127.0.0.1:8000").rstrip("/"),
            "invitation_hours": int(get("INVITATION_HOURS", "72")),
            "reset_minutes": int(get("RESET_MINUTES", "30")),
            "revocation_cache_seconds": float(get("REVOCATION_CACHE_SECONDS", "2")),
            "smtp_host": get("SMTP_HOST", "127.0.0.1"),
            "smtp_port": int(get("SMTP_PORT", "25")),
            "smtp_user": get("SMTP_USER") or None,
            "smtp_password": get("SMTP_PASSWORD") or None,
            "smtp_from": get("SMTP_FROM", "TTS <no-reply@localhost>"),
            "smtp_starttls": _bool(get("SMTP_STARTTLS", "0")),
            "smtp_timeout_seconds": float(get("SMTP_TIMEOUT_SECONDS", "10")),
            "email_max_retries": int(get("EMAIL_MAX_RETRIES", "12")),
            "email_min_backoff_ms": int(get("EMAIL_MIN_BACKOFF_MS", "5000")),
            "email_max_backoff_ms": int(get("EMAIL_MAX_BACKOFF_MS", "600000")),
        }
        if get("BACKUP_DIR"):
            values["backup_dir"] = Path(get("BACKUP_DIR")).resolve()
        if get("VAR_DIR"):
            values["var_dir"] = Path(get("VAR_DIR")).resolve()
        if get("MEDIA_DIR"):
            values["media_dir"] = Path(get("MEDIA_DIR")).resolve()
        values["max_upload_mb"] = int(get("MAX_UPLOAD_MB", "25"))
        values["ticket_upload_mb"] = int(get("TICKET_UPLOAD_MB", "200"))
        values["ticket_max_files"] = int(get("TICKET_MAX_FILES", "50"))
        values["user_daily_upload_mb"] = int(get("USER_DAILY_UPLOAD_MB", "500"))
        values["auto_close_hours"] = float(get("AUTO_CLOSE_HOURS", "72"))
        for name in (
            "JWT_PRIVATE_KEY_FILE",
            "JWT_PUBLIC_KEY_FILE",
            "JWT_PREVIOUS_PUBLIC_KEY_FILE",
        ):
            if get(name):
                values[name.lower()] = Path(get(name))
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
        if not self.is_production:
            return
        missing = []
        if self.secret_key == DEV_SECRET or len(self.secret_key) < 32:
            missing.append("TTS_SECRET_KEY (32+ random characters)")
        if self.jwt_public_key_file is None:
            missing.append("TTS_JWT_PUBLIC_KEY_FILE")
        if self.broker_url == "stub":
            missing.append("TTS_BROKER_URL (a RabbitMQ URL)")
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
