"""A text's limit is its column's: never a 500 for text the schema let through."""

from __future__ import annotations

import pytest


@pytest.mark.parametrize("length,status", [(100, 201), (101, 422), (200, 422)])
def test_a_system_name_is_as_long_as_its_column_allows(client, seeded, length, status):
    admin = client.as_user("admin@example.com")
    response = admin.post("/api/auth/systems", json={"slug": f"sys{length}", "name": "n" * length})
    assert response.status_code == status, response.get_json()
    if status == 422:
        assert "name" in response.get_json()["errors"]
