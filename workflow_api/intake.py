"""How tickets become tasks: ``tickets.opened``, one ticket at a time or many in one
transaction, and the tickets no workflow matched, parked until a coordinator routes them.

Tickets approved in a burst reach the workflow worker together (``common.batching``) and
are opened here in one transaction; a lone ticket takes the same path. Each task is
written once, with its final state: one statement tells which tickets ended or have a
task already and draws the new tasks' ids from the sequence; the assignees are picked
(one pointer move per start step, ``assignment.pick_many``: the same turns, round robin
and least loaded alike, as one ticket at a time); then the tasks are built in memory and
appended as rows (``common.appends``), each once and with its final state (no INSERT then
UPDATE), ahead of the rows that name them (events, timers, assignments, outbox): all go
at the commit, one multi-row insert per table, in one round trip.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from contextlib import nullcontext
from dataclasses import dataclass

from sqlalchemy import select, text
from sqlalchemy.dialects.postgresql import insert

from common.appends import append_many
from common.batching import Delivery
from common.db import db, utcnow
from common.logs import caused_by, request_id_var
from common.models.workflow import Task, UnroutedTicket, Workflow
from common.outbox import emit
from common.prepared import prepared
from common.problems import Conflict, Forbidden, NotFound
from common.security import Principal
from workflow_api import assignment, engine, sla, workflows

log = logging.getLogger(__name__)

# Per ticket: has it ended, its task if it has one, and an id for a new task (drawn for
# every ticket: a few numbers skipped on redeliveries cost nothing).
LOOKUP = prepared(
    text(
        """
    SELECT u.ticket_id,
           EXISTS (SELECT 1 FROM ended_tickets e WHERE e.ticket_id = u.ticket_id) AS ended,
           (SELECT t.id FROM tasks t WHERE t.ticket_id = u.ticket_id) AS task_id,
           nextval('tasks_id_seq') AS new_id
    FROM unnest(CAST(:ids AS integer[])) AS u(ticket_id)
    """
    )
)


@dataclass(frozen=True)
class _Opening:
    ticket: dict
    request_id: str | None
    route: assignment.Route
    task_id: int


def open_tasks(deliveries: list[Delivery]) -> None:
    """The batch handler of ``workflow.on_ticket_opened``: each delivery's ticket opened,
    in order, in the caller's transaction (its tasks written as rows: nobody reads them
    back as objects)."""
    _open([(d.payload, d.request_id) for d in deliveries], as_rows=True, on_approval=True)


def open_ticket(ticket: dict) -> None:
    """The plain path of ``workflow.on_ticket_opened``: ``open_tasks`` of one ticket."""
    _open([(ticket, request_id_var.get())], as_rows=True, on_approval=True)


def open_task_for_ticket(
    ticket: dict,
    workflow: Workflow | None = None,
    on_approval: bool = False,
    routed_by: int | None = None,
) -> Task | None:
    """Create the ticket's task at its workflow's start step (``workflow``: that one's
    current version, not the matching one) and assign it. Idempotent: a ticket with a
    task gets that task back; one that ended, or that no workflow matches, gets None.
    ``on_approval``: see ``_open``. ``routed_by``: the coordinator routing it."""
    route = assignment.current_route(workflow) if workflow is not None else None
    opened = _open(
        [(ticket, request_id_var.get())], route, on_approval=on_approval, routed_by=routed_by
    )
    if ticket["ticket_id"] in opened:
        return opened[ticket["ticket_id"]]
    return db.session.scalar(select(Task).where(Task.ticket_id == ticket["ticket_id"]))


def _open(
    tickets: list[tuple[dict, str | None]],
    route: assignment.Route | None = None,
    as_rows: bool = False,
    on_approval: bool = False,
    routed_by: int | None = None,
) -> dict[int, Task]:
    """Open the tasks of those tickets that have none and did not end; returns them by
    ticket id. ``route``: for every ticket, instead of the matching workflow's.
    ``as_rows``: the tasks are inserted with Core and left out of the session.

    ``on_approval``: the tickets come of their approval (tickets.opened), and what becomes
    of each is the requester's news of it: assigned (tasks.assigned ``on_approval``),
    waiting for someone to take it (workflow.ticket_queued), or for a coordinator to
    route it (workflow.ticket_unrouted, sent whenever a ticket is parked).

    ``routed_by``: the coordinator whose move opens them (``route_unrouted``)."""
    ids = [ticket["ticket_id"] for ticket, _ in tickets]
    rows = db.session.execute(LOOKUP, {"ids": ids}, bind_arguments={"mapper": Task})
    known = {row.ticket_id: row for row in rows}
    openings: dict[int, _Opening] = {}
    for ticket, request_id in tickets:
        state = known[ticket["ticket_id"]]
        if state.ended or state.task_id is not None or ticket["ticket_id"] in openings:
            continue  # ended before its task could start, opened already, or a second event
        matched = route or assignment.route_for(
            ticket["department"], ticket["category"], ticket.get("subcategory")
        )
        if matched is None:
            with caused_by(request_id):  # its events carry its request's id
                park_unrouted(ticket)
            continue
        openings[ticket["ticket_id"]] = _Opening(ticket, request_id, matched, state.new_id)
    chosen = _pick_in_order(list(openings.values()))
    # A start step that ends at once completes its task there, which runs statements
    # (and so writes the rows appended so far): only objects in the session can precede
    # those rows.
    as_rows = as_rows and not any(o.route.definition.start_step().end for o in openings.values())
    now = utcnow()
    opened = {}
    # As rows, a task is appended only after the loop, ahead of the rows appended while
    # starting it: a statement inside would write those rows first, naming a task not
    # there yet. With autoflush off, none can.
    with db.session.no_autoflush if as_rows else nullcontext():
        for ticket_id, opening in openings.items():
            task = Task(id=opening.task_id, **new_task_row(opening.ticket, opening.route))
            if not as_rows:
                # Added before its rows are appended, whose INSERTs must follow its own.
                db.session.add(task)
            # Nothing below runs a statement (the assignee is chosen already).
            with caused_by(opening.request_id):
                approval = (
                    engine.Approval(opening.ticket.get("approved_by")) if on_approval else None
                )
                start_task(
                    task,
                    opening.route,
                    now,
                    chosen=chosen[ticket_id],
                    approval=approval,
                    actor_id=routed_by,
                )
            opened[ticket_id] = task
    # Each with its final state: from here on they are rows like any other (their
    # workflow version loads on first use).
    if as_rows:
        _append_rows(list(opened.values()))
    else:
        db.session.flush()
    return opened


def _append_rows(tasks: list[Task]) -> None:
    """Tasks that are not in the session, as appended rows (``common.appends``), ahead of
    the rows that name them: they go in the same round trip, before their next statement
    or the commit. The ORM's unit of work (states, identity map, a flush plan) was a fifth
    of the worker's CPU for rows nothing reads back as objects."""
    append_many(
        Task,
        (
            {
                column.key: task.__dict__[column.key]
                for column in Task.__table__.columns
                # As the ORM inserts: a column left unset, or set to None where it has
                # a default, is left out, and takes its default.
                if column.key in task.__dict__
                and not (task.__dict__[column.key] is None and _has_default(column))
            }
            for task in tasks
        ),
        ahead=True,
    )


def _has_default(column) -> bool:
    return column.default is not None or column.server_default is not None


def new_task_row(ticket: dict, route: assignment.Route) -> dict:
    """The columns of a ticket's task as it is created, at its workflow's start step."""
    return {
        "ticket_id": ticket["ticket_id"],
        "ticket_number": ticket.get("number"),
        "ticket_subject": ticket["subject"][:200],
        "requester_id": ticket.get("requester_id"),
        "priority": ticket["priority"],
        "workflow_id": route.workflow_id,
        "version_id": route.version_id,
        "step_key": route.definition.start_step().key,
        "status": "unassigned",
    }


def start_task(
    task: Task,
    route: assignment.Route,
    now,
    chosen=engine.PICK,
    approval: engine.Approval | None = None,
    actor_id: int | None = None,
) -> None:
    """A task just created: its clock, its first event, and its start step (``chosen``:
    its holder, picked already; ``approval``, ``actor_id``: see ``engine.enter``)."""
    start = route.definition.start_step()
    sla.start_ticket_clock(task, route.definition, now)
    engine.record_event(
        task, None, "create", to_step=start.key, data={"workflow_version": route.version_number}
    )
    engine.enter(
        task,
        route.definition,
        start,
        now,
        origin="system",
        fresh=True,
        chosen=chosen,
        approval=approval,
        actor_id=actor_id,
    )


def _pick_in_order(openings: list[_Opening]) -> dict[int, object]:
    """Ticket id -> its task's assignee (None: nobody), or engine.PICK for a start step
    that ends at once. One ``pick_many`` per step, so each step's turns go out in the
    tickets' order."""
    by_step: dict[tuple, list[int]] = defaultdict(list)
    steps = {}
    for opening in openings:
        route = opening.route
        step = route.definition.start_step()
        if step.end:
            continue
        # By version too: two versions may share a start step's key but not its role.
        key = (route.workflow_id, route.version_id, step.key)
        by_step[key].append(opening.ticket["ticket_id"])
        steps[key] = step
    chosen: dict[int, object] = {opening.ticket["ticket_id"]: engine.PICK for opening in openings}
    for key, ticket_ids in by_step.items():
        step, workflow_id = steps[key], key[0]
        count = len(ticket_ids)
        holders = assignment.pick_many(workflow_id, step.key, step.role, step.policy, count)
        chosen.update(zip(ticket_ids, holders, strict=True))
    return chosen


# --- tickets no workflow matched ------------------------------------------------------------


def park_unrouted(ticket: dict) -> None:
    inserted = db.session.execute(
        insert(UnroutedTicket)
        .values(ticket_id=ticket["ticket_id"], ticket=ticket)
        .on_conflict_do_nothing()
        .returning(UnroutedTicket.ticket_id)
    ).scalar()
    if inserted is None:
        return
    log.warning("no workflow matches ticket %s", ticket["ticket_id"])
    coordinators = sorted({h.user_id for h in assignment.eligible_holders(engine.COORDINATOR)})
    emit(
        "workflow.ticket_unrouted",
        {
            "ticket_id": ticket["ticket_id"],
            "number": ticket.get("number"),
            "subject": ticket["subject"],
            "recipient_ids": coordinators,
            "requester_id": ticket.get("requester_id"),
            "approved_by": ticket.get("approved_by"),
        },
    )


def route_unrouted(principal: Principal, ticket_id: int, workflow_id: int) -> Task:
    if not principal.is_triager:
        raise Forbidden("Only a coordinator or an admin routes tickets")
    parked = db.session.scalar(
        select(UnroutedTicket).where(UnroutedTicket.ticket_id == ticket_id).with_for_update()
    )
    if parked is None or parked.routed_at is not None:
        raise NotFound(f"Ticket {ticket_id} is not waiting to be routed")
    workflow = workflows.get(workflow_id)
    if workflow.current_version is None or workflow.archived:
        raise Conflict("That workflow has no published version")
    task = open_task_for_ticket(parked.ticket, workflow, routed_by=principal.id)
    if task is None:
        raise Conflict("The ticket has ended; there is nothing to route")
    parked.routed_at = utcnow()
    engine.record_event(task, principal, "route", data={"workflow_id": workflow_id})
    return task
