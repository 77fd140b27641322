#!/usr/bin/env python3
"""CPU per event of the hot consumers, in one process, on their own PostgreSQL databases.

Each consumer's actor runs as a worker runs it (event-id claim, handler, commit; the
outbox relay publishing to an in-process broker), on synthetic events, one at a time.
What is counted: this process's CPU and that of its PostgreSQL backends, per event. No
stack, broker or HTTP around it, so the figures move only with the code (and the speed of
the machine): made for comparing two checkouts side by side, round after round.

  run      KIND... once, in this checkout: prints one JSON line per kind
  compare  OTHER_CHECKOUT: alternates runs of both for --rounds; prints medians and ratios

Kinds: ``approve`` (a coordinator's approval, the service call in its unit of work, as the
API makes it), ``workflow`` (tickets.opened -> task created and assigned), ``tickets``
(tasks.assigned -> ticket in progress), ``notify`` (tasks.assigned -> the notices).
The databases (``TTS_DATABASE_PREFIX``, default ``tts_bench_``) are created, migrated and
seeded with the demo data on first use.

    .venv/bin/python scripts/bench_consumers.py compare ../base --rounds 7
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
import uuid
from pathlib import Path

HERE = Path(__file__).resolve()
KINDS = ("approve", "workflow", "tickets", "notify")
CLOCK = os.sysconf("SC_CLK_TCK")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="mode", required=True)
    run = sub.add_parser("run")
    run.add_argument("kinds", nargs="*", default=list(KINDS))
    run.add_argument("--events", type=int, default=400)
    run.add_argument("--root", default=str(HERE.parents[1]), help="the checkout to import")
    compare = sub.add_parser("compare")
    compare.add_argument("other", help="the other checkout (the baseline)")
    compare.add_argument("--rounds", type=int, default=5)
    compare.add_argument("--events", type=int, default=400)
    compare.add_argument("kinds", nargs="*", default=list(KINDS))
    args = parser.parse_args()
    if args.mode == "run":
        return _run(args)
    return _compare(args)


# --- compare: both checkouts, alternating --------------------------------------------------


def _compare(args) -> int:
    roots = {"base": str(Path(args.other).resolve()), "this": str(HERE.parents[1])}
    results: dict[str, dict[str, list[dict]]] = {name: {} for name in roots}
    for round_number in range(args.rounds):
        for name, root in roots.items() if round_number % 2 == 0 else reversed(roots.items()):
            for line in _one_run(root, args.kinds, args.events):
                results[name].setdefault(line["kind"], []).append(line)
        print(f"round {round_number + 1}/{args.rounds} done", file=sys.stderr)
    print(f"median of {args.rounds} rounds, {args.events} events each, ms of CPU per event")
    print(f"{'kind':10} {'':6} {'python':>8} {'postgres':>9} {'total':>8}")
    for kind in args.kinds:
        totals = {}
        for name in roots:
            runs = results[name][kind]
            python = statistics.median(r["python_ms"] for r in runs)
            postgres = statistics.median(r["postgres_ms"] for r in runs)
            total = statistics.median(r["python_ms"] + r["postgres_ms"] for r in runs)
            totals[name] = total
            print(f"{kind:10} {name:6} {python:8.2f} {postgres:9.2f} {total:8.2f}")
        print(f"{kind:10} {'ratio':6} {'':8} {'':9} {totals['this'] / totals['base']:8.2f}")
    return 0


def _one_run(root: str, kinds: list[str], events: int) -> list[dict]:
    out = subprocess.run(
        [sys.executable, str(HERE), "run", *kinds, "--events", str(events), "--root", root],
        cwd=root,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    return [json.loads(line) for line in out.splitlines() if line.startswith('{"kind"')]


# --- run: one checkout, in this process ------------------------------------------------------


def _run(args) -> int:
    sys.path.insert(0, args.root)  # that checkout's code, whatever is installed
    os.environ.setdefault("TTS_DATABASE_PREFIX", "tts_bench_")
    os.environ.setdefault("TTS_DATABASE_HOST", "127.0.0.1")
    os.environ.update(TTS_BROKER_URL="stub", TTS_ENV="development")
    os.environ.setdefault("TTS_DEMO_PASSWORD", "bench-consumers-password")
    _prepare_databases()
    for kind in args.kinds:
        print(json.dumps({"kind": kind, **_measure(kind, args.events)}), flush=True)
    return 0


def _prepare_databases() -> None:
    """Create and migrate the databases; seed them the first time, delivering the seed's
    events (workflow's copy of who holds which role comes from them)."""
    from common.app import create_app
    from common.config import Config
    from common.db import db
    from common.migrations import create_databases, upgrade
    from common.models.auth import User
    from common.outbox_relay import RELAY_KEY
    from common.seeding import seed_demo_data
    from common.services import discover, load

    config = Config.from_env()
    specs = list(discover().values())
    create_databases(config, specs)
    app = create_app(specs, config)
    upgrade(app, specs)
    for spec in specs:
        if spec.tasks:
            load(spec.tasks)
    with app.app_context():
        if db.session.query(User).count():
            return
        print(f"seeding the {config.database_prefix}* databases...", file=sys.stderr)
        seed_demo_data(specs)
    app.extensions[RELAY_KEY].join(timeout=30)
    _deliver_queued()


def _deliver_queued() -> None:
    from dramatiq import Message

    from common.broker import get_broker

    broker = get_broker()
    for _ in range(20):
        _join_relays()
        queued = [q for q in broker.queues.values() if not q.empty()]
        if not queued:
            return
        for queue in queued:
            while not queue.empty():
                message = Message.decode(queue.get_nowait())
                broker.get_actor(message.actor_name).fn(*message.args, **message.kwargs)
    raise RuntimeError("the seed's events kept producing messages")


def _measure(kind: str, events: int) -> dict:
    from common.broker import get_broker

    handle, items = SETUP[kind](events)
    warm = max(events // 10, 5)
    for item in items[:warm]:  # caches, pools and compiled statements
        handle(item)
    backends = _backends()
    python_before, postgres_before = time.process_time(), _cpu_of(backends)
    for item in items[warm:]:
        handle(item)
    _join_relays()
    python = time.process_time() - python_before
    postgres = _cpu_of(_backends()) - postgres_before
    get_broker().flush_all()
    counted = len(items) - warm
    return {"python_ms": 1000 * python / counted, "postgres_ms": 1000 * postgres / counted}


def _envelope(payload: dict) -> dict:
    return {"id": str(uuid.uuid4()), "payload": payload, "request_id": None}


def _setup_workflow(events: int):
    from workflow_api.tasks import on_ticket_opened

    # Real tickets' ids: fresh from their sequence on every run, so never opened before.
    payloads = [
        {
            "ticket_id": ticket_id,
            "number": number,
            "subject": "Bench: VPN drops",
            "category": "Others",
            "subcategory": None,
            "department": "IT",
            "priority": "medium",
            "requester_id": 1,
        }
        for ticket_id, number in _tickets(events, "open")
    ]
    return on_ticket_opened.fn, [_envelope(p) for p in payloads]


def _tickets(events: int, status: str) -> list[tuple[int, int]]:
    """(id, number) of new tickets in ``status``, written straight to the database."""
    from common.actors import app_for
    from common.db import db
    from common.models.tickets import Ticket

    with app_for("tickets").app_context():
        tickets = [
            Ticket(
                subject="Bench: VPN drops",
                description="bench",
                category="Others",
                department="IT",
                status=status,
                priority="medium" if status != "new" else None,
                requester_id=1,
                requester_name="Bench",
                requester_email="bench@example.com",
            )
            for _ in range(events)
        ]
        db.session.add_all(tickets)
        db.session.commit()
        return [(t.id, t.number) for t in tickets]


def _setup_tickets(events: int):
    from tickets_api.tasks import on_task_assigned

    ids = _tickets(events, "open")
    return on_task_assigned.fn, [_envelope(_assigned(tid, number)) for tid, number in ids]


def _setup_approve(events: int):
    """A coordinator's approval as the API runs it: one unit of work around the service
    call (the request's parsing and token check are not counted)."""
    from common.actors import app_for
    from common.security import Principal
    from common.unit_of_work import unit_of_work
    from tickets_api import service

    app = app_for("tickets")
    coordinator = Principal(
        2, "coordinator@example.com", "Coordinator", {"hdts": ["Ticket Coordinator"]}
    )

    def approve(ticket_id: int) -> None:
        with app.app_context(), unit_of_work():
            service.act(coordinator, ticket_id, "approve", {"priority": "medium"})

    return approve, [tid for tid, _ in _tickets(events, "new")]


def _assigned(ticket_id: int, number: int) -> dict:
    return {
        "task_id": ticket_id,
        "ticket_id": ticket_id,
        "ticket_number": number,
        "ticket_subject": "Bench: VPN drops",
        "step": "Triage",
        "assignee_id": 3,
        "assignee_name": "Agent",
        "origin": "system",
        "requester_id": 1,
        "first_assignment": True,
        "on_approval": True,
    }


def _setup_notify(events: int):
    from notifier.tasks import on_task_assigned

    ids = _tickets(events, "open")
    return on_task_assigned.fn, [_envelope(_assigned(tid, number)) for tid, number in ids]


SETUP = {
    "approve": _setup_approve,
    "workflow": _setup_workflow,
    "tickets": _setup_tickets,
    "notify": _setup_notify,
}


def _join_relays() -> None:
    """Wait for the relays to publish and mark what the run committed (their CPU counts)."""
    from common.actors import _apps
    from common.outbox_relay import RELAY_KEY

    for app in list(_apps.values()):
        relay = app.extensions.get(RELAY_KEY)
        if relay is not None:
            relay.join(timeout=30)


def _backends() -> list[int]:
    from sqlalchemy import create_engine, text

    from common.config import Config

    config = Config.from_env()
    engine = create_engine(config.database_url("auth"))
    with engine.connect() as connection:
        pids = connection.execute(
            text(
                "SELECT pid FROM pg_stat_activity WHERE datname LIKE :prefix"
                " AND pid <> pg_backend_pid()"
            ),
            {"prefix": f"{config.database_prefix}%"},
        ).scalars()
        result = list(pids)
    engine.dispose()
    return result


def _cpu_of(pids: list[int]) -> float:
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue  # a backend that ended: its CPU is gone from both sides
        total += int(fields[11]) + int(fields[12])  # utime + stime
    return total / CLOCK


if __name__ == "__main__":
    sys.exit(main())
