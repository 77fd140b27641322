"""The web UI in a real browser (Chromium, through Playwright) against the production-like
stack and its nginx: three people, each in their own browser context, take a ticket from
submission to a rating, and everything the others do reaches their open pages live.

Screenshots of the main pages are kept in var/web-screenshots/.
"""

from __future__ import annotations

import re
import time

from playwright.sync_api import Page, expect

from tests.e2e.browser_support import (
    accessibility_violations,
    screenshot,
    sign_in,
)
from tests.e2e.stack_support import (
    AGENT,
    COORDINATOR,
    DEMO_PASSWORD,
    EDGE,
    EMPLOYEE,
    User,
    approve,
    create_ticket,
    wait_until_assigned,
)


def _mark_page(page: Page) -> None:
    """A flag that a reload would wipe: proves later changes arrived without one."""
    page.evaluate("window.__notReloaded = true")


def _still_same_page(page: Page) -> None:
    assert page.evaluate("window.__notReloaded === true"), "the page was reloaded"


def _submit_ticket(page: Page, subject: str) -> str:
    page.get_by_role("link", name="New ticket").first.click()
    expect(page.get_by_role("heading", level=1, name="New ticket")).to_be_visible()
    page.get_by_label("Subject").fill(subject)
    page.get_by_label("Description").fill("The printer on floor 2 prints blank pages.")
    page.get_by_label("Category").select_option("Others")
    page.get_by_label("Department").select_option("IT")
    page.get_by_label("Attachments").set_input_files(
        files=[{"name": "error-log.txt", "mimeType": "text/plain", "buffer": b"E42 toner\n"}]
    )
    expect(page.get_by_role("list", name="Files to attach")).to_contain_text("error-log.txt")
    screenshot(page, "new-ticket")
    page.get_by_role("button", name="Submit").click()
    expect(page.get_by_role("heading", level=1, name=subject)).to_be_visible()
    number = page.get_by_test_id("ticket-number").inner_text()
    assert re.fullmatch(r"#\d+", number), number
    # The number the ticket shows is the one in its address.
    expect(page).to_have_url(re.compile(f"/tickets/{number[1:]}$"))
    expect(page.get_by_test_id("ticket-status")).to_contain_text("New")
    attachments = page.get_by_role("region", name="Attachments")
    expect(attachments.get_by_role("link", name="error-log.txt")).to_be_visible()
    return number


def test_a_ticket_from_submission_to_rating_live_across_three_people(people):
    subject = f"Printer prints blank pages {time.time_ns()}"
    employee, coordinator, agent = people(), people(), people()
    sign_in(employee.page, EMPLOYEE, "My tickets")
    sign_in(coordinator.page, COORDINATOR, "Triage")
    sign_in(agent.page, AGENT, "My tasks")
    screenshot(employee.page, "my-tickets")

    # The agent's page is open before anything is assigned: what follows arrives live.
    _mark_page(agent.page)
    bell = agent.page.get_by_role("button", name="Notifications")
    unread_before = int(bell.get_by_test_id("unread-count").inner_text())

    number = _submit_ticket(employee.page, subject)
    screenshot(employee.page, "ticket-submitted")

    coordinator.page.reload()  # the queue as it is now (its live feed is the bell)
    row = coordinator.page.get_by_role("article", name=f"{number} {subject}")
    row.get_by_label("Priority").select_option("high")
    screenshot(coordinator.page, "triage")
    row.get_by_role("button", name="Approve").click()
    expect(row).to_have_count(0)

    # Assigned by the workflow worker: the task and the notification reach the open page.
    task_link = agent.page.get_by_role("link", name=f"{number} {subject}")
    expect(task_link).to_be_visible()
    expect(bell.get_by_test_id("unread-count")).not_to_have_text(str(unread_before))
    _still_same_page(agent.page)
    expect(agent.page.get_by_role("table", name="My tasks")).to_contain_text("On track")
    screenshot(agent.page, "my-tasks")
    bell.click()
    drawer = agent.page.get_by_role("dialog", name="Notifications")
    expect(
        drawer.get_by_role("button", name=re.compile(f"New task.*{re.escape(subject)}"))
    ).to_be_visible()
    drawer.get_by_role("button", name="Close panel").click()

    task_link.click()
    expect(agent.page.get_by_role("heading", name=re.compile("^Step: "))).to_be_visible()
    # The task is worked on its ticket's page, at the address people say and paste.
    expect(agent.page).to_have_url(re.compile(f"/tickets/{number[1:]}$"))
    _mark_page(agent.page)
    _mark_page(employee.page)

    # A conversation, live both ways, with the agent's internal note kept from the employee.
    agent.page.get_by_label("Message").fill("Hello, which printer exactly?")
    agent.page.get_by_role("button", name="Send").click()
    employee_log = employee.page.get_by_role("log", name="Conversation")
    expect(employee_log).to_contain_text("Hello, which printer exactly?")
    agent.page.get_by_role("radio", name="Internal note").click()
    agent.page.get_by_label("Internal note").fill("Toner supplier is late again.")
    agent.page.get_by_role("button", name="Add note").click()
    agent_log = agent.page.get_by_role("log", name="Conversation")
    note = agent_log.get_by_role("article", name=re.compile("^Internal, by"))
    expect(note).to_contain_text("Internal")
    employee.page.get_by_label("Message").fill("The one by the kitchen.")
    employee.page.get_by_role("button", name="Send").click()
    expect(agent_log).to_contain_text("The one by the kitchen.")
    expect(employee_log).to_contain_text("The one by the kitchen.")
    expect(employee_log).not_to_contain_text("Toner supplier")
    _still_same_page(agent.page)
    _still_same_page(employee.page)
    screenshot(agent.page, "task-page")

    # The agent completes the task; the employee's open page turns "Resolved" by itself.
    agent.page.get_by_role("button", name="Resolve").click()
    agent.page.get_by_label("Notes").fill("Replaced the toner cartridge.")
    agent.page.get_by_role("button", name="Confirm resolve").click()
    expect(agent.page.get_by_role("status").filter(has_text="Done: Resolve.")).to_be_visible()
    expect(employee.page.get_by_test_id("ticket-status")).to_contain_text("Resolved")
    _still_same_page(employee.page)

    employee.page.get_by_label("5 – Excellent").check()
    employee.page.get_by_label("Comment (optional)").fill("Quick and friendly.")
    employee.page.get_by_role("button", name="Rate", exact=True).click()
    expect(employee.page.get_by_text("You rated this 5 out of 5")).to_be_visible()
    # The requester's history speaks in sentences, credits the agent, shows their notes,
    # and keeps the staff's bookkeeping (ids, steps) to itself.
    history = employee.page.get_by_role("region", name="History")
    expect(history).to_contain_text("You submitted it")
    expect(history).to_contain_text("Ava Agent resolved it: Replaced the toner cartridge.")
    expect(history).to_contain_text("You rated it 5 out of 5")
    expect(history).not_to_contain_text("assignee id")
    expect(history).not_to_contain_text("step")
    screenshot(employee.page, "ticket-resolved-rated")
    for person in (employee, coordinator, agent):
        person.assert_no_page_errors()


def test_a_task_says_where_each_step_goes_and_how_its_sla_ended(people):
    """The seeded IT workflow: the requester sees "Assigned" until the agent acts; each
    action says where it goes, only the usual next step is the primary button; the
    finished task shows its SLA met, and by how much, on its page and in My tasks."""
    subject = f"VPN drops every hour {time.time_ns()}"
    ticket = create_ticket(User(EMPLOYEE), subject)  # IT Support: Triage, then Resolve
    approve(User(COORDINATOR), ticket["id"])
    wait_until_assigned(User(AGENT), ticket["id"])
    employee = people(width=390)
    sign_in(employee.page, EMPLOYEE, "My tickets")
    employee.page.goto(f"/tickets/{ticket['number']}")
    expect(employee.page.get_by_test_id("ticket-status")).to_have_text("Status: Assigned")
    screenshot(employee.page, "ticket-assigned-phone")

    agent = people(bypass_csp=True)  # for axe on the finished task page
    page = agent.page
    sign_in(page, AGENT, "My tasks")
    page.get_by_role("link", name=f"#{ticket['number']} {subject}").click()
    expect(page).to_have_url(re.compile(f"/tickets/{ticket['number']}$"))
    task_path = page.url.split(EDGE, 1)[1]
    triage = page.get_by_role("region", name="Step: Triage")
    forward = triage.get_by_role("button", name="Send to resolution")
    expect(forward).to_have_class(re.compile(r"\bprimary\b"))
    screenshot(page, "task-triage")
    forward.click()
    page.get_by_role("button", name="Confirm send to resolution").click()
    resolve = page.get_by_role("region", name="Step: Resolve")
    expect(resolve.get_by_role("status")).to_contain_text("Done: Send to resolution.")
    expect(resolve.get_by_role("button", name="Resolve")).to_have_class(re.compile(r"\bprimary\b"))
    back = resolve.get_by_role("button", name="Return to triage")
    expect(back).to_be_visible()
    expect(back).not_to_have_class(re.compile(r"\bprimary\b"))
    screenshot(page, "task-resolve")

    # The agent acted: the ticket is in progress now, for the requester too.
    employee.page.reload()
    expect(employee.page.get_by_test_id("ticket-status")).to_have_text("Status: In progress")

    resolve.get_by_role("button", name="Resolve").click()
    page.get_by_role("button", name="Confirm resolve").click()
    finished = page.get_by_role("region", name="Step: Resolved")
    expect(finished).to_contain_text(re.compile(r"SLA met · \d+ (d|h|m).* to spare"))
    expect(finished).not_to_contain_text("No SLA")
    screenshot(page, "task-finished")
    assert accessibility_violations(page) == []

    page.goto("/tasks")
    page.get_by_role("radio", name="Completed").click()
    row = page.get_by_role("row").filter(has_text=subject)
    expect(row).to_contain_text("SLA met")
    screenshot(page, "my-tasks-completed")
    page.set_viewport_size({"width": 390, "height": 844})
    expect(row).to_contain_text("SLA met")
    screenshot(page, "my-tasks-completed-phone")
    page.goto(task_path)
    expect(page.get_by_role("region", name="Step: Resolved")).to_contain_text("SLA met")
    screenshot(page, "task-finished-phone")
    for person in (employee, agent):
        person.assert_no_page_errors()


def test_an_employee_cannot_reach_admin_pages(people):
    employee = people()
    sign_in(employee.page, EMPLOYEE, "My tickets")
    nav = employee.page.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Users")).to_have_count(0)
    expect(nav.get_by_role("link", name="Triage")).to_have_count(0)
    employee.page.goto("/admin/users")
    expect(employee.page.get_by_role("heading", level=1, name="Not allowed")).to_be_visible()
    expect(employee.page.get_by_role("alert")).to_contain_text("needs the Admin role")
    expect(employee.page.get_by_role("table", name="Users")).to_have_count(0)
    employee.page.goto("/triage")
    expect(employee.page.get_by_role("alert")).to_contain_text("needs the Ticket Coordinator role")
    employee.assert_no_page_errors()


def test_an_expired_session_signs_in_again_without_losing_a_half_typed_ticket(people):
    employee = people(width=390)  # a phone
    sign_in(employee.page, EMPLOYEE, "My tickets")
    page = employee.page
    page.get_by_role("link", name="New ticket").first.click()
    page.get_by_label("Subject").fill("Half-typed on the train")
    page.get_by_label("Description").fill("Started before the session ran out.")
    page.get_by_label("Category").select_option("Others")
    page.get_by_label("Department").select_option("IT")
    screenshot(page, "new-ticket-phone")

    # The session ends (cookies gone, as after expiry): submitting asks to sign in again,
    # over the page, with everything typed still there.
    employee.context.clear_cookies()
    page.get_by_role("button", name="Submit").click()
    dialog = page.get_by_role("dialog", name="Your session has ended")
    expect(dialog).to_be_visible()
    expect(page.get_by_label("Subject")).to_have_value("Half-typed on the train")
    screenshot(page, "session-ended")
    dialog.get_by_label("Password").fill(DEMO_PASSWORD)
    dialog.get_by_role("button", name="Sign in").click()
    # The parked submission resumes by itself: the ticket exists, nothing retyped.
    expect(page.get_by_role("heading", level=1, name="Half-typed on the train")).to_be_visible()
    expect(page.get_by_test_id("ticket-status")).to_contain_text("New")

    # A reload after expiry goes to Sign in, and back to the draft, kept on this device.
    page.get_by_role("link", name="New ticket").first.click()
    page.get_by_label("Subject").fill("Typed, then the tab was reloaded")
    page.wait_for_timeout(500)  # the draft autosaves after 300 ms of quiet
    employee.context.clear_cookies()
    page.reload()
    expect(page).to_have_url(re.compile(r"/sign-in\?next=%2Ftickets%2Fnew$"))
    page.get_by_label("Email").fill(EMPLOYEE)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_label("Subject")).to_have_value("Typed, then the tab was reloaded")
    employee.assert_no_page_errors()


def _settled(page: Page) -> None:
    """The page's list or form has loaded (no loading skeleton left)."""
    expect(page.locator(".state-loading")).to_have_count(0)


def test_the_main_pages_pass_axe(people):
    # axe is injected into the page, so these contexts set the CSP aside; the other
    # tests run under it.
    ticket = create_ticket(User(EMPLOYEE), f"Checked by axe {time.time_ns()}")
    employee, coordinator, agent = (people(bypass_csp=True) for _ in range(3))
    employee.page.goto("/sign-in")
    # Checked once the form is drawn: right after the load event the app may not have
    # rendered yet, and axe then finds an empty page.
    expect(employee.page.get_by_role("button", name="Sign in")).to_be_visible()
    found = {"Sign in": accessibility_violations(employee.page)}
    sign_in(employee.page, EMPLOYEE, "My tickets")
    _settled(employee.page)
    found["My tickets"] = accessibility_violations(employee.page)
    employee.page.goto(f"/tickets/{ticket['number']}")
    expect(employee.page.get_by_role("log", name="Conversation")).to_be_visible()
    _settled(employee.page)
    found["Ticket"] = accessibility_violations(employee.page)
    employee.page.goto("/tickets/new")
    expect(employee.page.get_by_label("Subject")).to_be_visible()
    found["New ticket"] = accessibility_violations(employee.page)
    sign_in(coordinator.page, COORDINATOR, "Triage")
    _settled(coordinator.page)
    found["Triage"] = accessibility_violations(coordinator.page)
    sign_in(agent.page, AGENT, "My tasks")
    _settled(agent.page)
    found["My tasks"] = accessibility_violations(agent.page)
    agent.page.get_by_role("button", name="Notifications").click()
    _settled(agent.page)
    found["Notifications"] = accessibility_violations(agent.page)
    assert {page: problems for page, problems in found.items() if problems} == {}


def test_a_ticket_one_may_not_see_is_a_plain_not_found_at_both_widths(people):
    """An agent pasting a number that is not theirs (or does not exist) is told so in
    plain words: no red error, no request id, no Retry that cannot help."""
    ticket = create_ticket(User(EMPLOYEE), f"Not the agent's {time.time_ns()}")
    for width, name in ((1280, "ticket-not-found"), (390, "ticket-not-found-phone")):
        agent = people(width=width)
        sign_in(agent.page, AGENT, "My tasks")
        agent.page.goto(f"/tickets/{ticket['number']}")
        heading = agent.page.get_by_role("heading", level=1)
        expect(heading).to_have_text(f"No ticket #{ticket['number']} that you can see")
        expect(agent.page.get_by_text("Request ID")).to_have_count(0)
        expect(agent.page.get_by_role("button", name="Retry")).to_have_count(0)
        expect(agent.page.get_by_role("link", name="go to your home page")).to_be_visible()
        screenshot(agent.page, name)
        agent.assert_no_page_errors()


def test_category_fields_and_history_read_as_words_at_both_widths(people):
    """Triage and the ticket page show an asset ticket's fields by their labels (an empty
    optional one not at all), and the requester's history is sentences, on a phone too."""
    subject = f"Laptop for the trip {time.time_ns()}"
    employee_api = User(EMPLOYEE)
    created = employee_api.post(
        "/api/tickets",
        {
            "subject": subject,
            "description": "For the conference in March.",
            "category": "Asset Check Out",
            "department": "Asset",
            "details": {"asset_name": "ThinkPad X1", "serial_number": "PF-123"},
        },
    )
    assert created.status_code == 201, created.text
    ticket = created.json()
    for width in (1280, 390):
        coordinator = people(width=width)
        sign_in(coordinator.page, COORDINATOR, "Triage")
        card = coordinator.page.get_by_role("article", name=f"#{ticket['number']} {subject}")
        expect(card).to_contain_text("Asset name")
        expect(card).to_contain_text("ThinkPad X1")
        expect(card).not_to_contain_text("null")
        screenshot(coordinator.page, f"triage-category-fields-{width}")
        employee = people(width=width)
        sign_in(employee.page, EMPLOYEE, "My tickets")
        employee.page.goto(f"/tickets/{ticket['number']}")
        description = employee.page.get_by_role("region", name="Description")
        expect(description).to_contain_text("Serial number")
        expect(description).to_contain_text("PF-123")
        for raw in ("null", "asset_name", "Expected return"):
            expect(description).not_to_contain_text(raw)
        history = employee.page.get_by_role("region", name="History")
        expect(history).to_contain_text("You submitted it")
        expect(history).not_to_contain_text("create")
        screenshot(employee.page, f"ticket-category-fields-{width}")
        for person in (coordinator, employee):
            person.assert_no_page_errors()


def test_a_locked_sign_in_says_when_at_both_widths(people):
    for width in (1280, 390):
        page = people(width=width).page
        page.goto("/sign-in")
        page.get_by_label("Email").fill(f"locked.{width}@example.com")
        page.get_by_label("Password").fill("not-the-password")
        button = page.get_by_role("button", name=re.compile("^Sign in"))
        for _ in range(6):  # the fifth failure locks this account from this address
            button.click()
            expect(page.get_by_role("alert")).to_be_visible()
            if "Try again at" in page.get_by_role("alert").inner_text():
                break
        alert = page.get_by_role("alert")
        expect(alert).to_contain_text(re.compile(r"Try again at .+ \(in \d+ s\)"))
        expect(
            page.get_by_role("button", name=re.compile(r"^Sign in \(in \d+ s\)$"))
        ).to_be_disabled()
        screenshot(page, f"sign-in-locked-{width}")
