"""Entry module for ``dramatiq common.worker``: sets up the broker, then imports the actors
of the services named in ``TTS_WORKER_SERVICES`` (comma-separated)."""

from __future__ import annotations

import os

from common.actors import app_for
from common.broker import get_broker
from common.config import Config
from common.logs import configure_logging
from common.metrics import enable_worker_metrics
from common.ops.heartbeats import WorkerHeartbeat
from common.services import discover, load

config = Config.from_env()
configure_logging(config.log_level, config.log_json)
broker = get_broker(config)
enable_worker_metrics(broker, config.worker_metrics_port)

_names = [n for n in os.environ.get("TTS_WORKER_SERVICES", "").split(",") if n] or list(discover())
for _name in _names:
    _spec = discover()[_name]
    if _spec.tasks:
        load(_spec.tasks)
_queues = tuple(q for name in _names for q in discover()[name].queues)
broker.add_middleware(WorkerHeartbeat(tuple(_names), _queues, config.heartbeat_seconds, app_for))
