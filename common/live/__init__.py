"""The live layer: WebSockets that push committed changes to the people watching them.

- ``hub``: one LISTEN connection per process and channel turns PostgreSQL NOTIFYs (sent in
  the writing transaction) into frames for this process's subscribers.
- ``subscriber``: one open socket's bounded outgoing queue and its writer, so a client
  that stops reading is closed instead of slowing the hub or anyone else.
- ``registry``: the per-user cap on open sockets, counted across every live process.
- ``endpoint``: authorisation before the upgrade, then the socket's receive loop.
- ``frames``: the frame and close-code vocabulary both services speak.
- ``gunicorn_conf``: how a live process is served (gevent: a socket costs a greenlet, not
  an OS thread), apart from the REST processes.
"""
