"""The web UI's layout in a real browser (Chromium) at a laptop's and a phone's size,
measured rather than looked at: what a person needs on opening a page is inside the
viewport and nothing sticky lies on top of it.

Screenshots land in var/web-screenshots/ (layout-*.png).
"""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import Locator, Page, expect

from tests.e2e.browser_support import accessibility_violations, screenshot, sign_in
from tests.e2e.stack_support import (
    AGENT,
    COORDINATOR,
    EMPLOYEE,
    User,
    approve,
    create_ticket,
    wait_until_assigned,
)

ADMIN = "admin@example.com"
LAPTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}


def _box(locator: Locator) -> dict[str, float]:
    box = locator.bounding_box()
    assert box is not None, f"{locator} is not rendered"
    return box


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return (
        a["x"] < b["x"] + b["width"]
        and b["x"] < a["x"] + a["width"]
        and a["y"] < b["y"] + b["height"]
        and b["y"] < a["y"] + a["height"]
    )


def _inside(inner: dict[str, float], outer: dict[str, float]) -> bool:
    return (
        inner["x"] >= outer["x"] - 0.5
        and inner["y"] >= outer["y"] - 0.5
        and inner["x"] + inner["width"] <= outer["x"] + outer["width"] + 0.5
        and inner["y"] + inner["height"] <= outer["y"] + outer["height"] + 0.5
    )


def _viewport(page: Page) -> dict[str, float]:
    size = page.viewport_size
    assert size is not None
    return {"x": 0, "y": 0, "width": size["width"], "height": size["height"]}


@pytest.fixture(scope="module")
def long_conversation(stack) -> dict:
    """A ticket with more messages than fit, approved and assigned to the agent."""
    employee = User(EMPLOYEE)
    ticket = create_ticket(employee, f"A long conversation {time.time_ns()}")
    for number in range(1, 13):
        sent = employee.post(
            f"/api/chat/tickets/{ticket['id']}/messages",
            {"body": f"Message {number}\nwith a second line"},
        )
        assert sent.status_code == 201, sent.text
    approve(User(COORDINATOR), ticket["id"])
    wait_until_assigned(User(AGENT), ticket["id"])
    return ticket


def _problems_on_open(page: Page) -> list[str]:
    """What is wrong with the ticket page as it stands: the newest message not in view,
    or covered; Send covered by the bottom navigation or the top bar."""
    view = _viewport(page)
    log = page.get_by_role("log", name="Conversation")
    newest = log.get_by_role("article").last
    composer = page.locator("form.composer")
    send = composer.get_by_role("button", name=re.compile("^(Send|Add note)$"))
    nav = page.get_by_role("navigation", name="Main")
    topbar = page.locator("header.topbar")
    found = []
    newest_box, log_box = _box(newest), _box(log)
    if not _inside(newest_box, view):
        found.append(f"the newest message {newest_box} is outside the viewport {view}")
    if not _inside(newest_box, log_box):
        found.append(f"the newest message {newest_box} is scrolled out of the log {log_box}")
    if _overlap(newest_box, _box(composer)):
        found.append("the composer covers the newest message")
    if _overlap(newest_box, _box(topbar)):
        found.append("the top bar covers the newest message")
    send_box = _box(send)
    if not _inside(send_box, view):
        found.append(f"Send {send_box} is outside the viewport {view}")
    for name, covering in (("the navigation", nav), ("the top bar", topbar)):
        if _overlap(send_box, _box(covering)):
            found.append(f"{name} covers Send")
    return found


@pytest.mark.parametrize(
    ("who", "size"),
    [(EMPLOYEE, LAPTOP), (EMPLOYEE, PHONE), (AGENT, LAPTOP), (AGENT, PHONE)],
    ids=["employee-laptop", "employee-phone", "agent-laptop", "agent-phone"],
)
def test_the_newest_message_and_send_are_in_view_when_a_ticket_opens(
    people, long_conversation, who, size
):
    person = people(width=size["width"], height=size["height"])
    page = person.page
    sign_in(page, who, "My tickets" if who == EMPLOYEE else "My tasks")
    page.goto(f"/tickets/{long_conversation['number']}")
    log = page.get_by_role("log", name="Conversation")
    expect(log.get_by_role("article").last).to_contain_text("Message 12")
    page.wait_for_timeout(300)  # the page settles (fonts, the side panels' lists)
    problems = _problems_on_open(page)
    name = f"layout-ticket-{'employee' if who == EMPLOYEE else 'agent'}-{size['width']}"
    screenshot(page, name, full_page=False)
    assert problems == []
    # Typing does not move the composer under anything either.
    page.get_by_label("Message").fill("A reply being typed")
    assert _problems_on_open(page) == []
    person.assert_no_page_errors()


def test_the_admins_phone_navigation_fits_with_the_rest_under_more(people):
    admin = people(width=PHONE["width"], height=PHONE["height"])
    page = admin.page
    sign_in(page, ADMIN, "Triage")
    view = _viewport(page)
    nav = page.get_by_role("navigation", name="Main")
    assert nav.evaluate("(n) => n.scrollWidth <= n.clientWidth"), "the bottom bar scrolls sideways"
    shown = [link for link in nav.get_by_role("link").all() if link.is_visible()]
    assert 2 <= len(shown) <= 4, [link.inner_text() for link in shown]
    for link in shown:
        assert _inside(_box(link), view), link.inner_text()
    more = nav.get_by_role("button", name=re.compile("^More"))
    assert _inside(_box(more), view)
    expect(more).to_have_attribute("aria-expanded", "false")
    screenshot(page, "layout-admin-nav-phone", full_page=False)

    more.click()
    expect(more).to_have_attribute("aria-expanded", "true")
    menu = page.locator(f"#{more.get_attribute('aria-controls')}")
    expect(menu.get_by_role("link", name="Users")).to_be_visible()
    # Focus moves into the menu; Escape closes it and gives focus back to More.
    expect(menu.get_by_role("link").first).to_be_focused()
    for link in menu.get_by_role("link").all():
        assert _inside(_box(link), view), link.inner_text()
    screenshot(page, "layout-admin-nav-phone-more", full_page=False)
    page.keyboard.press("Escape")
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(menu).to_be_hidden()
    expect(more).to_be_focused()

    # A page from the menu: the menu closes and More says it holds the current page.
    more.click()
    menu.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1, name="Users and roles")).to_be_visible()
    expect(more).to_have_attribute("aria-expanded", "false")
    expect(more).to_have_class(re.compile(r"\bactive\b"))
    expect(more).to_have_accessible_name(re.compile("Users"))
    screenshot(page, "layout-admin-nav-phone-current", full_page=False)
    admin.assert_no_page_errors()


def test_the_phone_navigation_and_its_more_list_pass_axe(people):
    # axe is injected into the page, so this context sets the CSP aside.
    admin = people(width=PHONE["width"], height=PHONE["height"], bypass_csp=True)
    page = admin.page
    sign_in(page, ADMIN, "Triage")
    expect(page.locator(".state-loading")).to_have_count(0)
    found = {"closed": accessibility_violations(page)}
    page.get_by_role("navigation", name="Main").get_by_role("button", name="More").click()
    found["open"] = accessibility_violations(page)
    assert {state: problems for state, problems in found.items() if problems} == {}


def test_the_admins_laptop_navigation_lists_everything(people):
    admin = people(width=LAPTOP["width"], height=LAPTOP["height"])
    page = admin.page
    sign_in(page, ADMIN, "Triage")
    nav = page.get_by_role("navigation", name="Main")
    for name in ("My tickets", "Triage", "Users", "Reports", "Operations"):
        expect(nav.get_by_role("link", name=name)).to_be_visible()
    expect(nav.get_by_role("button", name=re.compile("^More"))).to_be_hidden()
    admin.assert_no_page_errors()


@pytest.mark.parametrize("size", [LAPTOP, PHONE], ids=["laptop", "phone"])
def test_a_long_subject_is_counted_not_cut_and_the_shortcuts_are_offered(people, size):
    employee = people(width=size["width"], height=size["height"])
    page = employee.page
    sign_in(page, EMPLOYEE, "My tickets")
    page.get_by_label("Account: Emma Employee").click()
    page.get_by_role("button", name="Keyboard shortcuts").click()
    dialog = page.get_by_role("dialog", name="Keyboard shortcuts")
    expect(dialog).to_be_visible()
    screenshot(page, f"layout-shortcuts-{size['width']}", full_page=False)
    dialog.get_by_role("button", name="Close").click()
    expect(dialog).to_be_hidden()

    page.goto("/tickets/new")
    subject = page.get_by_label("Subject")
    subject.fill("Printer" + " jams" * 131)
    expect(subject).to_have_value("Printer" + " jams" * 131)  # 662 characters, all kept
    expect(page.locator("#ticket-subject-count")).to_have_text("662 / 200 — 462 too many")
    expect(page.get_by_role("alert")).to_contain_text("shorten it to 200 or fewer")
    screenshot(page, f"layout-long-subject-{size['width']}", full_page=False)
    employee.assert_no_page_errors()
