"""The production-like local stack: ``scripts/stack up|down|status``.

The same topology as production, on this machine and without Docker: every service under
gunicorn (two chat_api processes, to prove cross-process WebSocket delivery), one Dramatiq
worker per service with queues, the scheduler, and nginx in front on one origin. It uses
the local PostgreSQL and RabbitMQ; nginx must be installed (it comes from apt).

``up`` migrates, starts everything in the background and returns once every service
answers ``/ready`` directly and through nginx (or stops it all and shows the failing log).
Each process runs in its own session, with a pid file and a log file in the run directory;
``down`` stops exactly those process groups and nothing else; ``status`` lists them.

Environment: ``TTS_STACK_RUN_DIR`` (default ``var/stack``), ``TTS_STACK_PORT`` (nginx,
default 8080), ``TTS_STACK_BASE_PORT`` (services listen on base+1..base+6, default 8100),
``TTS_STACK_READY_TIMEOUT`` (seconds, default 60). Every ``TTS_*`` variable reaches the
processes; ``TTS_DATABASE_PREFIX`` lets tests run the stack on their own databases.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv scripts/stack runs us from
TEMPLATE = ROOT / "nginx" / "stack.conf.template"
NGINX_TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
POLL_SECONDS = 0.1
STOP_SECONDS = 10.0
LOG_TAIL_LINES = 40  # of one failed process; fewer each when several fail
LOG_LINE_CHARS = 400


# --- what runs ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Server:
    """One service under gunicorn."""

    name: str
    factory: str
    port_offset: int
    prefix: str


SERVERS = (
    Server("auth", "auth_api:create_app()", 1, "/api/auth"),
    Server("tickets", "tickets_api:create_app()", 2, "/api/tickets"),
    Server("workflow", "workflow_api:create_app()", 3, "/api/workflow"),
    Server("chat-1", "chat_api:create_app()", 4, "/api/chat"),
    Server("chat-2", "chat_api:create_app()", 5, "/api/chat"),
    Server("notify", "notifier:create_app()", 6, "/api/notifications"),
)
# The prefixes nginx must route, each probed through nginx before the stack is "ready".
EDGE_PREFIXES = ("/api/auth", "/api/tickets", "/api/workflow", "/api/chat", "/api/notifications")


@dataclass(frozen=True)
class Settings:
    run_dir: Path
    port: int
    base_port: int
    ready_timeout: float

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        run_dir = Path(env.get("TTS_STACK_RUN_DIR") or ROOT / "var" / "stack")
        return cls(
            run_dir=run_dir.resolve(),
            port=int(env.get("TTS_STACK_PORT", "8080")),
            base_port=int(env.get("TTS_STACK_BASE_PORT", "8100")),
            ready_timeout=float(env.get("TTS_STACK_READY_TIMEOUT", "60")),
        )

    @property
    def nginx_dir(self) -> Path:
        return self.run_dir / "nginx"

    @property
    def nginx_conf(self) -> Path:
        return self.run_dir / "nginx.conf"

    @property
    def nginx_error_log(self) -> Path:
        return self.run_dir / "nginx-error.log"

    @property
    def nginx_access_log(self) -> Path:
        return self.run_dir / "nginx-access.log"

    def server_port(self, server: Server) -> int:
        return self.base_port + server.port_offset

    def edge_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def pid_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.log"


@dataclass(frozen=True)
class Process:
    """A process the stack runs, and how to tell it is ready.

    Ready means: every URL answers 200, and the log (written since the start) contains
    ``log_marker``. A process with neither is ready as soon as it runs.
    """

    name: str
    argv: tuple[str, ...]
    urls: tuple[str, ...] = ()
    log_marker: str | None = None
    ports: tuple[int, ...] = ()  # must be free before it starts
    extra_log: Path | None = None  # shown beside its own log when it fails


def gunicorn_process(settings: Settings, server: Server) -> Process:
    port = settings.server_port(server)
    argv = (
        str(BIN / "gunicorn"),
        "--worker-class", "gthread",
        "--workers", "2",
        "--threads", "16",
        "--bind", f"127.0.0.1:{port}",
        "--no-control-socket",
        # Longer than nginx's upstream keepalive_timeout: nginx closes idle connections first.
        "--keep-alive", "75",
        # Open WebSockets hold threads; give up on them well inside `down`'s patience.
        "--graceful-timeout", "5",
        # One app import per service, forked into both workers: half the CPU of a cold
        # start. Safe: create_app opens no connection or thread (pools and the outbox
        # relay, chat hub and broker all start lazily, after the fork).
        "--preload",
        server.factory,
    )  # fmt: skip
    return Process(
        name=server.name,
        argv=argv,
        urls=(f"http://127.0.0.1:{port}{server.prefix}/ready",),
        ports=(port,),
    )


def worker_processes() -> list[Process]:
    """One Dramatiq worker per service that consumes queues (as the services declare)."""
    from common.services import discover

    return [
        Process(
            name=f"worker-{spec.name}",
            argv=(str(BIN / "tts"), "worker", spec.name, "--processes", "1", "--threads", "8"),
            log_marker="Worker process is ready for action",
        )
        for spec in discover().values()
        if spec.queues
    ]


def nginx_process(settings: Settings, nginx: str) -> Process:
    argv = (nginx, "-p", str(settings.nginx_dir), "-c", str(settings.nginx_conf), "-e", "stderr")
    urls = (settings.edge_url("/health"),) + tuple(
        settings.edge_url(f"{prefix}/ready") for prefix in EDGE_PREFIXES
    )
    return Process(
        name="nginx",
        argv=argv,
        urls=urls,
        ports=(settings.port,),
        extra_log=settings.nginx_error_log,
    )


def processes(settings: Settings, nginx: str = "nginx") -> list[Process]:
    """Everything the stack runs, in start order (nginx last, in front of ready upstreams)."""
    return [
        *(gunicorn_process(settings, server) for server in SERVERS),
        *worker_processes(),
        Process(name="scheduler", argv=(str(BIN / "tts"), "scheduler")),
        nginx_process(settings, nginx),
    ]


# --- environment and preparation ----------------------------------------------------------


def process_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TTS_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    env.setdefault("TTS_DATABASE_HOST", "127.0.0.1")
    env.setdefault("TTS_VAR_DIR", str(ROOT / "var"))
    tickets = next(s for s in SERVERS if s.name == "tickets")
    env.update(
        TTS_ENV="development",
        # chat_api asks tickets_api directly, not through nginx.
        TTS_TICKETS_API_URL=f"http://127.0.0.1:{settings.server_port(tickets)}",
        PYTHONUNBUFFERED="1",
    )
    return env


def ensure_keys(env: dict[str, str]) -> None:
    """Make the dev JWT key pair now, once, rather than racing in a dozen processes."""
    from common.config import Config
    from common.keys import key_paths

    key_paths(Config.from_env(env))


def migrate(env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(BIN / "tts"), "db", "upgrade"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()[-LOG_TAIL_LINES:]
        server = f"{env['TTS_DATABASE_HOST']}:{env.get('TTS_DATABASE_PORT', '5432')}"
        fail(f"`tts db upgrade` failed (is PostgreSQL up on {server}?):\n" + "\n".join(output))


def find_nginx() -> str:
    nginx = shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )
    if nginx is None:
        fail(
            "nginx is not installed; install it with "
            "`sudo apt-get install -y nginx-light` (or `nginx`) and run `scripts/stack up` again"
        )
    return nginx


def render_nginx_conf(settings: Settings) -> None:
    by_name = {server.name: settings.server_port(server) for server in SERVERS}
    values = {
        "user_directive": nginx_user_directive(settings.run_dir),
        "error_log": str(settings.nginx_error_log),
        "access_log": str(settings.nginx_access_log),
        "nginx_dir": str(settings.nginx_dir),
        "port": str(settings.port),
        **{f"{name.replace('-', '_')}_port": str(port) for name, port in by_name.items()},
    }
    settings.nginx_conf.write_text(render(TEMPLATE.read_text(), values))
    rotate(settings.nginx_access_log)
    for name in NGINX_TEMP_DIRS:
        (settings.nginx_dir / "temp" / name).mkdir(parents=True, exist_ok=True)


def render(template: str, values: dict[str, str]) -> str:
    def substitute(match: re.Match) -> str:
        key = match.group(1)
        if key not in values:
            fail(f"{TEMPLATE}: unknown placeholder {key!r}")
        return values[key]

    return re.sub(r"\{\{\s*(\w+)\s*\}\}", substitute, template)


def nginx_user_directive(run_dir: Path) -> str:
    # Started by root, nginx would run its workers as `nobody`, who cannot write the temp
    # files under a private run directory; run them as the directory's owner instead.
    # Unprivileged, nginx runs everything as the caller and needs no directive.
    if os.geteuid() != 0:
        return ""
    owner = pwd.getpwuid(run_dir.stat().st_uid).pw_name
    return f"user {owner};"


def check_ports_free(settings: Settings, procs: list[Process]) -> None:
    """A port held by something else would answer our readiness probes: refuse early."""
    busy = [port for proc in procs for port in proc.ports if port_in_use(port)]
    if busy:
        fail(
            f"port(s) {', '.join(map(str, busy))} on 127.0.0.1 are taken by something this "
            f"run directory ({settings.run_dir}) did not start, such as a stack run from "
            "another directory (`TTS_STACK_RUN_DIR=... scripts/stack down` stops it); "
            "free them or choose other ports with TTS_STACK_PORT and TTS_STACK_BASE_PORT"
        )


def port_in_use(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0


# --- process bookkeeping ------------------------------------------------------------------


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
    for path in (log_path, proc.extra_log):
        rotate(path)
    with open(log_path, "wb") as log:
        child = subprocess.Popen(
            proc.argv,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # its own process group: `down` signals the whole group
        )
    write_pid(settings, proc.name, child.pid)
    return child


def rotate(path: Path | None) -> None:
    """Start a fresh log, keeping the previous run's as ``<name>.1``."""
    if path is not None and path.exists():
        path.replace(path.with_name(path.name + ".1"))


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


# --- readiness ----------------------------------------------------------------------------


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
            self.pending[proc.name] = set(proc.urls) | ({"log"} if proc.log_marker else set())
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


# --- commands -----------------------------------------------------------------------------


def cmd_up(settings: Settings) -> int:
    began = time.perf_counter()
    nginx = find_nginx()
    settings.run_dir.mkdir(parents=True, exist_ok=True)
    procs = processes(settings, nginx)
    live = [proc.name for proc in procs if read_pid(settings, proc.name) is not None]
    if live and len(live) == len(procs):
        print(f"stack is already up ({settings.edge_url('')}); see `scripts/stack status`")
        return 0
    if live:
        fail(f"stack is partly running ({', '.join(live)}); run `scripts/stack down` first")
    for name in recorded_names(settings):
        settings.pid_file(name).unlink()  # stale: their processes are gone
    check_ports_free(settings, procs)

    env = process_env(settings)
    ensure_keys(env)
    migrate(env)
    migrated = time.perf_counter()
    print(f"databases migrated in {migrated - began:.2f}s")
    render_nginx_conf(settings)

    launcher = Launcher(settings, env)
    deadline = time.monotonic() + settings.ready_timeout
    # nginx last: probed before its upstreams listen, it would mark both chat servers
    # failed for fail_timeout and answer 502 meanwhile.
    edge = [proc for proc in procs if proc.name == "nginx"]
    backends = [proc for proc in procs if proc not in edge]
    try:
        for phase in (backends, edge):
            launcher.start(phase)
            launcher.wait_ready(deadline)
    except KeyboardInterrupt:
        launcher.abort("interrupted", [])
    done = time.perf_counter()
    print(f"{len(procs)} processes ready in {done - migrated:.2f}s after launch")
    print(f"stack ready in {done - began:.2f}s: {settings.edge_url('/')}")
    print(f"logs and pid files: {settings.run_dir}")
    return 0


def cmd_down(settings: Settings) -> int:
    names = recorded_names(settings) if settings.run_dir.is_dir() else []
    if not any(read_pid(settings, name) for name in names):
        for name in names:
            settings.pid_file(name).unlink()
        print("stack is not running")
        return 0
    stop(settings, names)
    return 0


def cmd_status(settings: Settings) -> int:
    healthy = True
    for proc in processes(settings):
        pid = read_pid(settings, proc.name)
        recorded = settings.pid_file(proc.name).exists()
        state = "alive" if pid else ("dead" if recorded else "stopped")
        line = f"{proc.name:<16} {pid or '-':>8}  {state:<7}"
        if pid and proc.urls:
            ok, detail = probe(proc.urls[0])
            line += "  ready" if ok else f"  not ready: {detail}"
            healthy &= ok
        healthy &= pid is not None
        print(line.rstrip())
    return 0 if healthy else 1


def fail(message: str) -> None:
    print(f"scripts/stack: {message}", file=sys.stderr)
    sys.exit(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/stack", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("up", "down", "status"))
    args = parser.parse_args(argv)
    if args.command == "status":
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `status | head` ends quietly
    settings = Settings.from_env()
    commands = {"up": cmd_up, "down": cmd_down, "status": cmd_status}
    return commands[args.command](settings)


if __name__ == "__main__":
    sys.exit(main())
