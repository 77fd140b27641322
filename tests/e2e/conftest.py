"""The production-like stack (default scale) for the end-to-end modules that use it.

Brought up per module and stopped after it whatever happened: two stacks at once (this
and test_scaled_edge's) would hold more connections than PostgreSQL's default 100. A
missing nginx or server makes these tests fail, never skip: they are the proof that the
edge works.
"""

from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

import pytest

from tests.e2e.stack_support import (
    AGENT,
    COORDINATOR,
    EMPLOYEE,
    NAME,
    ROOT,
    User,
    _drop_databases,
    _fresh_vhost,
    _run,
    _stack_env,
)


@pytest.fixture(scope="module")
def stack():
    # A fixed directory, not a fresh one: if an earlier run was killed before its teardown,
    # the `down` below finds that run's pid files and stops what it left running.
    env = _stack_env(Path(tempfile.gettempdir()) / f"tts-{NAME}-stack")
    stack_script = str(ROOT / "scripts" / "stack")
    try:
        _run([stack_script, "down"], env)
        _fresh_vhost(env)
        _drop_databases(env)
        _run([stack_script, "up"], env)
        _run([str(ROOT / ".venv" / "bin" / "tts"), "seed", "demo"], env)
        yield env
    finally:
        subprocess.run([stack_script, "down"], cwd=ROOT, env=env, timeout=120)


@pytest.fixture(scope="module")
def users(stack) -> dict[str, User]:
    return {email: User(email) for email in (EMPLOYEE, COORDINATOR, AGENT)}
