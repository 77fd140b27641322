"""``tts jobs``: the operators' command line, the same facts and actions as ``<prefix>/ops``.

``tts jobs status`` exits 1 when anything is red, so it can run from cron or CI. Every
write first prints its dry run; ``--yes`` does it. A purge also wants the queue's name
typed back and the count the operator expects (``--expect``).
"""

from __future__ import annotations

import getpass
import json
import sys
from dataclasses import asdict
from datetime import UTC, datetime, timedelta

import click

from common.services import ServiceSpec, discover


def _owner(queue: str) -> ServiceSpec:
    for spec in discover().values():
        if queue in spec.queues:
            return spec
    known = sorted(q for spec in discover().values() for q in spec.queues)
    raise click.BadParameter(f"no service has queue {queue!r}; queues: {', '.join(known)}")


def _operator():
    from common.ops.actions import Operator

    return Operator(f"cli:{getpass.getuser()}", may_act=True)


def _in_app(fn):
    """Run ``fn`` in an app holding every service's database (and nothing else)."""
    from common.app import data_app
    from common.problems import DomainError

    with data_app(list(discover().values())).app_context():
        try:
            return fn()
        except DomainError as error:
            raise click.ClickException(error.detail) from error


@click.group("jobs")
def jobs() -> None:
    """Background jobs: status, failures, dead letters, the outbox."""


@jobs.command("status")
@click.option("--json", "as_json", is_flag=True, help="One JSON document, for machines.")
def status(as_json: bool) -> None:
    """Every service's queues, outbox, timers and heartbeats; exit 1 if any is red."""
    from common.ops.status import service_status

    found = _in_app(lambda: [service_status(spec) for spec in discover().values()])
    red = [s for s in found if s["verdict"] == "red"]
    if as_json:
        click.echo(json.dumps(found, default=str, indent=2))
    else:
        for service in found:
            _print_status(service)
        click.echo(
            f"\n{'RED' if red else 'GREEN'}: "
            + (f"{len(red)} of {len(found)} services need attention" if red else "all services")
        )
    sys.exit(1 if red else 0)


def _print_status(service: dict) -> None:
    mark = "ok " if service["verdict"] == "green" else "RED"
    outbox = service["outbox"]
    oldest = outbox["oldest_seconds"]
    click.echo(
        f"[{mark}] {service['service']}: outbox {outbox['backlog']} unpublished"
        + (f" (oldest {oldest:.0f}s)" if oldest is not None else "")
        + f", {service['journal']['failures_last_hour']} failures in the last hour"
    )
    for queue in service["queues"]:
        click.echo(
            f"      queue {queue['name']}: ready {queue['ready']}, unacked {queue['unacked']},"
            f" delayed {queue['delayed']}, dead {queue['dead']},"
            f" consumers {queue['consumers']}, {queue['deliver_rate']:.1f}/s delivered"
        )
    for beat in service["heartbeats"]:
        click.echo(
            f"      {beat['kind']} {beat['process']}: {beat['state']},"
            f" beat {beat['beat_seconds_ago']:.0f}s ago, {beat['in_flight']} running"
        )
    for name, value in service["facts"].items():
        click.echo(f"      {name}: {value}")
    for problem in service["problems"]:
        click.echo(f"      ! {problem}")


@jobs.command("failures")
@click.option("--hours", default=24, show_default=True, help="How far back.")
@click.option("--service", "service_name", default=None, help="One service only.")
def failures(hours: int, service_name: str | None) -> None:
    """Failed attempts grouped by actor and exception, latest first."""
    from common.ops import failures as journal

    since = datetime.now(UTC) - timedelta(hours=hours)
    specs = [s for s in discover().values() if service_name in (None, s.name)]
    groups = _in_app(lambda: [g for spec in specs for g in journal.grouped(spec, since)])
    if not groups:
        click.echo(f"no failures in the last {hours} hours")
    for group in groups:
        click.echo(
            f"{group['failures']:>6} failures ({group['messages']} messages,"
            f" {group['dead_lettered']} dead) {group['actor']}: {group['exception']}\n"
            f"       last {group['last_failed_at']:%Y-%m-%d %H:%M:%S} message"
            f" {group['last_message_id']}: {group['last_detail'][:160]}"
        )


@jobs.group("dead")
def dead() -> None:
    """Dead letters: list, show, requeue, discard, purge."""


@dead.command("list")
@click.argument("queue")
@click.option("--limit", default=50, show_default=True)
def dead_list(queue: str, limit: int) -> None:
    """The dead letters of QUEUE, oldest first (arguments redacted)."""
    from flask import current_app

    from common.ops.queues import queues_for

    _owner(queue)

    def read():
        queues = queues_for(current_app.config["TTS_CONFIG"])
        return queues.dead_count(queue), queues.dead_letters(queue, limit)

    total, letters = _in_app(read)
    click.echo(f"{queue}.XQ: {total} dead letters")
    for letter in letters:
        since = (
            datetime.fromtimestamp(letter.dead_since, UTC).strftime("%Y-%m-%d %H:%M:%S")
            if letter.dead_since
            else "?"
        )
        click.echo(
            f"  {letter.message_id}  {letter.actor}  {letter.event or '-'}"
            f"  {letter.attempts} attempts, last {since}"
        )


@dead.command("show")
@click.argument("queue")
@click.argument("message_id")
def dead_show(queue: str, message_id: str) -> None:
    """One dead letter: its envelope (redacted) and every failed attempt on record."""
    from flask import current_app

    from common.ops import failures as journal
    from common.ops.queues import queues_for

    spec = _owner(queue)

    def read():
        queues = queues_for(current_app.config["TTS_CONFIG"])
        letters = queues.dead_letters(queue, 100_000)
        found = next((asdict(x) for x in letters if x.message_id == message_id), None)
        return found, journal.of_message(spec, message_id)

    letter, attempts = _in_app(read)
    if letter is None and not attempts:
        raise click.ClickException(f"no dead letter {message_id} in {queue}.XQ, and no record")
    click.echo(json.dumps({"dead_letter": letter, "attempts": attempts}, default=str, indent=2))


def _act(action, *, dry: dict, yes: bool):
    click.echo("dry run: " + json.dumps(dry))
    if not yes:
        click.echo("nothing changed; run again with --yes to do it")
        return None
    done = _in_app(action)
    click.echo("done: " + json.dumps(done))
    return done


@dead.command("requeue")
@click.argument("queue")
@click.option("--id", "message_ids", multiple=True, help="A message id (repeat); none: all.")
@click.option("--limit", default=100, show_default=True, help="At most this many (all mode).")
@click.option("--yes", is_flag=True, help="Do it (without: a dry run).")
def dead_requeue(queue: str, message_ids: tuple[str, ...], limit: int, yes: bool) -> None:
    """Put dead letters back on QUEUE (consumers drop what they handled already)."""
    from common.ops import actions

    spec, chosen = _owner(queue), list(message_ids) or None
    operator = _operator()
    dry = _in_app(lambda: actions.requeue(spec, operator, queue, chosen, limit, dry_run=True))
    _act(
        lambda: actions.requeue(spec, operator, queue, chosen, limit, dry_run=False),
        dry=dry,
        yes=yes,
    )


@dead.command("discard")
@click.argument("queue")
@click.option("--id", "message_ids", multiple=True, required=True, help="A message id (repeat).")
@click.option("--reason", required=True, help="Why: it goes into the audit.")
@click.option("--yes", is_flag=True, help="Do it (without: a dry run).")
def dead_discard(queue: str, message_ids: tuple[str, ...], reason: str, yes: bool) -> None:
    """Drop the named dead letters of QUEUE, with a reason."""
    from common.ops import actions

    spec, operator, ids = _owner(queue), _operator(), list(message_ids)
    dry = _in_app(lambda: actions.discard(spec, operator, queue, ids, reason, dry_run=True))
    _act(
        lambda: actions.discard(spec, operator, queue, ids, reason, dry_run=False),
        dry=dry,
        yes=yes,
    )


@dead.command("purge")
@click.argument("queue")
@click.option("--expect", "expected", type=int, required=True, help="The count you saw.")
@click.option("--reason", required=True, help="Why: it goes into the audit.")
@click.option("--yes", is_flag=True, help="Do it (without: a dry run).")
def dead_purge(queue: str, expected: int, reason: str, yes: bool) -> None:
    """Empty QUEUE's dead letters: only with the count expected and the name typed back."""
    from common.ops import actions

    spec, operator = _owner(queue), _operator()
    dry = _in_app(lambda: actions.purge(spec, operator, queue, expected, reason, dry_run=True))
    if yes and click.prompt(f"Type the queue name ({queue}) to purge {expected}") != queue:
        raise click.ClickException("the name typed back does not match: nothing purged")
    _act(
        lambda: actions.purge(spec, operator, queue, expected, reason, dry_run=False),
        dry=dry,
        yes=yes,
    )


@jobs.group("outbox")
def outbox() -> None:
    """The transactional outbox of every service."""


@outbox.command("sweep")
@click.option("--yes", is_flag=True, help="Do it (without: a dry run).")
def outbox_sweep(yes: bool) -> None:
    """Publish every unpublished event of every service now."""
    from common.ops import actions

    operator = _operator()
    specs = list(discover().values())
    dry = _in_app(lambda: {s.name: actions.sweep_outbox(s, operator, dry_run=True) for s in specs})
    _act(
        lambda: {s.name: actions.sweep_outbox(s, operator, dry_run=False) for s in specs},
        dry=dry,
        yes=yes,
    )


@jobs.command("monitor-user")
def monitor_user() -> None:
    """Create or update the RabbitMQ user TTS_RABBITMQ_MANAGEMENT_URL names (monitoring)."""
    from common.config import Config
    from common.ops.rabbitmq import ensure_monitoring_user

    config = Config.from_env()
    user = ensure_monitoring_user(config.rabbitmq_management_url, config.broker_url)
    click.echo(f"monitoring user: {user}")
