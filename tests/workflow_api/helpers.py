"""Helpers for workflow_api tests: event payloads, a small workflow definition, and jobs
run on threads at once."""

import threading

from common.db import db

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


def run_in_threads(app, jobs, timeout: float = 30) -> list[Exception]:
    """Run each job on its own thread in the app's context, all released at once; the
    errors they raised."""
    errors, barrier = [], threading.Barrier(len(jobs))

    def run(job):
        try:
            with app.app_context():
                barrier.wait()
                job()
        except Exception as error:  # collected, asserted by the caller
            errors.append(error)
        finally:
            with app.app_context():
                db.session.remove()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout)
    return errors
