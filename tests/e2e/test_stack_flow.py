"""The core flow through the production-like stack: nginx, gunicorn, RabbitMQ, workers.

The module brings up ``scripts/stack`` on its own databases (``tts_e2e_*``, dropped first)
and its own RabbitMQ virtual host (recreated first), so nothing of a developer's data is
read, consumed or changed, and stops it afterwards whatever happened. A missing nginx or
server makes these tests fail, never skip: they are the proof that the edge works.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
import requests
import websocket
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from common.config import Config
from common.services import discover
from tests.conftest import TEST_ENV
from tests.support import DEMO_PASSWORD, TICKET

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(300)]

ROOT = Path(__file__).resolve().parents[2]
EDGE = "http://127.0.0.1:8080"
WS_EDGE = "ws://127.0.0.1:8080"
CHAT_PROCESSES = ("127.0.0.1:8104", "127.0.0.1:8105")
PREFIXES = ("/api/auth", "/api/tickets", "/api/workflow", "/api/chat", "/api/notifications")
VHOST = "tts_e2e"
EMPLOYEE, COORDINATOR, AGENT = (
    "employee@example.com",
    "coordinator@example.com",
    "agent@example.com",
)


# --- the stack --------------------------------------------------------------------------


def _stack_env(run_dir: Path) -> dict[str, str]:
    # tests/conftest.py points this process at the stub broker and the unit-test
    # databases; none of that may reach the stack.
    env = {key: value for key, value in os.environ.items() if key not in TEST_ENV}
    env.update(
        TTS_DATABASE_PREFIX="tts_e2e_",
        TTS_DEMO_PASSWORD=DEMO_PASSWORD,
        TTS_BROKER_URL=f"amqp://guest:guest@127.0.0.1:5672/{VHOST}",
        TTS_STACK_RUN_DIR=str(run_dir),
    )
    return env


def _run(argv: list[str], env: dict[str, str], timeout: float = 180) -> None:
    result = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    print(f"$ {' '.join(argv)}\n{result.stdout}{result.stderr}")
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(argv)} exited {result.returncode}:\n{result.stdout}{result.stderr}",
            pytrace=False,
        )


def _fresh_vhost(env: dict[str, str]) -> None:
    """A RabbitMQ virtual host of our own, empty: no message of an earlier run survives."""
    rabbitmqctl = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"
    if not os.access(rabbitmqctl, os.X_OK):
        pytest.fail("rabbitmqctl not found: the e2e tests need the local RabbitMQ", pytrace=False)
    subprocess.run([rabbitmqctl, "-q", "delete_vhost", VHOST], capture_output=True, timeout=60)
    _run([rabbitmqctl, "-q", "add_vhost", VHOST], env, timeout=60)
    _run([rabbitmqctl, "-q", "set_permissions", "-p", VHOST, "guest", ".*", ".*", ".*"], env)


def _drop_databases(env: dict[str, str]) -> None:
    config = Config.from_env(env)
    for name in discover():
        url = make_url(config.database_url(name))
        assert url.database.startswith("tts_e2e_"), url.database  # never a developer's data
        admin = create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="module")
def stack():
    # A fixed directory, not a fresh one: if an earlier run was killed before its teardown,
    # the `down` below finds that run's pid files and stops what it left running.
    env = _stack_env(Path(tempfile.gettempdir()) / "tts-e2e-stack")
    stack_script = str(ROOT / "scripts" / "stack")
    try:
        _run([stack_script, "down"], env)
        _fresh_vhost(env)
        _drop_databases(env)
        _run([stack_script, "up"], env)
        _run([str(ROOT / ".venv" / "bin" / "tts"), "seed", "demo"], env)
        yield env
    finally:
        subprocess.run([stack_script, "down"], cwd=ROOT, env=env, timeout=120)


# --- clients ------------------------------------------------------------------------------


class User:
    """One demo user talking to the stack with a bearer token."""

    def __init__(self, email: str, base: str = EDGE):
        self.base = base
        self.http = requests.Session()
        self.http.trust_env = False  # loopback only: no proxy from the environment
        response = self.http.post(
            f"{base}/api/auth/login", json={"email": email, "password": DEMO_PASSWORD}, timeout=10
        )
        assert response.status_code == 200, response.text
        self.token = response.json()["access_token"]
        self.http.headers["Authorization"] = f"Bearer {self.token}"

    def get(self, path: str, base: str | None = None) -> requests.Response:
        return self.http.get(f"{base or self.base}{path}", timeout=10)

    def post(self, path: str, body: dict, base: str | None = None) -> requests.Response:
        return self.http.post(f"{base or self.base}{path}", json=body, timeout=10)


@pytest.fixture(scope="module")
def users(stack) -> dict[str, User]:
    return {email: User(email) for email in (EMPLOYEE, COORDINATOR, AGENT)}


def wait_for(check: Callable[[], object], timeout: float, what: str):
    """Poll ``check`` until it returns something truthy; fail after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"not within {timeout}s: {what} (last: {result!r})", pytrace=False)
        time.sleep(0.05)


def create_ticket(employee: User, subject: str) -> dict:
    response = employee.post("/api/tickets", {**TICKET, "subject": subject})
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "new"
    return response.json()


def approve(coordinator: User, ticket_id: int) -> None:
    response = coordinator.post(f"/api/tickets/{ticket_id}/approve", {"priority": "high"})
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "open"


def wait_until_assigned(agent: User, ticket_id: int) -> None:
    # The tickets worker records the assignee; from then on the agent may see the ticket.
    wait_for(
        lambda: agent.get(f"/api/tickets/{ticket_id}").status_code == 200,
        15,
        f"agent may read ticket {ticket_id}",
    )


def open_socket(url: str, token: str | None = None, in_query: bool = False):
    headers = []
    if token and in_query:
        url += f"?access_token={token}"
    elif token:
        headers.append(f"Authorization: Bearer {token}")
    ws = websocket.create_connection(url, header=headers, timeout=10)
    first = json.loads(ws.recv())
    assert first["type"] == "ready", first
    return ws


def receive_message(ws, body: str, timeout: float = 10) -> dict:
    """The next ``message`` frame with ``body`` (other frames are skipped)."""
    deadline = time.monotonic() + timeout
    seen = []
    while time.monotonic() < deadline:
        ws.settimeout(max(deadline - time.monotonic(), 0.1))
        try:
            frame = json.loads(ws.recv())
        except websocket.WebSocketTimeoutException:
            break
        if frame.get("type") == "message" and frame["message"]["body"] == body:
            return frame
        seen.append(frame)
    pytest.fail(f"no message {body!r} within {timeout}s; frames seen: {seen}", pytrace=False)


# --- tests --------------------------------------------------------------------------------


@pytest.mark.parametrize("prefix", PREFIXES)
@pytest.mark.parametrize("endpoint", ("health", "ready", "openapi.json"))
def test_every_service_answers_through_nginx(stack, prefix, endpoint):
    response = requests.get(f"{EDGE}{prefix}/{endpoint}", timeout=10)
    assert response.status_code == 200, response.text
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Request-ID"]


def test_ticket_reaches_agent_and_conversation_is_live(users):
    employee, coordinator, agent = users[EMPLOYEE], users[COORDINATOR], users[AGENT]
    ticket = create_ticket(employee, "e2e: laptop will not boot")
    ticket_id = ticket["id"]
    approve(coordinator, ticket_id)

    wait_for(
        lambda: any(
            task["ticket_id"] == ticket_id
            for task in agent.get("/api/workflow/tasks?assignee=me").json()["items"]
        ),
        5,
        "the agent's task list shows the ticket",
    )
    wait_for(
        lambda: any(
            note["data"].get("ticket_id") == ticket_id
            for note in agent.get("/api/notifications").json()["items"]
        ),
        5,
        "the agent has an in-app notification about the ticket",
    )
    wait_until_assigned(agent, ticket_id)

    url = f"{WS_EDGE}/ws/chat/tickets/{ticket_id}"
    employee_ws = open_socket(url, employee.token)
    agent_ws = open_socket(url, agent.token, in_query=True)
    try:
        employee_ws.send(json.dumps({"type": "message", "body": "It still beeps twice."}))
        heard = receive_message(agent_ws, "It still beeps twice.")
        assert heard["message"]["ticket_id"] == ticket_id
        receive_message(employee_ws, "It still beeps twice.")  # the sender's own echo

        posted = agent.post(
            f"/api/chat/tickets/{ticket_id}/messages", {"body": "Hold the power button 30 s."}
        )
        assert posted.status_code == 201, posted.text
        receive_message(employee_ws, "Hold the power button 30 s.")
    finally:
        employee_ws.close()
        agent_ws.close()


def test_message_posted_on_one_chat_process_reaches_sockets_on_both(users):
    employee, coordinator, agent = users[EMPLOYEE], users[COORDINATOR], users[AGENT]
    ticket_id = create_ticket(employee, "e2e: cross-process chat")["id"]
    approve(coordinator, ticket_id)
    wait_until_assigned(agent, ticket_id)

    first, second = CHAT_PROCESSES
    employee_ws = open_socket(f"ws://{first}/ws/chat/tickets/{ticket_id}", employee.token)
    agent_ws = open_socket(f"ws://{second}/ws/chat/tickets/{ticket_id}", agent.token)
    try:
        path = f"/api/chat/tickets/{ticket_id}/messages"
        posted = employee.post(path, {"body": "posted on the first"}, base=f"http://{first}")
        assert posted.status_code == 201, posted.text
        receive_message(employee_ws, "posted on the first")
        receive_message(agent_ws, "posted on the first")

        posted = agent.post(path, {"body": "posted on the second"}, base=f"http://{second}")
        assert posted.status_code == 201, posted.text
        receive_message(agent_ws, "posted on the second")
        receive_message(employee_ws, "posted on the second")
    finally:
        employee_ws.close()
        agent_ws.close()


def test_websocket_refuses_before_upgrade(users):
    employee, agent = users[EMPLOYEE], users[AGENT]
    # Never approved, so never assigned: the agent may not see it.
    ticket_id = create_ticket(employee, "e2e: not the agent's")["id"]
    url = f"{WS_EDGE}/ws/chat/tickets/{ticket_id}"

    with pytest.raises(websocket.WebSocketBadStatusException) as anonymous:
        websocket.create_connection(url, timeout=10)
    assert anonymous.value.status_code == 401

    with pytest.raises(websocket.WebSocketBadStatusException) as stranger:
        websocket.create_connection(
            url, header=[f"Authorization: Bearer {agent.token}"], timeout=10
        )
    assert stranger.value.status_code == 404

    # The requester herself is let in, through the same path.
    open_socket(url, employee.token).close()
