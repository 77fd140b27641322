"""The development mail catcher: a real SMTP server keeping mail in a Maildir."""

from __future__ import annotations

import secrets
import socket

import pytest
from click.testing import CliRunner

from common import mail_catcher
from common.cli import main
from common.config import Config, ConfigError
from notifier.email import deliver
from tests.auth_api.helpers import bearer, mint, person_with_roles, queued_emails


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def catcher(tmp_path, config):
    port = _free_port()
    controller = mail_catcher.start(tmp_path / "mail", port)
    yield tmp_path / "mail", config.replace(smtp_host="127.0.0.1", smtp_port=port)
    controller.stop()


def test_what_the_notifier_sends_is_caught_and_readable(catcher):
    directory, config = catcher
    deliver(config, "ann@example.com", "Your reset link", "Follow https://x/reset?t=1")
    deliver(config, "bob@example.com", "Welcome", "Hello Bob")
    found = mail_catcher.caught(directory)
    assert [(m.to, m.subject) for m in found] == [
        ("bob@example.com", "Welcome"),
        ("ann@example.com", "Your reset link"),
    ]
    assert "https://x/reset?t=1" in mail_catcher.one(directory, found[1].key).body
    assert mail_catcher.one(directory, "no-such-key") is None


def _person(app, email: str, *grants: tuple[str, str]) -> dict:
    return bearer(person_with_roles(app, email, *grants))


@pytest.fixture
def catching(app, catcher):
    """The app reading ``catcher``'s Maildir, as scripts/dev and scripts/stack set it."""
    directory, config = catcher
    saved = app.config["TTS_CONFIG"]
    app.config["TTS_CONFIG"] = saved.replace(mail_catcher_dir=directory)
    yield directory, config
    app.config["TTS_CONFIG"] = saved


def test_only_those_who_administer_everything_read_caught_mail(app, client, seeded, catching):
    _, config = catching
    deliver(config, "ann@example.com", "Hello", "Body text")
    admin = bearer(mint(app, "admin@example.com")["access_token"])
    listed = client.raw.get("/api/notifications/ops/mail", headers=admin)
    assert [m["subject"] for m in listed.get_json()] == ["Hello"]
    key = listed.get_json()[0]["key"]
    one = client.raw.get(f"/api/notifications/ops/mail/{key}", headers=admin).get_json()
    assert one["body"].strip() == "Body text" and one["to"] == "ann@example.com"
    refused = {
        "employee": bearer(mint(app, "employee@example.com")["access_token"]),
        "tts operator": _person(app, "olive@example.com", ("tts", "Operator")),
        "hdts admin": _person(app, "hilda@example.com", ("hdts", "Admin")),
        "tts admin": _person(app, "tess@example.com", ("tts", "Admin")),
    }
    for who, headers in refused.items():
        for url in ("/api/notifications/ops/mail", f"/api/notifications/ops/mail/{key}"):
            answer = client.raw.get(url, headers=headers)
            assert answer.status_code == 403, (who, url)
            assert answer.mimetype == "application/problem+json"


def test_a_reset_link_in_caught_mail_is_masked_but_for_its_recipient(app, client, seeded, catching):
    _, config = catching
    link = "http://127.0.0.1:8000/reset-password?token=" + secrets.token_urlsafe(32)
    deliver(config, "employee@example.com", "Reset", f"Follow {link} within 30 minutes")
    deliver(config, "admin@example.com", "Reset", f"Follow {link} within 30 minutes")
    admin = bearer(mint(app, "admin@example.com")["access_token"])
    caught = client.raw.get("/api/notifications/ops/mail", headers=admin).get_json()
    bodies = {m["to"]: m["body"] for m in caught}
    assert link not in bodies["employee@example.com"]
    assert "reset-password?token=[masked] within 30 minutes" in bodies["employee@example.com"]
    assert link in bodies["admin@example.com"]  # the reader's own mail
    for found in caught:
        one = client.raw.get(f"/api/notifications/ops/mail/{found['key']}", headers=admin)
        assert (link in one.get_json()["body"]) == (found["to"] == "admin@example.com")


def test_the_whole_takeover_no_longer_works(app, client, seeded, catching):
    """Ask for an admin's reset without signing in, then read the catcher as an operator:
    the link is out of reach, and a superuser reading it sees the token masked."""
    directory, config = catching
    answer = client.raw.post("/api/auth/password/forgot", json={"email": "admin@example.com"})
    assert answer.status_code == 202
    sent_payloads = queued_emails()
    assert sent_payloads, "the reset was not queued"
    from tests.support import deliver as deliver_queued

    with app.app_context():
        app.config["TTS_CONFIG"] = app.config["TTS_CONFIG"].replace(
            smtp_host=config.smtp_host, smtp_port=config.smtp_port
        )
        deliver_queued()
    caught_mail = mail_catcher.caught(directory)
    assert any("reset-password?token=" in m.body for m in caught_mail)
    operator = _person(app, "olive@example.com", ("tts", "Operator"))
    assert client.raw.get("/api/notifications/ops/mail", headers=operator).status_code == 403
    someone_else = _person(app, "sam@example.com", ("tts", "Admin"), ("hdts", "Admin"))
    seen = client.raw.get("/api/notifications/ops/mail", headers=someone_else).get_json()
    resets = [m for m in seen if "reset-password" in m["body"]]
    assert resets and all("token=[masked]" in m["body"] for m in resets)


def test_no_catcher_in_production(app, client, seeded, catching):
    directory, _ = catching
    admin = bearer(mint(app, "admin@example.com")["access_token"])
    saved = app.config["TTS_CONFIG"]
    app.config["TTS_CONFIG"] = saved.replace(env="production")
    try:
        assert client.raw.get("/api/notifications/ops/mail", headers=admin).status_code == 404
    finally:
        app.config["TTS_CONFIG"] = saved
    production = {
        "TTS_ENV": "production",
        "TTS_SECRET_KEY": "x" * 40,
        "TTS_JWT_PUBLIC_KEY_FILE": "/dev/null",
        "TTS_BROKER_URL": "amqp://127.0.0.1",
    }
    Config.from_env(production)  # a valid production configuration...
    with pytest.raises(ConfigError, match="TTS_MAIL_CATCHER_DIR"):
        Config.from_env({**production, "TTS_MAIL_CATCHER_DIR": str(directory)})
    assert not mail_catcher.wanted(production)
    assert mail_catcher.wanted({"TTS_ENV": "development"})


def test_secrets_are_masked_in_text_and_html():
    token = secrets.token_urlsafe(32)
    assert mail_catcher.mask_secrets(f"https://x/accept-invitation?token={token}") == (
        "https://x/accept-invitation?token=[masked]"
    )
    html = f'<a href="https://x/reset-password?a=1&amp;token={token}">reset</a>'
    assert token not in mail_catcher.mask_secrets(html)
    assert mail_catcher.mask_secrets(f"your code: {token}.") == "your code: [masked]."
    assert mail_catcher.mask_secrets("Ticket #1042 was resolved") == "Ticket #1042 was resolved"


def test_tts_mail_lists_and_shows(catcher, monkeypatch):
    directory, config = catcher
    link = "https://x/accept-invitation?token=" + secrets.token_urlsafe(32)
    deliver(config, "ann@example.com", "Invitation", f"Join us: {link}")
    monkeypatch.setenv("TTS_MAIL_CATCHER_DIR", str(directory))
    runner = CliRunner()
    listed = runner.invoke(main, ["mail", "list"])
    assert listed.exit_code == 0 and "ann@example.com  Invitation" in listed.output
    key = listed.output.split()[0]
    shown = runner.invoke(main, ["mail", "show", key])
    assert shown.exit_code == 0 and "Join us: https://x/accept-invitation?token=[masked]" in (
        shown.output
    )
    revealed = runner.invoke(main, ["mail", "show", key, "--reveal"])
    assert revealed.exit_code == 0 and link in revealed.output


def test_tts_mail_finds_the_checkouts_own_catcher(tmp_path, config, monkeypatch):
    """As the README writes it: no TTS_MAIL_CATCHER_DIR, the dev server's Maildir found."""
    port = _free_port()
    (tmp_path / "var").mkdir()
    controller = mail_catcher.start(tmp_path / "var" / "mail", port)
    try:
        deliver(config.replace(smtp_host="127.0.0.1", smtp_port=port), "ann@example.com", "Hi", "x")
    finally:
        controller.stop()
    monkeypatch.delenv("TTS_MAIL_CATCHER_DIR", raising=False)
    monkeypatch.setenv("TTS_VAR_DIR", str(tmp_path / "var"))
    listed = CliRunner().invoke(main, ["mail", "list"])
    assert listed.exit_code == 0, listed.output
    assert "ann@example.com  Hi" in listed.output
    monkeypatch.setenv("TTS_VAR_DIR", str(tmp_path / "elsewhere"))
    nothing = CliRunner().invoke(main, ["mail", "list"])
    assert nothing.exit_code != 0 and "scripts/dev" in nothing.output
