"""The email path: ``auth.email_requested`` (and later others) → template → SMTP.

Runs only in the ``email`` worker, never in a request. Each event is sent at most once
when it succeeds (the email log is keyed by the event id) and retried with Dramatiq's
backoff when the server fails; every attempt is logged with its status. The log keeps the
recipient, template and subject, never the body: bodies can hold a one-time link, which
arrives sealed and is opened only to render the mail.
"""

from __future__ import annotations

import logging
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import make_msgid

from flask import current_app
from jinja2 import Environment, StrictUndefined
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert
from sqlalchemy.orm import Session

from common.config import Config
from common.db import bind_for, utcnow
from common.models.notify import EmailLog
from common.sealing import unseal

log = logging.getLogger(__name__)

# name -> (subject, plain-text body). Kept in code: a handful of short texts, reviewed
# with the code that sends them.
TEMPLATES: dict[str, tuple[str, str]] = {
    "invitation": (
        "You are invited to TTS",
        "Hello {{ name }},\n\nAn account was created for you on TTS. Choose your password "
        "here (the link works once, for {{ hours }} hours):\n\n{{ link }}\n",
    ),
    "password_reset": (
        "Reset your TTS password",
        "Hello {{ name }},\n\nSomeone asked to reset your TTS password. If it was you, "
        "choose a new one here (the link works once, for {{ minutes }} minutes):\n\n"
        "{{ link }}\n\nIf it was not you, ignore this message; your password is unchanged.\n",
    ),
    "password_changed": (
        "Your TTS password was changed",
        "Hello {{ name }},\n\nYour password was changed and every session was signed out. "
        "If you did not do this, contact your administrator at once.\n",
    ),
    "lockout": (
        "Sign-in to your TTS account was locked",
        "Hello {{ name }},\n\nThere were many failed attempts to sign in to your account from "
        "several places, so sign-in is paused for a while (up to {{ minutes }} minutes). "
        "If this was not you, consider changing your password.\n",
    ),
    "mfa_enabled": (
        "Two-factor authentication is on",
        "Hello {{ name }},\n\nTwo-factor authentication was turned on for your account.\n",
    ),
    "mfa_disabled": (
        "Two-factor authentication is off",
        "Hello {{ name }},\n\nTwo-factor authentication was turned off for your account. "
        "If you did not do this, contact your administrator at once.\n",
    ),
    "mfa_recovery_codes": (
        "New two-factor recovery codes",
        "Hello {{ name }},\n\nNew recovery codes were made; the old ones no longer work.\n",
    ),
    "account_exists": (
        "Someone tried to register with your email",
        "Hello {{ name }},\n\nSomeone tried to register a TTS account with this email, which "
        "already has one. If it was you, sign in or reset your password instead.\n",
    ),
    "registration_approved": (
        "Your TTS account is ready",
        "Hello {{ name }},\n\nYour registration was approved; you can sign in now.\n",
    ),
    "registration_rejected": (
        "Your TTS registration",
        "Hello {{ name }},\n\nYour registration was not approved. Ask your help desk if you "
        "think this is a mistake.\n",
    ),
}

_jinja = Environment(undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True)


class UnknownTemplate(ValueError):
    pass


def render(template: str, context: dict) -> tuple[str, str]:
    if template not in TEMPLATES:
        raise UnknownTemplate(template)
    subject, body = TEMPLATES[template]
    return _jinja.from_string(subject).render(context), _jinja.from_string(body).render(context)


def deliver(config: Config, to: str, subject: str, body: str) -> None:
    message = EmailMessage()
    message["From"] = config.smtp_from
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="tts")
    message.set_content(body)
    with smtplib.SMTP(config.smtp_host, config.smtp_port, timeout=config.smtp_timeout_seconds) as s:
        if config.smtp_starttls:
            s.starttls(context=ssl.create_default_context())
        if config.smtp_user:
            s.login(config.smtp_user, config.smtp_password or "")
        s.send_message(message)


def _log_session() -> Session:
    # The email log lives in its own transactions: a failed attempt must stay recorded
    # while the actor's transaction rolls back (so that Dramatiq retries it), and a sent
    # mail must stay "sent" even if the actor's commit fails afterwards.
    return Session(bind_for("notify"), join_transaction_mode="create_savepoint")


def _update_log(event_id: str, **values) -> None:
    with _log_session() as session:
        session.execute(
            update(EmailLog)
            .where(EmailLog.source_event_id == event_id)
            .values(attempts=EmailLog.attempts + 1, **values)
        )
        session.commit()


def send_requested(payload: dict, event_id) -> None:
    """Render and send one requested email (the ``notify.send_email`` actor's work)."""
    config: Config = current_app.config["TTS_CONFIG"]
    event_id = str(event_id)
    with _log_session() as session:
        session.execute(
            insert(EmailLog)
            .values(
                source_event_id=event_id,
                to=payload["to"],
                template=payload["template"],
                status="pending",
                attempts=0,
            )
            .on_conflict_do_nothing(index_elements=[EmailLog.source_event_id])
        )
        status = session.scalar(select(EmailLog.status).where(EmailLog.source_event_id == event_id))
        session.commit()
    if status == "sent":
        return
    context = dict(payload.get("context") or {})
    for key, sealed in (payload.get("sealed") or {}).items():
        context[key] = unseal(sealed, config)
    subject, body = render(payload["template"], context)
    try:
        deliver(config, payload["to"], subject, body)
    except (OSError, smtplib.SMTPException) as error:
        log.warning(
            "email not sent; will retry",
            extra={"template": payload["template"], "error": type(error).__name__},
        )
        _update_log(event_id, status="failed", last_error=f"{type(error).__name__}: {error}"[:500])
        raise
    _update_log(event_id, status="sent", subject=subject[:200], sent_at=utcnow(), last_error=None)
