"""The outbox against the real RabbitMQ: publisher confirms, and recovery after an outage."""

import json
import uuid

import pika
import pytest
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from marshmallow import Schema, fields
from sqlalchemy import select

from common import outbox, outbox_relay, outbox_sending
from common.db import db
from common.events import CATALOGUE, EventType, Subscriber
from common.logs import request_id_var
from common.models.tickets import TicketsOutbox

RABBIT_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
pytestmark = pytest.mark.rabbitmq


class Ping(Schema):
    n = fields.Int(required=True)


@pytest.fixture
def rabbit_queue(monkeypatch):
    queue = f"tts_test_{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(
        CATALOGUE,
        "test.ping",
        EventType("test.ping", "tickets", Ping, (Subscriber("test.noop", queue),)),
    )
    broker = RabbitmqBroker(url=RABBIT_URL, confirm_delivery=True)
    broker.declare_queue(queue, ensure=True)  # exists before anything is (or is not) sent
    monkeypatch.setattr(outbox_sending, "get_broker", lambda: broker)
    connection = pika.BlockingConnection(pika.URLParameters(RABBIT_URL))
    channel = connection.channel()
    yield queue, channel, broker, monkeypatch
    for name in (queue, f"{queue}.DQ", f"{queue}.XQ"):
        channel.queue_delete(name)
    connection.close()
    broker.close()


def _take(channel, queue):
    method, _props, body = channel.basic_get(queue, auto_ack=True)
    return None if method is None else json.loads(body)


def test_committed_event_is_published_with_its_id_and_request_id(app, tx, rabbit_queue):
    queue, channel, _broker, _ = rabbit_queue
    with app.app_context():
        token = request_id_var.set("req-abc")
        try:
            event_id = outbox.emit("test.ping", {"n": 7})
            db.session.commit()
        finally:
            request_id_var.reset(token)
        row = db.session.get(TicketsOutbox, event_id)
        assert row.published_at is not None
    message = _take(channel, queue)
    assert message["actor_name"] == "test.noop"
    assert message["args"][0]["id"] == str(event_id)
    assert message["args"][0]["payload"] == {"n": 7}
    assert message["options"]["request_id"] == "req-abc"
    assert _take(channel, queue) is None  # exactly one message per subscriber


def test_rolled_back_event_is_never_published(app, tx, rabbit_queue):
    queue, channel, _broker, _ = rabbit_queue
    with app.app_context():
        outbox.emit("test.ping", {"n": 1})
        db.session.rollback()
    assert _take(channel, queue) is None


def test_events_left_by_an_outage_are_swept_later(app, tx, rabbit_queue):
    queue, channel, broker, monkeypatch = rabbit_queue
    down = RabbitmqBroker(url="amqp://guest:guest@127.0.0.1:1/%2F", confirm_delivery=True)
    monkeypatch.setattr(outbox_sending, "get_broker", lambda: down)
    with app.app_context():
        event_id = outbox.emit("test.ping", {"n": 2})
        db.session.commit()  # the commit succeeds even though the broker is down
        row = db.session.get(TicketsOutbox, event_id)
        db.session.refresh(row)
        assert row.published_at is None and row.attempts == 1
    assert _take(channel, queue) is None

    monkeypatch.setattr(outbox_sending, "get_broker", lambda: broker)
    with app.app_context():
        assert outbox_sending.sweep(["tickets"], grace_seconds=0) == 1
        assert outbox_sending.sweep(["tickets"], grace_seconds=0) == 0  # nothing twice
        published = db.session.scalar(
            select(TicketsOutbox.published_at).where(TicketsOutbox.id == event_id)
        )
    assert published is not None
    assert _take(channel, queue)["args"][0]["id"] == str(event_id)


def test_payloads_are_checked_against_the_catalogue(app, tx):
    with app.app_context(), pytest.raises(outbox.PayloadError):
        outbox.emit("tickets.opened", {"ticket_id": "not a number"})


def test_an_event_nobody_consumes_is_checked_but_not_stored(app, tx):
    from common.events import CATALOGUE

    assert not CATALOGUE["tickets.created"].subscribers
    payload = {"ticket_id": 1, "number": 1000, "requester_id": 1, "subject": "x"}
    with app.app_context():
        assert outbox.emit("tickets.created", payload) is None
        db.session.commit()
        assert db.session.scalars(select(TicketsOutbox)).all() == []
        with pytest.raises(outbox.PayloadError):
            outbox.emit("tickets.created", {"ticket_id": "one"})


def test_the_background_relay_publishes_each_commit_and_marks_them_in_batches(
    app, committed, rabbit_queue
):
    queue, channel, _broker, monkeypatch = rabbit_queue
    relay = outbox_relay.Relay(app, "thread")
    monkeypatch.setitem(app.extensions, outbox_relay.RELAY_KEY, relay)
    marks = []
    real_mark = outbox_relay.mark

    def counting_mark(bind, ids, published):
        marks.append((len(ids), published))
        real_mark(bind, ids, published)

    monkeypatch.setattr(outbox_relay, "mark", counting_mark)
    # Long enough that five quick commits land inside one marking window, even on a busy
    # machine; join() below still returns once the batch is marked.
    monkeypatch.setattr(outbox_relay, "MARK_EVERY", 2.0)
    ids = []
    with app.app_context():  # real commits: the relay works in its own thread
        for n in range(5):
            ids.append(outbox.emit("test.ping", {"n": n}))
            db.session.commit()
        relay.join(timeout=10)
        published = db.session.scalars(
            select(TicketsOutbox.published_at).where(TicketsOutbox.id.in_(ids))
        ).all()
    assert len(published) == 5 and None not in published
    sent = [_take(channel, queue)["args"][0]["payload"]["n"] for _ in range(5)]
    assert sorted(sent) == [0, 1, 2, 3, 4]
    assert _take(channel, queue) is None
    # Five commits, fewer marking transactions: they were batched.
    assert sum(count for count, _ in marks) == 5
    assert all(ok for _, ok in marks) and len(marks) < 5


def test_a_savepoint_neither_publishes_early_nor_drops_events(app, tx, rabbit_queue):
    queue, channel, _broker, _ = rabbit_queue
    with app.app_context():
        event_id = outbox.emit("test.ping", {"n": 3})
        with db.session.begin_nested():  # released: nothing may go out yet
            db.session.get(TicketsOutbox, event_id)
        assert _take(channel, queue) is None
        nested = db.session.begin_nested()
        with pytest.raises(RuntimeError):
            outbox.emit("test.ping", {"n": 4})  # its row could roll back under the relay
        nested.rollback()  # the outer transaction's event stands
        db.session.commit()
    assert _take(channel, queue)["args"][0]["id"] == str(event_id)
    assert _take(channel, queue) is None


def test_a_commit_of_many_events_is_published_in_one_broker_transaction(
    app, tx, rabbit_queue, monkeypatch
):
    queue, channel, _broker, _ = rabbit_queue
    commits = []
    real_commit = pika.adapters.blocking_connection.BlockingChannel.tx_commit

    def counting_commit(self):
        commits.append(self)
        return real_commit(self)

    monkeypatch.setattr(
        pika.adapters.blocking_connection.BlockingChannel, "tx_commit", counting_commit
    )
    with app.app_context():
        ids = [outbox.emit("test.ping", {"n": n}) for n in range(5)]
        db.session.commit()
    assert len(commits) == 1  # five messages, one round trip for the broker's answer
    sent = [_take(channel, queue)["args"][0]["id"] for _ in range(5)]
    assert sorted(sent) == sorted(str(i) for i in ids)
    assert _take(channel, queue) is None


@pytest.mark.parametrize("events", [1, 3])  # alone (enqueue) and in a broker transaction
def test_a_queue_deleted_under_a_running_process_is_declared_again_and_misses_nothing(
    app, tx, rabbit_queue, events
):
    queue, channel, _broker, _ = rabbit_queue
    channel.queue_delete(queue)  # the broker object still believes it declared it
    with app.app_context():
        ids = [outbox.emit("test.ping", {"n": n}) for n in range(events)]
        db.session.commit()
        for event_id in ids:
            assert db.session.get(TicketsOutbox, event_id).published_at is not None
    sent = [_take(channel, queue)["args"][0]["id"] for _ in range(events)]
    assert sorted(sent) == sorted(str(i) for i in ids)
    assert _take(channel, queue) is None


# Found dead on publishing, or already on declaring a queue (one the broker is to declare
# again).
@pytest.mark.parametrize("declare_first", [False, True])
def test_a_connection_the_broker_dropped_is_replaced(app, tx, rabbit_queue, declare_first):
    queue, channel, broker, _ = rabbit_queue
    with app.app_context():
        for n in (1, 2):
            outbox.emit("test.ping", {"n": n})
        db.session.commit()  # opens this thread's publishing channel
        broker.connection.close()  # as a heartbeat timeout or a broker restart would
        if declare_first:
            broker.queues_pending.add(queue)
        ids = [outbox.emit("test.ping", {"n": n}) for n in (3, 4)]
        db.session.commit()
        for event_id in ids:
            assert db.session.get(TicketsOutbox, event_id).published_at is not None
    assert sorted(_take(channel, queue)["args"][0]["payload"]["n"] for _ in range(4)) == [
        1,
        2,
        3,
        4,
    ]
    assert _take(channel, queue) is None


def test_a_batch_that_fails_half_way_leaves_nothing_for_the_next_commit(rabbit_queue):
    from dramatiq import Message

    from common.batch_publish import publish_batch

    queue, channel, broker, _ = rabbit_queue

    def message(n):
        return Message(
            queue_name=queue, actor_name="test.noop", args=({"n": n},), kwargs={}, options={}
        )

    class Unencodable(Message):
        def encode(self):
            raise ValueError("no body")

    bad = Unencodable(queue_name=queue, actor_name="test.noop", args=(), kwargs={}, options={})
    with pytest.raises(ValueError):
        publish_batch(broker, [message(1), bad])  # the first was published, not committed
    publish_batch(broker, [message(2), message(3)])
    assert sorted(_take(channel, queue)["args"][0]["n"] for _ in range(2)) == [2, 3]
    assert _take(channel, queue) is None
