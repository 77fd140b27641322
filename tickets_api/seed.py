"""Seeding: the category catalogue (demo), and ``tts seed tickets`` for realistic volume."""

from __future__ import annotations

import csv
import io
import random
from datetime import UTC, datetime, timedelta

import click

from common.db import db
from common.unit_of_work import unit_of_work
from tickets_api import catalogue

STATUS_WEIGHTS = {
    "new": 10,
    "open": 5,
    "in_progress": 25,
    "on_hold": 5,
    "resolved": 15,
    "closed": 33,
    "rejected": 4,
    "withdrawn": 3,
}
PRIORITY_WEIGHTS = {"low": 30, "medium": 40, "high": 22, "critical": 8}
PROBLEMS = [
    ("Laptop will not boot", "The screen stays black after the {thing} update."),
    ("Cannot print to {thing}", "Jobs sit in the queue and never reach the {thing}."),
    ("VPN drops every few minutes", "Since {day} the VPN disconnects while on {thing}."),
    ("Password reset for {thing}", "I am locked out of {thing} after the policy change."),
    ("Request: install {thing}", "Please install {thing} on my workstation for the project."),
    ("Email not syncing on {thing}", "Mail stopped syncing on my {thing} on {day}."),
    ("Monitor flickers", "The second monitor flickers when connected through the {thing} dock."),
    ("Access to {thing} share", "I need read access to the {thing} share for the audit."),
    ("Return {thing}", "Returning the {thing} borrowed for the conference."),
    ("Budget for {thing}", "Proposal to fund {thing} next fiscal year."),
]
THINGS = [
    "Outlook",
    "the 3rd floor printer",
    "Teams",
    "SAP",
    "ThinkPad T14",
    "Figma",
    "the HR",
    "iPhone",
    "Dell dock",
    "Finance",
    "Jira",
    "projector",
    "VS Code",
    "the sales CRM",
]
DAYS = ["Monday", "Tuesday", "yesterday", "last week", "this morning"]
FIRST = ["Ana", "Ben", "Chen", "Dara", "Eli", "Fatima", "Goran", "Hana", "Ivo", "Jun", "Kofi"]
LAST = ["Santos", "Okafor", "Novak", "Kim", "Haddad", "Larsen", "Mehta", "Quispe", "Roth"]
COLUMNS = (
    "subject",
    "description",
    "category",
    "subcategory",
    "department",
    "priority",
    "status",
    "requester_id",
    "requester_name",
    "requester_email",
    "assignee_id",
    "assignee_name",
    "created_at",
    "updated_at",
    "opened_at",
    "resolved_at",
    "closed_at",
)


def seed_demo() -> None:
    added = catalogue.seed_catalogue()
    click.echo(f"ticket categories: {added} added" if added else "ticket categories exist")


def _pick(weights: dict[str, int], rng: random.Random) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def _row(rng: random.Random, now: datetime, tree: list[tuple[str, str | None, str]]) -> list:
    title, body = rng.choice(PROBLEMS)
    thing, day = rng.choice(THINGS), rng.choice(DAYS)
    category, subcategory, department = rng.choice(tree)
    status = _pick(STATUS_WEIGHTS, rng)
    created = now - timedelta(seconds=rng.randint(0, 730 * 86400))
    approved = status not in ("new", "rejected", "withdrawn")
    opened = created + timedelta(minutes=rng.randint(5, 600)) if approved else None
    resolved = None
    if status == "closed":
        resolved = opened + timedelta(hours=rng.randint(1, 240))
    elif status == "resolved":
        # Still resolved means resolved within the auto-close window (else it would be
        # closed): recent, whatever the ticket's age.
        resolved = max(opened, now - timedelta(hours=rng.uniform(0, 71)))
    closed = resolved + timedelta(hours=72) if status == "closed" else None
    requester = rng.randint(100_000, 104_999)
    first, last = FIRST[requester % len(FIRST)], LAST[requester % len(LAST)]
    assignee = (
        rng.randint(200_000, 200_199)
        if status in ("in_progress", "on_hold", "resolved", "closed")
        else None
    )
    stamps = [t for t in (created, opened, resolved, closed) if t]
    return [
        title.format(thing=thing),
        body.format(thing=thing, day=day),
        category,
        subcategory,
        department,
        _pick(PRIORITY_WEIGHTS, rng) if approved else None,
        status,
        requester,
        f"{first} {last}",
        f"{first.lower()}.{last.lower()}{requester}@example.com",
        assignee,
        f"Agent {assignee}" if assignee else None,
        created,
        max(stamps),
        opened,
        resolved,
        closed,
    ]


def _csv_value(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


@click.command("tickets")
@click.option("--count", type=click.IntRange(1, 50_000_000), required=True)
@click.option("--batch", type=click.IntRange(100, 1_000_000), default=20_000, show_default=True)
@click.option("--seed", "random_seed", type=int, default=None, help="For repeatable data.")
def seed_tickets_command(count: int, batch: int, random_seed: int | None) -> None:
    """Generate COUNT realistic tickets with PostgreSQL COPY (a million in minutes)."""
    rng = random.Random(random_seed)
    # Committed before the bulk load: COPY runs on connections of its own.
    with unit_of_work():
        catalogue.seed_catalogue()
    tree = []
    for parent in catalogue.tree():
        department = parent.default_department or "IT"
        subs = [sub.name for sub in parent.subcategories if sub.active] or [None]
        tree.extend((parent.name, sub, department) for sub in subs)
    now = datetime.now(UTC)
    engine = db.engines["tickets"]
    sql = f"COPY tickets ({', '.join(COLUMNS)}) FROM STDIN WITH (FORMAT csv, NULL '\\N')"
    with click.progressbar(length=count, label="tickets") as progress:
        done = 0
        while done < count:
            size = min(batch, count - done)
            buffer = io.StringIO()
            writer = csv.writer(buffer)
            for _ in range(size):
                writer.writerow([_csv_value(v) for v in _row(rng, now, tree)])
            buffer.seek(0)
            connection = engine.raw_connection()
            try:
                with connection.cursor() as cursor:
                    cursor.copy_expert(sql, buffer)
                connection.commit()
            finally:
                connection.close()
            done += size
            progress.update(size)
    click.echo(f"{count} tickets added")
