"""One unit of work per request, actor run, live frame and command (common/unit_of_work.py)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from sqlalchemy import text

from common.db import db
from common.problems import Conflict, DomainError
from common.unit_of_work import on_commit, unit_of_work

ROOT = Path(__file__).resolve().parents[2]
SERVICES = ("auth_api", "tickets_api", "workflow_api", "chat_api", "notifier")


@pytest.fixture
def probe(app, tx):
    """A table of our own in the auth database, inside the test's rolled-back transaction."""
    bind = {"bind": db.engines["auth"]}
    db.session.execute(text("CREATE TABLE uow_probe (x int)"), bind_arguments=bind)
    db.session.commit()

    class Probe:
        @staticmethod
        def add(value: int) -> None:
            db.session.execute(
                text("INSERT INTO uow_probe VALUES (:x)"), {"x": value}, bind_arguments=bind
            )

        @staticmethod
        def kept() -> list[int]:
            db.session.rollback()  # whatever was not committed goes
            rows = db.session.execute(
                text("SELECT x FROM uow_probe ORDER BY x"), bind_arguments=bind
            )
            return list(rows.scalars())

    return Probe


def test_a_unit_that_returns_commits(probe):
    with unit_of_work():
        probe.add(1)
    assert probe.kept() == [1]


def test_a_domain_error_rolls_everything_back(probe):
    with pytest.raises(Conflict), unit_of_work():
        probe.add(1)
        raise Conflict("no")
    assert probe.kept() == []


def test_a_domain_error_can_keep_what_it_changed(probe):
    with pytest.raises(DomainError) as raised, unit_of_work():
        probe.add(7)
        raise DomainError("counted", keep_changes=True)
    assert raised.value.keep_changes
    assert probe.kept() == [7]


def test_an_unexpected_error_rolls_back(probe):
    with pytest.raises(ZeroDivisionError), unit_of_work():
        probe.add(1)
        1 / 0  # noqa: B018
    assert probe.kept() == []


def test_after_commit_steps_run_only_when_the_unit_commits(probe):
    ran = []
    with pytest.raises(Conflict), unit_of_work():
        probe.add(1)
        on_commit(lambda: ran.append("rolled back"))
        raise Conflict("no")
    with unit_of_work():
        probe.add(2)
        on_commit(lambda: ran.append("committed"))
        assert ran == []  # not before the commit
    # The step of the rolled-back unit was dropped, not carried into the next commit.
    assert ran == ["committed"]
    assert probe.kept() == [2]


def test_a_failed_after_commit_step_does_not_undo_the_commit(probe):
    with unit_of_work():
        probe.add(3)
        on_commit(lambda: 1 / 0)
    assert probe.kept() == [3]


def _commit_calls(path: Path) -> list[int]:
    tree = ast.parse(path.read_text(), str(path))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and node.func.attr in ("commit", "rollback")
    ]


def test_views_and_live_handlers_hold_no_commits():
    """The unit of work owns the transaction: a view that commits would break that promise
    (a later failure in the same request could no longer undo the change)."""
    views = [
        path
        for service in SERVICES
        for path in sorted((ROOT / service).glob("*.py"))
        if path.stem.startswith("routes") or path.stem in ("ws", "jobs")
    ]
    assert len(views) >= 10
    found = {str(path.relative_to(ROOT)): _commit_calls(path) for path in views}
    assert {path: lines for path, lines in found.items() if lines} == {}
