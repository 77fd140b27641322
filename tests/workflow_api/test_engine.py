"""Task engine: matching, policies, acting, transfer, escalation, duplicates, concurrency."""

from collections import Counter

from sqlalchemy import func, select

from common.db import db
from common.models.workflow import Task, TaskAssignment, UnroutedTicket, Workflow, WorkflowOutbox
from common.security import Principal
from tests.workflow_api.helpers import ADMIN, SLA, grant, ticket, two_step
from workflow_api import engine, intake, replica


def agent(user_id):
    return Principal(user_id, f"u{user_id}@example.com", f"User {user_id}", {"tts": ["Agent"]})


COORDINATOR = Principal(999_001, "c@example.com", "Coord", {"hdts": ["Ticket Coordinator"]})


def _outbox(name):
    return db.session.scalars(
        select(WorkflowOutbox.payload).where(WorkflowOutbox.name == name)
    ).all()


def test_matching_prefers_the_most_specific_workflow(app, seeded, make_workflow):
    specific = make_workflow(
        "Printers", department="IT", category="IT Support", subcategory="Printer/Scanner Issue"
    )
    with app.app_context():
        printer = intake.open_task_for_ticket(
            ticket(1, category="IT Support", subcategory="Printer/Scanner Issue")
        )
        it = intake.open_task_for_ticket(
            ticket(2, category="IT Support", subcategory="Network Connectivity")
        )
        other = intake.open_task_for_ticket(ticket(3, category="Facilities"))
        names = {t.id: db.session.get(Workflow, t.workflow_id).name for t in (printer, it, other)}
    assert printer.workflow_id == specific
    assert names[it.id] == "IT support"  # category match (seeded)
    assert names[other.id] == "General support"  # the default


def test_unmatched_ticket_is_parked_and_coordinators_told(app, seeded):
    with app.app_context():
        db.session.execute(db.update(Workflow).values(is_default=False))
        assert intake.open_task_for_ticket(ticket(5, category="Facilities")) is None
        assert intake.open_task_for_ticket(ticket(5, category="Facilities")) is None  # redelivery
        parked = db.session.scalars(select(UnroutedTicket)).all()
        told = _outbox("workflow.ticket_unrouted")
    assert [p.ticket_id for p in parked] == [5]
    assert len(told) == 1 and told[0]["recipient_ids"]  # the demo coordinator
    # The requester hears of the approval from here: notifier tells them it waits.
    assert told[0]["requester_id"] == 1


def test_route_an_unrouted_ticket(client, app, seeded, make_workflow):
    workflow_id = make_workflow("Facilities", category="Facilities")
    with app.app_context():
        # Nothing matches "Facilities" now: no default, and the new one matches no category.
        db.session.execute(db.update(Workflow).values(is_default=False))
        db.session.execute(
            db.update(Workflow).values(category=None).where(Workflow.id == workflow_id)
        )
        intake.open_task_for_ticket(ticket(6, category="Facilities"))
        db.session.commit()
    coordinator = client.as_user("coordinator@example.com")
    assert [
        u["ticket_id"] for u in coordinator.get("/api/workflow/unrouted").get_json()["items"]
    ] == [6]
    routed = coordinator.post("/api/workflow/unrouted/6/route", json={"workflow_id": workflow_id})
    assert routed.status_code == 201 and routed.get_json()["ticket_id"] == 6
    assert coordinator.get("/api/workflow/unrouted").get_json()["items"] == []
    assert client.as_user("agent@example.com").get("/api/workflow/unrouted").status_code == 403


def test_round_robin_is_fair_and_skips_inactive_holders(app, seeded, agents, make_workflow):
    make_workflow()
    with app.app_context():
        replica.apply_grant(grant(104, is_active=False))
        replica.apply_grant(grant(105, deployed=False))
        tasks = [intake.open_task_for_ticket(ticket(i)) for i in range(1, 41)]
        counts = Counter(t.assignee_id for t in tasks)
    assert 104 not in counts and 105 not in counts
    assert len(counts) == 4  # three agents and the demo agent
    assert max(counts.values()) - min(counts.values()) <= 1


def test_least_loaded_picks_the_emptiest_queue(app, seeded, agents, make_workflow):
    make_workflow(definition=two_step(policy="least_loaded"))
    with app.app_context():
        first = [intake.open_task_for_ticket(ticket(i)).assignee_id for i in range(1, 5)]
        assert len(set(first)) == 4  # everyone had zero: one each
        busiest = first[0]
        for i in range(5, 8):  # give one agent more open work by hand
            task = intake.open_task_for_ticket(ticket(i))
            task.assignee_id = busiest
        db.session.flush()
        nxt = [intake.open_task_for_ticket(ticket(i)).assignee_id for i in range(8, 11)]
    assert busiest not in nxt


def test_manual_policy_waits_for_a_coordinator(app, seeded, agents, make_workflow):
    make_workflow(definition=two_step(policy="manual"))
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        assert (task.status, task.assignee_id) == ("unassigned", None)
        engine.transfer(COORDINATOR, task.id, 102, "you take it", None)
        assert (task.status, task.assignee_id) == ("assigned", 102)
        assigned = _outbox("tasks.assigned")
    assert assigned[-1]["origin"] == "manual"


def test_an_approvals_outcome_is_the_requesters_news_of_it(app, seeded, agents, make_workflow):
    """The approval sends notifier nothing: what the workflow made of the ticket tells the
    requester, in the one event notifier gets anyway (a notice for the approval and
    another for its outcome, milliseconds apart, cost a message and a notice more)."""
    import uuid

    from common.batching import Delivery

    make_workflow()
    desk = make_workflow("Desk", definition=two_step(policy="manual"), category="Desk")
    with app.app_context():
        # As the worker opens them: a batch of tickets, their tasks appended as rows.
        intake.open_tasks(
            [
                Delivery(uuid.uuid4(), ticket(1, approved_by=900)),
                # Nobody to take its start step: the task waits, and the requester is told.
                Delivery(uuid.uuid4(), ticket(2, category="Desk", approved_by=900)),
            ]
        )
        assigned = _outbox("tasks.assigned")
        assert [
            (a["ticket_id"], a["first_assignment"], a["on_approval"], a["approved_by"])
            for a in assigned
        ] == [(1, True, True, 900)]
        assert _outbox("workflow.ticket_queued") == [
            {
                "ticket_id": 2,
                "number": 1002,
                "subject": "Ticket 2",
                "requester_id": 1,
                "approved_by": 900,
            }
        ]
        waiting = db.session.scalar(select(Task).where(Task.ticket_id == 2))
        assert waiting.status == "unassigned"
        # Its first assignee, later, is news of its own: not the approval's.
        engine.transfer(COORDINATOR, waiting.id, 102, "you take it", None)
        later = _outbox("tasks.assigned")[-1]
        assert (later["ticket_id"], later["first_assignment"], later["on_approval"]) == (
            2,
            True,
            False,
        )
        # A ticket a coordinator routes by hand was approved (and told) long before.
        db.session.execute(db.update(Workflow).values(is_default=False))
        intake.open_ticket(ticket(3, category="Facilities", approved_by=900))
        parked = _outbox("workflow.ticket_unrouted")
        assert [(p["ticket_id"], p["requester_id"], p["approved_by"]) for p in parked] == [
            (3, 1, 900)
        ]
        routed = intake.open_task_for_ticket(
            ticket(3, category="Facilities"), db.session.get(Workflow, desk)
        )
        assert routed.status == "unassigned"
        assert [q["ticket_id"] for q in _outbox("workflow.ticket_queued")] == [2]


def test_same_ticket_twice_creates_one_task(app, seeded, agents):
    with app.app_context():
        first = intake.open_task_for_ticket(ticket(7))
        again = intake.open_task_for_ticket(ticket(7))
        assert first.id == again.id
        assert db.session.scalar(select(func.count()).select_from(Task)) == 1
        assert len(_outbox("tasks.assigned")) == 1


def test_acting_moves_step_by_step_and_completes(app, seeded, agents, make_workflow):
    make_workflow()
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        worker = task.assignee_id
        engine.act(agent(worker), task.id, "submit", "done my part", task.revision)
        assert task.step_key == "check" and task.status == "assigned"
        engine.act(agent(task.assignee_id), task.id, "approve", "looks good", task.revision)
        assert task.status == "completed" and task.completed_at is not None
        # The ticket's history credits whoever took the last transition, with their notes.
        assert _outbox("tasks.completed") == [
            {
                "task_id": task.id,
                "ticket_id": 1,
                "by_id": 3,
                "by_name": "User 3",
                "notes": "looks good",
            }
        ]


def test_the_same_person_can_hold_two_steps_without_getting_stuck(app, seeded, make_workflow):
    make_workflow()
    with app.app_context():
        # Only the demo agent holds the role: it gets every step, again and again.
        task = intake.open_task_for_ticket(ticket(1))
        only = task.assignee_id
        for key in ("submit", "send_back", "submit", "approve"):
            engine.act(agent(only), task.id, key, "", None)
            if key != "approve":
                assert task.assignee_id == only and task.status == "assigned"
        assert task.status == "completed"
        rows = db.session.scalars(
            select(TaskAssignment).where(TaskAssignment.task_id == task.id)
        ).all()
    assert len(rows) == 4 and {r.user_id for r in rows} == {only}
    assert all(r.ended_at is not None for r in rows)


def test_act_rules(client, app, seeded, agents, make_workflow):
    make_workflow()
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        db.session.commit()
        task_id, worker, revision = task.id, task.assignee_id, task.revision
    other = next(a for a in (101, 102, 103) if a != worker)
    import pytest

    from common.problems import Conflict, Forbidden, NotFound

    with app.app_context():
        with pytest.raises(NotFound):
            engine.act(agent(other), task_id, "submit", "", None)
        with pytest.raises(Forbidden):
            engine.act(COORDINATOR, task_id, "submit", "", None)
        with pytest.raises(Conflict) as unavailable:
            engine.act(agent(worker), task_id, "approve", "", None)
        assert unavailable.value.extra["available"] == ["submit"]
        engine.act(agent(worker), task_id, "submit", "", revision)
        with pytest.raises(Conflict):  # the second of two concurrent clicks: stale revision
            engine.act(agent(worker), task_id, "submit", "", revision)


def test_task_detail_shows_actions_and_sla(client, app, seeded, make_workflow):
    make_workflow()
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1, priority="high"))
        db.session.commit()
        task_id = task.id
    detail = client.as_user("agent@example.com").get(f"/api/workflow/tasks/{task_id}")
    assert detail.status_code == 200, detail.get_json()
    body = detail.get_json()
    assert [a["key"] for a in body["actions"]] == ["submit"]
    sla = body["sla"]
    assert sla["target_hours"] == SLA["high"]
    assert sla["step_weight"] == 1 and sla["weights_total"] == 4
    assert sla["step_budget_hours"] == SLA["high"] / 4
    assert sla["step_due_at"] and sla["due_at"]
    assert (
        client.as_user("employee@example.com").get(f"/api/workflow/tasks/{task_id}").status_code
        == 404
    )


def test_act_through_the_api(client, app, seeded, make_workflow):
    make_workflow()
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        db.session.commit()
        task_id, revision = task.id, task.revision
    agent_client = client.as_user("agent@example.com")
    moved = agent_client.post(
        f"/api/workflow/tasks/{task_id}/act",
        json={"transition": "submit", "notes": "ok", "revision": revision},
    )
    assert moved.status_code == 200 and moved.get_json()["step"] == "check"
    stale = agent_client.post(
        f"/api/workflow/tasks/{task_id}/act", json={"transition": "approve", "revision": revision}
    )
    assert stale.status_code == 409
    history = agent_client.get(f"/api/workflow/tasks/{task_id}/history").get_json()
    assert [e["action"] for e in history["events"]] == ["create", "act"]
    assert history["events"][1]["notes"] == "ok"


def test_transfer_and_escalate(app, seeded, agents, make_workflow):
    with app.app_context():
        replica.apply_grant(grant(201, role="Admin"))
        db.session.commit()
    make_workflow(definition=two_step(escalation_role=ADMIN))
    import pytest

    from common.problems import Conflict, Forbidden

    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        worker = task.assignee_id
        with pytest.raises(Forbidden):
            engine.transfer(agent(worker), task.id, 102, "", None)
        with pytest.raises(Conflict):  # not a holder of the step's role
            engine.transfer(COORDINATOR, task.id, 201, "", None)
        target = next(a for a in (101, 102, 103) if a != worker)
        with pytest.raises(Forbidden):
            engine.transfer_candidates(agent(worker), task.id)
        candidates = engine.transfer_candidates(COORDINATOR, task.id)
        # The step's other holders (never the assignee, never a non-holder), with load.
        assert {c["user_id"] for c in candidates} == {101, 102, 103} - {worker}
        assert all(c["open_tasks"] == 0 and c["name"] for c in candidates)
        engine.transfer(COORDINATOR, task.id, target, "rebalancing", None)
        assert task.assignee_id == target and task.transfers == 1
        engine.escalate(agent(target), task.id, "needs an admin", None)
        assert task.assignee_id in (201,) or task.assignee_id in _admins()
        assert task.escalations == 1
        origins = [p["origin"] for p in _outbox("tasks.assigned")]
    assert origins == ["system", "transfer", "escalation"]


def _admins():
    from common.models.workflow import RoleHolder

    return set(
        db.session.scalars(select(RoleHolder.user_id).where(RoleHolder.role == "Admin")).all()
    )


def test_ticket_end_cancels_the_task(app, seeded, make_workflow):
    make_workflow()
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        engine.on_ticket_status_changed(
            {"ticket_id": 1, "action": "withdraw", "to_status": "withdrawn", "reason": "fixed"}
        )
        assert task.status == "cancelled"


def test_first_response_is_the_first_public_staff_reply(app, seeded, make_workflow):
    make_workflow()
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        engine.record_first_response(
            {"ticket_id": 1, "author_id": 1, "internal": False, "message_id": 1}
        )
        engine.record_first_response(
            {"ticket_id": 1, "author_id": 55, "internal": True, "message_id": 2}
        )
        assert task.first_response_at is None
        engine.record_first_response(
            {"ticket_id": 1, "author_id": 55, "internal": False, "message_id": 3}
        )
        assert task.first_response_at is not None


def test_list_is_the_callers_own_unless_staff(client, app, seeded, agents, make_workflow):
    make_workflow()
    with app.app_context():
        for i in range(1, 9):
            intake.open_task_for_ticket(ticket(i))
        db.session.commit()
    agent_client = client.as_user("agent@example.com")
    agent_id = client.login("agent@example.com")["user"]["id"]
    mine = agent_client.get("/api/workflow/tasks?assignee=me").get_json()["items"]
    assert mine and all(t["assignee_id"] == agent_id for t in mine)
    assert agent_client.get("/api/workflow/tasks?assignee=101").status_code == 403
    assert agent_client.get("/api/workflow/tasks?assignee=any").status_code == 403
    coordinator = client.as_user("coordinator@example.com")
    everyone = coordinator.get("/api/workflow/tasks?assignee=any&status=assigned").get_json()[
        "items"
    ]
    assert len(everyone) == 8
    # One ticket's task, for the ticket page's link to it.
    third = coordinator.get("/api/workflow/tasks?assignee=any&ticket=3").get_json()["items"]
    assert [t["ticket_id"] for t in third] == [3]
    theirs = next(t for t in everyone if t["assignee_id"] != agent_id)
    other = f"/api/workflow/tasks?assignee=me&ticket={theirs['ticket_id']}"
    assert agent_client.get(other).get_json()["items"] == []  # not the agent's task


def test_a_reopened_ticket_goes_back_to_whoever_finished_it(app, seeded, agents, make_workflow):
    make_workflow()
    with app.app_context():
        task = intake.open_task_for_ticket(ticket(1))
        engine.act(agent(task.assignee_id), task.id, "submit", "", None)
        finisher = task.assignee_id
        engine.act(agent(finisher), task.id, "approve", "", None)
        assert task.status == "completed"
        engine.on_ticket_status_changed(
            {"ticket_id": 1, "action": "reopen", "to_status": "in_progress"}
        )
        assert (task.status, task.step_key, task.assignee_id) == ("assigned", "check", finisher)
        assert task.completed_at is None and task.step_due_at is not None
        assert _outbox("tasks.assigned")[-1]["origin"] == "reopen"


def test_a_ticket_that_ends_before_its_task_never_gets_one(app, seeded):
    with app.app_context():
        # The withdrawal is handled before the (late, or redelivered) tickets.opened.
        engine.on_ticket_status_changed(
            {"ticket_id": 42, "action": "withdraw", "to_status": "withdrawn"}
        )
        assert intake.open_task_for_ticket(ticket(42)) is None
        assert db.session.scalar(select(func.count()).select_from(Task)) == 0


def test_an_unrouted_ticket_that_ends_leaves_the_list(app, seeded):
    with app.app_context():
        db.session.execute(db.update(Workflow).values(is_default=False))
        intake.open_task_for_ticket(ticket(43, category="Facilities"))
        engine.on_ticket_status_changed(
            {"ticket_id": 43, "action": "reject", "to_status": "rejected"}
        )
        parked = db.session.get(UnroutedTicket, 43)
        assert parked.routed_at is not None
