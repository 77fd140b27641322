"""KPI report over a date range, JSON and CSV; staff only."""

import csv
import io
from datetime import UTC, datetime, timedelta

from common.db import db
from common.security import Principal
from tests.workflow_api.conftest import ticket
from workflow_api import engine


def _window():
    now = datetime.now(UTC)
    start = (now - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    end = (now + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    return f"from={start}&to={end}"


def test_kpis_count_what_happened(client, app, seeded, agents, make_workflow):
    make_workflow()
    with app.app_context():
        tasks = [engine.open_task_for_ticket(ticket(i, priority="high")) for i in range(1, 5)]
        done = tasks[0]
        for key in ("submit", "approve"):
            engine.act(Principal(done.assignee_id, "", "", {}), done.id, key, "", None)
        coordinator = Principal(9, "", "Coord", {"hdts": ["Ticket Coordinator"]})
        target = next(a for a in (101, 102, 103) if a != tasks[1].assignee_id)
        engine.transfer(coordinator, tasks[1].id, target, "", None)
        db.session.commit()
    report = client.as_user("coordinator@example.com").get(
        f"/api/workflow/reports/kpis?{_window()}"
    )
    assert report.status_code == 200, report.get_json()
    body = report.get_json()
    assert body["created"] == 4 and body["completed"] == 1
    assert body["sla_compliance"] == 1.0  # finished well inside its target
    assert body["transfer_rate"] == 0.25 and body["escalation_rate"] == 0.0
    assert body["open_by_status"] == {"assigned": 3}
    assert body["open_by_priority"] == {"high": 3}
    assert body["backlog_age"]["0-1d"] == 3
    assert sum(row["open_tasks"] for row in body["load_per_agent"]) == 3
    assert body["mean_resolution_hours"] is not None


def test_csv_and_access(client, seeded):
    coordinator = client.as_user("coordinator@example.com")
    response = coordinator.get(f"/api/workflow/reports/kpis?{_window()}&format=csv")
    assert response.status_code == 200
    assert response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True))))
    assert rows[0] == ["metric", "key", "value"]
    assert ["created", "", "0"] in rows
    assert (
        client.as_user("agent@example.com")
        .get(f"/api/workflow/reports/kpis?{_window()}")
        .status_code
        == 403
    )
    assert coordinator.get("/api/workflow/reports/kpis?from=yesterday").status_code == 422
