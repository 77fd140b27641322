"""tickets_api: create, read, approve, list, visibility and the events they emit."""

import pytest
from sqlalchemy import select

from common.db import db
from common.models.tickets import TicketsOutbox
from tests.support import TICKET


def test_create_validates_with_a_field_map(people):
    response = people["employee"].post(
        "/api/tickets", json={"subject": "x", "category": "Nope", "department": "IT"}
    )
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    errors = response.get_json()["errors"]
    assert set(errors) == {"subject", "description"}


def test_a_long_subject_is_refused_not_cut(people):
    response = people["employee"].post("/api/tickets", json={**TICKET, "subject": "word " * 132})
    assert response.status_code == 422
    assert set(response.get_json()["errors"]) == {"subject"}
    assert people["employee"].get("/api/tickets").get_json()["items"] == []


def test_subcategory_must_belong_to_the_category(people):
    bad = {**TICKET, "category": "Asset Check In", "subcategory": "Network Connectivity"}
    response = people["employee"].post("/api/tickets", json=bad)
    assert response.status_code == 422
    assert "subcategory" in response.get_json()["errors"]


def test_create_records_the_requester(app, people):
    ticket = people["employee"].post("/api/tickets", json=TICKET).get_json()
    assert ticket["status"] == "new"
    assert ticket["requester"]["email"] == "employee@example.com"
    assert ticket["priority"] is None
    history = people["employee"].get(f"/api/tickets/{ticket['id']}/history").get_json()["items"]
    assert [(h["action"], h["actor"]["name"]) for h in history] == [("create", "Emma Employee")]


def test_numbers_are_unique_and_increasing(people):
    numbers = [
        people["employee"].post("/api/tickets", json=TICKET).get_json()["number"] for _ in range(3)
    ]
    assert numbers == sorted(set(numbers))


def test_approve_rules(app, people):
    ticket = people["employee"].post("/api/tickets", json=TICKET).get_json()
    url = f"/api/tickets/{ticket['id']}/approve"
    assert people["employee"].post(url, json={"priority": "high"}).status_code == 403
    # The agent cannot even see an unassigned ticket: 404, not 403.
    assert people["agent"].post(url, json={"priority": "high"}).status_code == 404
    assert people["coordinator"].post(url, json={"priority": "urgent"}).status_code == 422
    ok = people["coordinator"].post(url, json={"priority": "high", "department": "Asset"})
    assert ok.status_code == 200
    assert ok.get_json()["status"] == "open" and ok.get_json()["department"] == "Asset"
    again = people["admin"].post(url, json={"priority": "low"})
    assert again.status_code == 409
    assert again.get_json()["current_status"] == "open"
    with app.app_context():
        opened = db.session.scalars(
            select(TicketsOutbox).where(TicketsOutbox.name == "tickets.opened")
        ).all()
    assert len(opened) == 1 and opened[0].payload["priority"] == "high"


def test_visibility_on_get_and_list(client, people):
    mine = people["employee"].post("/api/tickets", json=TICKET).get_json()
    other = client.raw.post  # a second requester: the coordinator files a ticket too
    theirs = people["coordinator"].post("/api/tickets", json=TICKET).get_json()
    assert other is not None

    def ids(user):
        return {t["id"] for t in people[user].get("/api/tickets").get_json()["items"]}

    assert ids("employee") == {mine["id"]}
    assert ids("coordinator") == {mine["id"], theirs["id"]}
    assert ids("admin") == {mine["id"], theirs["id"]}
    assert ids("agent") == set()
    assert people["employee"].get(f"/api/tickets/{theirs['id']}").status_code == 404
    assert people["agent"].get(f"/api/tickets/{mine['id']}").status_code == 404


def test_list_pages_with_a_cursor(people):
    created = [
        people["employee"].post("/api/tickets", json=TICKET).get_json()["id"] for _ in range(5)
    ]
    seen, cursor = [], None
    for _ in range(3):
        query = "/api/tickets?limit=2" + (f"&cursor={cursor}" if cursor else "")
        page = people["employee"].get(query).get_json()
        seen += [t["id"] for t in page["items"]]
        cursor = page["next_cursor"]
    assert seen == sorted(created, reverse=True)
    assert cursor is None


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("post", "/api/tickets", {}),
        ("post", "/api/tickets", TICKET),
        ("get", "/api/tickets?limit=bogus", None),
        ("post", "/api/tickets/1/approve", {"priority": "nope"}),
        ("get", "/api/workflow/tasks?assignee=bob", None),
        ("get", "/api/notifications?before=x", None),
        ("post", "/api/chat/tickets/1/messages", {}),
        ("get", "/api/auth/me", None),
    ],
)
def test_anonymous_callers_get_401_before_any_validation(client, method, path, body):
    response = getattr(client.raw, method)(path, json=body)
    assert response.status_code == 401
    assert response.get_json()["title"] == "Unauthorized"
    assert "errors" not in response.get_json()


def test_a_subject_of_spaces_is_refused(people):
    response = people["employee"].post("/api/tickets", json={**TICKET, "subject": "     "})
    assert response.status_code == 422
    assert "subject" in response.get_json()["errors"]
    trimmed = people["employee"].post("/api/tickets", json={**TICKET, "subject": "  Printer  "})
    assert trimmed.get_json()["subject"] == "Printer"
