"""The production-like stack (default scale) for the end-to-end modules that use it.

Brought up per module and stopped after it whatever happened: two stacks at once (this
and test_scaled_edge's) would hold more connections than PostgreSQL's default 100. A
missing nginx or server makes these tests fail, never skip: they are the proof that the
edge works. How a stack is made, and the clients that talk to it: stack_support.py.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from playwright.sync_api import sync_playwright

from tests.e2e.browser_support import Person, launch, open_person
from tests.e2e.stack_support import (
    AGENT,
    COORDINATOR,
    EDGE,
    EMPLOYEE,
    NAME,
    User,
    running_stack,
    stack_env,
)


def pytest_collection_modifyitems(items) -> None:
    """Everything here brings up a stack (and most a browser): all of it is ``e2e``, so
    ``-m "not e2e"`` is the fast lane, whatever a module remembers to mark."""
    here = Path(__file__).parent
    for item in items:
        if here in Path(item.fspath).parents:
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="module")
def stack():
    # A fixed directory, not a fresh one: if an earlier run was killed before its teardown,
    # running_stack's first `down` finds that run's pid files and stops what it left running.
    with running_stack(stack_env(Path(tempfile.gettempdir()) / f"tts-{NAME}-stack")) as env:
        yield env


@pytest.fixture(scope="module")
def users(stack) -> dict[str, User]:
    return {email: User(email) for email in (EMPLOYEE, COORDINATOR, AGENT)}


@pytest.fixture(scope="module")
def browser(stack):
    """Debian's Chromium, for the web UI modules (one per module, like the stack)."""
    with sync_playwright() as playwright:
        chromium = launch(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def people(browser):
    """``people(width, bypass_csp, height)`` opens a person's own browser context on the
    stack's edge; every context is closed after the test."""
    opened: list[Person] = []

    def open_one(width: int = 1280, bypass_csp: bool = False, height: int = 900) -> Person:
        person = open_person(browser, EDGE, width, bypass_csp, height)
        opened.append(person)
        return person

    yield open_one
    for person in opened:
        person.context.close()
