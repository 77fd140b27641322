"""Demo seed: the default workflow every unmatched ticket falls back to."""

from __future__ import annotations

import click
from sqlalchemy import select

from common.db import db
from common.models.workflow import Step, Workflow

DEFAULT_NAME = "General support"


def seed_demo() -> None:
    if db.session.scalar(select(Workflow).where(Workflow.name == DEFAULT_NAME)):
        click.echo("default workflow already exists")
        return
    workflow = Workflow(
        name=DEFAULT_NAME,
        description="Any ticket no other workflow matches: an agent resolves it.",
        is_default=True,
    )
    workflow.steps = [
        Step(
            name="Resolve",
            position=0,
            role_system="tts",
            role_name="Agent",
            instructions="Work the ticket with the requester until it is resolved.",
            is_start=True,
        ),
        Step(name="Resolved", position=1, role_system="tts", role_name="Agent", is_end=True),
    ]
    db.session.add(workflow)
    db.session.commit()
    click.echo(f"default workflow created: {DEFAULT_NAME}")
