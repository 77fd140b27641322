"""The Operations pages in a real browser (Chromium, through Playwright) against the
production-like stack: an admin sees every service green once the heartbeats are in,
finds a dead letter, requeues it after the dry run, and sees it gone and the audit row;
an employee is refused with a page naming the role needed.

Screenshots are kept in var/web-screenshots/ (ops-*.png).
"""

from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime

import pika
import pytest
from dramatiq.message import Message
from playwright.sync_api import expect

from tests.e2e.browser_support import (
    accessibility_violations,
    screenshot,
    sign_in,
)
from tests.e2e.stack_support import EMPLOYEE

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

ADMIN = "admin@example.com"
SERVICES = ("Auth", "Tickets", "Workflow", "Chat", "Notifications")
# Workers and the scheduler beat every few seconds after the stack starts.
GREEN_TIMEOUT_MS = 90_000


def _publish_dead_letter(broker_url: str) -> str:
    """An email of notify.send_email that gave up, put straight into ``email.XQ`` (as
    scripts/bench_ops.py does): the stack catches mail, so none fails on its own."""
    event_id = str(uuid.uuid4())
    envelope = {
        "id": event_id,
        "name": "auth.email_requested",
        "payload": {
            "to": f"ops-web-{event_id[:8]}@example.com",
            "template": "mfa_enabled",
            "context": {"name": "Ops Web"},
            "sealed": {},
            "user_id": None,
        },
        "request_id": None,
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    message = Message(
        queue_name="email",
        actor_name="notify.send_email",
        args=(envelope,),
        kwargs={},
        options={"event_id": event_id, "retries": 12, "traceback": "e2e"},
    )
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    try:
        channel = connection.channel()
        channel.confirm_delivery()
        channel.basic_publish(
            "", "email.XQ", message.encode(), pika.BasicProperties(delivery_mode=2), mandatory=True
        )
    finally:
        connection.close()
    return message.message_id


def _tab(page, name: str) -> None:
    page.get_by_role("navigation", name="Operations").get_by_role("link", name=name).click()


def test_an_admin_sees_green_and_requeues_a_dead_letter(stack, people):
    admin = people()
    page = admin.page
    sign_in(page, ADMIN, "Triage")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Operations").click()
    expect(page.get_by_role("heading", level=1, name="Operations")).to_be_visible()

    services = page.get_by_role("list", name="Services")
    for name in SERVICES:
        expect(services.get_by_role("listitem", name=name)).to_contain_text(
            "Healthy", timeout=GREEN_TIMEOUT_MS
        )
    expect(page.get_by_role("table", name="Queues")).to_contain_text("email")
    expect(page.get_by_role("table", name="Heartbeats")).to_contain_text("alive")
    expect(page.get_by_label("At a glance")).to_contain_text("Workers online")
    screenshot(page, "ops-overview")

    message_id = _publish_dead_letter(stack["TTS_BROKER_URL"])
    notify = services.get_by_role("listitem", name="Notifications")
    expect(notify).to_contain_text("Needs attention")
    expect(notify).to_contain_text("dead letters in email.XQ")  # in words, not colour alone

    _tab(page, "Dead letters")
    expect(page.get_by_role("heading", level=1, name="Dead letters")).to_be_visible()
    table = page.get_by_role("table", name="Dead letters in email.XQ")
    row = table.get_by_role("row", name=re.compile(message_id))
    expect(row).to_contain_text("auth.email_requested")
    expect(row).not_to_contain_text("ops-web-")  # arguments are redacted
    row.get_by_role("checkbox").check()
    screenshot(page, "ops-dead-letters")
    page.get_by_role("button", name="Requeue 1", exact=True).click()
    dialog = page.get_by_role("dialog", name="Requeue 1 dead letter")
    expect(dialog.get_by_test_id("dry-run")).to_contain_text("Would requeue 1 dead letter")
    screenshot(page, "ops-requeue-dry-run")
    dialog.get_by_role("button", name="Requeue now").click()
    expect(dialog.get_by_test_id("action-result")).to_contain_text("Requeued 1 dead letter")
    dialog.get_by_role("button", name="Close").click()
    expect(table.get_by_role("row", name=re.compile(message_id))).to_have_count(0)

    _tab(page, "Audit")
    audit = page.get_by_role("table", name="Audit of Notifications")
    first = audit.get_by_role("row").nth(1)
    expect(first).to_contain_text("dead.requeue")
    expect(first).to_contain_text("email.XQ")
    expect(first).to_contain_text(ADMIN)
    screenshot(page, "ops-audit")

    # The requeued email reached the development mail catcher.
    page.get_by_role("link", name="Mail (development)").click()
    expect(page.get_by_role("list", name="Caught emails")).to_contain_text("ops-web-")
    screenshot(page, "ops-mail")
    admin.assert_no_page_errors()


def test_operations_at_phone_width_are_accessible(stack, people):
    # axe is injected into the page: this context bypasses the CSP (others keep it).
    phone = people(width=390, bypass_csp=True)
    page = phone.page
    sign_in(page, ADMIN, "Triage")
    page.goto("/ops")
    expect(page.get_by_role("heading", level=1, name="Operations")).to_be_visible()
    expect(page.get_by_role("table", name="Queues")).to_be_visible()
    expect(page.get_by_role("table", name="Heartbeats")).to_be_visible()
    screenshot(page, "ops-overview-phone")
    assert accessibility_violations(page) == []
    _tab(page, "Failures")
    expect(page.get_by_label("Service")).to_be_visible()
    expect(page.locator(".state-loading")).to_have_count(0)  # loaded
    assert accessibility_violations(page) == [], "Failures"
    _tab(page, "Dead letters")
    expect(page.get_by_label("Queue")).to_be_visible()
    assert accessibility_violations(page) == [], "Dead letters"
    phone.assert_no_page_errors()


def test_an_employee_is_refused_naming_the_role(stack, people):
    employee = people()
    page = employee.page
    sign_in(page, EMPLOYEE, "My tickets")
    main_nav = page.get_by_role("navigation", name="Main")
    expect(main_nav.get_by_role("link", name="Operations")).to_have_count(0)
    page.goto("/ops/dead")
    expect(page.get_by_role("heading", level=1, name="Not allowed")).to_be_visible()
    expect(page.get_by_role("alert")).to_contain_text("Operator (tts) or Admin")
    screenshot(page, "ops-refused")
    employee.assert_no_page_errors()
