"""Opening the tasks of many tickets at once: the batch path of ``tickets.opened``.

Tickets approved in a burst reach the workflow worker together (``common.batching``).
Here they cost one transaction and a handful of statements between them instead of about
a dozen each: one read of which tickets ended, one multi-row insert of the tasks, one
pointer move per step for all the tasks that start there, and the append-only rows
(events, timers, assignments, outbox: ``common.appends``) one multi-row insert per table
at the commit. The outcome is what
``engine.open_task_for_ticket`` gives for each ticket in order: the same assignees, in
round-robin and least-loaded order alike (``assignment.pick_many``).
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert

from common.batching import Delivery
from common.db import db, utcnow
from common.logs import caused_by
from common.models.workflow import EndedTicket, Task
from workflow_api import assignment, engine


def open_tasks(deliveries: list[Delivery]) -> None:
    """``engine.open_task_for_ticket`` for each delivery's ticket, in one transaction."""
    tickets = [delivery.payload for delivery in deliveries]
    ended = set(
        db.session.scalars(
            select(EndedTicket.ticket_id).where(
                EndedTicket.ticket_id.in_([t["ticket_id"] for t in tickets])
            )
        )
    )
    routed: dict[int, tuple[Delivery, assignment.Route]] = {}
    for delivery in deliveries:
        ticket = delivery.payload
        if ticket["ticket_id"] in ended or ticket["ticket_id"] in routed:
            continue  # ended before its task could start, or a second event of one ticket
        route = assignment.route_for(
            ticket["department"], ticket["category"], ticket.get("subcategory")
        )
        if route is None:
            with caused_by(delivery.request_id):  # its events carry its request's id
                engine.park_unrouted(ticket)
            continue
        routed[ticket["ticket_id"]] = (delivery, route)
    if not routed:
        return
    # A list of parameters (not values([...])) keeps the statement in SQLAlchemy's cache;
    # it is still sent as one multi-row INSERT.
    created = {
        task.ticket_id: task
        for task in db.session.scalars(
            insert(Task).on_conflict_do_nothing(index_elements=[Task.ticket_id]).returning(Task),
            [engine.new_task_row(d.payload, route) for d, route in routed.values()],
        )
    }
    # Tasks that existed already are redeliveries under another event id: nothing to do.
    fresh = [(created[tid], route, d) for tid, (d, route) in routed.items() if tid in created]
    chosen = _pick_in_order([(task, route) for task, route, _ in fresh])
    now = utcnow()
    for task, route, delivery in fresh:
        with caused_by(delivery.request_id):
            engine.start_task(task, route, now, chosen=chosen[task.id])


def _pick_in_order(tasks: list[tuple[Task, assignment.Route]]) -> dict[int, object]:
    """Task id -> its assignee (None: nobody), or engine.PICK for a start step that ends at
    once. One ``pick_many`` per step, so each step's turns go out in the tasks' order."""
    by_step: dict[tuple, list[int]] = defaultdict(list)
    steps = {}
    for task, route in tasks:
        step = route.definition.start_step()
        if step.end:
            continue
        # By version too: two versions may share a start step's key but not its role.
        key = (route.workflow_id, route.version_id, step.key)
        by_step[key].append(task.id)
        steps[key] = step
    chosen: dict[int, object] = {task.id: engine.PICK for task, _ in tasks}
    for key, task_ids in by_step.items():
        step, workflow_id = steps[key], key[0]
        holders = assignment.pick_many(workflow_id, step.key, step.role, step.policy, len(task_ids))
        chosen.update(zip(task_ids, holders, strict=True))
    return chosen
