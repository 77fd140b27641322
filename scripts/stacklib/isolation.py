"""A stack of its own, by name: its databases (``tts_<name>_*``), its RabbitMQ virtual host
(``tts_<name>``) and its run directory, emptied before use. The end-to-end and fault tests'
stacks and the two sides of a benchmark comparison run this way (``running_stack``), so
that no two stacks (nor a developer's own) read, consume or change each other's data or
messages.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from common.config import DATABASE_URL_VARS, Config
from common.services import discover


def named_env(
    base: Mapping[str, str], name: str, run_dir: Path, port: int = 8080, base_port: int = 8100
) -> dict[str, str]:
    """``base`` with the settings of the stack called ``name``: nginx on ``port``, services
    from ``base_port`` on, pid and log files in ``run_dir``."""
    start, end = DATABASE_URL_VARS
    env = {
        key: value
        for key, value in base.items()
        # A service's own database URL would win over the prefix: its data would be shared.
        if not (key.startswith(start) and key.endswith(end))
    }
    # A stack runs on the local PostgreSQL (or the server the caller named), never on a
    # checkout's scripts/dev database, which the CLI would otherwise pick or refuse.
    env.setdefault("TTS_DATABASE_HOST", "127.0.0.1")
    env.update(
        TTS_DATABASE_PREFIX=f"tts_{name}_",
        TTS_STACK_PORT=str(port),
        TTS_STACK_BASE_PORT=str(base_port),
        TTS_BROKER_URL=f"amqp://guest:guest@127.0.0.1:5672/tts_{name}",
        TTS_STACK_RUN_DIR=str(run_dir),
    )
    return env


def vhost_of(env: Mapping[str, str]) -> str:
    """The RabbitMQ virtual host that ``env``'s broker URL names (the stack's default
    broker, topology.process_env, is the default virtual host)."""
    return unquote(urlsplit(env.get("TTS_BROKER_URL", "")).path.lstrip("/")) or "/"


def fresh_vhost(env: Mapping[str, str]) -> None:
    """The stack's virtual host, empty: no message of an earlier run survives."""
    name = vhost_of(env)
    if name == "/":
        raise ValueError("the default virtual host is everyone's: name a stack's own")
    rabbitmqctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    if not os.access(rabbitmqctl, os.X_OK):
        raise RuntimeError("rabbitmqctl not found: a stack of its own needs the local RabbitMQ")
    # Absent the first time: its failure to delete is no failure.
    subprocess.run([rabbitmqctl, "-q", "delete_vhost", name], capture_output=True, timeout=60)
    for argv in (["add_vhost", name], ["set_permissions", "-p", name, "guest", ".*", ".*", ".*"]):
        subprocess.run([rabbitmqctl, "-q", *argv], capture_output=True, check=True, timeout=60)


def drop_databases(env: Mapping[str, str]) -> None:
    """Drop the stack's databases, and only those (never a developer's data)."""
    config = Config.from_env(env)
    for service in discover():
        url = make_url(config.database_url(service))
        if not url.database.startswith(env["TTS_DATABASE_PREFIX"]):
            raise ValueError(f"{url.database} is not the stack's own database: not dropped")
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as connection:
                connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        finally:
            admin.dispose()


# Runs one command of a stack (argv, environment); raises, or fails its caller's way, when
# the command fails.
Runner = Callable[[list[str], Mapping[str, str]], None]


@contextmanager
def running_stack(root: Path, env: Mapping[str, str], run: Runner, *up_args: str) -> Iterator[None]:
    """The stack of the checkout at ``root`` up on ``env``'s own databases and virtual host,
    emptied first, with the demo data seeded; taken down afterwards whatever happened."""
    stack = str(root / "scripts" / "stack")
    try:
        # A run killed before its teardown left pid files in the run directory: this
        # ``down`` stops what it left running.
        run([stack, "down"], env)
        fresh_vhost(env)
        drop_databases(env)
        run([stack, "up", *up_args], env)
        run([str(root / ".venv" / "bin" / "tts"), "seed", "demo"], env)
        yield
    finally:
        run([stack, "down"], env)
