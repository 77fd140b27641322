"""A local SMTP server that keeps every email, for development (scripts/dev, scripts/stack).

Invitations, password resets and alerts then work end to end on a fresh machine: the
notifier sends to this catcher (aiosmtpd) instead of a real server, and the emails land
in a Maildir (``mailbox.Maildir``) that ``tts mail list|show`` and the Operations pages
read. Never used in production, where TTS_SMTP_HOST names a real server.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import mailbox
import os
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

MAX_LISTED = 200


def wanted(environ=None) -> bool:
    """Development set-ups catch mail themselves unless a mail server was named."""
    env = os.environ if environ is None else environ
    return not (env.get("TTS_SMTP_HOST") or env.get("TTS_SMTP_PORT"))


class KeepInMaildir:
    """The aiosmtpd handler: every accepted message goes into the Maildir at ``path``."""

    def __init__(self, path: Path):
        self.path = path
        mailbox.Maildir(path, create=True)

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        message["X-Envelope-To"] = ", ".join(envelope.rcpt_tos)
        message["X-Caught-At"] = datetime.now(UTC).isoformat()
        mailbox.Maildir(self.path, create=True).add(message)
        return "250 Message accepted for delivery"


def start(path: Path, port: int, host: str = "127.0.0.1"):
    """Start the catcher in this process (a thread); returns the controller to stop it."""
    from aiosmtpd.controller import Controller

    controller = Controller(KeepInMaildir(path), hostname=host, port=port)
    controller.start()
    return controller


@dataclass(frozen=True)
class CaughtMail:
    key: str
    to: str
    subject: str
    caught_at: datetime | None
    body: str


def _caught(key: str, message) -> CaughtMail:
    parsed = email.message_from_bytes(bytes(message), policy=email.policy.default)
    part = parsed.get_body(preferencelist=("plain", "html"))
    caught_at = parsed["X-Caught-At"]
    return CaughtMail(
        key=key,
        to=str(parsed["X-Envelope-To"] or parsed["To"] or ""),
        subject=str(parsed["Subject"] or ""),
        caught_at=datetime.fromisoformat(str(caught_at)) if caught_at else None,
        body=part.get_content() if part is not None else "",
    )


def caught(path: Path, limit: int = MAX_LISTED) -> list[CaughtMail]:
    """The newest ``limit`` caught emails, newest first."""
    if not path.exists():
        return []
    box = mailbox.Maildir(path, create=False)
    found = [_caught(key, message) for key, message in box.items()]
    found.sort(key=lambda m: m.caught_at or datetime.min.replace(tzinfo=UTC), reverse=True)
    return found[:limit]


def one(path: Path, key: str) -> CaughtMail | None:
    box = mailbox.Maildir(path, create=False)
    try:
        return _caught(key, box[key])
    except KeyError:
        return None


def cli():
    """``tts mail``: the development mail catcher (serve, list, show)."""
    import click

    from common.config import Config

    def directory() -> Path:
        found = Config.from_env().mail_catcher_dir
        if found is None:
            raise click.ClickException("TTS_MAIL_CATCHER_DIR is not set: no mail is caught")
        return found

    @click.group("mail")
    def mail() -> None:
        """Development email: the local catcher's mailbox."""

    @mail.command("serve")
    @click.option("--port", type=int, required=True)
    def serve(port: int) -> None:
        """Run the catcher on 127.0.0.1:PORT until stopped."""
        import signal
        import threading

        controller = start(directory(), port)
        click.echo(f"catching mail on 127.0.0.1:{port} into {directory()}")
        stop = threading.Event()
        signal.signal(signal.SIGTERM, lambda *_: stop.set())
        with contextlib.suppress(KeyboardInterrupt):
            stop.wait()
        controller.stop()

    @mail.command("list")
    @click.option("--limit", default=20, show_default=True)
    def list_mail(limit: int) -> None:
        """The newest caught emails."""
        for found in caught(directory(), limit):
            when = f"{found.caught_at:%Y-%m-%d %H:%M:%S}" if found.caught_at else "?"
            click.echo(f"{found.key}  {when}  {found.to}  {found.subject}")

    @mail.command("show")
    @click.argument("key")
    def show(key: str) -> None:
        """One caught email, as its recipient would read it."""
        found = one(directory(), key)
        if found is None:
            raise click.ClickException(f"no caught email {key}")
        click.echo(f"To: {found.to}\nSubject: {found.subject}\n\n{found.body}")

    return mail
