"""The set-up scripts. scripts/bootstrap and scripts/web-build say what they are doing (a
first install is a minute of pip and npm work that otherwise looks like a hang): run on a
copy of each, with stand-ins for python, pip, npm and Vite. scripts/system-deps, which
scripts/test runs every time, is quick and quiet when there is nothing to do."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _executable(path: Path, body: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)


def _checkout(tmp_path: Path, script: str) -> Path:
    (tmp_path / "scripts").mkdir()
    shutil.copy(ROOT / "scripts" / script, tmp_path / "scripts" / script)
    return tmp_path / "scripts" / script


def _run(script: Path, env: dict) -> str:
    result = subprocess.run(
        [str(script)], capture_output=True, text=True, timeout=60, env={**os.environ, **env}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def test_bootstrap_says_it_creates_the_venv_and_installs(tmp_path):
    script = _checkout(tmp_path, "bootstrap")
    for name in ("requirements.lock", "setup.cfg", "pyproject.toml"):
        (tmp_path / name).write_text(f"{name}\n")
    # "python -m venv .venv" makes a .venv whose python (pip) succeeds at everything.
    _executable(
        tmp_path / "fake" / "python",
        "mkdir -p .venv/bin\n"
        'printf "#!/bin/sh\\nexit 0\\n" > .venv/bin/python\nchmod +x .venv/bin/python\n',
    )
    env = {"PYTHON": str(tmp_path / "fake" / "python")}

    first = _run(script, env)
    assert "bootstrap: creating .venv" in first
    assert "installing the pinned Python dependencies" in first
    assert "installed in" in first
    assert _run(script, env) == ""  # nothing to do, nothing said
    (tmp_path / "requirements.lock").write_text("changed\n")
    assert "updating .venv" in _run(script, env)


def test_web_build_says_it_installs_and_builds(tmp_path):
    script = _checkout(tmp_path, "web-build")
    web = tmp_path / "web"
    (web / "src").mkdir(parents=True)
    for name in ("package-lock.json", "index.html", "vite.config.ts", "tsconfig.json"):
        (web / name).write_text("{}\n")
    tools = tmp_path / "tools"
    _executable(
        tools / "npm", "mkdir -p node_modules && echo {} > node_modules/.package-lock.json\n"
    )
    _executable(tools / "npx", "mkdir -p dist && echo '<html>' > dist/index.html\n")
    env = {"PATH": f"{tools}:{os.environ['PATH']}"}

    first = _run(script, env)
    assert "installing the web UI's packages" in first
    assert "packages installed in" in first
    assert "building the web UI" in first
    assert "built in" in first
    assert _run(script, env) == ""


def test_system_deps_is_quick_and_quiet_once_all_is_there():
    # scripts/test runs it first every time. Everything is there by now (scripts/test ran
    # it), so it must find nothing to do without starting RabbitMQ's command-line tools,
    # which take seconds each.
    started = time.monotonic()
    output = _run(ROOT / "scripts" / "system-deps", {})
    elapsed = time.monotonic() - started
    assert output == ""
    assert elapsed < 2, f"system-deps took {elapsed:.1f}s with nothing to do"
