"""The production nginx in front of a service's API docs: the page, its Swagger UI assets
and start script come through from the service, under one CSP (nginx's, the same words
as the service's, whose copy is hidden) that names no other origin."""

from __future__ import annotations

import socket
import threading

import pytest
import requests
from flask import Flask
from werkzeug.serving import make_server

from common.api_docs import DOCS_CSP, docs_blueprint
from common.services import discover
from tests.deploy.prod_nginx import ProdNginx

SERVICES = ("auth", "tickets", "workflow", "chat", "notify", "chat-live", "notify-live")


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    # The tickets service's docs alone, as the service serves them (no database needed).
    docs = Flask("docs")
    docs.register_blueprint(docs_blueprint(discover()["tickets"]))
    server = make_server("127.0.0.1", 0, docs, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    unused = _free_port()
    ports = {name: [unused] for name in SERVICES}
    ports["tickets"] = [server.server_port]
    nginx = ProdNginx(tmp_path_factory.mktemp("edge"), _free_port(), _free_port(), ports)
    nginx.start()
    session = requests.Session()
    session.trust_env = False
    session.verify = str(nginx.cert)
    yield f"https://localhost:{nginx.https_port}", session
    nginx.stop()
    server.shutdown()


@pytest.mark.parametrize(
    "path",
    [
        "/api/tickets/docs",
        "/api/tickets/docs/start.js",
        "/api/tickets/docs/assets/swagger-ui-bundle.js",
        "/api/tickets/docs/assets/swagger-ui.css",
    ],
)
def test_the_docs_come_through_under_one_policy_of_this_origin(edge, path):
    base, session = edge
    response = session.get(base + path, timeout=10)
    assert response.status_code == 200, response.text[:200]
    # requests joins repeated headers with ", ": equality means exactly one.
    assert response.headers["Content-Security-Policy"] == DOCS_CSP
