"""The development mail catcher: a real SMTP server keeping mail in a Maildir."""

from __future__ import annotations

import socket

import pytest
from click.testing import CliRunner

from common import mail_catcher
from common.cli import main
from notifier.email import deliver
from tests.auth_api.helpers import bearer, mint


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


def test_operators_read_caught_mail_where_a_catcher_runs(app, client, seeded, catcher):
    directory, config = catcher
    deliver(config, "ann@example.com", "Hello", "Body text")
    admin = bearer(mint(app, "admin@example.com")["access_token"])
    employee = bearer(mint(app, "employee@example.com")["access_token"])
    assert client.raw.get("/api/notifications/ops/mail", headers=admin).status_code == 404
    saved = app.config["TTS_CONFIG"]
    app.config["TTS_CONFIG"] = saved.replace(mail_catcher_dir=directory)
    try:
        listed = client.raw.get("/api/notifications/ops/mail", headers=admin)
        assert [m["subject"] for m in listed.get_json()] == ["Hello"]
        key = listed.get_json()[0]["key"]
        one = client.raw.get(f"/api/notifications/ops/mail/{key}", headers=admin).get_json()
        assert one["body"].strip() == "Body text" and one["to"] == "ann@example.com"
        assert client.raw.get("/api/notifications/ops/mail", headers=employee).status_code == 403
    finally:
        app.config["TTS_CONFIG"] = saved


def test_tts_mail_lists_and_shows(catcher, monkeypatch):
    directory, config = catcher
    deliver(config, "ann@example.com", "Invitation", "Join us")
    monkeypatch.setenv("TTS_MAIL_CATCHER_DIR", str(directory))
    runner = CliRunner()
    listed = runner.invoke(main, ["mail", "list"])
    assert listed.exit_code == 0 and "ann@example.com  Invitation" in listed.output
    key = listed.output.split()[0]
    shown = runner.invoke(main, ["mail", "show", key])
    assert shown.exit_code == 0 and "Join us" in shown.output
