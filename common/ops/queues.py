"""The queue backend of this process: RabbitMQ, or the in-process broker (dev, tests)."""

from __future__ import annotations

import os
import socket

from common.broker import get_broker, is_stub
from common.config import Config
from common.ops.rabbitmq import RabbitQueues
from common.ops.stub_queues import StubQueues


def queues_for(config: Config) -> RabbitQueues | StubQueues:
    broker = get_broker(config)
    if is_stub(broker):
        return StubQueues(broker)
    # Named after this process, so RabbitMQ's connection list says who is looking.
    name = f"tts-ops@{socket.gethostname()}:{os.getpid()}"
    return RabbitQueues(config.broker_url, config.rabbitmq_management_url, name)
