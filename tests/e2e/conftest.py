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

from tests.e2e.stack_support import (
    AGENT,
    COORDINATOR,
    EMPLOYEE,
    NAME,
    User,
    running_stack,
    stack_env,
)


@pytest.fixture(scope="module")
def stack():
    # A fixed directory, not a fresh one: if an earlier run was killed before its teardown,
    # running_stack's first `down` finds that run's pid files and stops what it left running.
    with running_stack(stack_env(Path(tempfile.gettempdir()) / f"tts-{NAME}-stack")) as env:
        yield env


@pytest.fixture(scope="module")
def users(stack) -> dict[str, User]:
    return {email: User(email) for email in (EMPLOYEE, COORDINATOR, AGENT)}
