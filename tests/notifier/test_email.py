"""The email path: auth asks, notifier renders and sends over SMTP (a real aiosmtpd)."""

import email
import email.policy
import socket

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy import select

from common.db import db
from common.models.notify import EmailLog
from tests.support import Inbox, deliver


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    original = app.config["TTS_CONFIG"]
    app.config["TTS_CONFIG"] = original.replace(
        smtp_host="127.0.0.1", smtp_port=controller.port, smtp_from="TTS <tts@example.com>"
    )
    try:
        yield inbox
    finally:
        app.config["TTS_CONFIG"] = original
        controller.stop()


def test_reset_email_is_sent_once_with_a_working_link(app, client, seeded, smtp):
    response = client.raw.post("/api/auth/password/forgot", json={"email": "agent@example.com"})
    assert response.status_code == 202
    assert smtp.messages == []  # never in the request
    deliver()
    (message,) = smtp.messages
    assert message.rcpt_tos == ["agent@example.com"]
    parsed = email.message_from_bytes(message.content, policy=email.policy.default)
    assert parsed["Subject"] == "Reset your TTS password"
    body = parsed.get_content()
    token = body.split("token=", 1)[1].split()[0]
    reset = client.raw.post(
        "/api/auth/password/reset", json={"token": token, "password": "from-the-mail-1"}
    )
    assert reset.status_code == 204
    deliver()  # the "password changed" notice
    assert len(smtp.messages) == 2
    with app.app_context():
        rows = db.session.scalars(select(EmailLog).order_by(EmailLog.id)).all()
        assert [(r.template, r.status, r.attempts) for r in rows] == [
            ("password_reset", "sent", 1),
            ("password_changed", "sent", 1),
        ]


def test_a_failed_send_is_logged_and_retried(app, client, seeded, smtp):
    from dramatiq import Message

    from common.broker import get_broker

    original = app.config["TTS_CONFIG"]
    app.config["TTS_CONFIG"] = original.replace(smtp_port=_free_port())  # nobody listens
    client.raw.post("/api/auth/password/forgot", json={"email": "agent@example.com"})
    queue = get_broker().queues["email"]
    envelope = Message.decode(queue.get_nowait()).args[0]
    actor = get_broker().get_actor("notify.send_email")
    with app.app_context(), pytest.raises(OSError):
        actor.handler(envelope["payload"], envelope["id"])
    with app.app_context():
        row = db.session.scalar(select(EmailLog))
        assert (row.status, row.attempts) == ("failed", 1)
        assert "token" not in (row.last_error or "")
    app.config["TTS_CONFIG"] = original
    actor.fn(envelope)  # the retry, server back
    actor.fn(envelope)  # a duplicate delivery sends nothing more
    assert len(smtp.messages) == 1
    with app.app_context():
        row = db.session.scalar(select(EmailLog))
        assert (row.status, row.attempts) == ("sent", 2)
