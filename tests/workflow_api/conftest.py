import pytest

from common.db import db
from tests.workflow_api.helpers import grant, two_step
from workflow_api import replica, workflows


@pytest.fixture
def agents(app, seeded):
    """Three more active agents besides the demo agent."""
    with app.app_context():
        for user_id in (101, 102, 103):
            replica.apply_grant(grant(user_id))
        db.session.commit()
    return (101, 102, 103)


@pytest.fixture
def make_workflow(app, seeded):
    def make(name="Test flow", definition=None, **match):
        with app.app_context():
            match.setdefault("category", "Others")
            workflow = workflows.create(
                None, {"name": name, "definition": definition or two_step(), **match}
            )
            workflows.publish(None, workflow.id)
            db.session.commit()
            return workflow.id

    return make
