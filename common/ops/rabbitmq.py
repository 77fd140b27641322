"""RabbitMQ as operators see it: queue facts, and the dead letters of a queue.

Facts (depths, consumers, rates) come from the management API, read with a
monitoring-only user (``TTS_RABBITMQ_MANAGEMENT_URL``). Dead letters are read and moved
over AMQP with the service's own broker credentials:

- reading takes messages from ``<queue>.XQ`` without acknowledging them and hands every
  one back at the end, so a look never loses or reorders anything for long;
- requeueing publishes a fresh copy to ``<queue>`` with publisher confirms and acks the
  dead letter only after RabbitMQ confirmed the copy: a crash in between leaves both,
  and consumers drop the second delivery by its event id;
- discarding acks the chosen dead letters; purging empties ``<queue>.XQ`` only if it
  holds exactly the count the operator typed back.
"""

from __future__ import annotations

import dataclasses
import json
import time
from contextlib import contextmanager
from dataclasses import dataclass, field
from urllib.parse import quote, unquote, urlparse

import pika
import requests
from dramatiq.message import Message

from common.ops.redaction import redact

TIMEOUT = 3.0
# Options a requeued copy must not inherit: it starts with a full retry budget, now.
RESET_OPTIONS = ("retries", "traceback", "eta", "requeue_timestamp", "redelivered")


class BrokerUnavailable(RuntimeError):
    """RabbitMQ (or its management API) did not answer."""


@dataclass
class QueueFacts:
    name: str
    ready: int = 0
    unacked: int = 0
    delayed: int = 0
    dead: int = 0
    consumers: int = 0
    publish_rate: float = 0.0  # messages per second, as RabbitMQ averages them
    deliver_rate: float = 0.0
    ack_rate: float = 0.0
    oldest_ready_seconds: float | None = None


@dataclass
class DeadLetter:
    message_id: str
    queue: str
    actor: str
    event_id: str | None
    event: str | None
    attempts: int
    dead_since: float | None  # seconds since the epoch, when it was last retried
    arguments: str  # redacted
    options: dict = field(default_factory=dict)


@dataclass
class Moved:
    """The result of requeueing or discarding: which message ids, and how many seen."""

    done: list[str]
    scanned: int


def fresh_copy(message: Message, queue: str) -> Message:
    """The message again, on ``queue``, as if never tried: a full retry budget, due now.
    (``Message.copy`` merges options; the spent ones must go.)"""
    options = {k: v for k, v in message.options.items() if k not in RESET_OPTIONS}
    return dataclasses.replace(message, queue_name=queue, options=options)


def vhost_of(broker_url: str) -> str:
    return unquote(urlparse(broker_url).path[1:]) or "/"


def describe(body: bytes, queue: str) -> DeadLetter:
    message = Message.decode(body)
    envelope = message.args[0] if message.args and isinstance(message.args[0], dict) else {}
    stamp = message.options.get("requeue_timestamp")
    return DeadLetter(
        message_id=message.message_id,
        queue=queue,
        actor=message.actor_name,
        event_id=message.options.get("event_id") or envelope.get("id"),
        event=envelope.get("name"),
        attempts=int(message.options.get("retries") or 0),
        dead_since=stamp / 1000 if stamp else None,
        arguments=redact(json.dumps(envelope.get("payload", message.args), default=str), 2_000),
        options={k: v for k, v in message.options.items() if k not in ("traceback",)},
    )


class RabbitQueues:
    def __init__(self, broker_url: str, management_url: str, connection_name: str = "tts-ops"):
        self.broker_url = broker_url
        self.management_url = management_url.rstrip("/")
        self.vhost = vhost_of(broker_url)
        self.connection_name = connection_name

    # --- facts, from the management API ---------------------------------------------------

    def facts(self, queues: list[str]) -> list[QueueFacts]:
        parsed = urlparse(self.management_url)
        auth = (unquote(parsed.username or ""), unquote(parsed.password or ""))
        base = parsed._replace(netloc=parsed.hostname + (f":{parsed.port}" if parsed.port else ""))
        url = f"{base.geturl()}/api/queues/{quote(self.vhost, safe='')}"
        by_name = _queue_rows(url, auth)
        found = []
        for name in queues:
            row, dq, xq = (by_name.get(n, {}) for n in (name, f"{name}.DQ", f"{name}.XQ"))
            stats = row.get("message_stats") or {}
            found.append(
                QueueFacts(
                    name=name,
                    ready=row.get("messages_ready", 0),
                    unacked=row.get("messages_unacknowledged", 0),
                    # Retries wait in .DQ; a worker holds the due ones unacked there.
                    delayed=dq.get("messages", 0),
                    dead=xq.get("messages", 0),
                    consumers=row.get("consumers", 0),
                    publish_rate=_rate(stats, "publish"),
                    deliver_rate=_rate(stats, "deliver_get"),
                    ack_rate=_rate(stats, "ack"),
                )
            )
        self._oldest_ready(found)
        return found

    def _oldest_ready(self, facts: list[QueueFacts]) -> None:
        """How long the head of each queue with ready messages has waited (a stall shows)."""
        waiting = [f for f in facts if f.ready]
        if not waiting:
            return
        with self._channel() as channel:
            for fact in waiting:
                method, _, body = channel.basic_get(fact.name, auto_ack=False)
                if method is None:
                    continue
                channel.basic_nack(method.delivery_tag, requeue=True)
                stamp = Message.decode(body).message_timestamp
                fact.oldest_ready_seconds = max(0.0, time.time() - stamp / 1000)

    # --- dead letters, over AMQP ---------------------------------------------------------

    @contextmanager
    def _channel(self):
        parameters = pika.URLParameters(self.broker_url)
        parameters.client_properties = {"connection_name": self.connection_name}
        parameters.socket_timeout = TIMEOUT
        try:
            connection = pika.BlockingConnection(parameters)
        except pika.exceptions.AMQPError as error:
            raise BrokerUnavailable(f"RabbitMQ: {error!r}") from error
        try:
            yield connection.channel()
        finally:
            if connection.is_open:
                connection.close()  # unacknowledged deliveries go back to their queue

    def dead_count(self, queue: str) -> int:
        with self._channel() as channel:
            return channel.queue_declare(f"{queue}.XQ", passive=True).method.message_count

    def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]:
        with self._channel() as channel:
            taken = self._take(channel, queue, limit)
            return [describe(body, queue) for _, body in taken]

    def _take(self, channel, queue: str, limit: int) -> list[tuple[int, bytes]]:
        taken = []
        while len(taken) < limit:
            method, _, body = channel.basic_get(f"{queue}.XQ", auto_ack=False)
            if method is None:
                break
            taken.append((method.delivery_tag, body))
        return taken

    def requeue(self, queue: str, message_ids: set[str] | None, limit: int) -> Moved:
        """Move the chosen dead letters (all, up to ``limit``, when ``message_ids`` is None)."""
        with self._channel() as channel:
            channel.confirm_delivery()
            taken = self._take(channel, queue, limit if message_ids is None else 1_000_000)
            done = []
            for tag, body in taken:
                message = Message.decode(body)
                if message_ids is not None and message.message_id not in message_ids:
                    continue
                fresh = fresh_copy(message, queue)
                # With confirms on, a nack or an unroutable copy raises here: nothing acked.
                channel.basic_publish(
                    exchange="",
                    routing_key=queue,
                    body=fresh.encode(),
                    properties=pika.BasicProperties(delivery_mode=2),
                    mandatory=True,
                )
                channel.basic_ack(tag)
                done.append(message.message_id)
            return Moved(done=done, scanned=len(taken))

    def discard(self, queue: str, message_ids: set[str]) -> Moved:
        with self._channel() as channel:
            taken = self._take(channel, queue, 1_000_000)
            done = []
            for tag, body in taken:
                message_id = Message.decode(body).message_id
                if message_id in message_ids:
                    channel.basic_ack(tag)
                    done.append(message_id)
            return Moved(done=done, scanned=len(taken))

    def purge(self, queue: str, expected: int) -> int:
        with self._channel() as channel:
            count = channel.queue_declare(f"{queue}.XQ", passive=True).method.message_count
            if count != expected:
                raise ValueError(
                    f"{queue}.XQ holds {count} dead letters, not {expected}: nothing purged"
                )
            return channel.queue_purge(f"{queue}.XQ").method.message_count


# One answer serves every service asking within a second (``tts jobs status`` asks for
# each service's queues in turn; the Operations pages ask every service at once).
_ROWS_SECONDS = 1.0
_rows_cache: dict[str, tuple[float, dict]] = {}


def _queue_rows(url: str, auth: tuple[str, str]) -> dict[str, dict]:
    cached = _rows_cache.get(url)
    if cached and time.monotonic() - cached[0] < _ROWS_SECONDS:
        return cached[1]
    try:
        response = requests.get(url, auth=auth, timeout=TIMEOUT)
        response.raise_for_status()
    except requests.RequestException as error:
        raise BrokerUnavailable(f"RabbitMQ management API: {error}") from error
    rows = {row["name"]: row for row in response.json()}
    _rows_cache[url] = (time.monotonic(), rows)
    return rows


def _rate(stats: dict, name: str) -> float:
    return float((stats.get(f"{name}_details") or {}).get("rate") or 0.0)


def ensure_monitoring_user(management_url: str, broker_url: str) -> str:
    """Create (or update) the management API user of ``management_url``: tag
    ``monitoring``, no AMQP rights on the vhost (it reads facts, never messages). The
    broker URL's user (the administrator the services use) makes it."""
    monitor = urlparse(management_url)
    admin = urlparse(broker_url)
    user = unquote(monitor.username or "")
    if not user or not monitor.password:
        raise ValueError("TTS_RABBITMQ_MANAGEMENT_URL must carry the monitoring user and password")
    base = f"{monitor.scheme}://{monitor.hostname}" + (f":{monitor.port}" if monitor.port else "")
    auth = (unquote(admin.username or ""), unquote(admin.password or ""))
    vhost = quote(vhost_of(broker_url), safe="")
    calls = (
        (f"/api/users/{quote(user, safe='')}",
         {"password": unquote(monitor.password), "tags": "monitoring"}),
        (f"/api/permissions/{vhost}/{quote(user, safe='')}",
         {"configure": "^$", "write": "^$", "read": "^$"}),
    )  # fmt: skip
    for path, body in calls:
        response = requests.put(base + path, json=body, auth=auth, timeout=TIMEOUT)
        if response.status_code not in (200, 201, 204):
            raise BrokerUnavailable(f"PUT {path}: {response.status_code} {response.text[:200]}")
    return user
