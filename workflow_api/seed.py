"""`tts seed workflows` (also part of `tts seed demo`): sensible defaults, published.

Roles are checked against the replica when people publish; seeding runs right after
auth_api seeded those roles, before their events may have reached this service, so the
seeded definitions (which name only the seeded roles) are published without that check.
"""

from __future__ import annotations

import click
from sqlalchemy import select

from common.db import db
from common.models.workflow import Workflow
from common.unit_of_work import unit_of_work
from workflow_api import workflows

AGENT = {"system": "tts", "name": "Agent"}
ADMIN = {"system": "tts", "name": "Admin"}
ASSETS = {"system": "tts", "name": "Asset Manager"}
BUDGET = {"system": "tts", "name": "Budget Manager"}
SLA = {"critical": 4, "high": 8, "medium": 24, "low": 40}


def _step(key, name, role=None, *, start=False, end=False, weight=1, policy="round_robin", **extra):
    return {
        "key": key,
        "name": name,
        "role": role,
        "start": start,
        "end": end,
        "weight": weight,
        "policy": policy,
        **extra,
    }


def _go(key, name, source, target, *, primary=False):
    """A transition, named for where it goes; ``primary``: the usual next step from
    ``source`` (the one button offered as primary)."""
    return {"key": key, "name": name, "from": source, "to": target, "primary": primary}


DEFAULTS = [
    {
        "name": "General support",
        "description": "Any ticket no other workflow matches: an agent resolves it.",
        "is_default": True,
        "definition": {
            "steps": [
                _step(
                    "resolve",
                    "Resolve",
                    AGENT,
                    start=True,
                    escalation_role=ADMIN,
                    instructions="Work the ticket with the requester until it is resolved.",
                ),
                _step("done", "Resolved", end=True),
            ],
            "transitions": [_go("resolve", "Resolve", "resolve", "done", primary=True)],
            "sla_hours": SLA,
        },
    },
    {
        "name": "IT support",
        "description": "Triage, then resolution by the least loaded agent.",
        "category": "IT Support",
        "definition": {
            "steps": [
                _step(
                    "triage",
                    "Triage",
                    AGENT,
                    start=True,
                    weight=1,
                    instructions="Confirm the problem, gather details, set expectations.",
                ),
                _step(
                    "resolve",
                    "Resolve",
                    AGENT,
                    weight=3,
                    policy="least_loaded",
                    escalation_role=ADMIN,
                    escalate_on_breach=True,
                    instructions="Fix the problem and confirm with the requester.",
                ),
                _step("done", "Resolved", end=True),
            ],
            "transitions": [
                _go("send_to_resolution", "Send to resolution", "triage", "resolve", primary=True),
                _go("resolve", "Resolve", "resolve", "done", primary=True),
                _go("return_to_triage", "Return to triage", "resolve", "triage"),
            ],
            "sla_hours": SLA,
        },
    },
    {
        "name": "Asset check-in",
        "category": "Asset Check In",
        "definition": {
            "steps": [
                _step(
                    "inspect",
                    "Inspect the asset",
                    ASSETS,
                    start=True,
                    instructions="Check the returned asset's condition and serial number.",
                ),
                _step("done", "Checked in", end=True),
            ],
            "transitions": [_go("check_in", "Check in", "inspect", "done", primary=True)],
            "sla_hours": SLA,
        },
    },
    {
        "name": "Asset check-out",
        "category": "Asset Check Out",
        "definition": {
            "steps": [
                _step("prepare", "Prepare the asset", ASSETS, start=True),
                _step("handover", "Hand over", ASSETS, policy="least_loaded"),
                _step("done", "Checked out", end=True),
            ],
            "transitions": [
                _go("ready", "Ready for handover", "prepare", "handover", primary=True),
                _go("handed_over", "Handed over", "handover", "done", primary=True),
            ],
            "sla_hours": SLA,
        },
    },
    {
        "name": "Budget proposal",
        "category": "New Budget Proposal",
        "definition": {
            "steps": [
                _step("review", "Review the proposal", BUDGET, start=True, escalation_role=ADMIN),
                _step("approved", "Approved", end=True),
                _step("rejected", "Rejected", end=True),
            ],
            "transitions": [
                _go("approve", "Approve", "review", "approved", primary=True),
                _go("reject", "Reject", "review", "rejected"),
            ],
            "sla_hours": {"critical": 8, "high": 16, "medium": 40, "low": 80},
        },
    },
]


def seed_workflows() -> list[str]:
    created = []
    for spec in DEFAULTS:
        if db.session.scalar(select(Workflow.id).where(Workflow.name == spec["name"])):
            continue
        workflow = workflows.create(None, spec)
        workflows.publish(None, workflow.id, check_roles=False)
        created.append(spec["name"])
    return created


def seed_demo() -> None:
    created = seed_workflows()
    click.echo(f"workflows created: {', '.join(created)}" if created else "workflows exist")


@click.command("workflows")
def seed_workflows_command() -> None:
    """Default workflows for the seeded categories (idempotent)."""
    with unit_of_work():
        seed_demo()
