"""``tts dev``: the whole system in one process, nothing to install.

An embedded PostgreSQL (pgserver) keeps its data under ``var/pg``; the Dramatiq broker and
worker run in-process (StubBroker + Worker threads); the scheduler is a thread; every
service's blueprints share one app served by a threaded server on 127.0.0.1.
"""

from __future__ import annotations

import logging
import os
import secrets
import signal
import threading
import time
from pathlib import Path

import click

from common.config import Config

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


def run(port: int, seed: bool = True) -> None:
    started = time.perf_counter()
    base = Config.from_env()
    var_dir = base.var_dir
    password = _demo_password(var_dir)
    postgres = start_postgres(var_dir / "pg")
    os.environ.update(
        {
            "TTS_DATABASE_HOST": socket_dir(postgres),
            "TTS_DATABASE_USER": "postgres",
            "TTS_BROKER_URL": "stub",
            "TTS_TICKETS_API_URL": f"http://127.0.0.1:{port}",
            "TTS_DEMO_PASSWORD": password,
        }
    )
    os.environ.setdefault("TTS_LOG_JSON", "0")
    config = Config.from_env()

    from werkzeug.serving import make_server

    from common.actors import use_app_for_actors
    from common.app import create_app
    from common.broker import get_broker
    from common.migrations import create_databases, upgrade
    from common.scheduler import run_forever
    from common.services import discover, load

    specs = list(discover().values())
    create_databases(config, specs)
    app = create_app(specs, config)
    upgrade(app, specs)
    broker = get_broker(config)
    for spec in specs:
        if spec.tasks:
            load(spec.tasks)
    use_app_for_actors(app)
    if seed:
        with app.app_context():
            for spec in specs:
                for dotted in spec.seeders:
                    load(dotted)()

    import dramatiq

    worker = dramatiq.Worker(broker, worker_threads=4)
    worker.start()
    stop = threading.Event()
    scheduler = threading.Thread(
        target=run_forever, args=(app, config.sweep_interval_seconds, stop), daemon=True
    )
    scheduler.start()
    from common.webui import WebUI

    # The web UI at /, as nginx serves it (scripts/dev builds it first).
    server = make_server("127.0.0.1", port, WebUI(app), threaded=True)

    def shutdown(*_):
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    elapsed = time.perf_counter() - started
    click.echo(
        f"\nTTS is running on http://127.0.0.1:{port} (ready in {elapsed:.2f}s): the web UI\n"
        f"  logins: employee@, coordinator@, agent@, admin@example.com\n"
        f"  password: {password}\n"
        f"  API docs: http://127.0.0.1:{port}/api/tickets/docs (one per service prefix)\n"
        f"  Ctrl-C stops everything; data stays in {var_dir}\n"
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("stopping...")
        stop.set()
        worker.stop()
        server.server_close()
        with app.app_context():
            from common.db import db

            for engine in db.engines.values():
                engine.dispose()
        postgres.cleanup()
        click.echo("stopped")
