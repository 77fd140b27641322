"""Publishing a batch of Dramatiq messages to RabbitMQ with one round trip.

Dramatiq's ``enqueue`` on a confirming channel waits for the broker's confirm of each
message before sending the next, so a relay pass of N messages cost N round trips (and
a poll of the socket for each). A transactional channel carries the same guarantee for a
whole batch: RabbitMQ takes responsibility for the published messages, durably, when it
answers ``tx.commit`` (https://www.rabbitmq.com/docs/semantics), and drops them if the
channel dies before that. So N messages cost one wait, for ``tx.commit-ok``.

The channel lives beside the broker's own confirming channel, on the broker's connection
of the calling thread, so the broker's ``close()`` (and its reset after a connection
error) ends it too.

A lone message still goes through ``enqueue``: measured on RabbitMQ 3.10 with pika 1.4,
one confirmed publish costs less client CPU than a publish plus a ``tx.commit`` (0.41 vs
0.54 ms), while from two messages on the transaction costs less on both sides (per
message at two: 0.35 vs 0.36 ms in Python and 0.28 vs 0.43 ms in RabbitMQ; at four: 0.25
vs 0.39 and 0.20 vs 0.48). Other brokers (the in-process one of tests and the dev server)
get every message through ``enqueue``.
"""

from __future__ import annotations

import contextlib
import threading

import pika
from dramatiq import Message
from dramatiq.brokers.rabbitmq import RabbitmqBroker
from dramatiq.errors import ConnectionClosed

# A stale connection (idle past its heartbeat) is replaced once; a deleted queue is
# declared again once.
ATTEMPTS = 2

_local = threading.local()


class Unroutable(ConnectionClosed):
    """RabbitMQ returned messages no queue took (their queue was deleted meanwhile)."""


def publish_batch(broker, messages: list[Message]) -> None:
    """Publish ``messages``: once this returns, the broker holds every one of them.

    On failure, raises and the caller must treat none as sent (a batch sent twice is
    safe: consumers drop duplicates by event id)."""
    if not messages:
        return
    if len(messages) == 1 or not isinstance(broker, RabbitmqBroker):
        for message in messages:
            broker.declare_queue(message.queue_name)
            broker.enqueue(message)
        return
    pending = messages
    for attempt in range(1, ATTEMPTS + 1):
        try:
            returned = _publish_in_one_transaction(broker, pending)
        except (pika.exceptions.AMQPConnectionError, pika.exceptions.AMQPChannelError) as e:
            del broker.connection  # and with it the channel, and what it had not committed
            if attempt == ATTEMPTS:
                raise ConnectionClosed(e) from None
            continue
        if not returned:
            return
        # A queue deleted under this process: declared again, and sent what it missed
        # (as Dramatiq's enqueue does).
        broker.queues_pending.update(returned)
        pending = [message for message in pending if message.queue_name in returned]
    raise Unroutable(f"no queue took the messages for {sorted(returned)}")


def _publish_in_one_transaction(broker: RabbitmqBroker, messages: list[Message]) -> set[str]:
    """Publish and commit; returns the queues of the messages RabbitMQ could not route."""
    for queue_name in {message.queue_name for message in messages}:
        broker.declare_queue(queue_name, ensure=True)  # once per process and queue
    channel, returned = _channel(broker)
    returned.clear()
    try:
        _publish_all(broker, channel, messages)
        channel.tx_commit()
        channel.connection.process_data_events(time_limit=0)  # runs the return callbacks
    except BaseException:
        # This channel is done: nothing published on it and not committed may ride along
        # with a later commit. The next batch opens a fresh one.
        _channels().pop(id(broker), None)
        with contextlib.suppress(Exception):  # a dead channel is dropped all the same
            channel.close()
        raise
    for message in messages:
        if message.queue_name not in returned:
            broker.emit_after("enqueue", message, None)
    return set(returned)


def _publish_all(broker: RabbitmqBroker, channel, messages: list[Message]) -> None:
    for message in messages:
        broker.emit_before("enqueue", message, None)
        channel.basic_publish(
            exchange="",
            routing_key=message.queue_name,
            body=message.encode(),
            properties=pika.BasicProperties(
                delivery_mode=2, priority=message.options.get("broker_priority")
            ),
            # A message no queue takes comes back (basic.return) before tx.commit-ok.
            mandatory=True,
        )


def _channels() -> dict:
    if not hasattr(_local, "channels"):
        _local.channels = {}
    return _local.channels


def _channel(broker: RabbitmqBroker):
    """This thread's transactional channel on ``broker``, and its list of returns."""
    channels = _channels()
    held = channels.get(id(broker))
    if held is not None and held[0].is_open and held[0].connection is broker.connection:
        return held
    channel = broker.connection.channel()
    returned: list[str] = []
    channel.add_on_return_callback(
        lambda _channel, method, _properties, _body: returned.append(method.routing_key)
    )
    channel.tx_select()
    channels[id(broker)] = held = (channel, returned)
    return held
