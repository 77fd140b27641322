"""workflow_api: matching, round-robin assignment, the role replica, the task list."""

from collections import Counter

from sqlalchemy import select

from common.db import db
from common.models.workflow import RoleHolder, Step, Task, Workflow
from tests.conftest import deliver
from workflow_api import replica, service


def _grant(user_id, version=1, **changes):
    payload = {
        "grant_id": user_id,
        "user_id": user_id,
        "user_name": f"Agent {user_id}",
        "user_email": f"agent{user_id}@example.com",
        "system": "tts",
        "role": "Agent",
        "is_active": True,
        "deployed": True,
        "version": version,
    }
    payload.update(changes)
    return payload


def _ticket(ticket_id, **changes):
    ticket = {
        "ticket_id": ticket_id,
        "number": 1000 + ticket_id,
        "subject": f"Ticket {ticket_id}",
        "category": "IT Support",
        "subcategory": None,
        "department": "IT",
        "priority": "medium",
        "requester_id": 1,
    }
    ticket.update(changes)
    return ticket


def test_round_robin_is_fair_and_skips_inactive_holders(app, seeded):
    with app.app_context():
        for user_id in (101, 102, 103):
            replica.apply_grant(_grant(user_id))
        replica.apply_grant(_grant(104, is_active=False))
        replica.apply_grant(_grant(105, deployed=False))
        demo_agent = db.session.scalar(
            select(RoleHolder.user_id).where(RoleHolder.user_email == "agent@example.com")
        )
        tasks = [service.open_task_for_ticket(_ticket(i)) for i in range(1, 31)]
        counts = Counter(task.assignee_id for task in tasks)
    # The demo agent (seeded) takes part too: four eligible holders, 30 tickets.
    assert set(counts) == {demo_agent, 101, 102, 103}
    assert max(counts.values()) - min(counts.values()) <= 1


def test_same_ticket_twice_creates_one_task(app, seeded):
    with app.app_context():
        first = service.open_task_for_ticket(_ticket(7))
        second = service.open_task_for_ticket(_ticket(7))
        assert first.id == second.id
        assert db.session.scalar(select(db.func.count()).select_from(Task)) == 1


def test_matching_prefers_the_most_specific_workflow(app, seeded):
    with app.app_context():

        def workflow(name, **match):
            wf = Workflow(name=name, **match)
            wf.steps = [Step(name="Start", role_system="tts", role_name="Agent", is_start=True)]
            db.session.add(wf)
            db.session.flush()
            return wf.id

        by_category = workflow("Assets", category="Asset Check In")
        specific = workflow(
            "Printers", department="IT", category="IT Support", subcategory="Printer/Scanner Issue"
        )
        printer = service.open_task_for_ticket(_ticket(1, subcategory="Printer/Scanner Issue"))
        asset = service.open_task_for_ticket(
            _ticket(2, category="Asset Check In", department="Asset")
        )
        other = service.open_task_for_ticket(_ticket(3, subcategory="Network Connectivity"))
        default_id = db.session.scalar(select(Workflow.id).where(Workflow.is_default))
    assert printer.workflow_id == specific
    assert asset.workflow_id == by_category
    assert other.workflow_id == default_id


def test_no_holder_leaves_the_task_unassigned_without_an_event(app, seeded):
    from common.models.workflow import WorkflowOutbox

    with app.app_context():
        db.session.execute(db.update(RoleHolder).values(is_active=False))
        task = service.open_task_for_ticket(_ticket(9))
        assert task.status == "unassigned" and task.assignee_id is None
        names = db.session.scalars(select(WorkflowOutbox.name)).all()
    assert "tasks.assigned" not in names


def test_replica_converges_whatever_the_delivery_order(app, seeded):
    updates = [
        _grant(201, version=1),
        _grant(201, version=2, deployed=False),
        _grant(201, version=3, is_active=False),
        _grant(201, version=4, is_active=True, deployed=True, user_name="Renamed"),
    ]
    orders = [updates, updates[::-1], [updates[2], updates[0], updates[3], updates[1], updates[3]]]
    results = []
    for order in orders:
        with app.app_context():
            db.session.execute(db.delete(RoleHolder).where(RoleHolder.user_id == 201))
            for update in order:
                replica.apply_grant(update)
            holder = db.session.scalar(select(RoleHolder).where(RoleHolder.user_id == 201))
            results.append(
                (holder.source_version, holder.is_active, holder.deployed, holder.user_name)
            )
    assert results == [(4, True, True, "Renamed")] * 3


def test_task_list_is_the_callers_own(client, seeded):
    with client.raw.application.app_context():
        replica.apply_grant(_grant(301))
        for i in range(1, 5):
            service.open_task_for_ticket(_ticket(i))
        db.session.commit()
    agent = client.as_user("agent@example.com")
    agent_id = client.login("agent@example.com")["user"]["id"]
    mine = agent.get("/api/workflow/tasks?assignee=me").get_json()["items"]
    assert mine and all(task["assignee_id"] == agent_id for task in mine)
    assert {"id", "ticket_id", "status", "step"} <= set(mine[0])
    assert agent.get("/api/workflow/tasks?assignee=301").status_code == 403
    assert agent.get("/api/workflow/tasks?assignee=bob").status_code == 422
    admin = client.as_user("admin@example.com")
    theirs = admin.get("/api/workflow/tasks?assignee=301").get_json()["items"]
    assert theirs and all(task["assignee_id"] == 301 for task in theirs)


def test_seed_events_reach_the_replica(app, seeded):
    deliver()
    with app.app_context():
        holders = db.session.scalars(select(RoleHolder).order_by(RoleHolder.user_id)).all()
        pairs = {(h.system, h.role, h.user_email) for h in holders}
    assert ("tts", "Agent", "agent@example.com") in pairs
    assert ("hdts", "Ticket Coordinator", "coordinator@example.com") in pairs
    assert ("tts", "Admin", "admin@example.com") in pairs
