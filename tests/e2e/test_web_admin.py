"""The admin pages in a real browser (Chromium, through Playwright) against the stack's
nginx: an admin invites a person, who follows the mailed link (read from the stack's mail
catcher), sets a password and signs in; a role the admin grants shows up on the person's
next page load; a category the admin adds, with its fields, appears on New ticket; and an
employee is refused the admin pages.

Screenshots land in var/web-screenshots/ (admin-*.png).
"""

from __future__ import annotations

import re
import time
from pathlib import Path

from playwright.sync_api import Page, expect

from common import mail_catcher
from tests.e2e.browser_support import (
    accessibility_violations,
    screenshot,
    sign_in,
)
from tests.e2e.stack_support import EMPLOYEE, wait_for

ADMIN = "admin@example.com"
INVITEE_PASSWORD = "a-long-invitee-password-42"


def _invitation_path(stack: dict[str, str], email: str) -> str:
    """The /accept-invitation?token=… path from the invitation the catcher kept."""
    maildir = Path(stack["TTS_STACK_RUN_DIR"]) / "mail"

    def found() -> str | None:
        for mail in mail_catcher.caught(maildir):
            if email in mail.to:
                match = re.search(r"/accept-invitation\?token=[\w\-.~%]+", mail.body)
                if match:
                    return match.group(0)
        return None

    return wait_for(found, 30, f"the invitation email to {email}")


def _sign_in_as(page: Page, email: str, password: str, landing: str) -> None:
    page.goto("/sign-in")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1, name=landing)).to_be_visible()


def _open_user(page: Page, name: str):
    page.goto("/admin/users")
    page.get_by_label("Search users").fill(name)
    table = page.get_by_role("table", name="Users")
    table.get_by_role("button", name=name).click()
    drawer = page.get_by_role("dialog", name=name)
    expect(drawer).to_be_visible()
    return drawer


def test_invite_accept_grant_and_catalogue(stack, people):
    stamp = time.time_ns()
    email, name = f"invitee{stamp}@example.com", f"Ivy Invitee {stamp}"
    category = f"Laptop loan {stamp}"
    admin, invitee = people(), people()
    sign_in(admin.page, ADMIN, "Triage")
    page = admin.page
    nav = page.get_by_role("navigation", name="Main")
    nav.get_by_role("link", name="Users").click()
    expect(page.get_by_role("heading", level=1, name="Users and roles")).to_be_visible()
    expect(page.get_by_role("table", name="Users")).to_contain_text("employee@example.com")
    screenshot(page, "admin-users")

    # Invite, with the Employee role of hdts.
    page.get_by_role("tab", name="Invitations").click()
    page.get_by_label("Email").fill(email)
    page.get_by_label("Name").fill(name)
    page.get_by_role("checkbox", name="Employee (hdts)").check()
    page.get_by_role("button", name="Send invitation").click()
    expect(
        page.get_by_role("status").filter(has_text=f"Invitation sent to {email}")
    ).to_be_visible()
    invitations = page.get_by_role("table", name="Invitations")
    expect(invitations).to_contain_text(email)
    screenshot(page, "admin-invitations")

    # The invitee follows the mailed link, sets a password and signs in.
    link = _invitation_path(stack, email)
    invitee.page.goto(link)
    invitee.page.get_by_label("New password").fill(INVITEE_PASSWORD)
    invitee.page.get_by_label("Repeat the password").fill(INVITEE_PASSWORD)
    invitee.page.get_by_role("button", name="Set password").click()
    expect(invitee.page.get_by_role("status")).to_contain_text("Your account is ready")
    _sign_in_as(invitee.page, email, INVITEE_PASSWORD, "My tickets")
    invitee_nav = invitee.page.get_by_role("navigation", name="Main")
    expect(invitee_nav.get_by_role("link", name="My tasks")).to_have_count(0)

    # The admin grants tts Agent in the person's drawer; the person's next load shows My tasks.
    drawer = _open_user(page, name)
    expect(drawer).to_contain_text("Active")
    drawer.get_by_role("button", name="Grant Agent (tts)").click()
    expect(drawer.get_by_role("status").filter(has_text="Granted Agent (tts).")).to_be_visible()
    expect(drawer.get_by_role("button", name="Revoke Agent (tts)")).to_be_visible()
    screenshot(page, "admin-user-drawer")
    drawer.get_by_role("button", name="Close").click()
    invitee.page.reload()
    expect(invitee_nav.get_by_role("link", name="My tasks")).to_be_visible()
    invitee_nav.get_by_role("link", name="My tasks").click()
    expect(invitee.page.get_by_role("heading", level=1, name="My tasks")).to_be_visible()

    page.goto("/admin/users?tab=permissions")
    expect(page.get_by_role("table", name="Permissions by role")).to_be_visible()
    screenshot(page, "admin-permissions")

    # A category with the asset fields: previewed, then offered on New ticket.
    nav.get_by_role("link", name="Categories").click()
    expect(page.get_by_role("heading", level=1, name="Categories")).to_be_visible()
    expect(page.get_by_role("list", name="Category tree")).to_contain_text("IT Support")
    page.get_by_role("button", name="New category").click()
    page.get_by_label("Name").fill(category)
    page.get_by_label("Usual department").select_option("Asset")
    page.get_by_label("Fields on the ticket").select_option("asset")
    preview = page.get_by_role("region", name="Preview: New ticket")
    expect(preview.get_by_label("Asset name")).to_be_visible()
    screenshot(page, "admin-category-editor")
    page.get_by_role("button", name="Create category").click()
    expect(page.get_by_role("list", name="Category tree")).to_contain_text(category)
    screenshot(page, "admin-categories")

    invitee.page.goto("/tickets/new")
    invitee.page.get_by_label("Category").select_option(category)
    expect(invitee.page.get_by_label("Asset name")).to_be_visible()
    expect(invitee.page.get_by_label("Department")).to_have_value("Asset")
    screenshot(invitee.page, "admin-category-on-new-ticket")
    for person in (admin, invitee):
        person.assert_no_page_errors()


def test_admin_pages_at_phone_width(people):
    admin = people(width=390)
    sign_in(admin.page, ADMIN, "Triage")
    admin.page.goto("/admin/users")
    expect(admin.page.get_by_role("table", name="Users")).to_contain_text("agent@example.com")
    screenshot(admin.page, "admin-users-phone")
    admin.assert_no_page_errors()


def test_the_admin_pages_pass_axe(people):
    # axe is injected into the page, so this context sets the CSP aside.
    admin = people(bypass_csp=True)
    page = admin.page
    sign_in(page, ADMIN, "Triage")
    found = {}
    page.goto("/admin/users")
    expect(page.get_by_role("table", name="Users")).to_be_visible()
    found["Users"] = accessibility_violations(page)
    page.get_by_role("table", name="Users").get_by_role("button", name="Emma Employee").click()
    drawer = page.get_by_role("dialog", name="Emma Employee")
    expect(drawer.get_by_role("button", name="Grant Agent (tts)")).to_be_visible()
    found["User drawer"] = accessibility_violations(page)
    drawer.get_by_role("button", name="Close").click()
    page.get_by_role("tab", name="Invitations").click()
    expect(page.get_by_role("button", name="Send invitation")).to_be_visible()
    expect(page.locator(".state-loading")).to_have_count(0)
    found["Invitations"] = accessibility_violations(page)
    page.get_by_role("tab", name="Permissions").click()
    found["Permissions"] = accessibility_violations(page)
    page.goto("/admin/categories")
    page.get_by_role("button", name="Edit Asset Check In").click()
    expect(page.get_by_role("region", name="Preview: New ticket")).to_be_visible()
    found["Categories"] = accessibility_violations(page)
    assert {name: problems for name, problems in found.items() if problems} == {}


def test_an_employee_is_refused_the_admin_pages(people):
    employee = people()
    sign_in(employee.page, EMPLOYEE, "My tickets")
    nav = employee.page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Users")).to_have_count(0)
    expect(nav.get_by_role("link", name="Categories")).to_have_count(0)
    for path in ("/admin/users", "/admin/users?tab=invitations", "/admin/categories"):
        employee.page.goto(path)
        expect(employee.page.get_by_role("heading", level=1, name="Not allowed")).to_be_visible()
        expect(employee.page.get_by_role("alert")).to_contain_text("needs the Admin role")
    expect(employee.page.get_by_role("list", name="Category tree")).to_have_count(0)
    employee.assert_no_page_errors()
