"""Serving the built web UI (web/dist) from the one-process dev server, as nginx does.

API and socket paths go to the services. Everything else is the web UI: a file of the
build when one exists, otherwise ``index.html`` (the UI's router draws the page). Hashed
assets are immutable; ``index.html`` is revalidated on every load, so a rebuild shows at
once. A missing asset is a 404, never the HTML page in place of a script.
"""

from __future__ import annotations

import mimetypes
import socket
from contextlib import suppress
from pathlib import Path

from werkzeug.wrappers import Request, Response
from werkzeug.wsgi import wrap_file

SERVICE_PREFIXES = ("/api/", "/ws/")
IMMUTABLE = "public, max-age=31536000, immutable"


def default_dist() -> Path:
    from common.config import project_root

    return project_root() / "web" / "dist"


class WebUI:
    """WSGI middleware: the services' paths to ``app``, the rest to the built web UI."""

    def __init__(self, app, dist: Path | None = None):
        self.app = app
        self.dist = (dist or default_dist()).resolve()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "/")
        if path.startswith("/ws/") and "werkzeug.socket" in environ:
            return self._socket(environ, start_response)
        if path.startswith(SERVICE_PREFIXES) or path in ("/api", "/ws"):
            return self.app(environ, start_response)
        if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
            return self.app(environ, start_response)
        return self._static(Request(environ), path)(environ, start_response)

    def _socket(self, environ, start_response):
        """A WebSocket on werkzeug's dev server: once the conversation is over, flask-sock
        hands werkzeug an ordinary 200 response, which it writes onto the raw socket;
        a browser still reading it (it closed first) reports "Invalid frame header".
        So the socket stops sending first; werkzeug's write then fails quietly."""
        statuses = []

        def recording_start_response(status, headers, exc_info=None):
            statuses.append(status)
            return start_response(status, headers, exc_info)

        result = self.app(environ, recording_start_response)
        # 200 only follows an upgrade; a refused handshake (401, 404, 429) is sent as is.
        if statuses and statuses[-1].startswith("200"):
            with suppress(OSError):
                environ["werkzeug.socket"].shutdown(socket.SHUT_WR)
        return result

    def _file(self, path: str) -> Path | None:
        candidate = (self.dist / path.lstrip("/")).resolve()
        # Never outside the build (no "..", no symlinks out).
        if candidate.is_relative_to(self.dist) and candidate.is_file():
            return candidate
        return None

    def _static(self, request: Request, path: str) -> Response:
        found = self._file(path) if path != "/" else None
        if found is None and path.startswith("/assets/"):
            return Response("Not Found", 404, content_type="text/plain")
        if found is None:
            found = self._file("index.html")
            if found is None:
                return Response(
                    "The web UI is not built: run scripts/web-build", 503, content_type="text/plain"
                )
        content_type = mimetypes.guess_type(found.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type.endswith("javascript"):
            content_type += "; charset=utf-8"
        handle = found.open("rb")
        response = Response(
            wrap_file(request.environ, handle), content_type=content_type, direct_passthrough=True
        )
        response.content_length = found.stat().st_size
        immutable = found.parent.name == "assets"
        response.headers["Cache-Control"] = IMMUTABLE if immutable else "no-cache"
        return response
