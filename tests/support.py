"""Test helpers shared by unit, integration and end-to-end tests."""

from __future__ import annotations

import threading
from dataclasses import dataclass

DEMO_PASSWORD = "demo-password-1"


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
