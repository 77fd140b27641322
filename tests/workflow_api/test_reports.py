"""KPI report over a date range, JSON and CSV; staff only."""

import csv
import io
from datetime import UTC, datetime, timedelta

from common.db import db
from common.models.workflow import Workflow
from common.security import Principal
from tests.workflow_api.helpers import ticket
from workflow_api import engine, intake


def _window():
    now = datetime.now(UTC)
    start = (now - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    end = (now + timedelta(days=1)).isoformat().replace("+00:00", "Z")
    return f"from={start}&to={end}"


def test_kpis_count_what_happened(client, app, seeded, agents, make_workflow):
    make_workflow()
    with app.app_context():
        tasks = [intake.open_task_for_ticket(ticket(i, priority="high")) for i in range(1, 5)]
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


def test_an_employee_is_refused_before_their_parameters_are_judged(client, seeded):
    employee = client.as_user("employee@example.com")
    assert employee.get("/api/workflow/reports/kpis?from=yesterday").status_code == 403


def test_extreme_utc_offsets_are_the_same_moment_in_utc(client, seeded):
    coordinator = client.as_user("coordinator@example.com")
    # PostgreSQL refuses offsets beyond +-15:59; Python accepts them: normalised, not a 500.
    window = "from=2024-05-23T01:05:48-18:00&to=2024-05-25T01:05:48%2B23:59"
    response = coordinator.get(f"/api/workflow/reports/kpis?{window}")
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["range"]["from"] == "2024-05-23T19:05:48+00:00"
    edge = coordinator.get("/api/workflow/reports/kpis?from=0001-01-01T00:00:00%2B18:00&to=x")
    assert edge.status_code == 422


def test_csv_cells_never_start_a_formula():
    report = {
        "range": {"from": datetime(2024, 1, 1, tzinfo=UTC), "to": datetime(2024, 1, 2, tzinfo=UTC)},
        "created": -3,
        "load_per_agent": [
            {"user_id": 1, "name": '=HYPERLINK("http://evil.example","x")', "open_tasks": 1},
            {"user_id": 2, "name": "@SUM(A1)", "open_tasks": 2},
            {"user_id": 3, "name": "\tTabbed", "open_tasks": 0},
            {"user_id": 4, "name": "Ava Agent", "open_tasks": 4},
        ],
    }
    from workflow_api.reports import as_csv

    rows = list(csv.reader(io.StringIO(as_csv(report))))
    names = [row[1] for row in rows if row[0] == "load_per_agent"]
    assert names == [
        '\'=HYPERLINK("http://evil.example","x")',
        "'@SUM(A1)",
        "'\tTabbed",
        "Ava Agent",
    ]
    assert ["created", "", "-3"] in rows  # numbers stay numbers


def test_kpis_of_one_workflow_and_as_of(client, app, seeded, agents, make_workflow):
    workflow_id = make_workflow()
    with app.app_context():
        intake.open_task_for_ticket(ticket(1, priority="high"))
        db.session.commit()
    coordinator = client.as_user("coordinator@example.com")
    mine = coordinator.get(f"/api/workflow/reports/kpis?{_window()}&workflow={workflow_id}")
    assert mine.status_code == 200, mine.get_json()
    body = mine.get_json()
    assert body["created"] == 1 and body["workflow_id"] == workflow_id
    assert datetime.fromisoformat(body["as_of"]) <= datetime.now(UTC)
    other = coordinator.get(f"/api/workflow/reports/kpis?{_window()}&workflow={workflow_id + 999}")
    assert other.get_json()["created"] == 0 and other.get_json()["load_per_agent"] == []
    rows = list(
        csv.reader(
            io.StringIO(
                coordinator.get(
                    f"/api/workflow/reports/kpis?{_window()}&workflow={workflow_id}&format=csv"
                ).get_data(as_text=True)
            )
        )
    )
    assert ["created", "", "1"] in rows and ["workflow_id", "", str(workflow_id)] in rows


def test_kpis_of_a_workflow_count_only_its_own_tasks(client, app, seeded, agents, make_workflow):
    """Two workflows, each with tasks of its own: the filtered report is that workflow's
    figures alone, and the unfiltered one is their sum."""
    first = make_workflow("First flow", category="Hardware")
    second = make_workflow("Second flow", category="Software")
    with app.app_context():
        flows = {key: db.session.get(Workflow, key) for key in (first, second)}
        ours = [
            intake.open_task_for_ticket(ticket(i, priority="high"), flows[first]) for i in (1, 2, 3)
        ]
        for i in (4, 5):
            intake.open_task_for_ticket(ticket(i, priority="low"), flows[second])
        done = ours[0]
        for key in ("submit", "approve"):
            engine.act(Principal(done.assignee_id, "", "", {}), done.id, key, "", None)
        db.session.commit()
    coordinator = client.as_user("coordinator@example.com")

    def report(query=""):
        response = coordinator.get(f"/api/workflow/reports/kpis?{_window()}{query}")
        assert response.status_code == 200, response.get_json()
        return response.get_json()

    mine = report(f"&workflow={first}")
    assert (mine["workflow_id"], mine["created"], mine["completed"]) == (first, 3, 1)
    assert mine["open_by_priority"] == {"high": 2} and mine["open_by_status"] == {"assigned": 2}
    assert mine["backlog_age"]["0-1d"] == 2
    assert sum(row["open_tasks"] for row in mine["load_per_agent"]) == 2
    theirs = report(f"&workflow={second}")
    assert (theirs["created"], theirs["completed"]) == (2, 0)
    assert theirs["open_by_priority"] == {"low": 2} and theirs["sla_compliance"] is None
    everything = report()
    assert (everything["workflow_id"], everything["created"], everything["completed"]) == (
        None,
        5,
        1,
    )
    assert everything["open_by_priority"] == {"high": 2, "low": 2}
