"""The restore drill: seed → backup → drop everything → restore → identical data.

It runs on databases of its own (the test prefix + ``drill_``), migrated and seeded by the
real CLI in a subprocess, and on a media directory of its own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import psycopg2
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from common import backup as backups
from common.config import Config
from common.services import discover

ROOT = Path(__file__).resolve().parents[2]
TTS = str(Path(sys.executable).parent / "tts")


@pytest.fixture
def drill(tmp_path) -> Config:
    prefix = os.environ["TTS_DATABASE_PREFIX"] + "drill_"
    env = {**os.environ, "TTS_DATABASE_PREFIX": prefix}
    config = Config.from_env(env, media_dir=tmp_path / "media", backup_dir=tmp_path / "backups")
    _drop(config)
    for argv in ([TTS, "db", "upgrade"], [TTS, "seed", "demo"]):
        result = subprocess.run(argv, env=env, cwd=ROOT, capture_output=True, text=True)
        assert result.returncode == 0, result.stdout + result.stderr
    yield config
    _drop(config)


def _drop(config: Config) -> None:
    for name in discover():
        url = make_url(config.database_url(name))
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


def _connect(config: Config, service: str):
    return psycopg2.connect(**backups._conninfo(make_url(config.database_url(service))))


def _snapshot(config: Config) -> dict[str, dict[str, int]]:
    counts = {}
    for name in discover():
        with _connect(config, name) as connection, connection.cursor() as cursor:
            counts[name] = backups._count_rows(cursor)
        connection.close()
    return counts


def _add_tickets(config: Config, count: int) -> None:
    with _connect(config, "tickets") as connection, connection.cursor() as cursor:
        cursor.executemany(
            "INSERT INTO tickets (subject, description, category, department, status, "
            "requester_id, requester_name, requester_email) "
            "VALUES (%s, 'drill', 'IT Support', 'IT', 'new', 1, 'Drill', 'drill@example.com')",
            [(f"drill ticket {i}",) for i in range(count)],
        )
    connection.close()


def _write_media(media_dir: Path) -> dict[str, bytes]:
    files = {f"tickets/{n % 7}/{n}/file-{n}.bin": os.urandom(100 + n * 37) for n in range(60)}
    files["empty.txt"] = b""
    for name, data in files.items():
        path = media_dir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
    return files


def _read_media(media_dir: Path) -> dict[str, bytes]:
    return {
        str(path.relative_to(media_dir)): path.read_bytes()
        for path in media_dir.rglob("*")
        if path.is_file()
    }


def test_restore_drill_gives_back_identical_rows_and_attachments(drill):
    _add_tickets(drill, 250)
    files = _write_media(drill.media_path)
    before = _snapshot(drill)
    assert before["tickets"]["public.tickets"] == 250
    assert before["auth"]["public.users"] >= 4

    folder = backups.backup(drill, list(discover()), progress=lambda _: None)
    manifest = json.loads((folder / "manifest.json").read_text())
    assert {name: entry["tables"] for name, entry in manifest["databases"].items()} == before
    assert manifest["media"]["files"] == len(files)

    _drop(drill)  # drop everything
    for path in sorted(drill.media_path.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()

    backups.restore(drill, folder, progress=lambda _: None)
    assert _snapshot(drill) == before
    assert _read_media(drill.media_path) == files


def test_restore_refuses_damaged_backups_and_non_empty_databases(drill):
    folder = backups.backup(drill, list(discover()), progress=lambda _: None)
    with pytest.raises(backups.BackupError, match="not empty"):
        backups.restore(drill, folder, progress=lambda _: None)

    dump = folder / "tickets.dump"
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0xFF
    dump.write_bytes(bytes(data))
    _drop(drill)
    with pytest.raises(backups.BackupError, match="checksum"):
        backups.restore(drill, folder, progress=lambda _: None)


def test_retention_keeps_the_newest_and_ignores_partial_folders(tmp_path):
    for stamp in ("20260101T000000Z", "20260102T000000Z", "20260103T000000Z"):
        (tmp_path / f"tts-{stamp}").mkdir()
        (tmp_path / f"tts-{stamp}" / "manifest.json").write_text("{}")
    (tmp_path / "tts-20260104T000000Z.partial").mkdir()

    deleted = backups.prune(tmp_path, keep=2, progress=lambda _: None)

    assert [p.name for p in deleted] == ["tts-20260101T000000Z"]
    assert [p.name for p in backups.list_backups(tmp_path)] == [
        "tts-20260102T000000Z",
        "tts-20260103T000000Z",
    ]
    assert (tmp_path / "tts-20260104T000000Z.partial").is_dir()
