"""Config from the environment: one variable per field, parsed by its annotation, and the
documented defaults when a variable is not set."""

from dataclasses import fields
from pathlib import Path

import pytest

from common.config import DEV_SECRET, Config, ConfigError, env_var, project_root

# Every setting, its variable and its default: a change here is a change operators see.
DOCUMENTED_DEFAULTS = {
    "TTS_ENV": "development",
    "TTS_SECRET_KEY": DEV_SECRET,
    "TTS_VAR_DIR": project_root() / "var",
    "TTS_MAX_UPLOAD_MB": 25,
    "TTS_TICKET_UPLOAD_MB": 200,
    "TTS_TICKET_MAX_FILES": 50,
    "TTS_USER_DAILY_UPLOAD_MB": 500,
    "TTS_AUTO_CLOSE_HOURS": 72.0,
    "TTS_DATABASE_HOST": "127.0.0.1",
    "TTS_DATABASE_PORT": 5432,
    "TTS_DATABASE_USER": "postgres",
    "TTS_DATABASE_PASSWORD": "",
    "TTS_DATABASE_PREFIX": "tts_",
    "TTS_DATABASE_POOL_SIZE": 5,
    "TTS_DATABASE_PREPARED_STATEMENTS": True,
    "TTS_BROKER_URL": "amqp://guest:guest@127.0.0.1:5672/%2F",
    "TTS_OUTBOX_RELAY": "thread",
    "TTS_JWT_PRIVATE_KEY_FILE": None,
    "TTS_JWT_PUBLIC_KEY_FILE": None,
    "TTS_JWT_PREVIOUS_PUBLIC_KEY_FILE": None,
    "TTS_JWT_ISSUER": "tts-auth",
    "TTS_JWT_AUDIENCE": "tts",
    "TTS_ACCESS_TOKEN_MINUTES": 15,
    "TTS_REFRESH_TOKEN_DAYS": 7,
    "TTS_TICKETS_API_URL": "http://127.0.0.1:8000",
    "TTS_LOG_JSON": True,
    "TTS_LOG_LEVEL": "INFO",
    "TTS_DEMO_PASSWORD": None,
    "TTS_SWEEP_INTERVAL_SECONDS": 5.0,
    "TTS_OUTBOX_GRACE_SECONDS": 30.0,
    "TTS_TRUSTED_PROXIES": ("127.0.0.1",),
    "TTS_REGISTRATION_MODE": "approval",
    "TTS_PUBLIC_URL": "http://127.0.0.1:8000",
    "TTS_INVITATION_HOURS": 72,
    "TTS_RESET_MINUTES": 30,
    "TTS_RESETS_PER_HOUR": 3,
    "TTS_REVOCATION_CACHE_SECONDS": 2.0,
    "TTS_SMTP_HOST": "127.0.0.1",
    "TTS_SMTP_PORT": 25,
    "TTS_SMTP_USER": None,
    "TTS_SMTP_PASSWORD": None,
    "TTS_SMTP_FROM": "TTS <no-reply@localhost>",
    "TTS_SMTP_STARTTLS": False,
    "TTS_SMTP_TIMEOUT_SECONDS": 10.0,
    "TTS_EMAIL_MAX_RETRIES": 12,
    "TTS_EMAIL_MIN_BACKOFF_MS": 5_000,
    "TTS_EMAIL_MAX_BACKOFF_MS": 600_000,
    "TTS_MEDIA_DIR": project_root() / "var" / "media",
    "TTS_BACKUP_DIR": project_root() / "var" / "backups",
    "TTS_BACKUP_KEEP": 7,
    "TTS_LIVE_SOCKETS_PER_USER": 20,
    "TTS_LIVE_PING_SECONDS": 25.0,
    "TTS_WORKER_DB_SLOTS": 8,
    "TTS_WORKER_METRICS_PORT": 0,
    "TTS_HEARTBEAT_SECONDS": 5.0,
    "TTS_RABBITMQ_MANAGEMENT_URL": "http://guest:guest@127.0.0.1:15672",
    "TTS_OPERATORS_MAY_ACT": False,
    "TTS_RETENTION_DAYS": 14.0,
    "TTS_MAIL_CATCHER_DIR": None,
}
# Fields set by something other than their own variable.
FAMILIES = {"database_urls"}  # TTS_<SERVICE>_DATABASE_URL
SETTINGS = [f for f in fields(Config) if f.name not in FAMILIES]


def test_every_field_has_a_variable_with_a_documented_default():
    assert sorted(env_var(f.name) for f in SETTINGS) == sorted(DOCUMENTED_DEFAULTS)


def test_an_empty_environment_gives_the_documented_defaults():
    config = Config.from_env({})
    actual = {env_var(f.name): getattr(config, f.name) for f in SETTINGS}
    assert actual == DOCUMENTED_DEFAULTS
    assert config.database_urls == {}


# A value for each variable as text, by the field's annotation, and what the field must
# hold after reading it.
SAMPLES = {
    "bool": ("yes", True),
    "int": ("7", 7),
    "float": ("2.5", 2.5),
    "str": ("sample", "sample"),
    "str | None": ("sample", "sample"),
    "Path": ("/srv/tts/sample", Path("/srv/tts/sample")),
    "Path | None": ("/srv/tts/sample", Path("/srv/tts/sample")),
    "tuple[str, ...]": (" 10.0.0.1, ,10.0.0.2", ("10.0.0.1", "10.0.0.2")),
}
VALID_CHOICES = {
    "env": ("test", "test"),
    "outbox_relay": ("sync", "sync"),
    "registration_mode": ("open", "open"),
    "log_level": ("debug", "DEBUG"),
    "retention_days": ("9.5", 9.5),  # at least 8: dead letters may be requeued for 7 days
}


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda f: env_var(f.name))
def test_each_variable_reaches_its_field(setting):
    raw, expected = VALID_CHOICES.get(setting.name) or SAMPLES[setting.type]
    config = Config.from_env({env_var(setting.name): raw})
    assert getattr(config, setting.name) == expected


def test_empty_means_unset_for_what_may_be_absent_and_urls_lose_their_slash():
    config = Config.from_env(
        {
            "TTS_SMTP_USER": "",
            "TTS_DEMO_PASSWORD": "",
            "TTS_MEDIA_DIR": "",
            "TTS_JWT_PUBLIC_KEY_FILE": "",
            "TTS_DATABASE_PASSWORD": "",
            "TTS_LOG_JSON": "",
            "TTS_PUBLIC_URL": "https://desk.example.com/",
            "TTS_AUTH_DATABASE_URL": "postgresql://a@b/c",
            "TTS_CHAT_DATABASE_URL": "",
        }
    )
    assert (config.smtp_user, config.demo_password, config.jwt_public_key_file) == (None,) * 3
    assert config.media_dir == project_root() / "var" / "media"
    assert config.database_password == "" and config.log_json is False
    assert config.public_url == "https://desk.example.com"
    assert config.database_urls == {"auth": "postgresql://a@b/c"}


def test_overrides_win_and_bad_values_are_refused():
    assert Config.from_env({"TTS_BACKUP_KEEP": "3"}, backup_keep=9).backup_keep == 9
    with pytest.raises(ValueError):
        Config.from_env({"TTS_SMTP_PORT": "twenty-five"})
    with pytest.raises(ConfigError):
        Config.from_env({"TTS_LOG_JSON": "maybe"})
