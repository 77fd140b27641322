"""An arguments schema is built once, when its route is declared (common/blueprint.py)."""

from __future__ import annotations

from tickets_api.schemas import TicketIn

TICKET = {"subject": "VPN drops", "description": "Every few minutes.", "category": "Others"}


def test_requests_reuse_the_arguments_schema(client, seeded, monkeypatch):
    built = []
    original = TicketIn.__init__

    def counting(self, *args, **kwargs):
        built.append(self)
        original(self, *args, **kwargs)

    monkeypatch.setattr(TicketIn, "__init__", counting)
    employee = client.as_user("employee@example.com")
    created = [employee.post("/api/tickets", json={**TICKET, "department": "IT"}) for _ in "ab"]
    assert [r.status_code for r in created] == [201, 201]
    assert created[0].get_json()["id"] != created[1].get_json()["id"]
    # Still validated by it: a missing field is refused by name.
    refused = employee.post("/api/tickets", json=TICKET)
    assert refused.status_code == 422
    assert refused.get_json()["errors"] == {"department": ["Missing data for required field."]}
    assert built == []


def test_a_json_body_takes_booleans_as_json_has_them(client, seeded):
    """Documented as ``type: boolean``: 0, 1 and "yes" are refused, not taken for one
    (marshmallow's own Boolean would); true and false are taken, nested ones too."""
    admin = client.as_user("admin@example.com")
    for value in (0, 1, "true", "yes"):
        refused = admin.post("/api/auth/ops/outbox/sweep", json={"dry_run": value})
        assert refused.status_code == 422, value
        assert refused.get_json()["errors"] == {"dry_run": ["Not a valid boolean."]}
    assert admin.post("/api/auth/ops/outbox/sweep", json={"dry_run": True}).status_code == 200
    # A query string has no booleans but words: there "true" still is one.
    notes = client.as_user("employee@example.com").get("/api/notifications?unread=true")
    assert notes.status_code == 200


def test_a_body_is_documented_as_required_when_its_schema_requires_a_field(app, client, seeded):
    """A missing body is taken as an empty one: required only where that is refused."""
    doc = app.test_client().get("/api/auth/openapi.json").get_json()
    patch = doc["paths"]["/api/auth/users/{user_id}"]["patch"]["requestBody"]
    assert patch.get("required", False) is False
    created = doc["paths"]["/api/auth/users"]["post"]["requestBody"]
    assert created["required"] is True
    admin = client.as_user("admin@example.com")
    employee = admin.get("/api/auth/users?q=employee").get_json()["items"][0]
    assert admin.patch(f"/api/auth/users/{employee['id']}").status_code == 200
    assert admin.post("/api/auth/users").status_code == 422
