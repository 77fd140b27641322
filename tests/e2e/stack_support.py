"""What the end-to-end tests share: the stack's environment and lifecycle, and clients.

The stack runs on its own databases (``tts_e2e_*``, dropped first) and its own RabbitMQ
virtual host (recreated first), so nothing of a developer's data is read, consumed or
changed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import requests
import websocket

from tests.support import DEMO_PASSWORD, TEST_ENV, TICKET

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))

from stacklib.isolation import named_env  # noqa: E402
from stacklib.isolation import running_stack as isolated_stack  # noqa: E402

__all__ = ["DEMO_PASSWORD", "TICKET"]
# Two checkouts can run their end-to-end tests side by side when one of them moves its
# stack: TTS_E2E_PORT (nginx), TTS_E2E_BASE_PORT (services) and TTS_E2E_NAME (databases
# and RabbitMQ virtual host).
PORT = int(os.environ.get("TTS_E2E_PORT", "8080"))
BASE_PORT = int(os.environ.get("TTS_E2E_BASE_PORT", "8100"))
NAME = os.environ.get("TTS_E2E_NAME", "e2e")
EDGE = f"http://127.0.0.1:{PORT}"
WS_EDGE = f"ws://127.0.0.1:{PORT}"
# The two live chat processes of the default scale (scripts/stacklib/topology.py).
CHAT_PROCESSES = (f"127.0.0.1:{BASE_PORT + 6}", f"127.0.0.1:{BASE_PORT + 7}")
PREFIXES = ("/api/auth", "/api/tickets", "/api/workflow", "/api/chat", "/api/notifications")
EMPLOYEE, COORDINATOR, AGENT = (
    "employee@example.com",
    "coordinator@example.com",
    "agent@example.com",
)


# --- the stack --------------------------------------------------------------------------


def stack_env(
    run_dir: Path, name: str = NAME, port: int = PORT, base_port: int = BASE_PORT
) -> dict[str, str]:
    """The environment of a stack called ``name``: databases ``tts_<name>_*``, RabbitMQ
    virtual host ``tts_<name>``, nginx on ``port``, services from ``base_port`` on."""
    # tests/conftest.py points this process at the stub broker and the unit-test
    # databases; none of that may reach the stack.
    outside = {key: value for key, value in os.environ.items() if key not in TEST_ENV}
    env = named_env(outside, name, run_dir, port, base_port)
    env["TTS_DEMO_PASSWORD"] = DEMO_PASSWORD
    return env


def run(argv: list[str], env: dict[str, str], timeout: float = 180) -> None:
    """Run a command of the stack; its failure fails the test, with its output."""
    result = subprocess.run(
        argv, cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )
    print(f"$ {' '.join(argv)}\n{result.stdout}{result.stderr}")
    if result.returncode != 0:
        pytest.fail(
            f"{' '.join(argv)} exited {result.returncode}:\n{result.stdout}{result.stderr}",
            pytrace=False,
        )


@contextmanager
def running_stack(env: dict[str, str], *up_args: str) -> Iterator[dict[str, str]]:
    """``scripts/stack up [up_args]`` on fresh databases and virtual host, seeded with the
    demo data; stopped afterwards whatever happened (stacklib.isolation.running_stack)."""
    with isolated_stack(ROOT, env, run, *up_args):
        yield env


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


def assert_edge_refusals_are_problem_documents(base: str, session: requests.Session) -> None:
    """What the edge refuses is a problem document, on the stack's nginx and the
    production one: a URL or a header too long, and a locked sign-in's 429."""
    employee = session.post(
        f"{base}/api/auth/login", json={"email": EMPLOYEE, "password": DEMO_PASSWORD}, timeout=10
    ).json()["access_token"]
    auth = {"Authorization": f"Bearer {employee}"}
    # A long search URL reaches the service, which answers it (never gunicorn's HTML 414).
    long_search = session.get(f"{base}/api/tickets?q={'printer ' * 600}", headers=auth, timeout=10)
    assert long_search.status_code != 414, long_search.text[:200]
    assert long_search.headers["Content-Type"].startswith("application/"), long_search.text[:200]
    too_long = session.get(f"{base}/api/tickets?q={'x' * 9000}", headers=auth, timeout=10)
    assert too_long.status_code == 414
    assert too_long.headers["Content-Type"] == "application/problem+json"
    assert too_long.json()["title"] == "URI Too Long"
    huge_header = session.get(
        f"{base}/api/tickets", headers={**auth, "X-Padding": "x" * 9000}, timeout=10
    )
    assert huge_header.status_code == 431
    assert huge_header.headers["Content-Type"] == "application/problem+json"
    assert huge_header.json()["status"] == 431
    # A locked sign-in: the service's Retry-After, alone (not the edge's 1 beside it).
    wrong = {"email": "locked.out@example.com", "password": "not-the-password"}
    answers = [session.post(f"{base}/api/auth/login", json=wrong, timeout=10) for _ in range(6)]
    locked = answers[-1]
    assert locked.status_code == 429, [a.status_code for a in answers]
    assert len(locked.raw.headers.getlist("Retry-After")) == 1
    assert int(locked.headers["Retry-After"]) > 1
    assert locked.headers["Content-Type"] == "application/problem+json"
