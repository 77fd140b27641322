"""The category catalogue (admin-managed) and per-category details schemas."""

from tests.support import TICKET

ASSET = {**TICKET, "category": "Asset Check Out", "subcategory": None, "department": "Asset"}
BUDGET = {**TICKET, "category": "New Budget Proposal", "subcategory": None, "department": "Budget"}


def test_everyone_reads_the_catalogue(people):
    body = people["employee"].get("/api/tickets/categories").get_json()
    names = [c["name"] for c in body["items"]]
    assert names[:2] == ["IT Support", "Asset Check In"]
    it = body["items"][0]
    assert "Printer/Scanner Issue" in [s["name"] for s in it["subcategories"]]
    assert body["departments"] == ["IT", "Asset", "Budget"]


def test_only_admins_change_the_catalogue(people):
    new = {"name": "Facilities", "default_department": "Asset"}
    assert people["coordinator"].post("/api/tickets/categories", json=new).status_code == 403
    created = people["admin"].post("/api/tickets/categories", json=new)
    assert created.status_code == 201
    category_id = created.get_json()["id"]
    assert people["admin"].post("/api/tickets/categories", json=new).status_code == 409
    sub = people["admin"].post(
        "/api/tickets/categories", json={"name": "Broken chair", "parent_id": category_id}
    )
    assert sub.status_code == 201
    ticket = {**TICKET, "category": "Facilities", "subcategory": "Broken chair"}
    assert people["employee"].post("/api/tickets", json=ticket).status_code == 201
    retired = people["admin"].patch(
        f"/api/tickets/categories/{category_id}", json={"active": False}
    )
    assert retired.status_code == 200
    refused = people["employee"].post("/api/tickets", json=ticket)
    assert refused.status_code == 422
    assert "category" in refused.get_json()["errors"]


def test_unknown_category_and_subcategory_are_field_errors(people):
    response = people["employee"].post("/api/tickets", json={**TICKET, "category": "Nope"})
    assert response.status_code == 422 and "category" in response.get_json()["errors"]
    response = people["employee"].post(
        "/api/tickets", json={**TICKET, "subcategory": "Network Connectivityy"}
    )
    assert response.status_code == 422 and "subcategory" in response.get_json()["errors"]


def test_asset_details_are_required_and_validated(people):
    missing = people["employee"].post("/api/tickets", json=ASSET)
    assert missing.status_code == 422
    assert "asset_name" in missing.get_json()["errors"]["details"]
    good = people["employee"].post(
        "/api/tickets",
        json={
            **ASSET,
            "details": {
                "asset_name": "ThinkPad T14",
                "serial_number": "PF-123",
                "expected_return": "2027-01-15",
            },
        },
    )
    assert good.status_code == 201, good.get_json()
    assert good.get_json()["details"]["expected_return"] == "2027-01-15"


def test_budget_amount_must_match_its_items(people):
    items = [
        {"description": "Licences", "amount": "1200.00"},
        {"description": "Training", "amount": "300.50"},
    ]
    wrong = people["employee"].post(
        "/api/tickets",
        json={
            **BUDGET,
            "details": {"cost_items": items, "requested_amount": "1000.00", "fiscal_year": 2027},
        },
    )
    assert wrong.status_code == 422
    assert "requested_amount" in wrong.get_json()["errors"]["details"]
    right = people["employee"].post(
        "/api/tickets",
        json={
            **BUDGET,
            "details": {"cost_items": items, "requested_amount": "1500.50", "fiscal_year": 2027},
        },
    )
    assert right.status_code == 201
    assert right.get_json()["details"]["requested_amount"] == "1500.50"


def test_categories_without_a_schema_take_no_details(people):
    response = people["employee"].post("/api/tickets", json={**TICKET, "details": {"x": 1}})
    assert response.status_code == 422
    assert "details" in response.get_json()["errors"]


def test_details_come_with_their_labels_and_without_empty_fields(people):
    details = {"asset_name": "ThinkPad T14", "location": "Floor 2"}
    created = people["employee"].post("/api/tickets", json={**ASSET, "details": details})
    created = created.get_json()
    ticket = people["employee"].get(f"/api/tickets/{created['id']}").get_json()
    # Stored as the schema dumps it (blank optional fields are null there) ...
    assert ticket["details"]["expected_return"] is None
    # ... but shown with labels, in the form's order, blank fields left out.
    assert ticket["details_fields"] == [
        {"name": "asset_name", "label": "Asset name", "value": "ThinkPad T14"},
        {"name": "location", "label": "Location", "value": "Floor 2"},
    ]
    listed = people["coordinator"].get("/api/tickets", query_string={"status": "new"})
    row = next(t for t in listed.get_json()["items"] if t["id"] == created["id"])
    assert row["details_fields"] == ticket["details_fields"]


def test_cost_items_are_labelled_item_by_item(people):
    items = [{"description": "Licences", "amount": "1200.00"}]
    details = {"cost_items": items, "requested_amount": "1200.00", "fiscal_year": 2027}
    created = people["employee"].post("/api/tickets", json={**BUDGET, "details": details})
    assert created.status_code == 201, created.get_json()
    shown = created.get_json()["details_fields"]
    assert [(row["label"], row["value"]) for row in shown] == [
        (
            "Cost items",
            [
                [
                    {"name": "description", "label": "Description", "value": "Licences"},
                    {"name": "amount", "label": "Amount", "value": "1200.00"},
                ]
            ],
        ),
        ("Requested amount", "1200.00"),
        ("Fiscal year", 2027),
    ]
