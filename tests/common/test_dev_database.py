"""``tts`` in a checkout running scripts/dev reaches that checkout's embedded database, not
whatever PostgreSQL listens on :5432; with the dev database stopped, it refuses and says
how to choose."""

from __future__ import annotations

import socket
import tempfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from common import dev_database
from common.cli import main


@pytest.fixture
def socket_dir():
    """A directory with a listening PostgreSQL-like socket in it (short: socket paths are
    limited to about 100 bytes)."""
    with tempfile.TemporaryDirectory(prefix="tts-pg-", dir="/tmp") as directory:
        listener = socket.socket(socket.AF_UNIX)
        listener.bind(str(Path(directory) / ".s.PGSQL.5432"))
        listener.listen()
        try:
            yield directory
        finally:
            listener.close()


def test_the_cli_uses_the_published_dev_database(tmp_path, socket_dir):
    dev_database.publish(tmp_path, socket_dir, "postgres")
    environ = {"TTS_ENV": "development"}
    dev_database.use_for_cli(environ, tmp_path)
    assert environ["TTS_DATABASE_HOST"] == socket_dir
    assert environ["TTS_DATABASE_USER"] == "postgres"


def test_a_named_server_or_another_environment_is_left_alone(tmp_path, socket_dir):
    dev_database.publish(tmp_path, socket_dir, "postgres")
    for environ in (
        {"TTS_ENV": "development", "TTS_DATABASE_HOST": "db.example.org"},
        {"TTS_ENV": "development", "TTS_AUTH_DATABASE_URL": "postgresql://x@y/z"},
        {"TTS_ENV": "test"},
    ):
        before = dict(environ)
        dev_database.use_for_cli(environ, tmp_path)
        assert environ == before


def test_a_stopped_dev_database_is_not_used(tmp_path, socket_dir):
    dev_database.publish(tmp_path, socket_dir, "postgres")
    (Path(socket_dir) / ".s.PGSQL.5432").unlink()  # the server is gone, the file stayed
    assert dev_database.listening(tmp_path) is None
    dev_database.withdraw(tmp_path)
    assert not (tmp_path / dev_database.MARKER).exists()


def test_the_cli_refuses_the_default_server_when_the_dev_database_is_stopped(tmp_path):
    (tmp_path / "pg").mkdir()  # this checkout has a dev database, not running
    env = {"TTS_ENV": "development", "TTS_VAR_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["users", "list"], env=env)
    assert result.exit_code == 1, result.output
    assert "development database" in result.output
    assert "scripts/dev" in result.output and "TTS_DATABASE_HOST" in result.output


def test_the_dev_server_command_is_not_refused(tmp_path, monkeypatch):
    import common.devserver

    started = []
    monkeypatch.setattr(common.devserver, "run", lambda port, seed: started.append(port))
    (tmp_path / "pg").mkdir()
    env = {"TTS_ENV": "development", "TTS_VAR_DIR": str(tmp_path)}
    result = CliRunner().invoke(main, ["dev", "--port", "8123"], env=env)
    assert result.exit_code == 0, result.output
    assert started == [8123]
