"""Matching a ticket to a workflow, and choosing who gets a step.

Only active, deployed holders of the step's role count. Round robin keeps one pointer per
step (the user last given work there); least loaded picks the holder with the fewest open
tasks, ties broken in round-robin order from the same pointer; manual leaves the task for
a coordinator. The pointer moves in one atomic statement, so concurrent workers hand out
consecutive holders and never the same slot twice.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Protocol

from sqlalchemy import Engine, bindparam, create_engine, func, select, text

from common.db import bind_for, db
from common.models.workflow import BIND, RoleHolder, Task, Workflow, WorkflowVersion
from common.prepared import ENGINE_OPTION, prepared
from workflow_api import definitions
from workflow_api.definitions import Definition, Role

OPEN_STATUSES = ("assigned", "on_hold")


class Holder(Protocol):
    """Who may be given a task: a RoleHolder, or a row of its user_id and user_name."""

    user_id: int
    user_name: str


# Routing is read for every ticket opened and changes when an admin publishes: each process
# keeps its answers for a few seconds (a new version starts taking tickets within that time;
# tasks already running keep theirs regardless).
ROUTE_SECONDS = 5.0
_routes: dict[tuple, tuple[float, Route | None]] = {}
_routes_lock = threading.Lock()


@dataclass(frozen=True)
class Route:
    workflow_id: int
    version_id: int
    version_number: int
    definition: Definition


def route_for(department: str, category: str, subcategory: str | None) -> Route | None:
    key = (department, category, subcategory)
    now = time.monotonic()
    with _routes_lock:
        hit = _routes.get(key)
        if hit and now - hit[0] < ROUTE_SECONDS:
            return hit[1]
    workflow = match_workflow(department, category, subcategory)
    route = current_route(workflow) if workflow else None
    with _routes_lock:
        _routes[key] = (now, route)
    return route


def current_route(workflow: Workflow) -> Route | None:
    version = db.session.scalar(
        select(WorkflowVersion).where(
            WorkflowVersion.workflow_id == workflow.id,
            WorkflowVersion.number == workflow.current_version,
        )
    )
    if version is None:
        return None
    return Route(workflow.id, version.id, version.number, definitions.of_version(version))


def forget_routes() -> None:
    with _routes_lock:
        _routes.clear()


def match_workflow(department: str, category: str, subcategory: str | None) -> Workflow | None:
    """Most specific first: department + category + subcategory, then category, then default."""
    published = Workflow.current_version.is_not(None) & Workflow.archived.is_(False)
    conditions = []
    if subcategory is not None:
        conditions.append(
            (Workflow.department == department)
            & (Workflow.category == category)
            & (Workflow.subcategory == subcategory)
        )
    conditions.append((Workflow.category == category) & Workflow.subcategory.is_(None))
    conditions.append(Workflow.is_default.is_(True))
    for condition in conditions:
        query = select(Workflow).where(published, condition).order_by(Workflow.id).limit(1)
        workflow = db.session.scalar(query)
        if workflow is not None:
            return workflow
    return None


# Read for every task assigned: built once (building it cost more than running it), and
# plain rows, not ORM objects (only these two columns are ever used).
ELIGIBLE_HOLDERS = prepared(
    select(RoleHolder.user_id, RoleHolder.user_name)
    .where(
        RoleHolder.system == bindparam("system"),
        RoleHolder.role == bindparam("role"),
        RoleHolder.is_active.is_(True),
        RoleHolder.deployed.is_(True),
    )
    .order_by(RoleHolder.user_id)
)


def eligible_holders(role: Role) -> list[Holder]:
    """The role's active, deployed holders by user id."""
    return db.session.execute(ELIGIBLE_HOLDERS, {"system": role.system, "role": role.name}).all()


def holder(role: Role, user_id: int) -> Holder | None:
    """The user as an eligible holder of the role, if they are one."""
    return db.session.scalar(
        select(RoleHolder)
        .where(
            RoleHolder.system == role.system,
            RoleHolder.role == role.name,
            RoleHolder.user_id == user_id,
            RoleHolder.is_active.is_(True),
            RoleHolder.deployed.is_(True),
        )
        .limit(1)
    )


# Moves the pointer to the next candidate after it (or back to the first) in one atomic
# statement: concurrent pickers each get a different slot, and the row is locked only for
# this statement, not for the whole assignment transaction.
ADVANCE = prepared(
    text(
        """
    INSERT INTO step_pointers (workflow_id, step_key, last_user_id)
    VALUES (:workflow_id, :key, (SELECT min(u) FROM unnest(CAST(:ids AS integer[])) AS u))
    ON CONFLICT (workflow_id, step_key) DO UPDATE SET last_user_id = (
        SELECT coalesce(min(u) FILTER (WHERE u > step_pointers.last_user_id), min(u))
        FROM unnest(CAST(:ids AS integer[])) AS u
    )
    RETURNING last_user_id
    """
    )
)


def _advance(workflow_id: int, key: str, candidate_ids: list[int]) -> int:
    """Take the next slot in its own short, autocommitted statement.

    The pointer's row is locked for that statement only, not for the rest of the
    assignment's transaction: under load, workers at one busy step would otherwise queue
    behind each other's commits. If the assignment then fails, that holder's turn is
    skipped once: fairness bends a little on failures, but no slot is given twice.
    """
    params = {"workflow_id": workflow_id, "key": key, "ids": sorted(candidate_ids)}
    bind = bind_for(BIND)
    if not isinstance(bind, Engine):  # a test's connection, inside the test's transaction
        return bind.execute(ADVANCE, params).scalar()
    with _pointer_engine(bind).connect() as connection:
        return connection.execute(ADVANCE, params).scalar()


# The pointer statement runs on a pool of its own. A thread asks for it while holding its
# transaction's connection; from the same pool, enough threads doing that at once could
# each hold one connection and wait for a second that never frees. Here the connections
# waited for are held for one statement and never wait on anything: no cycle can form.
_pointer_engines: dict[str, Engine] = {}
_pointer_lock = threading.Lock()


def _pointer_engine(bind: Engine) -> Engine:
    key = bind.url.render_as_string(hide_password=False)
    with _pointer_lock:
        engine = _pointer_engines.get(key)
        if engine is None:
            engine = _pointer_engines[key] = create_engine(
                bind.url,
                isolation_level="AUTOCOMMIT",
                pool_size=2,
                max_overflow=2,
                # Prepared statements as on the bind it stands beside (common/prepared).
                execution_options={ENGINE_OPTION: bind.get_execution_options().get(ENGINE_OPTION)},
            )
        return engine


# Least loaded reads the load its transaction can see: the committed tasks and its own.
# Two transactions picking at once (two batches of one worker, two workers, a person's
# move beside an opening) would each miss the other's new tasks, and could both hand
# their turns to the same least loaded holder. So a load is read under the holders'
# advisory locks, held until the transaction ends: the second reader waits for the
# first's commit and counts its tasks. Taken in user-id order, in a statement of its own
# (a statement's snapshot predates the locks it takes); PostgreSQL sees these waits, so
# any circle through them is a deadlock it breaks, never a hang.
LOAD_LOCK_NAMESPACE = 0x7453_4C4C
LOCK_LOADS = prepared(
    text(
        """
    SELECT pg_advisory_xact_lock(:namespace, user_id)
    FROM (SELECT DISTINCT unnest(CAST(:users AS integer[])) AS user_id ORDER BY 1) AS users
    """
    )
)


def _open_load(user_ids: list[int]) -> dict[int, int]:
    """Each holder's open tasks, read under their load locks (see LOCK_LOADS)."""
    db.session.execute(
        LOCK_LOADS,
        {"namespace": LOAD_LOCK_NAMESPACE, "users": sorted(user_ids)},
        bind_arguments={"mapper": Task},
    )
    rows = db.session.execute(
        select(Task.assignee_id, func.count())
        .where(Task.assignee_id.in_(user_ids), Task.status.in_(OPEN_STATUSES))
        .group_by(Task.assignee_id)
    ).all()
    return dict(rows)


def pick_many(
    workflow_id: int, pointer_key: str, role: Role, policy: str, count: int
) -> list[Holder | None]:
    """Who gets each of ``count`` tasks at one step, in order: exactly the holders that
    ``count`` calls of ``pick`` in a row would give, with one pointer move for them all.

    Least loaded counts each task given here as its holder's load for the next.
    """
    if count == 1 or policy == "manual":
        return [pick(workflow_id, pointer_key, role, policy) for _ in range(count)]
    holders = eligible_holders(role)
    if not holders:
        return [None] * count
    ids = [h.user_id for h in holders]
    load = _open_load(ids) if policy == "least_loaded" else None
    by_id = {h.user_id: h for h in holders}
    return [by_id[user_id] for user_id in _take_turns(workflow_id, pointer_key, ids, count, load)]


def next_turns(
    ids: list[int], pointer: int | None, count: int, load: dict[int, int] | None
) -> list[int]:
    """The next ``count`` holders after ``pointer`` among ``ids``, as ADVANCE moves it: the
    first id above the pointer, else the lowest. With ``load``, only the least loaded are
    candidates, and each turn adds one to its holder's load."""
    ordered = sorted(ids)
    load = dict(load) if load is not None else None  # the caller's counts stay as they were
    turns = []
    for _ in range(count):
        candidates = ordered
        if load is not None:
            fewest = min(load.get(u, 0) for u in ordered)
            candidates = [u for u in ordered if load.get(u, 0) == fewest]
        chosen = next((u for u in candidates if pointer is not None and u > pointer), None)
        pointer = candidates[0] if chosen is None else chosen
        turns.append(pointer)
        if load is not None:
            load[pointer] = load.get(pointer, 0) + 1
    return turns


# Locks the pointer's row (made if missing) and reads it; the turns are worked out here and
# written back before the short transaction commits.
LOCK_POINTER = prepared(
    text(
        """
    INSERT INTO step_pointers (workflow_id, step_key, last_user_id)
    VALUES (:workflow_id, :key, NULL)
    ON CONFLICT (workflow_id, step_key) DO UPDATE SET last_user_id = step_pointers.last_user_id
    RETURNING last_user_id
    """
    )
)
SET_POINTER = prepared(
    text(
        "UPDATE step_pointers SET last_user_id = :last WHERE workflow_id = :workflow_id"
        " AND step_key = :key"
    )
)


def _take_turns(
    workflow_id: int, key: str, ids: list[int], count: int, load: dict[int, int] | None
) -> list[int]:
    """Move the pointer ``count`` turns in one short transaction of its own (see _advance)."""
    params = {"workflow_id": workflow_id, "key": key}

    def take(connection) -> list[int]:
        pointer = connection.execute(LOCK_POINTER, params).scalar()
        turns = next_turns(ids, pointer, count, load)
        connection.execute(SET_POINTER, {**params, "last": turns[-1]})
        return turns

    bind = bind_for(BIND)
    if not isinstance(bind, Engine):  # a test's connection, inside the test's transaction
        return take(bind)
    with _pointer_engine(bind).connect() as connection:
        connection = connection.execution_options(isolation_level="READ COMMITTED")
        with connection.begin():
            return take(connection)


def pick(workflow_id: int, pointer_key: str, role: Role, policy: str) -> Holder | None:
    """The holder who gets the work, moving the pointer; None if nobody can (or manual).

    Least loaded narrows the candidates to the holders with the fewest open tasks; the
    pointer then breaks the tie in round-robin order.
    """
    if policy == "manual":
        return None
    holders = eligible_holders(role)
    if not holders:
        return None
    if policy == "least_loaded":
        load = _open_load([h.user_id for h in holders])
        fewest = min(load.get(h.user_id, 0) for h in holders)
        holders = [h for h in holders if load.get(h.user_id, 0) == fewest]
    chosen = _advance(workflow_id, pointer_key, [h.user_id for h in holders])
    return next(h for h in holders if h.user_id == chosen)
