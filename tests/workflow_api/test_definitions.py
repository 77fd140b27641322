"""Workflow definitions: validation (422 field map), publishing, version pinning, audit."""

import copy

import pytest
from sqlalchemy import select

from common.db import db
from common.models.workflow import Task, WorkflowVersion
from tests.workflow_api.helpers import AGENT, SLA, ticket, two_step
from workflow_api import definitions, engine, intake, workflows
from workflow_api.definitions import InvalidDefinition


def _errors(definition):
    with pytest.raises(InvalidDefinition) as caught:
        definitions.load(definition, known_role=workflows.role_known)
    return caught.value.extra["errors"]


def _broken(change):
    definition = copy.deepcopy(two_step())
    change(definition)
    return definition


@pytest.mark.parametrize(
    "change,path,fragment",
    [
        (lambda d: d["steps"][1].update(start=True), "steps", "exactly one start"),
        (lambda d: d["steps"][0].update(start=False), "steps", "exactly one start"),
        (lambda d: d["steps"][2].update(end=False, role=AGENT), "steps", "at least one end"),
        (lambda d: d["transitions"].pop(0), "steps", "cannot be reached"),
        (lambda d: d["transitions"].pop(1), "steps", "no end step can be reached"),
        (
            lambda d: d["steps"][0].update(role={"system": "tts", "name": "Wizard"}),
            "steps.0.role",
            "unknown role",
        ),
        (lambda d: d["steps"][0].update(role=None), "steps.0.role", "'system' and 'name'"),
        (lambda d: d["steps"][0].update(policy="lottery"), "steps.0.policy", "one of"),
        (lambda d: d["steps"][0].update(weight=0), "steps.0.weight", "greater than 0"),
        (lambda d: d["steps"][0].update(key="Bad Key"), "steps.0.key", "lower-case"),
        (lambda d: d["transitions"][0].update(to="nowhere"), "transitions.0.to", "unknown step"),
        (
            lambda d: d["transitions"].append({"key": "x", "from": "done", "to": "work"}),
            "transitions.3.from",
            "end step",
        ),
        (
            lambda d: d["sla_hours"].update(critical=50),
            "sla_hours",
            "critical < high < medium < low",
        ),
        (lambda d: d["sla_hours"].pop("low"), "sla_hours.low", "greater than 0"),
        (lambda d: d.update(calendar={"timezone": "Mars/Olympus"}), "calendar", ""),
        (
            lambda d: d["steps"][0].update(escalate_on_breach=True),
            "steps.0.escalate_on_breach",
            "escalation_role",
        ),
    ],
)
def test_validation_names_each_problem(app, seeded, change, path, fragment):
    with app.app_context():
        errors = _errors(_broken(change))
    assert path in errors, errors
    assert any(fragment in message for message in errors[path]), errors


def test_a_valid_definition_loads_with_its_defaults(app, seeded):
    with app.app_context():
        definition = definitions.load(two_step(), known_role=workflows.role_known)
    assert [s.key for s in definition.steps] == ["work", "check", "done"]
    assert definition.steps[0].name == "Work"
    assert definition.steps[2].role is None
    assert definition.start_step().key == "work"
    assert [t.target for t in definition.transitions_from("check")] == ["done", "work"]
    assert definition.calendar.workdays == (0, 1, 2, 3, 4)
    assert definition.sla_hours == {k: float(v) for k, v in SLA.items()}


def test_the_normal_form_loads_back_to_the_same_definition():
    definition = definitions.load(two_step())
    assert definitions.load(definitions.dump(definition)) == definition


def test_a_version_is_loaded_once_per_process(app, seeded, make_workflow):
    workflow_id = make_workflow()
    with app.app_context():
        version = db.session.scalar(
            select(WorkflowVersion).where(WorkflowVersion.workflow_id == workflow_id)
        )
        assert definitions.of_version(version) is definitions.of_version(version)
        # Another database may hold another version under the same id (tests, a restore).
        hours = {"critical": 1, "high": 2, "medium": 3, "low": 4}
        other = WorkflowVersion(id=version.id, definition={**two_step(), "sla_hours": hours})
        assert definitions.of_version(other).sla_hours["critical"] == 1.0


def test_publish_through_the_api_answers_422_with_the_map(client, seeded):
    admin = client.as_user("admin@example.com")
    bad = _broken(lambda d: d["sla_hours"].update(low=1))
    created = admin.post("/api/workflow/workflows", json={"name": "Broken", "definition": bad})
    assert created.status_code == 201
    response = admin.post(f"/api/workflow/workflows/{created.get_json()['id']}/publish")
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "sla_hours" in response.get_json()["errors"]
    agent = client.as_user("agent@example.com")
    assert agent.post("/api/workflow/workflows", json={"name": "Mine"}).status_code == 403


def test_running_tasks_keep_the_version_they_started_on(app, seeded, agents, make_workflow):
    workflow_id = make_workflow()
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        first_version = task.version_id
        # The draft changes: "submit" disappears, a new direct path appears; publish v2.
        edited = two_step()
        edited["transitions"] = [
            {"key": "finish", "from": "work", "to": "done"},
            {"key": "approve", "from": "check", "to": "done"},
            {"key": "send_back", "from": "check", "to": "work"},
            {"key": "submit_later", "from": "work", "to": "check"},
        ]
        workflows.update(None, workflow_id, {"definition": edited})
        v2 = workflows.publish(None, workflow_id)
        assert v2.number == 2
        newer = intake.open_task_for_ticket(ticket(2))
        assert newer.version_id == v2.id != first_version
        db.session.commit()
        from common.security import Principal

        holder = Principal(task.assignee_id, "", "", {"tts": ["Agent"]})
        moved = engine.act(holder, task.id, "submit", "old path still works", None)
        assert moved.step_key == "check" and moved.version_id == first_version
        assert db.session.get(Task, newer.id).version.number == 2


def test_every_change_is_audited(client, seeded):
    admin = client.as_user("admin@example.com")
    workflow = admin.post(
        "/api/workflow/workflows", json={"name": "Audited", "definition": two_step()}
    ).get_json()
    admin.patch(f"/api/workflow/workflows/{workflow['id']}", json={"description": "Better"})
    admin.post(f"/api/workflow/workflows/{workflow['id']}/publish")
    audit = admin.get(f"/api/workflow/workflows/{workflow['id']}/audit").get_json()["items"]
    assert [a["action"] for a in audit] == ["create", "update", "publish"]
    assert audit[1]["changes"] == {"description": ["", "Better"]}
    assert audit[2]["actor"]["name"] == "Adam Admin"
    coordinator = client.as_user("coordinator@example.com")
    assert coordinator.get(f"/api/workflow/workflows/{workflow['id']}/audit").status_code == 403


@pytest.mark.parametrize(
    "change,path",
    [
        (lambda d: d.update(transitions=5), "transitions"),
        (lambda d: d["transitions"][0].update(**{"from": []}), "transitions.0.from"),
        (lambda d: d["sla_hours"].update(low=1e300), "sla_hours.low"),
        (lambda d: d["steps"][0].update(weight=10**400), "steps.0.weight"),
        (lambda d: d["steps"][0].update(weight=float("nan")), "steps.0.weight"),
    ],
)
def test_malformed_or_unbounded_definitions_are_422(app, seeded, change, path):
    with app.app_context():
        errors = _errors(_broken(change))
    assert path in errors, errors
