"""The Dramatiq broker of this process: RabbitMQ in production, in-process elsewhere.

Actors bind to a broker when they are declared, so the broker is made once, from the
environment, before any ``tasks`` module is imported (``get_broker`` does it lazily).
"""

from __future__ import annotations

import os
import socket
import sys
import threading
from pathlib import Path

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.middleware import CurrentMessage, Retries, TimeLimit

from common.config import Config
from common.json_codec import OrjsonEncoder

# Kept well under RabbitMQ's consumer_timeout (30 min): a message held longer is requeued
# by the broker and delivered twice, and delayed retries longer than that break entirely.
ACTOR_DEFAULTS = {
    "max_retries": 8,
    "min_backoff": 500,  # ms
    "max_backoff": 5 * 60_000,  # ms
    "time_limit": 60_000,  # ms
}

_lock = threading.Lock()
_broker: dramatiq.Broker | None = None


def connection_name() -> str:
    """What RabbitMQ's connection list shows for this process: program, services, host, pid."""
    services = os.environ.get("TTS_WORKER_SERVICES", "")
    program = Path(sys.argv[0]).name if sys.argv and sys.argv[0] else "python"
    return f"tts {program} {services}".strip() + f"@{socket.gethostname()}:{os.getpid()}"


def middleware() -> list[dramatiq.Middleware]:
    """Dramatiq's defaults, less the four no actor of ours uses (AgeLimit: no ``max_age``;
    ShutdownNotifications: no ``notify_shutdown``; Callbacks: no ``on_success`` or
    ``on_failure``; Pipelines: no pipelines), plus CurrentMessage. Each middleware is
    called at every step of every message, used or not."""
    return [TimeLimit(), Retries(), CurrentMessage()]


def build_broker(url: str) -> dramatiq.Broker:
    if url == "stub":
        from common.ops.stub_queues import InProcessConsumers

        # The Operations status counts a queue's consumers; this broker's are the workers
        # of this process (the dev server's), which only a middleware sees start and stop.
        broker = StubBroker(middleware=[*middleware(), InProcessConsumers()])
    else:
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        # Publisher confirms: enqueue returns only once RabbitMQ has the message.
        broker = RabbitmqBroker(url=url, confirm_delivery=True, middleware=middleware())
        for parameters in (
            broker.parameters if isinstance(broker.parameters, list) else [broker.parameters]
        ):
            parameters.client_properties = {"connection_name": connection_name()}
    return broker


def get_broker(config: Config | None = None) -> dramatiq.Broker:
    global _broker
    with _lock:
        if _broker is None:
            config = config or Config.from_env()
            _broker = build_broker(config.broker_url)
            dramatiq.set_broker(_broker)
            dramatiq.set_encoder(OrjsonEncoder())
        return _broker


def is_stub(broker: dramatiq.Broker) -> bool:
    return isinstance(broker, StubBroker)
