"""Test helpers shared by unit, integration and end-to-end tests.

Test modules import helpers from here (or from their package's ``helpers`` module), never
from a conftest or from another test module; fixtures live in the conftests.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from dataclasses import dataclass

import requests
from dramatiq import Message

from common.broker import get_broker

DEMO_PASSWORD = "demo-password-1"
# Every service's URL prefix (health, ready, docs, metrics and ops live under each).
PREFIXES = ("/api/auth", "/api/tickets", "/api/workflow", "/api/chat", "/api/notifications")
PREFIX = os.environ.get("TTS_TEST_DATABASE_PREFIX", "tts_test_")
# What tests/conftest.py puts in the environment before the services are imported.
TEST_ENV = {
    "TTS_ENV": "test",
    "TTS_BROKER_URL": "stub",
    "TTS_DATABASE_PREFIX": PREFIX,
    "TTS_OUTBOX_RELAY": "sync",
    # Concurrency tests race 12 threads; with the sync relay each committing thread also
    # holds a second connection while it marks its events published.
    "TTS_DATABASE_POOL_SIZE": "13",
    "TTS_LOG_JSON": "0",
    "TTS_LOG_LEVEL": "WARNING",
    "TTS_DEMO_PASSWORD": DEMO_PASSWORD,
    # Tests reuse one token per demo user for the whole session (see Client below).
    "TTS_ACCESS_TOKEN_MINUTES": "240",
    # Per prefix, like the databases: two runs side by side don't see each other's files.
    "TTS_VAR_DIR": os.path.join(tempfile.gettempdir(), f"tts-test-var-{PREFIX.strip('_')}"),
}


def deliver(max_rounds: int = 20) -> int:
    """Run every queued Dramatiq message through its actor until the queues are empty."""
    broker = get_broker()
    handled = 0
    for _ in range(max_rounds):
        progressed = False
        for queue_name in list(broker.queues):
            queue = broker.queues[queue_name]
            while not queue.empty():
                message = Message.decode(queue.get_nowait())
                actor = broker.get_actor(message.actor_name)
                actor.fn(*message.args, **message.kwargs)
                handled += 1
                progressed = True
        if not progressed:
            return handled
    raise AssertionError("actors kept producing messages")


def forget_process_caches() -> None:
    """Caches of rows a rolled-back (or restored) test wrote must not outlive it."""
    from tickets_api.catalogue import forget_cache
    from workflow_api.assignment import forget_routes

    forget_cache()
    forget_routes()


def log_in(base: str, who: str) -> str:
    """An access token of demo user ``who``, from the real server at ``base``."""
    response = requests.post(
        f"{base}/api/auth/login", json={"email": f"{who}@example.com", "password": DEMO_PASSWORD}
    )
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def next_frame(ws) -> dict:
    """The next frame of a live socket, decoded."""
    return json.loads(ws.recv())


# Access tokens of the demo users, minted once per test session: each login is a
# deliberately slow password hash, and the users are committed once (tests/conftest.py).
_TOKENS: dict[str, str] = {}


@dataclass
class Client:
    """A Flask test client that logs in as demo users and sends their bearer token."""

    raw: object

    def login(self, email: str, password: str = DEMO_PASSWORD) -> dict:
        response = self.raw.post("/api/auth/login", json={"email": email, "password": password})
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    def as_user(self, email: str) -> UserClient:
        if email not in _TOKENS:
            _TOKENS[email] = self.login(email)["access_token"]
        return UserClient(self.raw, _TOKENS[email])


@dataclass
class UserClient:
    raw: object
    token: str

    def _headers(self, extra=None):
        return {"Authorization": f"Bearer {self.token}", **(extra or {})}

    def get(self, path, **kw):
        return self.raw.get(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def post(self, path, **kw):
        return self.raw.post(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def patch(self, path, **kw):
        return self.raw.patch(path, headers=self._headers(kw.pop("headers", None)), **kw)

    def delete(self, path, **kw):
        return self.raw.delete(path, headers=self._headers(kw.pop("headers", None)), **kw)


TICKET = {
    "subject": "Laptop will not boot",
    "description": "Black screen after the update.",
    "category": "IT Support",
    "subcategory": "Hardware Troubleshooting",
    "department": "IT",
}


class Inbox:
    """An aiosmtpd handler that keeps what it receives (the real SMTP server of the tests)."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append(envelope)
        return "250 OK"


def scrape(client, prefix: str = "/api/tickets") -> dict[tuple[str, tuple], float]:
    """{(name, sorted labels): value} of one ``<prefix>/metrics``, parsed by prometheus_client."""
    from prometheus_client.parser import text_string_to_metric_families

    response = client.raw.get(f"{prefix}/metrics")
    assert response.status_code == 200
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.get_data(as_text=True))
        for sample in family.samples
    }
