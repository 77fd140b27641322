"""The CLI of a checkout reaches that checkout's development database.

``scripts/dev`` runs an embedded PostgreSQL (data under ``var/pg``) listening on a Unix
socket of its own; while it runs, it writes where in ``var/dev-database.json``. A ``tts``
command in development that names no database server uses it. Without it, the defaults
reach the PostgreSQL on 127.0.0.1:5432: for a checkout that has a dev database, most
likely another installation's (it listed other people's users), so the CLI refuses and
says how to choose instead.
"""

from __future__ import annotations

import json
import os
from collections.abc import MutableMapping
from pathlib import Path

import click

MARKER = "dev-database.json"
# Any of these names a server (and a per-service URL, TTS_<SERVICE>_DATABASE_URL): the
# caller has chosen, and is not second-guessed.
SERVER_SETTINGS = ("TTS_DATABASE_HOST", "TTS_DATABASE_PORT", "TTS_DATABASE_USER")


def publish(var_dir: Path, host: str, user: str) -> None:
    """Say where the running dev server's database listens (``host``: its socket dir)."""
    var_dir.mkdir(parents=True, exist_ok=True)
    path = var_dir / MARKER
    path.write_text(json.dumps({"host": host, "user": user}) + "\n")


def withdraw(var_dir: Path) -> None:
    (var_dir / MARKER).unlink(missing_ok=True)


def listening(var_dir: Path) -> dict | None:
    """The published settings, while a server answers on that socket dir: a dev server
    killed outright leaves the file behind, and its PostgreSQL may or may not be up."""
    try:
        published = json.loads((var_dir / MARKER).read_text())
    except (OSError, ValueError):
        return None
    if not any(Path(published["host"]).glob(".s.PGSQL.*")):
        return None
    return published


def names_a_server(environ: MutableMapping[str, str]) -> bool:
    return any(environ.get(name) for name in SERVER_SETTINGS) or any(
        key.startswith("TTS_") and key.endswith("_DATABASE_URL") and value
        for key, value in environ.items()
    )


def use_for_cli(environ: MutableMapping[str, str], var_dir: Path) -> None:
    """In development, with no server named: this checkout's dev database when it runs;
    a refusal when the checkout has one that is not running; else the defaults."""
    if environ.get("TTS_ENV", "development") != "development" or names_a_server(environ):
        return
    published = listening(var_dir)
    if published is not None:
        environ["TTS_DATABASE_HOST"] = published["host"]
        environ["TTS_DATABASE_USER"] = published["user"]
        return
    if (var_dir / "pg").is_dir():
        raise click.ClickException(
            f"this checkout's development database ({var_dir / 'pg'}) is not running, and "
            "the default server (127.0.0.1:5432) is probably another installation's. "
            "Start scripts/dev (tts then uses its database), or name a server: "
            "TTS_DATABASE_HOST=127.0.0.1 for the local PostgreSQL (scripts/stack's)."
        )


def use_for_cli_from_env() -> None:
    from common.config import Config

    use_for_cli(os.environ, Config.from_env().var_dir)
