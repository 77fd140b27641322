"""gunicorn settings of a *live* process: the ``/ws/*`` routes of one service, on gevent.

    gunicorn -c python:common.live.gunicorn_conf --bind HOST:PORT chat_api:create_app()

Under the REST processes' gthread worker every open socket holds an OS thread, so a few
dozen open browser tabs exhausted the threads and the API behind them stopped answering.
Here a socket costs a few greenlets (its handler, simple-websocket's reader, our writer)
and a few tens of kB, thousands per process; and nginx sends only ``/ws/*`` here, so REST
capacity never depends on how many sockets are open. It is the same Flask app and the same
flask-sock handlers as the dev server runs on threads: gevent patches the standard library
(threads, sockets, ``select``) under them.

psycopg2 is made cooperative by psycogreen's wait callback: a query waits in the event
loop instead of blocking it. (psycopg2's own ``wait_select`` would do on few sockets, but
``select()`` refuses descriptors above 1024, which a process holding a thousand sockets
hands to its next database connection.)
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
