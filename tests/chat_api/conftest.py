import pytest
import requests

from tests.support import TICKET


@pytest.fixture(scope="module")
def ticket(live, tokens):
    """A ticket the employee filed through the live server, for the module."""
    response = requests.post(
        f"{live}/api/tickets",
        json=TICKET,
        headers={"Authorization": f"Bearer {tokens['employee']}"},
    )
    assert response.status_code == 201
    return response.json()
