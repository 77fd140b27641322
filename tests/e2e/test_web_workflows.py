"""The admin's workflow editor and reports in a real browser (Chromium, through the stack's
nginx and its CSP): a draft edited into an invalid state shows the problem beside its field
and in the Problems panel without being saved, is fixed, and publishes as the next version;
unsaved edits ask before they are lost (leaving the page, reloading the tab) and can be
discarded back to the saved draft, or the draft reverted to the published version; the
reports show their charts, each chart's table, and export CSV.

Screenshots land in var/web-screenshots/ (workflow-*.png, reports.png).
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.e2e.browser_support import (
    Person,
    accessibility_violations,
    open_person,
    screenshot,
    sign_in,
)
from tests.e2e.stack_support import (
    AGENT,
    COORDINATOR,
    EDGE,
    EMPLOYEE,
    User,
    approve,
    create_ticket,
    wait_until_assigned,
)

ADMIN = "admin@example.com"
AGENT_ROLE = {"system": "tts", "name": "Agent"}
DEFINITION = {
    "steps": [
        {"key": "work", "name": "Do the work", "role": AGENT_ROLE, "start": True},
        {"key": "check", "name": "Check it", "role": AGENT_ROLE, "weight": 2},
        {"key": "done", "name": "Done", "end": True},
    ],
    "transitions": [
        {"key": "submit", "name": "Submit", "from": "work", "to": "check"},
        {"key": "approve", "name": "Approve", "from": "check", "to": "done"},
        {"key": "send_back", "name": "Send back", "from": "check", "to": "work"},
    ],
    "sla_hours": {"critical": 4, "high": 8, "medium": 24, "low": 40},
}


@pytest.fixture
def admin_page(browser):
    # bypass_csp only so that axe can be injected; the app itself runs under the CSP in
    # test_web_ui.py, and nothing here depends on the bypass.
    person: Person = open_person(browser, EDGE, 1280, bypass_csp=True)
    sign_in(person.page, ADMIN, "Triage")
    yield person
    person.context.close()


@pytest.fixture(scope="module")
def published_workflow(stack) -> dict:
    """A workflow of this run's own (no category: it routes no ticket), published as v1."""
    admin = User(ADMIN)
    created = admin.post(
        "/api/workflow/workflows",
        {"name": f"E2E workflow {time.time_ns()}", "definition": DEFINITION},
    )
    assert created.status_code == 201, created.text
    workflow = created.json()
    published = admin.post(f"/api/workflow/workflows/{workflow['id']}/publish", {})
    assert published.status_code == 201, published.text
    return workflow


def test_admin_fixes_a_draft_and_publishes_it(admin_page, published_workflow):
    page = admin_page.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Workflows").click()
    expect(page.get_by_role("heading", level=1, name="Workflows")).to_be_visible()
    row = page.get_by_role("row").filter(has_text=published_workflow["name"])
    expect(row).to_contain_text("Version 1")
    screenshot(page, "workflow-list")
    row.get_by_role("link", name=published_workflow["name"]).click()
    expect(page.get_by_role("heading", level=1, name=published_workflow["name"])).to_be_visible()

    # The graph: every step and transition is also a list, and focusable in the SVG.
    expect(page.get_by_role("list", name="Steps").get_by_role("listitem")).to_have_count(3)
    expect(page.get_by_role("list", name="Transitions").get_by_role("listitem")).to_have_count(3)
    expect(page.get_by_role("button", name="Step Do the work (start)")).to_be_visible()

    # Invalid: the first step loses its role.
    role = page.locator("#wf-steps-0-role")
    role.fill("")
    page.get_by_role("button", name="Validate").click()
    problems = page.get_by_role("region", name="Problems (1)")
    expect(problems).to_contain_text("Step 1 (work) · role")
    beside = page.locator("#wf-steps-0-role-error")
    expect(beside).to_have_text("⚠ an object with 'system' and 'name'")
    expect(role).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_role("button", name="Publish", exact=True)).to_be_disabled()
    flagged = page.get_by_role("button", name="Step Do the work (start) (has problems)")
    expect(flagged).to_be_visible()
    # Validate checked what is on screen and saved nothing: the stored draft keeps its role.
    stored = User(ADMIN).get(f"/api/workflow/workflows/{published_workflow['id']}").json()
    assert stored["draft"]["steps"][0]["role"] == AGENT_ROLE
    expect(page.get_by_text("Draft · unsaved changes")).to_be_visible()
    screenshot(page, "workflow-problems")
    assert accessibility_violations(page) == []

    problems.get_by_role("button", name="Step 1 (work) · role").click()
    expect(role).to_be_focused()
    role.fill("tts:Agent")
    page.get_by_role("button", name="Validate").click()
    expect(page.get_by_text("No problems: the draft can be published.")).to_be_visible()
    expect(page.get_by_role("region", name="Problems (1)")).to_have_count(0)

    page.get_by_role("button", name="Publish", exact=True).click()
    expect(page.get_by_text("Published as version 2.")).to_be_visible()
    expect(page.get_by_text("Published version: 2")).to_be_visible()
    screenshot(page, "workflow-published")

    # The published version is read-only, with Edit as draft.
    page.get_by_label("Show").select_option("v2")
    expect(page.get_by_role("table", name="Steps of this version")).to_contain_text("tts:Agent")
    expect(page.get_by_role("button", name="Edit as draft")).to_be_visible()
    expect(page.get_by_role("button", name="Publish", exact=True)).to_have_count(0)
    versions = User(ADMIN).get(f"/api/workflow/workflows/{published_workflow['id']}/versions")
    assert [v["number"] for v in versions.json()["items"]] == [1, 2]
    admin_page.assert_no_page_errors()


@pytest.fixture
def edited_workflow(stack) -> dict:
    """A workflow published as v1 whose saved draft has since moved on (step 1 renamed)."""
    admin = User(ADMIN)
    created = admin.post(
        "/api/workflow/workflows",
        {"name": f"E2E drafts {time.time_ns()}", "definition": DEFINITION},
    )
    assert created.status_code == 201, created.text
    workflow = created.json()
    url = f"/api/workflow/workflows/{workflow['id']}"
    assert admin.post(f"{url}/publish", {}).status_code == 201
    draft = admin.get(url).json()["draft"]
    draft["steps"][0]["name"] = "Saved but not published"
    saved = admin.http.patch(f"{admin.base}{url}", json={"definition": draft}, timeout=10)
    assert saved.status_code == 200, saved.text
    return workflow


def test_unsaved_edits_ask_before_leaving_and_go_back_in_one_step(admin_page, edited_workflow):
    page = admin_page.page
    url = f"/api/workflow/workflows/{edited_workflow['id']}"
    page.goto(f"/admin/workflows/{edited_workflow['id']}")
    name = page.locator("#wf-steps-0-name")
    expect(name).to_have_value("Saved but not published")
    expect(page.get_by_role("button", name="Discard changes")).to_have_count(0)
    name.fill("Typed, not saved")

    # Leaving inside the app asks; Stay keeps the edit.
    page.get_by_role("link", name="← Workflows").click()
    leave = page.get_by_role("alertdialog", name="Leave without saving?")
    expect(leave).to_be_visible()
    expect(leave.get_by_role("button", name="Stay")).to_be_focused()
    screenshot(page, "workflow-leave")
    assert accessibility_violations(page) == []
    leave.get_by_role("button", name="Stay").click()
    expect(leave).to_have_count(0)
    expect(name).to_have_value("Typed, not saved")

    # Reloading the tab asks too (the browser's own prompt); dismissed, nothing is lost.
    prompts: list[str] = []

    def dismiss(dialog) -> None:
        prompts.append(dialog.type)
        dialog.dismiss()

    page.once("dialog", dismiss)
    page.evaluate("() => { location.reload(); }")
    expect(name).to_have_value("Typed, not saved")
    assert prompts == ["beforeunload"]

    # Discard changes: back to the saved draft, not to the published version.
    page.get_by_role("button", name="Discard changes").click()
    discard = page.get_by_role("alertdialog", name="Discard your changes?")
    discard.get_by_role("button", name="Discard changes").click()
    expect(name).to_have_value("Saved but not published")
    expect(page.get_by_text("Changes discarded: this is the saved draft.")).to_be_visible()

    # Revert to published: asks, then the stored draft is version 1 again.
    page.get_by_role("button", name="Revert to published").click()
    revert = page.get_by_role("alertdialog", name="Revert the draft to version 1?")
    expect(revert).to_be_visible()
    screenshot(page, "workflow-revert")
    revert.get_by_role("button", name="Revert to published").click()
    expect(page.get_by_text("The draft is version 1 again.")).to_be_visible()
    expect(name).to_have_value("Do the work")
    expect(page.get_by_text("Draft · same as published")).to_be_visible()
    admin = User(ADMIN)
    published = admin.get(f"{url}/versions").json()["items"][-1]["definition"]
    assert admin.get(url).json()["draft"] == published
    screenshot(page, "workflow-reverted")

    # Nothing unsaved: leaving does not ask.
    page.get_by_role("link", name="← Workflows").click()
    expect(page.get_by_role("heading", level=1, name="Workflows")).to_be_visible()
    admin_page.assert_no_page_errors()


@pytest.fixture(scope="module")
def open_task(stack) -> None:
    """One routed, assigned task: the reports then have a backlog and an agent's load."""
    ticket = create_ticket(User(EMPLOYEE), f"Reports e2e {time.time_ns()}")
    approve(User(COORDINATOR), ticket["id"])
    wait_until_assigned(User(AGENT), ticket["id"])


def test_admin_reads_the_reports_and_exports_csv(admin_page, open_task, tmp_path: Path):
    page = admin_page.page
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Reports").click()
    expect(page.get_by_role("heading", level=1, name="Reports")).to_be_visible()
    expect(page.get_by_text("Data as of")).to_be_visible()
    expect(page.get_by_role("list", name="Key figures")).to_contain_text("SLA compliance")
    for title in ("Backlog by age", "Backlog by status", "Load per agent"):
        chart = page.get_by_role("region", name=title)
        expect(chart).to_be_visible()
        chart.get_by_role("button", name="View as table").click()
        expect(chart.get_by_role("table", name=f"{title} (table)")).to_be_visible()
    backlog = page.get_by_role("region", name="Backlog by age")
    expect(backlog.get_by_role("img")).to_be_visible()
    expect(backlog.get_by_role("table")).to_contain_text("0-1d")
    load = page.get_by_role("region", name="Load per agent")
    expect(load.get_by_role("img")).to_be_visible()
    expect(load.get_by_role("row")).not_to_have_count(1)  # a header and at least one agent
    expect(load.get_by_role("table")).not_to_contain_text("No data")
    screenshot(page, "reports")
    assert accessibility_violations(page) == []

    with page.expect_download() as download_info:
        page.get_by_role("button", name="Export CSV").click()
    download = download_info.value
    assert download.suggested_filename.endswith(".csv")
    saved = tmp_path / "report.csv"
    download.save_as(saved)
    lines = saved.read_text().splitlines()
    assert lines[0] == "metric,key,value"
    assert any(line.startswith("created,,") for line in lines)
    assert any(line.startswith("load_per_agent,") for line in lines)
    admin_page.assert_no_page_errors()


def test_at_phone_width_the_editor_and_reports_are_view_only(browser, published_workflow):
    person = open_person(browser, EDGE, 390)
    try:
        page = person.page
        sign_in(page, ADMIN, "Triage")
        page.goto(f"/admin/workflows/{published_workflow['id']}")
        expect(page.get_by_text("At phone width the editor is view-only")).to_be_visible()
        expect(page.get_by_role("button", name="Publish", exact=True)).to_have_count(0)
        expect(page.locator("#wf-steps-0-role")).to_be_disabled()
        expect(page.get_by_role("list", name="Steps").get_by_role("listitem")).to_have_count(3)
        screenshot(page, "workflow-phone")
        page.goto("/admin/reports")
        expect(page.get_by_text("Reports are view-only at phone width.")).to_be_visible()
        expect(page.get_by_role("region", name="Backlog by age")).to_be_visible()
        screenshot(page, "reports-phone")
        person.assert_no_page_errors()
    finally:
        person.context.close()
