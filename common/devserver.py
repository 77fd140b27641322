"""``tts dev``: the whole system in one process, nothing to install.

An embedded PostgreSQL (pgserver) keeps its data under ``var/pg``; the Dramatiq broker and
worker run in-process (StubBroker + Worker threads); the scheduler is a thread; every
service's blueprints share one app served by a threaded server on 127.0.0.1; unless a mail
server is named, emails go to a catcher in this process (`tts mail list`).
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import socket
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import click
from flask import Flask

from common import dev_database, mail_catcher
from common.config import Config
from common.live.hub import stop_hubs

log = logging.getLogger(__name__)


def _demo_password(var_dir: Path) -> str:
    """TTS_DEMO_PASSWORD, or a random one made on first run and kept in var/ (0600)."""
    if os.environ.get("TTS_DEMO_PASSWORD"):
        return os.environ["TTS_DEMO_PASSWORD"]
    path = var_dir / "demo-password"
    if not path.exists():
        var_dir.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(12))
    return path.read_text().strip()


def start_postgres(data_dir: Path):
    import pgserver

    data_dir.parent.mkdir(parents=True, exist_ok=True)
    # "stop": stopped on shutdown (or at exit), the data directory stays for the next run.
    return pgserver.get_server(str(data_dir), cleanup_mode="stop")


def socket_dir(server) -> str:
    """Where the embedded server listens (pgserver picks a shorter path when needed)."""
    from urllib.parse import parse_qs, urlparse

    return parse_qs(urlparse(server.get_uri()).query)["host"][0]


@dataclass
class DevServer:
    """What ``run`` started, in the order it started them (and stops them in reverse)."""

    postgres: object
    app: Flask
    worker: object
    scheduler_stop: threading.Event
    mail: object | None
    server: object


def run(port: int, seed: bool = True) -> None:
    started = time.perf_counter()
    base = Config.from_env()
    password = _demo_password(base.var_dir)
    postgres = start_postgres(base.var_dir / "pg")
    mail_port = _free_port() if mail_catcher.wanted() else None
    config = _configure_environment(postgres, port, password, mail_port, base.var_dir)
    # `tts` in this checkout reaches this database while the server runs.
    dev_database.publish(base.var_dir, config.database_host, config.database_user)
    mail = _start_mail_catcher(config, mail_port)
    app = _prepare_app(config, seed)
    worker = _start_worker(app)
    scheduler_stop = _start_scheduler(app, config)
    server = _make_server(app, port)
    dev = DevServer(postgres, app, worker, scheduler_stop, mail, server)
    signal.signal(signal.SIGTERM, lambda *_: threading.Thread(target=server.shutdown).start())
    _announce(port, password, config, time.perf_counter() - started)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        _stop(dev)


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _configure_environment(postgres, port: int, password: str, mail_port, var_dir) -> Config:
    """Everything this process (and the config it builds) reads: the embedded database,
    the in-process broker, this server as tickets_api, the demo password, the catcher."""
    os.environ.update(
        {
            "TTS_DATABASE_HOST": socket_dir(postgres),
            "TTS_DATABASE_USER": "postgres",
            "TTS_BROKER_URL": "stub",
            "TTS_TICKETS_API_URL": f"http://127.0.0.1:{port}",
            "TTS_DEMO_PASSWORD": password,
        }
    )
    if mail_port is not None:
        os.environ.update(
            {
                "TTS_SMTP_HOST": "127.0.0.1",
                "TTS_SMTP_PORT": str(mail_port),
                "TTS_MAIL_CATCHER_DIR": str(var_dir / "mail"),
            }
        )
    os.environ.setdefault("TTS_LOG_JSON", "0")
    # Links in emails point at this server (the web UI is served here too).
    os.environ.setdefault("TTS_PUBLIC_URL", f"http://127.0.0.1:{port}")
    return Config.from_env()


def _start_mail_catcher(config: Config, mail_port):
    if mail_port is None:
        return None
    return mail_catcher.start(config.mail_catcher_dir, mail_port)


def _prepare_app(config: Config, seed: bool) -> Flask:
    """Databases created and migrated, every service in one app, actors bound, demo data."""
    from common.actors import use_app_for_actors
    from common.app import create_app
    from common.broker import get_broker
    from common.migrations import create_databases, upgrade
    from common.seeding import seed_demo_data
    from common.services import discover, load

    specs = list(discover().values())
    create_databases(config, specs)
    app = create_app(specs, config)
    upgrade(app, specs)
    get_broker(config)
    for spec in specs:
        if spec.tasks:
            load(spec.tasks)
    use_app_for_actors(app)
    if seed:
        with app.app_context():
            seed_demo_data(specs)
    return app


def _start_worker(app: Flask):
    """Dramatiq's worker on the in-process broker, beating like a real one."""
    import dramatiq

    from common.actors import app_for
    from common.broker import get_broker
    from common.ops.heartbeats import WorkerHeartbeat
    from common.services import discover

    config = app.config["TTS_CONFIG"]
    specs = list(discover().values())
    broker = get_broker()
    queues = tuple(q for spec in specs for q in spec.queues)
    broker.add_middleware(
        WorkerHeartbeat(tuple(s.name for s in specs), queues, config.heartbeat_seconds, app_for)
    )
    worker = dramatiq.Worker(broker, worker_threads=4)
    worker.start()
    return worker


def _start_scheduler(app: Flask, config: Config) -> threading.Event:
    from common.scheduler import run_forever

    stop = threading.Event()
    threading.Thread(
        target=run_forever, args=(app, config.sweep_interval_seconds, stop), daemon=True
    ).start()
    return stop


def _make_server(app: Flask, port: int):
    from werkzeug.serving import make_server

    from common.webui import WebUI

    # The web UI at /, as nginx serves it (scripts/dev builds it first).
    return make_server("127.0.0.1", port, WebUI(app), threaded=True)


def _announce(port: int, password: str, config: Config, elapsed: float) -> None:
    mail = ""
    if config.mail_catcher_dir:
        mail = f"  emails are caught, not sent: TTS_MAIL_CATCHER_DIR={config.mail_catcher_dir}\n"
    click.echo(
        f"\nTTS is running on http://127.0.0.1:{port} (ready in {elapsed:.2f}s): the web UI\n"
        f"  logins: employee@, coordinator@, agent@, admin@example.com\n"
        f"  password: {password}\n"
        f"  API docs: http://127.0.0.1:{port}/api/tickets/docs (one per service prefix)\n"
        f"  .venv/bin/tts in this checkout uses this database while it runs\n"
        f"{mail}"
        f"  Ctrl-C stops everything; data stays in {config.var_dir}\n"
    )


def _stop(dev: DevServer) -> None:
    click.echo("stopping...")
    dev.scheduler_stop.set()
    dev.worker.stop()
    dev.server.server_close()
    stop_hubs(dev.app)
    if dev.mail is not None:
        dev.mail.stop()
    with dev.app.app_context():
        from common.db import db

        for engine in db.engines.values():
            engine.dispose()
    dev_database.withdraw(dev.app.config["TTS_CONFIG"].var_dir)
    # pgserver narrates pg_ctl's stop at INFO, a dozen lines with its output: a normal
    # stop says "stopping..." and "stopped", and only a failure more.
    logging.getLogger("pgserver").setLevel(logging.WARNING)
    dev.postgres.cleanup()
    click.echo("stopped")
