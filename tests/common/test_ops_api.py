"""``<prefix>/ops``: who may see and act, dead letters moved and audited, the verdict."""

from __future__ import annotations

import threading
import uuid
from datetime import UTC, datetime, timedelta

import dramatiq
import pytest
from dramatiq import Message
from dramatiq.broker import MessageProxy
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from common.broker import get_broker
from common.db import db
from common.models.tickets import TicketsJobFailure, TicketsOpsAudit
from common.ops.heartbeats import Beat, write
from common.ops.stub_queues import StubQueues, in_process_consumers
from tests.auth_api.helpers import bearer, mint, person_with_roles
from tests.support import PREFIXES


def _person(app, email: str, *grants: tuple[str, str]) -> str:
    return person_with_roles(app, email, *grants, name="Olive Operator")


@pytest.fixture
def tokens(app, client, seeded) -> dict[str, dict]:
    return {
        "employee": bearer(mint(app, "employee@example.com")["access_token"]),
        "admin": bearer(mint(app, "admin@example.com")["access_token"]),
        "operator": bearer(_person(app, "olive@example.com", ("tts", "Operator"))),
    }


def _ops_urls(app) -> list[tuple[str, str]]:
    found = []
    for rule in app.url_map.iter_rules():
        if "/ops/" not in rule.rule:
            continue
        url = rule.rule.replace("<id:failure_id>", "1")
        found.extend((method, url) for method in rule.methods - {"HEAD", "OPTIONS"})
    return sorted(found)


def test_every_service_mounts_the_ops_endpoints(app):
    urls = {url for _, url in _ops_urls(app)}
    for prefix in PREFIXES[:4] + ("/api/notifications",):
        assert f"{prefix}/ops/status" in urls, prefix
    assert len(urls) >= 5 * 9


def test_employees_get_403_and_strangers_401_on_every_ops_endpoint(app, client, tokens):
    for method, url in _ops_urls(app):
        # A body that would be invalid: the refusal must come before any parsing.
        answer = client.raw.open(url, method=method, json={"x": 1}, headers=tokens["employee"])
        assert answer.status_code == 403, (method, url)
        assert answer.mimetype == "application/problem+json"
        assert client.raw.open(url, method=method, json={}).status_code == 401, (method, url)


def _dead_letter(queue: str = "tickets", email: str = "ann@example.com") -> Message:
    """A message as Dramatiq leaves it in the dead letters after its last retry."""
    event_id = str(uuid.uuid4())
    message = Message(
        queue_name=queue,
        actor_name="tickets.on_task_assigned",
        args=({"id": event_id, "name": "workflow.task_assigned", "payload": {"to": email}},),
        kwargs={},
        options={"event_id": event_id, "retries": 8, "traceback": "Traceback ..."},
    )
    get_broker().dead_letters_by_queue[queue].append(MessageProxy(message))
    db.session.execute(
        insert(TicketsJobFailure).values(
            message_id=message.message_id,
            event_id=uuid.UUID(event_id),
            actor=message.actor_name,
            queue=queue,
            attempt=8,
            exception="RuntimeError",
            detail="boom",
            traceback="Traceback ...",
            dead_lettered=True,
        )
    )
    db.session.commit()
    return message


@pytest.fixture
def dead_letters(app, tx):
    broker = get_broker()
    broker.dead_letters_by_queue["tickets"].clear()
    with app.app_context():
        yield [_dead_letter() for _ in range(3)]
    broker.dead_letters_by_queue["tickets"].clear()


def test_dead_letters_are_listed_with_their_arguments_redacted(client, tokens, dead_letters):
    page = client.raw.get("/api/tickets/ops/dead?queue=tickets", headers=tokens["operator"])
    assert page.status_code == 200, page.get_json()
    body = page.get_json()
    assert body["total"] == 3
    assert [item["message_id"] for item in body["items"]] == [m.message_id for m in dead_letters]
    assert all("ann@example.com" not in item["arguments"] for item in body["items"])
    assert body["items"][0]["event"] == "workflow.task_assigned"
    assert body["items"][0]["attempts"] == 8
    other = client.raw.get("/api/tickets/ops/dead?queue=email", headers=tokens["operator"])
    assert other.status_code == 404  # not a queue of this service


def test_an_operator_may_look_and_dry_run_but_not_act(client, tokens, dead_letters):
    body = {"queue": "tickets"}
    dry = client.raw.post("/api/tickets/ops/dead/requeue", json=body, headers=tokens["operator"])
    assert dry.status_code == 200 and dry.get_json() == {
        "dry_run": True,
        "would_requeue": 3,
        "dead_letters": 3,
    }
    act = client.raw.post(
        "/api/tickets/ops/dead/requeue",
        json={**body, "dry_run": False},
        headers=tokens["operator"],
    )
    assert act.status_code == 403
    assert len(get_broker().dead_letters_by_queue["tickets"]) == 3


def test_operators_may_act_where_the_deployment_allows(app, client, tokens, dead_letters):
    config = app.config["TTS_CONFIG"]
    app.config["TTS_CONFIG"] = config.replace(operators_may_act=True)
    try:
        act = client.raw.post(
            "/api/tickets/ops/dead/requeue",
            json={
                "queue": "tickets",
                "message_ids": [dead_letters[0].message_id],
                "dry_run": False,
            },
            headers=tokens["operator"],
        )
    finally:
        app.config["TTS_CONFIG"] = config
    assert act.status_code == 200 and act.get_json() == {"dry_run": False, "requeued": 1}


def test_requeue_moves_the_chosen_letters_resets_retries_and_is_audited(
    app, client, tokens, dead_letters
):
    broker = get_broker()
    broker.flush("tickets")
    chosen = [dead_letters[0].message_id, dead_letters[2].message_id]
    done = client.raw.post(
        "/api/tickets/ops/dead/requeue",
        json={"queue": "tickets", "message_ids": chosen, "dry_run": False},
        headers=tokens["admin"],
    )
    assert done.status_code == 200 and done.get_json()["requeued"] == 2
    left = [m.message_id for m in broker.dead_letters_by_queue["tickets"]]
    assert left == [dead_letters[1].message_id]
    requeued = [Message.decode(raw) for raw in list(broker.queues["tickets"].queue)]
    assert sorted(m.message_id for m in requeued) == sorted(chosen)
    assert all("retries" not in m.options and "traceback" not in m.options for m in requeued)
    assert all(m.options["event_id"] for m in requeued)  # consumers still dedupe on it
    with app.app_context():
        (row,) = db.session.scalars(select(TicketsOpsAudit)).all()
        resolved = db.session.scalars(
            select(TicketsJobFailure.message_id).where(TicketsJobFailure.resolution == "requeued")
        ).all()
    assert (row.actor, row.action, row.target, row.count) == (
        "admin@example.com",
        "dead.requeue",
        "tickets.XQ",
        2,
    )
    assert sorted(resolved) == sorted(chosen)
    broker.flush("tickets")


def test_discard_needs_a_reason_and_is_audited_with_it(app, client, tokens, dead_letters):
    url = "/api/tickets/ops/dead/discard"
    target = dead_letters[1].message_id
    no_reason = client.raw.post(
        url, json={"queue": "tickets", "message_ids": [target]}, headers=tokens["admin"]
    )
    assert no_reason.status_code == 422 and "reason" in no_reason.get_json()["errors"]
    done = client.raw.post(
        url,
        json={"queue": "tickets", "message_ids": [target], "reason": "duplicate", "dry_run": False},
        headers=tokens["admin"],
    )
    assert done.get_json() == {"dry_run": False, "discarded": 1}
    assert target not in [m.message_id for m in get_broker().dead_letters_by_queue["tickets"]]
    with app.app_context():
        row = db.session.scalars(select(TicketsOpsAudit)).one()
    assert (row.action, row.reason, row.count) == ("dead.discard", "duplicate", 1)


def test_purge_needs_the_count_the_operator_saw(app, client, tokens, dead_letters):
    url = "/api/tickets/ops/dead/purge"
    body = {"queue": "tickets", "reason": "poison", "dry_run": False}
    wrong = client.raw.post(url, json={**body, "expected": 2}, headers=tokens["admin"])
    assert wrong.status_code == 409 and wrong.get_json()["dead_letters"] == 3
    assert len(get_broker().dead_letters_by_queue["tickets"]) == 3
    right = client.raw.post(url, json={**body, "expected": 3}, headers=tokens["admin"])
    assert right.get_json() == {"dry_run": False, "purged": 3}
    with app.app_context():
        results = db.session.scalars(select(TicketsOpsAudit.result).order_by(TicketsOpsAudit.id))
        assert list(results) == ["purged 3"]


def test_the_audit_is_append_only(app, tx):
    with app.app_context():
        db.session.execute(
            insert(TicketsOpsAudit).values(actor="x", action="a", target="t", result="ok")
        )
        db.session.commit()
        for statement in ("UPDATE ops_audit SET actor = 'y'", "DELETE FROM ops_audit"):
            with pytest.raises(DBAPIError, match="append-only"):
                db.session.execute(text(statement), bind_arguments={"bind": db.engines["tickets"]})
            db.session.rollback()


@pytest.fixture
def tickets_consumer():
    """A worker of this process consuming the tickets queue, as the dev server's does (a
    stand-in: a real one would take the messages other tests leave there for deliver())."""
    consumers = in_process_consumers(get_broker())

    class Worker:
        consumers = {"tickets": threading.current_thread()}

    worker = Worker()
    consumers.after_worker_boot(get_broker(), worker)
    yield
    consumers.before_worker_shutdown(get_broker(), worker)


def test_the_in_process_workers_are_the_queues_consumers(client, tokens):
    broker = get_broker()
    queue = "tickets_test_consumers"  # of its own: a worker takes what is in its queues
    broker.declare_queue(queue)
    assert StubQueues(broker).facts([queue])[0].consumers == 0
    worker = dramatiq.Worker(broker, queues={queue}, worker_timeout=20, worker_threads=1)
    worker.start()
    try:
        assert StubQueues(broker).facts([queue])[0].consumers == 1
    finally:
        worker.stop()
    assert StubQueues(broker).facts([queue])[0].consumers == 0
    # The status says so of a service's queue that no worker of this process consumes.
    status = client.raw.get("/api/tickets/ops/status", headers=tokens["operator"]).get_json()
    assert status["queues"][0]["consumers"] == 0
    assert "no consumer on queue tickets" in status["problems"]


def test_the_verdict_follows_the_heartbeats(app, client, tokens, tickets_consumer):
    status = client.raw.get("/api/tickets/ops/status", headers=tokens["operator"]).get_json()
    assert status["verdict"] == "red"
    assert "no live worker for queue tickets" in status["problems"]
    assert "no scheduler is beating" in status["problems"]
    with app.app_context():
        write(["tickets"], Beat("worker", ("tickets",)))
        write(["tickets"], Beat("scheduler"))
    status = client.raw.get("/api/tickets/ops/status", headers=tokens["operator"]).get_json()
    assert status["verdict"] == "green", status["problems"]
    assert {b["kind"]: b["state"] for b in status["heartbeats"]} == {
        "worker": "alive",
        "scheduler": "alive",
    }
    # A worker with a job running far longer than any job may: stuck, and red.
    with app.app_context():
        long_ago = datetime.now(UTC) - timedelta(minutes=10)
        write(
            ["tickets"], Beat("worker", ("tickets",), in_flight=1, oldest_job_started_at=long_ago)
        )
    status = client.raw.get("/api/tickets/ops/status", headers=tokens["operator"]).get_json()
    assert status["verdict"] == "red"
    assert any("has had a job running" in p for p in status["problems"])


def test_failures_are_grouped_by_actor_and_exception(app, client, tokens, dead_letters):
    groups = client.raw.get("/api/tickets/ops/failures/groups", headers=tokens["operator"])
    assert groups.status_code == 200
    (group,) = groups.get_json()
    assert (group["actor"], group["exception"], group["failures"], group["dead_lettered"]) == (
        "tickets.on_task_assigned",
        "RuntimeError",
        3,
        3,
    )
    listing = client.raw.get("/api/tickets/ops/failures?limit=2", headers=tokens["operator"])
    page = listing.get_json()
    assert len(page["items"]) == 2 and page["before"] == page["items"][-1]["id"]
    one = client.raw.get(
        f"/api/tickets/ops/failures/{page['items'][0]['id']}", headers=tokens["operator"]
    )
    assert one.get_json()["traceback"] == "Traceback ..."
