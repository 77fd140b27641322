"""Two replicas of every service and worker, behind the production nginx over TLS.

The module brings up ``scripts/stack up --scale 2`` on its own databases (``tts_e2s_*``),
RabbitMQ virtual host, ports and run directory (distinct from test_stack_flow's, so both
modules run in one session), proves the core flow on it, then puts the production nginx
configuration (nginx/, rendered by tests/deploy/prod_nginx.py) in front of the same
servers over TLS. Rate limits get an nginx instance of their own, so the requests they
refuse cannot fail any other test.
"""

from __future__ import annotations

import json
import ssl
import tempfile
import time
from pathlib import Path

import pytest
import requests
import websocket

from common.api_docs import DOCS_CSP
from tests.deploy.prod_nginx import ProdNginx
from tests.e2e.stack_support import (
    AGENT,
    COORDINATOR,
    DEMO_PASSWORD,
    EMPLOYEE,
    PREFIXES,
    TICKET,
    User,
    assert_edge_refusals_are_problem_documents,
    create_ticket,
    receive_message,
    running_stack,
    stack_env,
    wait_for,
)

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

STACK_PORT, BASE_PORT = 8280, 8200
EDGE = f"http://127.0.0.1:{STACK_PORT}"
TLS_HTTP, TLS_HTTPS = 8480, 8443
LIMIT_HTTP, LIMIT_HTTPS = 8481, 8444
SERVICES = ("auth", "tickets", "workflow", "chat", "notify", "chat-live", "notify-live")
# scripts/stack --scale 2: services take consecutive ports, two each, in this order.
PORTS = {name: [BASE_PORT + 1 + 2 * i, BASE_PORT + 2 + 2 * i] for i, name in enumerate(SERVICES)}
WORKER_METRICS = [BASE_PORT + 51 + n for n in range(6)]
SECURITY_HEADERS = (
    "Strict-Transport-Security",
    "X-Content-Type-Options",
    "X-Frame-Options",
    "Referrer-Policy",
    "Content-Security-Policy",
    "Permissions-Policy",
)


@pytest.fixture(scope="module")
def scaled_stack():
    env = stack_env(
        Path(tempfile.gettempdir()) / "tts-e2e-scaled-stack", "e2s", STACK_PORT, BASE_PORT
    )
    env["TTS_STACK_GUNICORN_WORKERS"] = "1"
    with running_stack(env, "--scale", "2") as running:
        yield running


@pytest.fixture(scope="module")
def tls_edge(scaled_stack):
    edge = ProdNginx(Path(tempfile.gettempdir()) / "tts-e2e-tls-edge", TLS_HTTP, TLS_HTTPS, PORTS)
    edge.start()
    yield edge
    edge.stop()


def _https(edge: ProdNginx) -> requests.Session:
    session = requests.Session()
    session.trust_env = False
    session.verify = str(edge.cert)
    return session


def _metric(url: str, name: str, **labels: str) -> float:
    body = requests.get(url, timeout=5).text
    wanted = [f'{key}="{value}"' for key, value in labels.items()]
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in body.splitlines()
        if line.startswith(name + "{") and all(w in line for w in wanted)
    )


# --- the core flow on two replicas of everything -----------------------------------------


def test_core_flow_with_two_replicas_of_every_service_and_worker(scaled_stack):
    employee = User(EMPLOYEE, EDGE)
    coordinator = User(COORDINATOR, EDGE)
    agent = User(AGENT, EDGE)
    ticket_ids, request_ids = [], []
    for n in range(6):
        ticket_id = create_ticket(employee, f"scaled e2e {n}")["id"]
        approved = coordinator.post(f"/api/tickets/{ticket_id}/approve", {"priority": "high"})
        assert approved.status_code == 200, approved.text
        ticket_ids.append(ticket_id)
        request_ids.append(approved.headers["X-Request-ID"])  # nginx's $request_id
    for ticket_id in ticket_ids:
        wait_for(
            lambda ticket_id=ticket_id: agent.get(f"/api/tickets/{ticket_id}").status_code == 200,
            20,
            f"ticket {ticket_id} assigned to the agent",
        )
    tasks = agent.get("/api/workflow/tasks?assignee=me").json()["items"]
    assert set(ticket_ids) <= {task["ticket_id"] for task in tasks}

    # nginx spread the requests over both replicas of each service it was asked about.
    for name in ("auth", "tickets", "workflow"):
        served = [
            _metric(f"http://127.0.0.1:{port}/api/{name}/metrics", "tts_http_requests_total")
            for port in PORTS[name]
        ]
        assert all(count > 0 for count in served), (name, served)
    # The approval's request id reached the workflow workers' JSON logs with its event.
    run_dir = Path(scaled_stack["TTS_STACK_RUN_DIR"])

    def handled_with(request_id: str) -> bool:
        for log in run_dir.glob("worker-workflow-*.log"):
            for line in log.read_text(errors="replace").splitlines():
                if line.startswith("{") and request_id in line:
                    record = json.loads(line)
                    if record["request_id"] == request_id and record["message"] == "event handled":
                        return True
        return False

    for request_id in request_ids:
        wait_for(lambda r=request_id: handled_with(r), 10, f"worker log with {request_id}")

    # The workers consumed the events; Dramatiq's middleware counted them.
    handled = sum(
        _metric(f"http://127.0.0.1:{port}/", "dramatiq_messages_total") for port in WORKER_METRICS
    )
    assert handled >= 2 * len(ticket_ids)


# --- the production nginx over TLS ---------------------------------------------------------


def test_plain_http_redirects_to_https(tls_edge):
    response = requests.get(
        f"http://127.0.0.1:{TLS_HTTP}/api/tickets?page=2", allow_redirects=False, timeout=5
    )
    assert response.status_code == 301
    assert response.headers["Location"] == f"https://127.0.0.1:{TLS_HTTPS}/api/tickets?page=2"
    assert response.headers["X-Frame-Options"] == "DENY"


@pytest.mark.parametrize(
    "path, status",
    [
        *((f"{prefix}/ready", 200) for prefix in PREFIXES),
        *((f"{prefix}/openapi.json", 200) for prefix in PREFIXES),
        ("/api/tickets/docs", 200),
        ("/health", 200),
        ("/api/tickets/999999", 401),
        ("/api/tickets/metrics", 404),
        # A page path is the web UI (its router shows "not found"); an API path is not.
        ("/nowhere", 200),
        ("/api/nowhere", 404),
    ],
)
def test_routes_answer_over_tls_with_every_security_header(tls_edge, path, status):
    response = _https(tls_edge).get(f"https://127.0.0.1:{TLS_HTTPS}{path}", timeout=10)
    assert response.status_code == status, response.text
    missing = [name for name in SECURITY_HEADERS if name not in response.headers]
    assert not missing, f"{path}: missing {missing}"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert "Retry-After" not in response.headers
    csp = response.headers["Content-Security-Policy"]
    # One policy (the service's copy is hidden), naming no CDN: the docs pages load
    # Swagger UI from their service.
    if path.endswith("/docs"):
        assert csp == DOCS_CSP
    assert "cdn.jsdelivr.net" not in csp


def test_responses_are_compressed_and_uploads_limited(tls_edge):
    session = _https(tls_edge)
    spec = session.get(f"https://127.0.0.1:{TLS_HTTPS}/api/tickets/openapi.json", timeout=10)
    assert spec.headers.get("Content-Encoding") == "gzip"
    too_big = session.post(
        f"https://127.0.0.1:{TLS_HTTPS}/api/tickets",
        data=b"x" * (26 * 1024 * 1024 + 1),
        headers={"Content-Type": "application/octet-stream"},
        timeout=30,
    )
    assert too_big.status_code == 413
    assert "Strict-Transport-Security" in too_big.headers


def test_websocket_through_tls_reaches_chat(tls_edge):
    base = f"https://127.0.0.1:{TLS_HTTPS}"
    session = _https(tls_edge)
    login = session.post(
        f"{base}/api/auth/login",
        json={"email": EMPLOYEE, "password": DEMO_PASSWORD},
        timeout=10,
    )
    assert login.status_code == 200, login.text
    token = login.json()["access_token"]
    created = session.post(
        f"{base}/api/tickets",
        json={**TICKET, "subject": "tls websocket"},
        headers={"Authorization": f"Bearer {token}"},
        timeout=10,
    )
    assert created.status_code == 201, created.text
    ws = websocket.create_connection(
        f"wss://127.0.0.1:{TLS_HTTPS}/ws/chat/tickets/{created.json()['id']}",
        header=[f"Authorization: Bearer {token}"],
        sslopt={"cert_reqs": ssl.CERT_REQUIRED, "ca_certs": str(tls_edge.cert)},
        timeout=10,
    )
    try:
        assert json.loads(ws.recv())["type"] == "ready"
        ws.send(json.dumps({"type": "message", "body": "over TLS"}))
        receive_message(ws, "over TLS")
    finally:
        ws.close()


def test_edge_refusals_are_problem_documents_over_tls(tls_edge):
    assert_edge_refusals_are_problem_documents(f"https://127.0.0.1:{TLS_HTTPS}", _https(tls_edge))


# --- rate limits, on an nginx of their own -------------------------------------------------


@pytest.fixture(scope="module")
def limit_edge(scaled_stack):
    edge = ProdNginx(
        Path(tempfile.gettempdir()) / "tts-e2e-limit-edge", LIMIT_HTTP, LIMIT_HTTPS, PORTS
    )
    edge.start()
    yield edge
    edge.stop()


@pytest.mark.parametrize("path, burst", [("/api/auth/health", 10), ("/api/tickets/health", 40)])
def test_a_burst_beyond_the_limit_gets_429_with_retry_after(limit_edge, path, burst):
    session = _https(limit_edge)
    statuses = [
        session.get(f"https://127.0.0.1:{LIMIT_HTTPS}{path}", timeout=5).status_code
        for _ in range(burst + 15)
    ]
    assert statuses[: burst // 2] == [200] * (burst // 2)  # the burst is allowed
    assert 429 in statuses
    refused = session.get(f"https://127.0.0.1:{LIMIT_HTTPS}{path}", timeout=5)
    assert refused.status_code == 429
    assert refused.headers["Retry-After"] == "1"
    assert refused.headers["Content-Type"] == "application/problem+json"
    assert all(name in refused.headers for name in SECURITY_HEADERS)
    time.sleep(2.5)  # the bucket refills: the client may come back
    assert session.get(f"https://127.0.0.1:{LIMIT_HTTPS}{path}", timeout=5).status_code == 200
