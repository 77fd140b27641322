"""WebSocket routes that authorise *before* the upgrade.

flask-sock performs the handshake before calling the handler, so a refused caller would
first get a socket and then a close. Here a ``guard`` runs first: when it raises, the
client gets an ordinary 401/404 problem response and no socket. The handshake and
teardown themselves are flask-sock's own code, reused as is.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from flask import Flask, g
from flask_sock import Sock

from common.problems import Unauthorized
from common.revocation import is_revoked

# An idle socket still wakes this often to notice an expired or revoked token.
RECHECK_SECONDS = 30


def check_session(claims: dict) -> None:
    """Raise 401 once the socket's token has expired or its session was revoked."""
    if time.time() >= claims["exp"] or is_revoked(claims):
        raise Unauthorized("Your session ended")


class _CaptureRoute:
    """Stands in for a blueprint so flask-sock hands us its wrapped view function."""

    view: Callable | None = None

    def route(self, _path, **_options):
        def register(view):
            self.view = view
            return view

        return register


def guarded_websocket(app: Flask, sock: Sock, path: str, guard: Callable, endpoint: str):
    """Register ``handler(ws, context, **url_args)`` at ``path`` behind ``guard(**url_args)``."""

    def decorator(handler: Callable) -> Callable:
        def with_context(ws, **kwargs):
            return handler(ws, g.ws_context, **kwargs)

        capture = _CaptureRoute()
        sock.route(path, bp=capture)(with_context)
        upgrade = capture.view

        def view(**kwargs):
            g.ws_context = guard(**kwargs)  # raises DomainError -> problem, no upgrade
            return upgrade(**kwargs)

        app.add_url_rule(path, endpoint=endpoint, view_func=view, websocket=True)
        return handler

    return decorator
