"""Helpers for tickets_api tests."""

from __future__ import annotations


def assignment(ticket_id: int, assignee_id: int, **changes) -> dict:
    """A ``tasks.assigned`` payload as workflow_api sends it: the demo agent at Resolve."""
    return {
        "task_id": 1,
        "ticket_id": ticket_id,
        "ticket_number": None,
        "ticket_subject": "x",
        "step": "Resolve",
        "assignee_id": assignee_id,
        "assignee_name": "Ava Agent",
        **changes,
    }
