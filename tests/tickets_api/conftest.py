import pytest

from common.db import db
from common.models.tickets import Ticket
from tests.support import TICKET


@pytest.fixture
def people(client, seeded):
    return {
        role: client.as_user(f"{role}@example.com")
        for role in ("employee", "coordinator", "agent", "admin")
    }


@pytest.fixture
def user_ids(app, seeded):
    from sqlalchemy import select

    from common.models.auth import User

    with app.app_context():
        rows = db.session.execute(select(User.email, User.id)).all()
    return {email.split("@")[0]: user_id for email, user_id in rows}


@pytest.fixture
def make_ticket(app, people):
    """A ticket filed by the employee, then forced into any state for the test."""

    def make(status="new", **fields):
        ticket = people["employee"].post("/api/tickets", json=TICKET).get_json()
        with app.app_context():
            row = db.session.get(Ticket, ticket["id"])
            row.status = status
            for name, value in fields.items():
                setattr(row, name, value)
            db.session.commit()
        return ticket["id"]

    return make
