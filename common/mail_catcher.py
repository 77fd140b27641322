"""A local SMTP server that keeps every email, for development (scripts/dev, scripts/stack).

Invitations, password resets and alerts then work end to end on a fresh machine: the
notifier sends to this catcher (aiosmtpd) instead of a real server, and the emails land
in a Maildir (``mailbox.Maildir``) that ``tts mail list|show`` and the Operations pages
read. Never used in production: the configuration refuses a catcher there.

Caught mail holds one-time links (invitations, password resets) that anyone can ask for,
so whoever reads it could take over the account they open. Readers see those tokens
masked (``masked()``), except the email's own recipient.
"""

from __future__ import annotations

import contextlib
import email
import email.policy
import mailbox
import os
import re
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path

MAX_LISTED = 200
# A one-time token: the value of a link's ``token`` (or ``code``) parameter, in plain text
# or HTML; anything else long enough to be a secret of ``secrets.token_urlsafe``.
SECRET_PARAMETER = re.compile(r"([?&](?:amp;)?(?:token|code|key)=)([^&\s\"'<>]+)", re.IGNORECASE)
LONG_OPAQUE = re.compile(r"(?<![\w-])[A-Za-z0-9_-]{32,}(?![\w-])")
MASK = "[masked]"


def mask_secrets(text: str) -> str:
    """The text with every one-time token replaced by ``[masked]``."""
    return LONG_OPAQUE.sub(MASK, SECRET_PARAMETER.sub(lambda m: m.group(1) + MASK, text))


def wanted(environ=None) -> bool:
    """Development set-ups catch mail themselves unless a mail server was named;
    production never does."""
    env = os.environ if environ is None else environ
    if env.get("TTS_ENV") == "production":
        return False
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

    def addressed_to(self, email_address: str) -> bool:
        wanted = email_address.strip().lower()
        return any(part.strip().lower() == wanted for part in self.to.split(","))

    def masked(self) -> CaughtMail:
        return replace(self, subject=mask_secrets(self.subject), body=mask_secrets(self.body))


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


def default_directory(var_dir: Path) -> Path | None:
    """Where this checkout's own catcher keeps mail: scripts/dev's, else scripts/stack's
    (the one written to last, when both have caught some)."""
    found = [path for path in (var_dir / "mail", var_dir / "stack" / "mail") if path.is_dir()]
    return max(found, key=lambda path: path.stat().st_mtime, default=None)


def cli():
    """``tts mail``: the development mail catcher (serve, list, show)."""
    import click

    from common.config import Config

    def directory() -> Path:
        config = Config.from_env()
        if config.is_production:
            raise click.ClickException("no mail is caught in production (TTS_ENV=production)")
        found = config.mail_catcher_dir or default_directory(config.var_dir)
        if found is None:
            raise click.ClickException(
                "no mail caught here: start scripts/dev or scripts/stack, "
                "or set TTS_MAIL_CATCHER_DIR to a catcher's Maildir"
            )
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
            found = found.masked()
            when = f"{found.caught_at:%Y-%m-%d %H:%M:%S}" if found.caught_at else "?"
            click.echo(f"{found.key}  {when}  {found.to}  {found.subject}")

    @mail.command("show")
    @click.argument("key")
    @click.option(
        "--reveal",
        is_flag=True,
        help="Show one-time links whole (to follow an invitation or a reset yourself).",
    )
    def show(key: str, reveal: bool) -> None:
        """One caught email, as its recipient would read it (one-time tokens masked)."""
        found = one(directory(), key)
        if found is None:
            raise click.ClickException(f"no caught email {key}")
        if not reveal:
            found = found.masked()
        click.echo(f"To: {found.to}\nSubject: {found.subject}\n\n{found.body}")

    return mail
