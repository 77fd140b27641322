"""Asking notifier to send an email: an ``auth.email_requested`` event, never SMTP here.

The event is written in the caller's transaction and published after commit, so a rolled
back request mails nothing and a slow mail server never slows a request. Links carrying
a one-time token are sealed (encrypted with the shared secret key) before they reach the
outbox.
"""

from __future__ import annotations

from flask import current_app

from common.models.auth import User
from common.outbox import emit
from common.sealing import seal


def _config():
    return current_app.config["TTS_CONFIG"]


def link(path: str, token: str) -> str:
    return f"{_config().public_url}{path}?token={token}"


def request_email(user: User, template: str, context: dict | None = None, **secrets) -> None:
    config = _config()
    emit(
        "auth.email_requested",
        {
            "to": user.email,
            "template": template,
            "user_id": user.id,
            "context": {"name": user.name, **(context or {})},
            "sealed": {key: seal(value, config) for key, value in secrets.items()},
        },
    )
