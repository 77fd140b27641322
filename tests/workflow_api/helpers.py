"""Helpers for workflow_api tests: event payloads and a small workflow definition."""

SLA = {"critical": 4, "high": 8, "medium": 24, "low": 40}
AGENT = {"system": "tts", "name": "Agent"}
ADMIN = {"system": "tts", "name": "Admin"}


def grant(user_id, version=1, system="tts", role="Agent", **changes):
    payload = {
        "grant_id": user_id * 10 + len(role),
        "user_id": user_id,
        "user_name": f"User {user_id}",
        "user_email": f"user{user_id}@example.com",
        "system": system,
        "role": role,
        "is_active": True,
        "deployed": True,
        "version": version,
    }
    payload.update(changes)
    return payload


def ticket(ticket_id, **changes):
    payload = {
        "ticket_id": ticket_id,
        "number": 1000 + ticket_id,
        "subject": f"Ticket {ticket_id}",
        "category": "Others",
        "subcategory": None,
        "department": "IT",
        "priority": "medium",
        "requester_id": 1,
    }
    payload.update(changes)
    return payload


def two_step(policy="round_robin", **step_extra):
    """work (Agent) → check (Agent) → done, plus a way back from check to work."""
    return {
        "steps": [
            {
                "key": "work",
                "role": AGENT,
                "start": True,
                "policy": policy,
                "weight": 1,
                **step_extra,
            },
            {"key": "check", "role": AGENT, "policy": policy, "weight": 3},
            {"key": "done", "end": True},
        ],
        "transitions": [
            {"key": "submit", "from": "work", "to": "check"},
            {"key": "approve", "from": "check", "to": "done"},
            {"key": "send_back", "from": "check", "to": "work"},
        ],
        "sla_hours": SLA,
    }
