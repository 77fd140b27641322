"""Starting processes and waiting until each is ready; on any failure, stopping them all."""

from __future__ import annotations

import subprocess
import sys
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from stacklib.heartbeats import beating
from stacklib.procs import POLL_SECONDS, spawn, stop
from stacklib.topology import Process, Settings

LOG_TAIL_LINES = 40  # of one failed process; fewer each when several fail
LOG_LINE_CHARS = 400


def probe(url: str, timeout: float = 2.0) -> tuple[bool, str]:
    """GET ``url`` without any proxy: (answered 200, a short description)."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(url, timeout=timeout) as response:
            return response.status == 200, str(response.status)
    except urllib.error.HTTPError as error:
        return False, f"{error.code} {error.read(300).decode(errors='replace').strip()}"
    except (OSError, urllib.error.URLError) as error:
        reason = getattr(error, "reason", error)
        return False, f"unreachable ({reason})"


def log_contains(path: Path, marker: str) -> bool:
    try:
        return marker.encode() in path.read_bytes()
    except OSError:
        return False


class Launcher:
    """Starts processes and waits until they are ready; on any failure, stops them all."""

    def __init__(self, settings: Settings, env: dict[str, str]):
        self.settings = settings
        self.env = env
        self.procs: dict[str, Process] = {}
        self.children: dict[str, subprocess.Popen] = {}
        self.pending: dict[str, set[str]] = {}  # name -> checks not passed yet
        self.last_failure: dict[str, str] = {}

    def start(self, procs: list[Process]) -> None:
        for proc in procs:
            self.procs[proc.name] = proc
            self.pending[proc.name] = (
                set(proc.urls)
                | ({"log"} if proc.log_marker else set())
                | ({"heartbeat"} if proc.heartbeat else set())
            )
            self.children[proc.name] = spawn(self.settings, proc, self.env)

    def wait_ready(self, deadline: float) -> None:
        while True:
            self._fail_if_any_exited()
            # Probes run side by side: a /ready check does a real broker handshake.
            names = sorted(self.pending)
            with ThreadPoolExecutor(max_workers=len(names)) as pool:
                ready = dict(zip(names, pool.map(self._check, names), strict=True))
            waiting = [name for name in names if not ready[name]]
            if not waiting:
                # A process that died right after its last check must not pass for ready.
                self._fail_if_any_exited()
                return
            if time.monotonic() > deadline:
                report = "\n".join(f"  {name}: {self.last_failure.get(name)}" for name in waiting)
                self.abort(
                    f"not ready after {self.settings.ready_timeout:.0f}s:\n{report}", waiting
                )
            time.sleep(POLL_SECONDS)

    def _fail_if_any_exited(self) -> None:
        for name, child in self.children.items():
            if child.poll() is not None:
                self.abort(f"{name} exited with code {child.returncode} during startup", [name])

    def _check(self, name: str) -> bool:
        proc = self.procs[name]
        for item in sorted(self.pending[name]):
            if item == "log":
                ok = log_contains(self.settings.log_file(name), proc.log_marker)
                detail = f"its log has no {proc.log_marker!r} yet"
            elif item == "heartbeat":
                ok, detail = beating(proc.heartbeat, self.children[name].pid)
            else:
                ok, detail = probe(item)
                detail = f"{item} -> {detail}"
            if ok:
                self.pending[name].discard(item)
            else:
                self.last_failure[name] = detail
        return not self.pending[name]

    def abort(self, why: str, culprits: list[str]) -> None:
        """Report why startup failed, with the culprits' logs, and stop everything started."""
        print(f"stack up failed: {why}", file=sys.stderr)
        lines = LOG_TAIL_LINES if len(culprits) == 1 else 8
        for name in culprits:
            print_log_tail(self.settings.log_file(name), lines)
            if self.procs[name].extra_log:
                print_log_tail(self.procs[name].extra_log, lines)
        print("stopping what was started ...", file=sys.stderr)
        stop(self.settings, list(self.children))
        sys.exit(1)


def print_log_tail(path: Path, count: int) -> None:
    try:
        lines = path.read_text(errors="replace").splitlines()[-count:]
    except OSError:
        return
    print(f"--- last {len(lines)} lines of {path} ---", file=sys.stderr)
    for line in lines:
        cut = line if len(line) <= LOG_LINE_CHARS else line[:LOG_LINE_CHARS] + " ..."
        print(f"  {cut}", file=sys.stderr)
