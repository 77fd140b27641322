"""What the admin editor relies on: the draft's ETag and If-Match (412 when stale), and
Validate, which answers publish's 422 field map without publishing."""

from tests.workflow_api.helpers import two_step


def _created(admin, name="Edited"):
    response = admin.post("/api/workflow/workflows", json={"name": name, "definition": two_step()})
    assert response.status_code == 201
    return response.get_json()["id"]


def test_a_stale_if_match_is_412_and_changes_nothing(client, seeded):
    admin = client.as_user("admin@example.com")
    workflow_id = _created(admin)
    url = f"/api/workflow/workflows/{workflow_id}"
    opened = admin.get(url)
    etag = opened.headers["ETag"]
    assert etag.startswith('"')
    saved = admin.patch(url, json={"description": "Mine"}, headers={"If-Match": etag})
    assert saved.status_code == 200
    assert saved.headers["ETag"] != etag
    assert saved.headers["ETag"] == admin.get(url).headers["ETag"]
    stale = admin.patch(url, json={"description": "Theirs"}, headers={"If-Match": etag})
    assert stale.status_code == 412
    assert stale.mimetype == "application/problem+json"
    assert "Someone else changed" in stale.get_json()["detail"]
    assert admin.get(url).get_json()["description"] == "Mine"


def test_without_if_match_a_save_still_applies(client, seeded):
    admin = client.as_user("admin@example.com")
    workflow_id = _created(admin, "Plain")
    url = f"/api/workflow/workflows/{workflow_id}"
    assert admin.patch(url, json={"description": "Plain"}).status_code == 200


def test_validate_answers_the_field_map_and_publishes_nothing(client, seeded):
    admin = client.as_user("admin@example.com")
    workflow_id = _created(admin, "Checked")
    url = f"/api/workflow/workflows/{workflow_id}"
    ok = admin.post(f"{url}/validate")
    assert ok.status_code == 200 and ok.get_json() == {"valid": True}
    bad = two_step()
    bad["steps"][0]["role"] = None
    admin.patch(url, json={"definition": bad})
    answer = admin.post(f"{url}/validate")
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"steps.0.role": ["an object with 'system' and 'name'"]}
    assert admin.get(url).get_json()["current_version"] is None
    agent = client.as_user("agent@example.com")
    assert agent.post(f"{url}/validate").status_code == 403


def test_the_list_says_whether_a_draft_differs_from_its_published_version(client, seeded):
    admin = client.as_user("admin@example.com")
    workflow_id = _created(admin, "Stateful")
    url = f"/api/workflow/workflows/{workflow_id}"

    def state():
        rows = admin.get("/api/workflow/workflows").get_json()["items"]
        listed = next(row for row in rows if row["id"] == workflow_id)
        assert admin.get(url).get_json()["draft_changed"] == listed["draft_changed"]
        return listed["draft_changed"]

    assert state() is None  # never published
    assert admin.post(f"{url}/publish").status_code == 201
    assert state() is False
    edited = two_step()
    edited["steps"][0]["instructions"] = "New words"
    saved = admin.patch(url, json={"definition": edited})
    assert saved.get_json()["draft_changed"] is True
    assert state() is True
