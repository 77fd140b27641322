"""``tts``: the admin CLI. Services add their own groups through their ServiceSpec."""

from __future__ import annotations

import os
import shutil
import sys
import threading
from pathlib import Path

import click

from common.config import Config
from common.seeding import seed_demo_data
from common.services import ServiceSpec, discover, load


def _select(names: tuple[str, ...]) -> list[ServiceSpec]:
    specs = discover()
    unknown = [n for n in names if n not in specs]
    if unknown:
        raise click.BadParameter(
            f"unknown service(s): {', '.join(unknown)}; known: {', '.join(specs)}"
        )
    return [specs[n] for n in names] if names else list(specs.values())


def cli_app(services: list[ServiceSpec] | None = None):
    """An app holding every service's database, relaying events as soon as they commit."""
    from common.app import create_app

    config = Config.from_env(outbox_relay="sync")
    return create_app(services or list(discover().values()), config)


# Commands that start their own database (dev) or use none (mail).
NO_DATABASE = {"dev", "mail"}


@click.group()
@click.pass_context
def main(ctx: click.Context) -> None:
    """TTS administration."""
    # In a checkout running scripts/dev, its database (common/dev_database.py). Asking for
    # help needs none, and is not refused for want of one.
    if ctx.invoked_subcommand not in NO_DATABASE and "--help" not in sys.argv[1:]:
        from common.dev_database import use_for_cli_from_env

        use_for_cli_from_env()


@main.group()
def db() -> None:
    """Databases and migrations."""


@db.command("create")
@click.argument("services", nargs=-1)
def db_create(services):
    """Create the service databases that do not exist yet."""
    from common.migrations import create_databases

    created = create_databases(Config.from_env(), _select(services))
    click.echo(f"created: {', '.join(created)}" if created else "all databases exist")


@db.command("upgrade")
@click.argument("services", nargs=-1)
def db_upgrade(services):
    """Apply every pending migration of each service (all by default)."""
    from common.migrations import create_databases, upgrade

    specs = _select(services)
    create_databases(Config.from_env(), specs)
    upgrade(cli_app(specs), specs)
    click.echo(f"upgraded: {', '.join(s.name for s in specs)}")


@db.command("revision")
@click.argument("service")
@click.option("-m", "--message", required=True)
def db_revision(service, message):
    """Autogenerate a migration for SERVICE from its models."""
    from common.migrations import revision

    (spec,) = _select((service,))
    revision(cli_app([spec]), spec, message)


@main.group()
@click.pass_context
def seed(ctx: click.Context) -> None:
    """Seed data (every seeder is idempotent)."""
    # Every seed command, ours and the services', runs inside one app holding all databases.
    ctx.with_resource(cli_app().app_context())


@seed.command("demo")
def seed_demo():
    """Systems, roles, default workflows and the four demo accounts."""
    seed_demo_data(list(discover().values()))


@main.command()
@click.argument("services", nargs=-1)
@click.option("--processes", default=1, show_default=True)
@click.option("--threads", default=32, show_default=True)
def worker(services, processes, threads):
    """Run the Dramatiq worker for SERVICES (all with queues, by default)."""
    specs = [s for s in _select(services) if s.queues]
    queues = sorted({q for s in specs for q in s.queues})
    dramatiq_bin = shutil.which("dramatiq") or os.path.join(
        os.path.dirname(sys.executable), "dramatiq"
    )
    os.environ["TTS_WORKER_SERVICES"] = ",".join(s.name for s in specs)
    config = Config.from_env()
    # A unit of work may hold two connections at once (its actor's, and the email log's
    # own transaction). Only worker_db_slots threads are in a unit of work at a time
    # (common/actors.py), so a pool of twice slots + 1 (common/app.py) always has a
    # second connection for each of them; the other users (failure journal, heartbeat,
    # relay, live hub) hold one connection briefly and wait for nothing else.
    wanted = min(threads, config.worker_db_slots) + 1
    if config.database_pool_size < wanted:
        os.environ["TTS_DATABASE_POOL_SIZE"] = str(wanted)
    if config.worker_metrics_port:
        from common.metrics import worker_metrics_env

        os.environ.update(worker_metrics_env(config.worker_metrics_port, config.var_dir))
    args = [dramatiq_bin, "common.worker", "--processes", str(processes), "--threads", str(threads)]
    args += ["--queues", *queues]
    os.execv(dramatiq_bin, args)


@main.command()
@click.option("--once", is_flag=True, help="Run one pass and exit.")
def scheduler(once):
    """Run the periodic sweeps (outbox, and each service's jobs)."""
    import signal

    from common.app import create_app
    from common.scheduler import run_forever, run_once

    config = Config.from_env()
    app = create_app(list(discover().values()), config.replace(outbox_relay="sync"))
    if once:
        click.echo(f"re-published {run_once(app)} events")
        return
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    try:
        run_forever(app, config.sweep_interval_seconds, stop)
    except KeyboardInterrupt:
        stop.set()


@main.command()
@click.argument("services", nargs=-1)
@click.option(
    "--dir",
    "backup_dir",
    type=click.Path(path_type=Path),
    default=None,
    help="Where backups go (default TTS_BACKUP_DIR or var/backups).",
)
@click.option(
    "--keep",
    type=int,
    default=None,
    help="How many backups to keep (default TTS_BACKUP_KEEP or 7).",
)
def backup(services, backup_dir, keep):
    """Dump every service database and archive the attachments into a timestamped folder."""
    from common.backup import BackupError
    from common.backup import backup as run_backup

    try:
        run_backup(Config.from_env(), [s.name for s in _select(services)], backup_dir, keep)
    except BackupError as error:
        raise click.ClickException(str(error)) from error


@main.command()
@click.argument("folder", type=click.Path(exists=True, file_okay=False, path_type=Path))
def restore(folder):
    """Restore a backup FOLDER into empty databases, verifying checksums and row counts."""
    from common.backup import BackupError
    from common.backup import restore as run_restore

    try:
        run_restore(Config.from_env(), folder)
    except BackupError as error:
        raise click.ClickException(str(error)) from error


@main.command()
@click.option("--port", type=int, default=None, help="Port (default TTS_PORT or 8000).")
@click.option("--no-seed", is_flag=True)
def dev(port, no_seed):
    """Run everything in one process on an embedded PostgreSQL (see scripts/dev)."""
    from common.devserver import run

    run(port or int(os.environ.get("TTS_PORT", "8000")), seed=not no_seed)


def _mount_operations() -> None:
    from common.mail_catcher import cli as mail_cli
    from common.ops.cli import jobs

    main.add_command(jobs)
    main.add_command(mail_cli())


def _mount_service_groups() -> None:
    for spec in discover().values():
        if spec.cli:
            # One group, or a list of them (auth_api mounts `tts users` and `tts keys`).
            loaded = load(spec.cli)
            for command in loaded if isinstance(loaded, list | tuple) else (loaded,):
                main.add_command(command)
        for dotted in spec.seed_commands:
            seed.add_command(load(dotted))


_mount_operations()
_mount_service_groups()
