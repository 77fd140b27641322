"""Declaring event consumers: one wrapper gives every actor the same boundary.

An event actor runs in its service's app context, restores the request id of the request
that caused the event, records ``(event id, actor)`` in the service's processed-events
table in the same transaction as its work (so a redelivered event has no second effect),
and commits once. Exceptions roll back and let Dramatiq retry with backoff; after the last
retry the message lands in the dead-letter queue.
"""

from __future__ import annotations

import functools
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import dramatiq
from flask import Flask
from sqlalchemy.dialects.postgresql import insert

from common.batching import Delivery, GroupCommit
from common.broker import ACTOR_DEFAULTS, get_broker
from common.config import Config
from common.db import db
from common.logs import caused_by, service_var
from common.models.mixins import PROCESSED_EVENT_MODELS
from common.ops import journal
from common.tokens import revocation
from common.unit_of_work import unit_of_work

log = logging.getLogger(__name__)

_apps: dict[str, Flask] = {}
_apps_lock = threading.Lock()
_shared_app: Flask | None = None


def use_app_for_actors(app: Flask | None) -> None:
    """Run every actor in this app (the dev server and tests hold all services in one)."""
    global _shared_app
    _shared_app = app


def app_for(service: str) -> Flask:
    if _shared_app is not None:
        return _shared_app
    with _apps_lock:
        if service not in _apps:
            from common.app import create_app
            from common.services import get

            _apps[service] = create_app([get(service)])
        return _apps[service]


# The worker's ``worker_db_slots``: each unit of work holds one. A worker's threads are
# the deliveries it holds, which group commit gathers into batches: the more threads, the
# bigger the batches (a backlog drained at 131/s with 8 and 226/s with 32). The
# deliveries waiting in a batch touch no database; a plain delivery or a batch's leader
# does. Slots bound those units of work, so a burst of plain deliveries holds at most
# ``worker_db_slots`` transactions however many threads the worker runs (``tts worker``
# sizes the pool from them). Outside the slots only short single-connection writes remain
# (failure journal, heartbeats, the relay's marks): they may wait for a pooled
# connection, never in a cycle. Made at import, where the worker's environment is set,
# so no two threads can make two of them.
_DB_SLOTS = threading.BoundedSemaphore(Config.from_env().worker_db_slots)


def _journal_failures() -> None:
    """Every failed attempt of an actor declared here goes into the failure journal, in the
    database of the actor's service (the app ``app_for`` gives)."""
    journal.install(get_broker(), app_for)


def event_actor(
    service: str,
    queue: str,
    name: str,
    batch: Callable[[list[Delivery]], None] | None = None,
    keyed_by_event: bool = False,
    overlapping_batches: bool = False,
    linger: float = 0.0,
    batch_with: str | None = None,
    **options,
) -> Callable:
    """Declare ``fn(payload: dict, event_id: uuid.UUID)`` as the consumer ``name``.

    With ``batch``, deliveries that meet in the worker run together (``common.batching``):
    ``batch(deliveries)`` must have the same effect as ``fn`` on each of them in order, and
    is given only events not handled before, each once (per actor, with ``batch_with``).

    ``keyed_by_event``: every row the handler writes is unique by the event's id (its
    conflict drops a redelivery's copy), so the claim would only repeat that check, at
    the cost of one statement per message or batch. The handler then sees redeliveries,
    and must have no effect but those rows.

    ``overlapping_batches``: under a backlog, a second batch may run beside the first
    (``GroupCommit``'s ``leaders``), for a ``batch`` that two worker processes could run
    at once anyway: no delivery's effect depends on another's order, and its locks are
    taken in one global order.

    ``linger``: with ``batch``, how long a lone delivery in a steady stream waits for
    company (``GroupCommit``), for actors whose work nobody waits on.

    ``batch_with``: actors of a service that give the same name here gather their
    deliveries into the same batches, as do the notices of tickets' moves. They must be keyed by
    event and share one ``batch``, which is then given every actor's deliveries in the
    order they came (each event once per actor; ``Delivery.actor`` says whose), and
    agree on ``overlapping_batches`` and ``linger``.
    """

    _journal_failures()

    def decorator(fn: Callable[[dict, uuid.UUID], None]) -> dramatiq.Actor:
        def run_one(delivery: Delivery) -> None:
            with _context(service, delivery.request_id) as app, app.app_context():
                # The claim and the handler's work commit together.
                with _DB_SLOTS, unit_of_work():
                    if not keyed_by_event and not _claim(service, [delivery.event_id], name):
                        log.info(
                            "duplicate event skipped", extra={"event_id": str(delivery.event_id)}
                        )
                        return
                    fn(delivery.payload, delivery.event_id)
                # One line per handled event, carrying the causing request's id.
                log.info("event handled", extra={"actor": name, "event_id": str(delivery.event_id)})

        def run_part(deliveries: list[Delivery]) -> list[Delivery]:
            """This actor's share of a batch, in the batch's transaction: the events it
            has not handled before, claimed and handled."""
            ids = [d.event_id for d in deliveries]
            fresh = set(ids) if keyed_by_event else _claim(service, ids, name)
            # Each event once per actor (a run may hold several actors' deliveries).
            once = {(d.actor, d.event_id): d for d in deliveries if d.event_id in fresh}
            todo = list(once.values())
            if todo:
                batch(todo)
            return todo

        batched = None
        if batch is not None:
            if batch_with is not None and not keyed_by_event:
                # A claim names its actor: one batch could not claim for several.
                raise ValueError(f"{name}: only actors keyed by event are batched together")
            batched = _batched(service, batch_with or name, overlapping_batches, linger)
            batched.join(name, run_part, run_one, batch)

        def run(envelope: dict) -> None:
            delivery = Delivery(
                uuid.UUID(envelope["id"]), envelope["payload"], envelope.get("request_id"), name
            )
            if batched is None:
                run_one(delivery)
            else:
                batched.commits.submit(delivery)

        run.__name__ = fn.__name__
        run.__doc__ = fn.__doc__
        actor = dramatiq.actor(
            run,
            actor_name=name,
            queue_name=queue,
            broker=get_broker(),
            **{**ACTOR_DEFAULTS, **options},
        )
        actor.handler = fn  # the plain function, for tests that call it in a transaction
        actor.group = batched.commits if batched is not None else None
        return actor

    return decorator


class _Batched:
    """The actors whose deliveries gather into one ``GroupCommit``: one actor, or those
    that name the same ``batch_with``, which must share one handler (keyed by event, the
    same ``batch``): a batch is then one call of it, in one transaction, its deliveries
    in the order they came, whichever actor each is for. (Handlers of their own would
    run one after the other in that transaction, each taking its locks apart: two
    processes could then take them in opposite orders.) A delivery alone runs its
    actor's plain path."""

    def __init__(self, service: str, leaders: int, linger: float):
        self.service = service
        self.part: Callable[[list[Delivery]], list[Delivery]] | None = None
        self.handler: Callable | None = None  # the ``batch`` they all share
        self.plain: dict[str, Callable[[Delivery], None]] = {}
        self.commits = GroupCommit(self.run_batch, self.run_one, leaders=leaders, linger=linger)

    def join(self, actor: str, part, plain, handler) -> None:
        if self.plain and handler != self.handler:
            raise ValueError(f"{actor}: actors batched together must share their handler")
        self.part, self.handler = part, handler
        self.plain[actor] = plain

    def _actor_of(self, delivery: Delivery) -> str:
        if delivery.actor in self.plain:
            return delivery.actor
        if len(self.plain) == 1:  # every delivery is its own (tests make them unnamed)
            return next(iter(self.plain))
        raise ValueError(f"a delivery for one of {sorted(self.plain)} must name its actor")

    def run_one(self, delivery: Delivery) -> None:
        self.plain[self._actor_of(delivery)](delivery)

    def run_batch(self, deliveries: list[Delivery]) -> None:
        with _context(self.service, None) as app, app.app_context():
            with _DB_SLOTS, unit_of_work():
                handled = self.part(deliveries)
            # As on the plain path: one line per handled event, with its request's id
            # (the batch's size rides along, for reading throughput off the logs).
            for delivery in handled:
                with caused_by(delivery.request_id):
                    log.info(
                        "event handled",
                        extra={
                            "actor": self._actor_of(delivery),
                            "event_id": str(delivery.event_id),
                            "batch": len(handled),
                        },
                    )


_BATCHED: dict[tuple[str, str], _Batched] = {}


def _batched(service: str, key: str, overlapping: bool, linger: float) -> _Batched:
    leaders = 2 if overlapping else 1
    batched = _BATCHED.get((service, key))
    if batched is None:
        batched = _BATCHED[(service, key)] = _Batched(service, leaders, linger)
    commits = batched.commits
    if (commits.leaders, commits.linger) != (leaders, linger):
        raise ValueError(f"the actors batched as {key!r} disagree on overlapping or linger")
    return batched


@contextmanager
def _context(service: str, request_id: str | None) -> Iterator[Flask]:
    """The service's app, with the causing request's id and the service on every log line."""
    service_token = service_var.set(service)
    try:
        with caused_by(request_id):
            yield app_for(service)
    finally:
        service_var.reset(service_token)


@functools.cache
def _claim_statement(service: str):
    """Built once per service: a statement's construction and cache key cost more than
    its run."""
    table = PROCESSED_EVENT_MODELS[service].__table__
    return insert(table).on_conflict_do_nothing().returning(table.c.event_id)


def _claim(service: str, event_ids: list[uuid.UUID], consumer: str) -> set[uuid.UUID]:
    """The events this consumer has not handled before (their rows are inserted now).

    One statement for any number of events, compiled once: SQLAlchemy caches an insert
    run with a list of parameters (executemany, sent as one multi-row INSERT), where a
    ``values([...])`` of many rows is compiled anew every time.
    """
    return set(
        db.session.scalars(
            _claim_statement(service),
            # In one global order: two batches that share events (a redelivery) then
            # wait for each other rather than deadlock.
            [{"event_id": event_id, "consumer": consumer} for event_id in sorted(event_ids)],
            bind_arguments={"mapper": PROCESSED_EVENT_MODELS[service]},
        )
    )


def revocation_actor(service: str, queue: str):
    """Declare ``<service>.on_sessions_revoked`` on ``queue`` (one line in a tasks.py): the
    service's copy of auth's revocations. It lives here with the other consumer plumbing,
    not in common/tokens/revocation.py, which token checking imports: declaring it there closed
    the import circle actors -> app -> tokens -> revocation -> actors."""

    @event_actor(service, queue, f"{service}.on_sessions_revoked")
    def on_sessions_revoked(payload: dict, event_id) -> None:
        revocation.record(service, payload)

    return on_sessions_revoked
