"""The failure journal: every failed attempt on record, dead letters included, redacted."""

from __future__ import annotations

import logging
import uuid

import dramatiq
import pytest
from sqlalchemy import select

from common.broker import get_broker
from common.db import db
from common.models.tickets import TicketsJobFailure
from common.ops.redaction import redact

QUEUE = "test_journal"
# What a failure might quote: an address, a bearer token and a password.
LEAKY = (
    "SMTP refused mailbox bob.smith@example.com; sent Authorization: Bearer "
    "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJlc2lnbmF0dXJlc2ln password=hunter2"
)


@pytest.fixture(scope="module")
def flaky_actor(app):
    """``tickets.test_flaky``: fails as often as its envelope says, with LEAKY."""
    attempts: dict[str, int] = {}

    def flaky(envelope: dict) -> None:
        attempts[envelope["id"]] = attempts.get(envelope["id"], 0) + 1
        if attempts[envelope["id"]] <= envelope["fail_times"]:
            raise RuntimeError(LEAKY)

    actor = dramatiq.actor(
        flaky,
        actor_name="tickets.test_flaky",
        # A queue of its own: the suite's deliver() takes messages from the service queues
        # without marking them done, so joining one of those would wait forever.
        queue_name=QUEUE,
        broker=get_broker(),
        max_retries=1,
        min_backoff=10,
        max_backoff=20,
    )
    return actor, attempts


@pytest.fixture
def worker(app, tx):
    broker = get_broker()
    running = dramatiq.Worker(broker, worker_timeout=20, worker_threads=1)
    running.start()
    yield broker
    running.stop()


def _send(actor, fail_times: int) -> dramatiq.Message:
    event_id = str(uuid.uuid4())
    return actor.send_with_options(
        args=({"id": event_id, "fail_times": fail_times},),
        event_id=event_id,
        request_id="req-journal-1",
    )


def _journal(message_id: str) -> list[TicketsJobFailure]:
    db.session.rollback()
    return db.session.scalars(
        select(TicketsJobFailure)
        .where(TicketsJobFailure.message_id == message_id)
        .order_by(TicketsJobFailure.id)
    ).all()


def test_a_retried_failure_is_on_record_with_its_next_attempt(app, worker, flaky_actor):
    actor, attempts = flaky_actor
    message = _send(actor, fail_times=1)
    worker.join(QUEUE)
    with app.app_context():
        (failure,) = _journal(message.message_id)
    assert attempts[message.args[0]["id"]] == 2  # failed once, then succeeded
    assert failure.actor == "tickets.test_flaky" and failure.queue == QUEUE
    assert failure.attempt == 1
    assert str(failure.event_id) == message.options["event_id"]
    assert failure.exception == "RuntimeError"
    assert failure.next_retry_at is not None and failure.next_retry_at > failure.failed_at
    assert failure.dead_lettered is False


def test_the_last_failure_is_marked_dead_lettered(app, worker, flaky_actor):
    actor, _ = flaky_actor
    message = _send(actor, fail_times=5)
    with pytest.raises(RuntimeError):
        worker.join(QUEUE)  # the stub broker re-raises what a dead-lettered message raised
    with app.app_context():
        failures = _journal(message.message_id)
    assert [f.attempt for f in failures] == [1, 2]
    assert [f.dead_lettered for f in failures] == [False, True]
    assert failures[-1].next_retry_at is None
    assert [m.message_id for m in worker.dead_letters_by_queue[QUEUE]] == [message.message_id]


def test_what_a_failure_quotes_is_redacted(app, worker, flaky_actor):
    actor, _ = flaky_actor
    message = _send(actor, fail_times=1)
    worker.join(QUEUE)
    with app.app_context():
        (failure,) = _journal(message.message_id)
    for text in (failure.detail, failure.traceback):
        assert "bob.smith@example.com" not in text and "hunter2" not in text
        assert "eyJhbGciOiJSUzI1NiJ9" not in text
        assert "<email>" in text
    assert "flaky" in failure.traceback  # where it failed is kept


def test_log_lines_of_a_failing_job_join_on_its_message_id(app, worker, flaky_actor, caplog):
    actor, _ = flaky_actor
    caplog.set_level(logging.INFO)
    message = _send(actor, fail_times=1)
    worker.join(QUEUE)
    failed = [r for r in caplog.records if r.getMessage().startswith("Failed to process message")]
    journal = [r for r in caplog.records if r.getMessage() == "job failed"]
    assert len(failed) == 1 and len(journal) == 1
    # Dramatiq's own line names the message by its id only, never with its arguments.
    assert failed[0].getMessage() == (
        f"Failed to process message {message.message_id} with unhandled exception."
    )
    assert failed[0].exc_info is None and "hunter2" not in failed[0].traceback
    assert journal[0].message_id == message.message_id
    assert journal[0].event_id == message.options["event_id"]


def test_the_log_context_of_a_job_names_its_service_and_request(app, worker, flaky_actor):
    from common.logs import ContextFilter

    actor, _ = flaky_actor
    seen = []

    class Grab(logging.Handler):
        def emit(self, record):
            if record.getMessage().startswith("Failed to process message"):
                ContextFilter().filter(record)
                seen.append((record.service, record.request_id, record.message_id))

    handler = Grab()
    logging.getLogger("dramatiq").addHandler(handler)
    try:
        message = _send(actor, fail_times=1)
        worker.join(QUEUE)
    finally:
        logging.getLogger("dramatiq").removeHandler(handler)
    assert seen == [("tickets", "req-journal-1", message.message_id)]


def test_redaction_keeps_what_operators_need():
    assert redact("connect to 10.0.0.5:25 timed out") == "connect to 10.0.0.5:25 timed out"
    assert redact("user ann@example.org unknown") == "user <email> unknown"
    assert redact("token=abc def") == "token=<redacted> def"
    long = "word " * 1_000
    assert redact(long).endswith("…") and len(redact(long)) == 1_000
