"""gunicorn settings of a *live* process: the ``/ws/*`` routes of one service, on gevent.

    gunicorn -c python:common.live.gunicorn_conf --bind HOST:PORT chat_api:create_app()

Under gthread every open socket holds an OS thread, and a few dozen browser tabs took the
API behind them down. On gevent a socket costs a few greenlets, and nginx sends only
``/ws/*`` here, so REST capacity never depends on open sockets. It is the same app and the
same flask-sock handlers as the dev server runs on threads. psycogreen makes psycopg2 wait
in the event loop (psycopg2's own ``wait_select`` refuses descriptors above 1024, which a
process holding a thousand sockets reaches). More: docs/architecture.md, "Live sockets".
"""

from __future__ import annotations

import os
import resource

worker_class = "gevent"
# One event loop per process: scale out with more live processes, not workers.
workers = 1
# Open sockets (and requests) one process accepts at once.
worker_connections = int(os.environ.get("TTS_LIVE_MAX_CONNECTIONS", "10000"))
keepalive = 75
# Open sockets close at shutdown; clients reconnect with ?after= and lose nothing.
graceful_timeout = 5
timeout = 60
# gevent must patch the standard library before the app is imported: no preload.
preload_app = False
control_socket_disable = True
# As long a request line as nginx passes (nginx/snippets/edge-refusals.conf).
limit_request_line = 8190


def on_starting(server) -> None:
    """Each socket is a file descriptor: allow as many as the hard limit permits."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = worker_connections + 256
    if hard != resource.RLIM_INFINITY:
        wanted = min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < wanted:
        resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))


def post_worker_init(worker) -> None:
    from psycogreen.gevent import patch_psycopg

    patch_psycopg()
