"""``tts backup`` and ``tts restore``: every service database plus the attachments.

A backup is one folder, ``<backup dir>/tts-<UTC timestamp>``, holding

- ``<service>.dump``: ``pg_dump -Fc`` of the service's database, taken from a snapshot
  exported by a transaction that also counts every table's rows, so the counts in the
  manifest are exactly what the dump holds even while the system keeps writing;
- ``media.tar``: the attachments directory (not compressed again: uploads mostly are);
- ``manifest.json``: sizes and SHA-256 of each file and the row counts, written last.

The folder is built under a ``.partial`` name and renamed when complete, so a crashed run
is never mistaken for a backup and never counted by the retention. ``restore`` verifies
every checksum before touching anything, restores only into empty databases and an empty
media directory, then checks the row counts against the manifest.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import tarfile
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import psycopg2
from sqlalchemy.engine import URL, make_url

from common.config import Config

FORMAT = 1
PREFIX = "tts-"
MANIFEST = "manifest.json"
MEDIA_ARCHIVE = "media.tar"
PARALLEL_DUMPS = 3
CHUNK = 1 << 20

Progress = Callable[[str], None]


class BackupError(RuntimeError):
    """A backup or restore cannot go on; nothing half-done is left behind as complete."""


@dataclass(frozen=True)
class Target:
    service: str
    url: URL

    @property
    def database(self) -> str:
        return self.url.database


def targets(config: Config, services: Iterable[str]) -> list[Target]:
    return [Target(name, make_url(config.database_url(name))) for name in services]


# --- PostgreSQL client tools --------------------------------------------------------------


def pg_tool(name: str) -> str:
    """``pg_dump``/``pg_restore`` from PATH, else the newest PostgreSQL install's."""
    found = shutil.which(name)
    if found:
        return found
    installs = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"), key=_version_key)
    if installs:
        return str(installs[-1])
    raise BackupError(f"{name} not found: install the PostgreSQL client (postgresql-client-15)")


def _version_key(path: Path) -> tuple[int, ...]:
    return tuple(int(part) for part in path.parent.parent.name.split(".") if part.isdigit())


def _conninfo(url: URL, database: str | None = None) -> dict:
    info = {"dbname": database or url.database, "user": url.username or "postgres"}
    host = url.query.get("host") or url.host
    if host:
        info["host"] = host
    if url.port:
        info["port"] = url.port
    if url.password:
        info["password"] = url.password
    return info


def _tool_args(url: URL) -> tuple[list[str], dict[str, str]]:
    info = _conninfo(url)
    args = ["-U", info["user"]]
    if "host" in info:
        args += ["-h", str(info["host"])]
    if "port" in info:
        args += ["-p", str(info["port"])]
    env = dict(os.environ)
    if "password" in info:
        env["PGPASSWORD"] = info["password"]
    return args, env


def _run(argv: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(argv, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{Path(argv[0]).name} failed: {result.stderr.strip()[-2000:]}")


def _count_rows(cursor) -> dict[str, int]:
    cursor.execute(
        "SELECT schemaname, tablename FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') "
        "ORDER BY schemaname, tablename"
    )
    counts = {}
    for schema, table in cursor.fetchall():
        cursor.execute(f'SELECT count(*) FROM "{schema}"."{table}"')
        counts[f"{schema}.{table}"] = cursor.fetchone()[0]
    return counts


# --- files --------------------------------------------------------------------------------


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _describe(path: Path) -> dict:
    return {"file": path.name, "bytes": path.stat().st_size, "sha256": sha256(path)}


def list_backups(backup_dir: Path) -> list[Path]:
    """Complete backups (with a manifest), oldest first."""
    if not backup_dir.is_dir():
        return []
    found = [
        path
        for path in backup_dir.iterdir()
        if path.is_dir() and path.name.startswith(PREFIX) and (path / MANIFEST).is_file()
    ]
    return sorted(found, key=lambda path: path.name)


def prune(backup_dir: Path, keep: int, progress: Progress = print) -> list[Path]:
    """Delete all but the newest ``keep`` complete backups. Returns the deleted folders."""
    if keep < 1:
        raise BackupError("retention must keep at least one backup")
    doomed = list_backups(backup_dir)[:-keep]
    for path in doomed:
        shutil.rmtree(path)
        progress(f"pruned {path.name}")
    return doomed


# --- backup -------------------------------------------------------------------------------


def _dump(target: Target, out: Path) -> dict:
    """Dump one database from an exported snapshot and count its rows in that snapshot."""
    connection = psycopg2.connect(**_conninfo(target.url))
    try:
        connection.set_session(isolation_level="REPEATABLE READ", readonly=True)
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_export_snapshot()")
            snapshot = cursor.fetchone()[0]
            counts = _count_rows(cursor)
            args, env = _tool_args(target.url)
            # The snapshot lives as long as this transaction: dump before ending it.
            _run(
                [pg_tool("pg_dump"), "-Fc", "--snapshot", snapshot, *args, "-f", str(out)]
                + ["-d", target.database],
                env,
            )
        connection.rollback()
    finally:
        connection.close()
    return {"database": target.database, "tables": counts, **_describe(out)}


def _archive_media(media_dir: Path, out: Path, progress: Progress) -> dict:
    files = total = 0
    with tarfile.open(out, "w") as archive:
        if media_dir.is_dir():
            for path in sorted(media_dir.rglob("*")):
                if path.is_symlink() or not path.is_file():
                    continue
                archive.add(path, arcname=str(path.relative_to(media_dir)), recursive=False)
                files += 1
                total += path.stat().st_size
                if files % 10_000 == 0:
                    progress(f"  media: {files} files, {total / 1e6:.1f} MB")
    return {"files": files, "content_bytes": total, **_describe(out)}


def backup(
    config: Config,
    services: list[str],
    backup_dir: Path | None = None,
    keep: int | None = None,
    progress: Progress = print,
) -> Path:
    """Write one complete backup folder and prune old ones. Returns the folder."""
    backup_dir = (backup_dir or config.backup_dir).resolve()
    keep = config.backup_keep if keep is None else keep
    started = time.perf_counter()
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%S%fZ")
    final = backup_dir / f"{PREFIX}{stamp}"
    work = final.with_name(final.name + ".partial")
    work.mkdir(parents=True)
    try:
        manifest: dict = {"format": FORMAT, "created_at": stamp, "databases": {}}
        chosen = targets(config, services)
        progress(f"dumping {len(chosen)} databases to {final}")
        with ThreadPoolExecutor(max_workers=PARALLEL_DUMPS) as pool:
            futures = {t.service: pool.submit(_dump, t, work / f"{t.service}.dump") for t in chosen}
            for service, future in futures.items():
                entry = manifest["databases"][service] = future.result()
                rows = sum(entry["tables"].values())
                progress(f"  {service}: {entry['bytes'] / 1e6:.1f} MB, {rows} rows")
        progress(f"archiving attachments from {config.media_path}")
        manifest["media"] = _archive_media(config.media_path, work / MEDIA_ARCHIVE, progress)
        progress(f"  media: {manifest['media']['files']} files")
        manifest["seconds"] = round(time.perf_counter() - started, 3)
        (work / MANIFEST).write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
        work.rename(final)
    except BaseException:
        shutil.rmtree(work, ignore_errors=True)
        raise
    progress(f"backup complete in {time.perf_counter() - started:.1f}s: {final}")
    prune(backup_dir, keep, progress)
    return final


# --- restore ------------------------------------------------------------------------------


def read_manifest(folder: Path) -> dict:
    try:
        manifest = json.loads((folder / MANIFEST).read_text())
    except (OSError, ValueError) as error:
        raise BackupError(f"{folder} is not a backup: {error}") from error
    if manifest.get("format") != FORMAT:
        raise BackupError(f"unknown backup format {manifest.get('format')!r}")
    return manifest


def verify(folder: Path, manifest: dict, progress: Progress = print) -> None:
    entries = [*manifest["databases"].values(), manifest["media"]]
    for entry in entries:
        path = folder / entry["file"]
        if not path.is_file():
            raise BackupError(f"{path} is missing")
        if path.stat().st_size != entry["bytes"] or sha256(path) != entry["sha256"]:
            raise BackupError(f"{path} does not match its checksum: the backup is damaged")
    progress(f"checksums verified ({len(entries)} files)")


def _prepare_database(target: Target) -> None:
    """Create the database if missing; refuse one that already holds tables."""
    admin = psycopg2.connect(**_conninfo(target.url, "postgres"))
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (target.database,))
            if cursor.fetchone() is None:
                cursor.execute(f'CREATE DATABASE "{target.database}"')
                return
    finally:
        admin.close()
    connection = psycopg2.connect(**_conninfo(target.url))
    try:
        with connection.cursor() as cursor:
            tables = _count_rows(cursor)
    finally:
        connection.close()
    if tables:
        raise BackupError(
            f"database {target.database} is not empty ({len(tables)} tables): "
            "restore only into empty databases (drop it first)"
        )


def _restore_database(target: Target, dump: Path, expected: dict[str, int]) -> None:
    args, env = _tool_args(target.url)
    _run(
        [pg_tool("pg_restore"), "--exit-on-error", "--no-owner", "-j", "2", *args]
        + ["-d", target.database, str(dump)],
        env,
    )
    connection = psycopg2.connect(**_conninfo(target.url))
    try:
        with connection.cursor() as cursor:
            counts = _count_rows(cursor)
    finally:
        connection.close()
    if counts != expected:
        wrong = sorted(k for k in set(counts) | set(expected) if counts.get(k) != expected.get(k))
        raise BackupError(f"{target.database}: row counts differ from the manifest in {wrong}")


def _extract_media(archive: Path, media_dir: Path, expected_files: int) -> None:
    if media_dir.is_dir() and any(media_dir.iterdir()):
        raise BackupError(f"media directory {media_dir} is not empty: restore needs it empty")
    media_dir.mkdir(parents=True, exist_ok=True)
    with tarfile.open(archive) as tar:
        members = tar.getmembers()
        if len(members) != expected_files:
            raise BackupError(
                f"{archive} holds {len(members)} files, the manifest {expected_files}"
            )
        tar.extractall(media_dir, members=members, filter="data")


def restore(
    config: Config,
    folder: Path,
    services: list[str] | None = None,
    progress: Progress = print,
) -> dict:
    """Restore a backup folder into empty databases and an empty media directory."""
    started = time.perf_counter()
    folder = folder.resolve()
    manifest = read_manifest(folder)
    verify(folder, manifest, progress)
    names = services or list(manifest["databases"])
    missing = [name for name in names if name not in manifest["databases"]]
    if missing:
        raise BackupError(f"the backup has no database for {', '.join(missing)}")
    chosen = targets(config, names)
    for target in chosen:  # refuse before restoring anything
        _prepare_database(target)
    for target in chosen:
        entry = manifest["databases"][target.service]
        progress(f"restoring {target.service} into {target.database}")
        _restore_database(target, folder / entry["file"], entry["tables"])
    progress(f"restoring attachments into {config.media_path}")
    _extract_media(folder / MEDIA_ARCHIVE, config.media_path, manifest["media"]["files"])
    progress(f"restore complete and verified in {time.perf_counter() - started:.1f}s")
    return manifest
