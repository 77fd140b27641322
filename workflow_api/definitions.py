"""Workflow definitions: the graph and its validation (workflows.py publishes them).

A definition is JSON::

    {"steps": [{"key", "name", "role": {"system", "name"}, "instructions", "weight",
                "escalation_role": {...} | null, "policy", "start", "end",
                "escalate_on_breach"}],
     "transitions": [{"key", "name", "from", "to"}],
     "sla_hours": {"critical", "high", "medium", "low"},   # business hours per priority
     "calendar": {"timezone", "workdays", "start", "end", "holidays"}}

Reaching an end step completes the task, so end steps have no role work and no way out.
Validation answers 422 with a map of every problem found, keyed by the field's path.
"""

from __future__ import annotations

import re
from collections import deque

from sqlalchemy import func, select

from common.db import db
from common.models.workflow import RoleHolder
from common.problems import DomainError
from workflow_api.business_hours import BusinessCalendar

POLICIES = ("round_robin", "least_loaded", "manual")
# Bounds that keep every deadline computable (about four years of working days).
MAX_SLA_HOURS = 8_760
MAX_WEIGHT = 1_000
PRIORITY_ORDER = ("critical", "high", "medium", "low")
KEY = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


class InvalidDefinition(DomainError):
    status = 422
    title = "Unprocessable Entity"


def role_exists(role: dict) -> bool:
    """Known to the replica of auth_api's roles (a role someone holds or held)."""
    return (
        db.session.scalar(
            select(func.count())
            .select_from(RoleHolder)
            .where(RoleHolder.system == role["system"], RoleHolder.role == role["name"])
        )
        > 0
    )


def validate(definition: dict, *, check_roles: bool = True) -> dict:
    """The normalised definition, or InvalidDefinition with every problem by field path."""
    errors: dict[str, list[str]] = {}

    def fail(path: str, message: str) -> None:
        errors.setdefault(path, []).append(message)

    if not isinstance(definition, dict):
        raise InvalidDefinition("The workflow definition is invalid.", errors={"": ["an object"]})
    steps = definition.get("steps") or []
    transitions = definition.get("transitions") or []
    if not isinstance(steps, list) or not steps:
        fail("steps", "at least one step is required")
        steps = []
    if not isinstance(transitions, list):
        fail("transitions", "a list")
        transitions = []
    normal_steps = [_normal_step(i, step, fail, check_roles) for i, step in enumerate(steps)]
    keys = [s["key"] for s in normal_steps if s]
    for key in {k for k in keys if keys.count(k) > 1}:
        fail("steps", f"duplicate step key {key!r}")
    by_key = {s["key"]: s for s in normal_steps if s}
    starts = [k for k, s in by_key.items() if s["start"]]
    ends = {k for k, s in by_key.items() if s["end"]}
    if steps and len(starts) != 1:
        fail("steps", f"exactly one start step is required, found {len(starts)}")
    if steps and not ends:
        fail("steps", "at least one end step is required")
    for key in set(starts) & ends:
        fail("steps", f"step {key!r} cannot be both start and end")

    normal_transitions = [
        _normal_transition(i, t, by_key, ends, fail) for i, t in enumerate(transitions)
    ]
    edges: dict[str, list[str]] = {key: [] for key in by_key}
    seen_names: set[tuple[str, str]] = set()
    for t in filter(None, normal_transitions):
        if (t["from"], t["key"]) in seen_names:
            fail("transitions", f"two transitions named {t['key']!r} leave step {t['from']!r}")
        seen_names.add((t["from"], t["key"]))
        edges[t["from"]].append(t["to"])
    if len(starts) == 1 and not errors.get("transitions"):
        _check_reachability(starts[0], edges, ends, fail)

    sla = _normal_sla(definition.get("sla_hours"), fail)
    try:
        calendar = BusinessCalendar.from_dict(definition.get("calendar") or {}).to_dict()
    except (ValueError, TypeError) as error:
        fail("calendar", str(error))
        calendar = None
    if errors:
        raise InvalidDefinition("The workflow definition is invalid.", errors=errors)
    return {
        "steps": normal_steps,
        "transitions": normal_transitions,
        "sla_hours": sla,
        "calendar": calendar,
    }


def _normal_step(index: int, step: dict, fail, check_roles: bool) -> dict | None:
    path = f"steps.{index}"
    if not isinstance(step, dict):
        fail(path, "must be an object")
        return None
    key = step.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        fail(f"{path}.key", "lower-case letters, digits and _; starting with a letter")
        return None
    end = bool(step.get("end", False))
    normal = {
        "key": key,
        "name": str(step.get("name") or key.replace("_", " ").capitalize())[:100],
        "instructions": str(step.get("instructions") or "")[:5000],
        "start": bool(step.get("start", False)),
        "end": end,
        "policy": step.get("policy", "round_robin"),
        "weight": step.get("weight", 1),
        "role": step.get("role"),
        "escalation_role": step.get("escalation_role"),
        "escalate_on_breach": bool(step.get("escalate_on_breach", False)),
    }
    if normal["policy"] not in POLICIES:
        fail(f"{path}.policy", f"one of {list(POLICIES)}")
    if not _number_within(normal["weight"], MAX_WEIGHT):
        fail(f"{path}.weight", f"a number greater than 0, at most {MAX_WEIGHT}")
    for field in ("role", "escalation_role"):
        role = normal[field]
        if role is None and (field == "escalation_role" or end):
            continue
        if not (isinstance(role, dict) and role.get("system") and role.get("name")):
            fail(f"{path}.{field}", "an object with 'system' and 'name'")
            continue
        normal[field] = {"system": str(role["system"]), "name": str(role["name"])}
        if check_roles and not role_exists(normal[field]):
            fail(f"{path}.{field}", f"unknown role {role['system']}:{role['name']}")
    if normal["escalate_on_breach"] and not normal["escalation_role"]:
        fail(f"{path}.escalate_on_breach", "needs an escalation_role")
    return normal


def _normal_transition(index: int, t: dict, by_key: dict, ends: set, fail) -> dict | None:
    path = f"transitions.{index}"
    if not isinstance(t, dict):
        fail(path, "must be an object")
        return None
    key = t.get("key")
    if not isinstance(key, str) or not KEY.match(key):
        fail(f"{path}.key", "lower-case letters, digits and _; starting with a letter")
        return None
    source, target = t.get("from"), t.get("to")
    ok = True
    for field, value in (("from", source), ("to", target)):
        if not isinstance(value, str) or value not in by_key:
            fail(f"{path}.{field}", f"unknown step {value!r}")
            ok = False
    if ok and source in ends:
        fail(f"{path}.from", f"end step {source!r} cannot have outgoing transitions")
        ok = False
    if ok and source == target:
        fail(f"{path}.to", "a transition must lead to another step")
        ok = False
    if not ok:
        fail("transitions", "fix the transitions above")
        return None
    return {
        "key": key,
        "name": str(t.get("name") or key.replace("_", " ").capitalize())[:100],
        "from": source,
        "to": target,
    }


def _number_within(value, limit: float) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and 0 < value <= limit


def _check_reachability(start: str, edges: dict, ends: set, fail) -> None:
    reachable = _walk(start, edges)
    for key in sorted(set(edges) - reachable):
        fail("steps", f"step {key!r} cannot be reached from the start")
    reverse: dict[str, list[str]] = {key: [] for key in edges}
    for source, targets in edges.items():
        for target in targets:
            reverse[target].append(source)
    finishing = set()
    for end in ends:
        finishing |= _walk(end, reverse)
    for key in sorted(set(edges) - finishing):
        fail("steps", f"no end step can be reached from step {key!r}")


def _walk(origin: str, edges: dict) -> set[str]:
    seen, queue = {origin}, deque([origin])
    while queue:
        for nxt in edges.get(queue.popleft(), ()):
            if nxt not in seen:
                seen.add(nxt)
                queue.append(nxt)
    return seen


def _normal_sla(sla, fail) -> dict | None:
    if not isinstance(sla, dict):
        fail("sla_hours", f"an object with hours for {list(PRIORITY_ORDER)}")
        return None
    hours = {}
    for priority in PRIORITY_ORDER:
        value = sla.get(priority)
        if not _number_within(value, MAX_SLA_HOURS):
            fail(
                f"sla_hours.{priority}", f"business hours, greater than 0, at most {MAX_SLA_HOURS}"
            )
        else:
            hours[priority] = float(value)
    if len(hours) == len(PRIORITY_ORDER):
        ordered = [hours[p] for p in PRIORITY_ORDER]
        if ordered != sorted(ordered) or len(set(ordered)) != len(ordered):
            fail("sla_hours", "targets must rise strictly: critical < high < medium < low")
    return hours


def step_of(definition: dict, key: str) -> dict:
    return next(step for step in definition["steps"] if step["key"] == key)


def start_step(definition: dict) -> dict:
    return next(step for step in definition["steps"] if step["start"])


def transitions_from(definition: dict, key: str) -> list[dict]:
    return [t for t in definition["transitions"] if t["from"] == key]
