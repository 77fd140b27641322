import pytest
import requests

from tests.support import TICKET


@pytest.fixture
def ticket(live, tokens, committed):
    """A ticket the employee filed through the live server (committed, put back after)."""
    response = requests.post(
        f"{live}/api/tickets",
        json=TICKET,
        headers={"Authorization": f"Bearer {tokens['employee']}"},
    )
    assert response.status_code == 201
    return response.json()
