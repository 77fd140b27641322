"""What a task tells the person working it: actions named for where they go, one of them
the usual next step (the primary button), and a finished task's SLA, met or missed."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from common.db import db, utcnow
from common.models.workflow import Task, WorkflowOutbox
from tests.workflow_api.helpers import ticket, two_step
from tests.workflow_api.test_engine import agent
from workflow_api import definitions, engine, intake, seed
from workflow_api.definitions import InvalidDefinition


def _actions(client, task_id):
    detail = client.as_user("agent@example.com").get(f"/api/workflow/tasks/{task_id}")
    assert detail.status_code == 200, detail.get_json()
    return [(a["name"], a["to"], a["primary"]) for a in detail.get_json()["actions"]]


def _act(client, task_id, transition):
    moved = client.as_user("agent@example.com").post(
        f"/api/workflow/tasks/{task_id}/act", json={"transition": transition}
    )
    assert moved.status_code == 200, moved.get_json()


def test_the_seeded_it_workflow_names_each_action_for_where_it_goes(client, app, seeded):
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1, category="IT Support"))
        db.session.commit()
        task_id = task.id
    assert _actions(client, task_id) == [("Send to resolution", "resolve", True)]
    _act(client, task_id, "send_to_resolution")
    assert _actions(client, task_id) == [
        ("Resolve", "done", True),
        ("Return to triage", "triage", False),
    ]


def test_every_seeded_step_with_a_way_out_marks_exactly_one_as_primary():
    for spec in seed.DEFAULTS:
        definition = definitions.load(spec["definition"])
        for step in definition.steps:
            ways_out = definition.transitions_from(step.key)
            if ways_out:
                assert [t.primary for t in ways_out].count(True) == 1, (spec["name"], step.key)


def test_without_a_mark_the_first_way_out_listed_is_the_usual_one(client, app, make_workflow):
    """Versions published before the flag keep working: their first way out is primary."""
    make_workflow()  # two_step(): approve, then send_back, leave "check"; neither marked
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        db.session.commit()
        task_id = task.id
    _act(client, task_id, "submit")
    assert _actions(client, task_id) == [("Approve", "done", True), ("Send back", "work", False)]


def test_a_marked_way_out_is_the_usual_one_wherever_it_is_listed(client, app, make_workflow):
    definition = two_step()
    definition["transitions"][2]["primary"] = True  # send_back
    make_workflow(definition=definition)
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        db.session.commit()
        task_id = task.id
    _act(client, task_id, "submit")
    assert _actions(client, task_id) == [("Approve", "done", False), ("Send back", "work", True)]


def test_two_primary_ways_out_of_one_step_are_refused(app):
    definition = two_step()
    definition["transitions"][1]["primary"] = True
    definition["transitions"][2]["primary"] = "yes"
    with app.app_context(), pytest.raises(InvalidDefinition) as caught:
        definitions.load(definition)
    assert caught.value.extra["errors"] == {
        "transitions.2.primary": [
            "only one way out of step 'check' is primary; 'approve' is already"
        ]
    }


def test_an_assignment_after_an_action_says_so(app, seeded, make_workflow):
    """tickets_api reads it as the moment work started on the ticket."""
    make_workflow()
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        engine.act(agent(task.assignee_id), task.id, "submit", "", None)
        sent = db.session.scalars(
            select(WorkflowOutbox.payload).where(WorkflowOutbox.name == "tasks.assigned")
        ).all()
    assert {payload["step"]: payload["after_action"] for payload in sent} == {
        "Work": False,
        "Check": True,
    }


def _finish(app, due_in: timedelta) -> int:
    """A task completed now, its ticket due ``due_in`` from now."""
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        task.due_at = utcnow() + due_in
        worker = agent(task.assignee_id)
        engine.act(worker, task.id, "submit", "", None)
        engine.act(worker, task.id, "approve", "", None)
        db.session.commit()
        return task.id


def _outcome(client, task_id):
    staff = client.as_user("admin@example.com")
    listed = staff.get("/api/workflow/tasks?assignee=any&status=completed").get_json()["items"]
    detail = staff.get(f"/api/workflow/tasks/{task_id}").get_json()["task"]
    (row,) = [item for item in listed if item["id"] == task_id]
    assert row["sla_outcome"] == detail["sla_outcome"]
    return detail["sla_outcome"]


def test_a_task_finished_in_time_met_its_sla_with_time_to_spare(client, app, make_workflow):
    make_workflow()
    task_id = _finish(app, timedelta(hours=2, minutes=10, seconds=20))
    assert _outcome(client, task_id) == {"met": True, "margin_minutes": 130}


def test_a_task_finished_late_missed_its_sla_by_so_much(client, app, make_workflow):
    make_workflow()
    task_id = _finish(app, -timedelta(minutes=35))
    assert _outcome(client, task_id) == {"met": False, "margin_minutes": 35}


def test_a_running_or_cancelled_task_has_no_sla_outcome(client, app, make_workflow):
    make_workflow()
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        db.session.commit()
        task_id = task.id
    staff = client.as_user("admin@example.com")
    assert staff.get(f"/api/workflow/tasks/{task_id}").get_json()["task"]["sla_outcome"] is None
    with app.app_context():
        engine.on_ticket_status_changed(
            {"ticket_id": 1, "action": "withdraw", "to_status": "withdrawn"}
        )
        db.session.commit()
        assert db.session.get(Task, task_id).status == "cancelled"
    assert staff.get(f"/api/workflow/tasks/{task_id}").get_json()["task"]["sla_outcome"] is None
