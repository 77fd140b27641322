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
