"""KPIs over a date range, computed in SQL (no rows walked in Python).

Tasks created in [start, end) are the population for rates and times; open work (by
status, priority, age and agent) is as of now. Resolution times are really recorded
(``completed_at``), so a task finished inside its SLA counts as met.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime

from sqlalchemy import case, extract, func, select, true

from common.db import db, utcnow
from common.models.workflow import Task

OPEN = ("unassigned", "assigned", "on_hold")
AGE_BUCKETS = (
    (0, 1, "0-1d"),
    (1, 7, "1-7d"),
    (7, 30, "7-30d"),
    (30, 90, "30-90d"),
    (90, None, "90d+"),
)


def _hours(expression):
    return extract("epoch", expression) / 3600.0


def _rows(statement):
    """Run a report query on workflow's database. Flask-SQLAlchemy finds a statement's
    database from the ORM entity it carries, and a select of bare expressions (an age
    bucket, a count) may carry none: joining two conditions with ``&`` drops it, so the
    workflow filter left such a query with no database at all. Named here, once."""
    return db.session.execute(statement, bind_arguments={"mapper": Task})


def kpis(start: datetime, end: datetime, workflow_id: int | None = None) -> dict:
    """``workflow_id``: only that workflow's tasks (a workflow is what a category routes to)."""
    of_workflow = Task.workflow_id == workflow_id if workflow_id is not None else true()
    in_range = (Task.created_at >= start) & (Task.created_at < end) & of_workflow
    now = utcnow()
    totals = _rows(
        select(
            func.count(),
            func.count().filter(Task.status == "completed"),
            func.count().filter((Task.status == "completed") & (Task.completed_at <= Task.due_at)),
            func.avg(_hours(Task.first_response_at - Task.created_at)),
            func.avg(_hours(Task.first_assigned_at - Task.created_at)),
            func.avg(_hours(Task.completed_at - Task.created_at)).filter(
                Task.status == "completed"
            ),
            func.count().filter(Task.escalations > 0),
            func.count().filter(Task.transfers > 0),
            func.count().filter(Task.breached.is_(True)),
        )
        .select_from(Task)
        .where(in_range)
    ).one()
    (
        created,
        completed,
        met,
        first_response,
        first_assign,
        resolution,
        escalated,
        transferred,
        breached,
    ) = totals

    def rate(part):
        return round(part / created, 4) if created else None

    open_filter = Task.status.in_(OPEN) & of_workflow
    by_status = dict(
        _rows(select(Task.status, func.count()).where(open_filter).group_by(Task.status)).all()
    )
    by_priority = dict(
        _rows(select(Task.priority, func.count()).where(open_filter).group_by(Task.priority)).all()
    )
    age_days = extract("epoch", now - Task.created_at) / 86400.0
    bucket = case(
        *[
            ((age_days >= low) & (age_days < high), label)
            for low, high, label in AGE_BUCKETS
            if high
        ],
        else_=AGE_BUCKETS[-1][2],
    )
    ages = dict(_rows(select(bucket, func.count()).where(open_filter).group_by(bucket)).all())
    load = _rows(
        select(Task.assignee_id, Task.assignee_name, func.count())
        .where(Task.status.in_(("assigned", "on_hold")) & of_workflow)
        .group_by(Task.assignee_id, Task.assignee_name)
        .order_by(func.count().desc())
    ).all()
    return {
        "range": {"from": start, "to": end},
        "workflow_id": workflow_id,
        "as_of": now.isoformat(),  # "Data as of …": the report is computed, not live
        "created": created,
        "completed": completed,
        "sla_compliance": round(met / completed, 4) if completed else None,
        "sla_breached": breached,
        "mean_first_response_hours": _round(first_response),
        "mean_time_to_assign_hours": _round(first_assign),
        "mean_resolution_hours": _round(resolution),
        "escalation_rate": rate(escalated),
        "transfer_rate": rate(transferred),
        "open_by_status": by_status,
        "open_by_priority": by_priority,
        "backlog_age": {label: ages.get(label, 0) for _, _, label in AGE_BUCKETS},
        "load_per_agent": [
            {"user_id": user_id, "name": name, "open_tasks": count} for user_id, name, count in load
        ],
    }


def _round(value):
    return None if value is None else round(float(value), 2)


# A cell starting with one of these is a formula to a spreadsheet (=HYPERLINK(...) in a
# display name): OWASP's advice is to make it text with a leading quote.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value):
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


class _SafeWriter:
    def __init__(self, out):
        self._writer = csv.writer(out)

    def writerow(self, row) -> None:
        self._writer.writerow([safe_cell(value) for value in row])


def as_csv(report: dict) -> str:
    """One row per figure: metric, key, value (spreadsheets take it as it is, and no cell
    is ever taken for a formula)."""
    out = io.StringIO()
    writer = _SafeWriter(out)
    writer.writerow(["metric", "key", "value"])
    for name, value in report.items():
        if name == "range":
            writer.writerow(["range", "from", value["from"].isoformat()])
            writer.writerow(["range", "to", value["to"].isoformat()])
        elif name == "load_per_agent":
            for row in value:
                writer.writerow(
                    ["load_per_agent", row["name"] or row["user_id"], row["open_tasks"]]
                )
        elif isinstance(value, dict):
            for key, count in value.items():
                writer.writerow([name, key, count])
        else:
            writer.writerow([name, "", "" if value is None else value])
    return out.getvalue()
