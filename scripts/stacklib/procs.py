"""Process bookkeeping: pid files that survive pid reuse, process groups, graceful stops."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from stacklib.topology import ROOT, Process, Settings, rotate

POLL_SECONDS = 0.1
STOP_SECONDS = 10.0


def start_time(pid: int) -> str | None:
    """The kernel's start time of ``pid`` (guards against a recycled pid), if known."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return stat.rpartition(")")[2].split()[19]


def is_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0]
    except OSError:
        return True
    return state != "Z"


def write_pid(settings: Settings, name: str, pid: int) -> None:
    settings.pid_file(name).write_text(f"{pid} {start_time(pid) or '-'}\n")


def read_pid(settings: Settings, name: str) -> int | None:
    """The live process a pid file names, or None (no file, dead, or pid reused)."""
    try:
        pid_text, _, started = settings.pid_file(name).read_text().strip().partition(" ")
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    if not is_alive(pid):
        return None
    if started not in ("", "-") and start_time(pid) not in (None, started):
        return None
    return pid


def recorded_names(settings: Settings) -> list[str]:
    return sorted(path.stem for path in settings.run_dir.glob("*.pid"))


def spawn(settings: Settings, proc: Process, env: dict[str, str]) -> subprocess.Popen:
    log_path = settings.log_file(proc.name)
    metrics_dir = dict(proc.env).get("PROMETHEUS_MULTIPROC_DIR")
    if metrics_dir:  # stale metric files of an earlier run would add up
        shutil.rmtree(metrics_dir, ignore_errors=True)
        Path(metrics_dir).mkdir(parents=True)
    for path in (log_path, proc.extra_log):
        rotate(path)
    with open(log_path, "wb") as log:
        child = subprocess.Popen(
            proc.argv,
            cwd=ROOT,
            env={**env, **dict(proc.env)},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: `down` signals the whole group
        )
    write_pid(settings, proc.name, child.pid)
    return child


def signal_group(pid: int, signum: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, signum)


def group_alive(pid: int) -> bool:
    """Does any process of the group led by ``pid`` still run (zombies aside)?"""
    try:
        os.killpg(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return any(is_alive(member) for member in group_members(pid))


def group_members(pgid: int) -> Iterator[int]:
    proc = Path("/proc")
    if not proc.is_dir():
        yield pgid
        return
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:
            yield int(entry.name)


def stop(settings: Settings, names: list[str]) -> None:
    """Stop each recorded process and everything in its process group.

    SIGTERM goes to the group leader only: gunicorn, Dramatiq and nginx pass it on to
    their children and shut down gracefully (a Dramatiq worker process that gets SIGTERM
    twice, from us and from its master, is killed mid-message). Children a leader left
    behind get SIGTERM themselves; after STOP_SECONDS the whole group gets SIGKILL.
    """
    running = {name: pid for name in names if (pid := read_pid(settings, name)) is not None}
    # nginx first, so no new request reaches a service that is going away.
    for name in sorted(running, key=lambda n: n != "nginx"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(running[name], signal.SIGTERM)
    orphaned: set[str] = set()
    deadline = time.monotonic() + STOP_SECONDS
    while time.monotonic() < deadline:
        alive = {name: pid for name, pid in running.items() if group_alive(pid)}
        if not alive:
            break
        for name, pid in alive.items():
            if name not in orphaned and not is_alive(pid):
                signal_group(pid, signal.SIGTERM)
                orphaned.add(name)
        time.sleep(POLL_SECONDS)
    for name, pid in sorted(running.items()):
        if group_alive(pid):
            print(f"{name} (pid {pid}) still running after {STOP_SECONDS:.0f}s: killing it")
            signal_group(pid, signal.SIGKILL)
        print(f"stopped {name} (pid {pid})")
    for name in names:
        settings.pid_file(name).unlink(missing_ok=True)
