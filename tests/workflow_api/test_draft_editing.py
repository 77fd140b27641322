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


def test_validate_checks_the_definition_sent_and_stores_nothing(client, seeded):
    """The editor validates what is on screen: the body's definition is checked as
    publishing would check it, and neither the draft nor its ETag changes."""
    admin = client.as_user("admin@example.com")
    workflow_id = _created(admin, "Sent")
    url = f"/api/workflow/workflows/{workflow_id}"
    before = admin.get(url)
    broken = two_step()
    broken["steps"][0]["role"] = None
    answer = admin.post(f"{url}/validate", json={"definition": broken})
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"steps.0.role": ["an object with 'system' and 'name'"]}
    after = admin.get(url)
    assert after.get_json()["draft"] == before.get_json()["draft"] == two_step()
    assert after.headers["ETag"] == before.headers["ETag"]
    audit = admin.get(f"{url}/audit").get_json()["items"]
    assert [entry["action"] for entry in audit] == ["create"]

    # And the other way round: a good definition sent passes while the stored one is broken.
    admin.patch(url, json={"definition": broken})
    assert admin.post(f"{url}/validate", json={"definition": two_step()}).get_json() == {
        "valid": True
    }
    assert admin.post(f"{url}/validate").status_code == 422  # no body: the stored draft
    assert admin.get(url).get_json()["draft"] == broken


def test_revert_replaces_the_draft_with_the_published_definition(client, seeded):
    admin = client.as_user("admin@example.com")
    workflow_id = _created(admin, "Reverted")
    url = f"/api/workflow/workflows/{workflow_id}"
    never = admin.post(f"{url}/revert")
    assert never.status_code == 409
    assert never.mimetype == "application/problem+json"
    assert "not been published" in never.get_json()["detail"]

    assert admin.post(f"{url}/publish").status_code == 201
    published = admin.get(f"{url}/versions").get_json()["items"][-1]["definition"]
    edited = two_step()
    edited["steps"][0]["instructions"] = "Half-finished thought"
    edited["steps"][1]["role"] = None
    etag = admin.patch(url, json={"definition": edited}).headers["ETag"]

    assert client.as_user("agent@example.com").post(f"{url}/revert").status_code == 403
    stale = admin.post(f"{url}/revert", headers={"If-Match": '"someone-elses"'})
    assert stale.status_code == 412
    assert admin.get(url).get_json()["draft"] == edited

    reverted = admin.post(f"{url}/revert", headers={"If-Match": etag})
    assert reverted.status_code == 200
    body = reverted.get_json()
    assert body["draft"] == published
    assert body["draft_changed"] is False
    assert reverted.headers["ETag"] == admin.get(url).headers["ETag"] != etag
    audit = admin.get(f"{url}/audit").get_json()["items"]
    assert [entry["action"] for entry in audit] == ["create", "publish", "update", "revert"]
    assert audit[-1]["changes"] == {"version": 1}
