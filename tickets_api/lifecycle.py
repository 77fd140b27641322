"""The ticket lifecycle, written down as one table: action, from → to, and who may.

Every status change goes through ``apply()``: people's actions from the API, the
workflow's events (assigned, completed) and the scheduler's auto-close alike. A move the
table does not allow is a 409 naming the actions that are allowed now; a permitted move
by the wrong person is a 403.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from common.db import utcnow
from common.models.tickets import Ticket
from common.problems import Conflict, Forbidden, Unprocessable
from common.security import Principal
from tickets_api.access import is_admin, is_triager

REQUESTER, TRIAGER, ADMIN, ASSIGNEE, WORKFLOW, SYSTEM = (
    "requester",
    "triager",
    "admin",
    "assignee",
    "workflow",
    "system",
)
REOPEN_WINDOW = timedelta(days=7)


class ReasonRequired(Unprocessable):
    """A move that must say why was asked for without a reason."""


@dataclass(frozen=True)
class Transition:
    action: str
    sources: frozenset[str]
    target: str | Callable[[Ticket], str]
    who: frozenset[str]
    needs_reason: bool = False

    def target_for(self, ticket: Ticket) -> str:
        return self.target(ticket) if callable(self.target) else self.target


def _reopened(ticket: Ticket) -> str:
    # Back to the person who had it; without an assignee it waits for assignment again.
    return "in_progress" if ticket.assignee_id else "open"


def _t(action, sources, target, who, needs_reason=False) -> Transition:
    return Transition(action, frozenset(sources), target, frozenset(who), needs_reason)


TRANSITIONS: dict[str, Transition] = {
    t.action: t
    for t in (
        _t("approve", {"new"}, "open", {TRIAGER}),
        _t("reject", {"new"}, "rejected", {TRIAGER}, needs_reason=True),
        _t("withdraw", {"new", "open"}, "withdrawn", {REQUESTER}, needs_reason=True),
        _t("hold", {"in_progress"}, "on_hold", {TRIAGER, ASSIGNEE}, needs_reason=True),
        _t("resume", {"on_hold"}, "in_progress", {TRIAGER, ASSIGNEE}),
        _t("resolve", {"in_progress", "on_hold"}, "resolved", {TRIAGER}),
        _t("reopen", {"resolved"}, _reopened, {REQUESTER, TRIAGER}),
        _t("close", {"resolved"}, "closed", {REQUESTER, TRIAGER}),
        # Moves made by other services' events and by the scheduler, not by people.
        _t("assign", {"open", "in_progress"}, "in_progress", {WORKFLOW}),
        _t("complete", {"in_progress", "on_hold"}, "resolved", {WORKFLOW}),
        _t("auto_close", {"resolved"}, "closed", {SYSTEM}),
    )
}
PEOPLE_ACTIONS = tuple(a for a, t in TRANSITIONS.items() if t.who - {WORKFLOW, SYSTEM})
TIMESTAMPS = {"open": "opened_at", "resolved": "resolved_at", "closed": "closed_at"}


def capacities(principal: Principal | None, ticket: Ticket) -> set[str]:
    """In which capacities the caller acts on this ticket (None: a service or the system)."""
    if principal is None:
        return {WORKFLOW, SYSTEM}
    held = set()
    if ticket.requester_id == principal.id:
        held.add(REQUESTER)
    if ticket.assignee_id is not None and ticket.assignee_id == principal.id:
        held.add(ASSIGNEE)
    if is_triager(principal):
        held.add(TRIAGER)
    if is_admin(principal):
        held.add(ADMIN)
    return held


def allowed_actions(principal: Principal | None, ticket: Ticket) -> list[str]:
    held = capacities(principal, ticket)
    return [
        action
        for action, transition in TRANSITIONS.items()
        if ticket.status in transition.sources
        and transition.who & held
        and not _outside_reopen_window(transition, held, ticket)
    ]


def _outside_reopen_window(transition: Transition, held: set[str], ticket: Ticket) -> bool:
    """A requester (who is not also staff) may reopen only within seven days."""
    if transition.action != "reopen" or TRIAGER in held:
        return False
    return ticket.resolved_at is None or utcnow() - ticket.resolved_at > REOPEN_WINDOW


def apply(ticket: Ticket, action: str, principal: Principal | None, reason: str | None = None):
    """Move the ticket; returns ``(old_status, new_status)``. The caller records and emits."""
    transition = TRANSITIONS[action]
    if ticket.status not in transition.sources:
        raise Conflict(
            f"Cannot {action.replace('_', ' ')} a ticket that is {ticket.status}",
            current_status=ticket.status,
            allowed_actions=allowed_actions(principal, ticket),
        )
    held = capacities(principal, ticket)
    if not transition.who & held:
        raise Forbidden(f"You may not {action} this ticket")
    if _outside_reopen_window(transition, held, ticket):
        raise Conflict(
            "The reopen window (7 days after resolution) has passed",
            current_status=ticket.status,
            allowed_actions=[a for a in allowed_actions(principal, ticket) if a != "reopen"],
        )
    if transition.needs_reason and not (reason and reason.strip()):
        raise ReasonRequired(
            f"A reason is required to {action}",
            errors={"reason": ["Missing data for required field."]},
        )
    old = ticket.status
    ticket.status = transition.target_for(ticket)
    if transition.needs_reason or reason:
        ticket.status_reason = reason.strip() if reason else None
    stamp = TIMESTAMPS.get(ticket.status)
    if stamp:
        setattr(ticket, stamp, utcnow())
    if action == "reopen":
        ticket.resolved_at = None
    return old, ticket.status
