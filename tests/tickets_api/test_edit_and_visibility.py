"""Edits with ETag/If-Match, who may edit what, and visibility on every read path."""

import io

import pytest

from tests.support import TICKET

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_get_returns_an_etag_and_honours_if_none_match(people, make_ticket):
    ticket_id = make_ticket("new")
    first = people["employee"].get(f"/api/tickets/{ticket_id}")
    etag = first.headers["ETag"]
    assert etag
    again = people["employee"].get(f"/api/tickets/{ticket_id}", headers={"If-None-Match": etag})
    assert again.status_code == 304


def test_stale_edit_is_412_and_missing_if_match_is_428(people, make_ticket):
    ticket_id = make_ticket("new")
    etag = people["employee"].get(f"/api/tickets/{ticket_id}").headers["ETag"]
    url = f"/api/tickets/{ticket_id}"
    assert people["employee"].raw.patch(url, json={"subject": "x" * 5}).status_code == 401
    missing = people["employee"].patch(url, json={"subject": "First edit"})
    assert missing.status_code == 428
    first = people["employee"].patch(
        url, json={"subject": "First edit"}, headers={"If-Match": etag}
    )
    assert first.status_code == 200, first.get_json()
    assert first.get_json()["version"] == 2
    assert first.headers["ETag"] != etag
    # A second client still holding the old ETag must not overwrite the first edit.
    stale = people["coordinator"].patch(
        url, json={"subject": "Second edit"}, headers={"If-Match": etag}
    )
    assert stale.status_code == 412
    assert stale.mimetype == "application/problem+json"
    assert people["employee"].get(url).get_json()["subject"] == "First edit"
    fresh = people["coordinator"].patch(
        url, json={"subject": "Second edit"}, headers={"If-Match": first.headers["ETag"]}
    )
    assert fresh.status_code == 200


def test_if_match_star_cannot_skip_the_conflict_check(people, make_ticket):
    ticket_id = make_ticket("new")
    url = f"/api/tickets/{ticket_id}"
    star = people["employee"].patch(url, json={"subject": "Blind edit"}, headers={"If-Match": "*"})
    assert star.status_code == 428
    assert star.mimetype == "application/problem+json"
    assert people["employee"].get(url).get_json()["subject"] != "Blind edit"


def test_who_may_edit_what(people, user_ids, make_ticket):
    def patch(who, ticket_id, body):
        etag = people["coordinator"].get(f"/api/tickets/{ticket_id}").headers["ETag"]
        return people[who].patch(f"/api/tickets/{ticket_id}", json=body, headers={"If-Match": etag})

    new = make_ticket("new")
    assert patch("employee", new, {"description": "More detail"}).status_code == 200
    assert patch("employee", new, {"department": "Budget"}).status_code == 403
    assert patch("coordinator", new, {"priority": "high"}).status_code == 409  # set by approval
    opened = make_ticket("open", priority="low", assignee_id=user_ids["agent"])
    assert patch("employee", opened, {"subject": "Too late now"}).status_code == 403
    assert patch("agent", opened, {"subject": "Not the agent's"}).status_code == 403
    assert patch("coordinator", opened, {"priority": "critical"}).status_code == 200
    closed = make_ticket("closed")
    assert patch("coordinator", closed, {"subject": "Closed for good"}).status_code == 409


def test_edits_are_in_the_history(people, make_ticket):
    ticket_id = make_ticket("new")
    etag = people["employee"].get(f"/api/tickets/{ticket_id}").headers["ETag"]
    people["employee"].patch(
        f"/api/tickets/{ticket_id}", json={"subject": "Renamed"}, headers={"If-Match": etag}
    )
    items = people["employee"].get(f"/api/tickets/{ticket_id}/history").get_json()["items"]
    edit = [i for i in items if i["action"] == "edit"]
    assert edit == [
        {
            **edit[0],
            "changes": [
                {"field": "subject", "old_value": TICKET["subject"], "new_value": "Renamed"}
            ],
            "actor": {"id": edit[0]["actor"]["id"], "name": "Emma Employee"},
            "reason": None,
        }
    ]


READ_PATHS = ["", "/history", "/actions", "/attachments"]


@pytest.mark.parametrize("suffix", READ_PATHS)
def test_visibility_on_every_read_path(people, user_ids, make_ticket, suffix):
    unassigned = make_ticket("open")
    assigned = make_ticket("in_progress", assignee_id=user_ids["agent"], assignee_name="Ava Agent")
    expect = {
        "employee": {unassigned: 200, assigned: 200},  # the requester of both
        "coordinator": {unassigned: 200, assigned: 200},
        "admin": {unassigned: 200, assigned: 200},
        "agent": {unassigned: 404, assigned: 200},
    }
    for who, cases in expect.items():
        for ticket_id, status in cases.items():
            response = people[who].get(f"/api/tickets/{ticket_id}{suffix}")
            assert response.status_code == status, (who, ticket_id, suffix)


def test_someone_elses_ticket_is_invisible_everywhere(client, people, app):
    theirs = people["coordinator"].post("/api/tickets", json=TICKET).get_json()["id"]
    for suffix in READ_PATHS:
        assert people["employee"].get(f"/api/tickets/{theirs}{suffix}").status_code == 404
    listed = people["employee"].get("/api/tickets").get_json()["items"]
    assert theirs not in [t["id"] for t in listed]
    found = people["employee"].get(f"/api/tickets?q={TICKET['subject'].split()[0]}").get_json()
    assert theirs not in [t["id"] for t in found["items"]]
    upload = people["coordinator"].post(
        f"/api/tickets/{theirs}/attachments",
        data={"file": (io.BytesIO(PNG), "shot.png")},
        content_type="multipart/form-data",
    )
    attachment_id = upload.get_json()["id"]
    download = people["employee"].get(f"/api/tickets/{theirs}/attachments/{attachment_id}")
    assert download.status_code == 404


def test_a_ticket_is_found_by_the_number_people_see_and_only_by_who_may_see_it(
    app, people, make_ticket
):
    ticket_id = make_ticket("new")
    number = people["employee"].get(f"/api/tickets/{ticket_id}").get_json()["number"]
    assert number != ticket_id  # numbers start at 1000: the two must never be confused
    found = people["employee"].get(f"/api/tickets/by-number/{number}")
    assert found.status_code == 200
    assert (found.get_json()["id"], found.get_json()["number"]) == (ticket_id, number)
    assert (
        found.headers["ETag"] == people["employee"].get(f"/api/tickets/{ticket_id}").headers["ETag"]
    )
    for outsider, url in (
        ("agent", f"/api/tickets/by-number/{number}"),  # exists, not theirs to see
        ("employee", "/api/tickets/by-number/999999"),  # does not exist: the same answer
    ):
        refused = people[outsider].get(url)
        assert refused.status_code == 404
        assert refused.mimetype == "application/problem+json"
        assert "that you can see" in refused.get_json()["detail"]
    assert people["coordinator"].get(f"/api/tickets/by-number/{number}").status_code == 200
