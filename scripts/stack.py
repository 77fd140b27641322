"""The production-like local stack: ``scripts/stack up [--scale ...]|down|status|restart``.

The same topology as production, on this machine and without Docker: every service under
gunicorn (two chat_api servers by default, to prove cross-process WebSocket delivery), one
Dramatiq worker per service with queues, the scheduler, and nginx in front on one origin,
balancing over the replicas. It uses the local PostgreSQL and RabbitMQ; nginx must be
installed (it comes from apt).

``--scale N`` runs N replicas of every service and worker; ``--scale NAME=N`` (repeatable)
one of them: ``auth``, ``tickets``, ``workflow``, ``chat``, ``notify``, ``worker-<service>``
or ``scheduler`` (the names of docker/compose.prod.yml).

``up`` migrates, builds the web UI when stale (``scripts/web-build``; nginx serves
``web/dist`` at ``/``), starts everything in the background and returns once every service
answers ``/ready`` directly and through nginx (or stops it all and shows the failing log).
Each process runs in its own session, with a pid file and a log file in the run directory;
``down`` stops exactly those process groups and nothing else; ``status`` lists them;
``restart NAME...`` stops the named ones (what is left of them) and starts them again.

Environment: ``TTS_STACK_RUN_DIR`` (default ``var/stack``), ``TTS_STACK_PORT`` (nginx,
default 8080), ``TTS_STACK_BASE_PORT`` (services listen from base+1, worker metrics from
base+51; default 8100), ``TTS_STACK_READY_TIMEOUT`` (seconds, default 60),
``TTS_STACK_GUNICORN_WORKERS`` (per server, default 2), ``TTS_STACK_GUNICORN_THREADS``
(default 16) and ``TTS_STACK_WORKER_THREADS`` (per Dramatiq worker, default 32). Every
``TTS_*`` variable reaches the processes; ``TTS_DATABASE_PREFIX`` lets tests run the stack
on their own databases.
"""

from __future__ import annotations

import argparse
import json
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stacklib.heartbeats import beating
from stacklib.launcher import LOG_TAIL_LINES, Launcher, probe
from stacklib.procs import read_pid, recorded_names, stop
from stacklib.topology import (
    BIN,
    ROOT,
    Process,
    Settings,
    find_nginx,
    parse_scale,
    process_env,
    processes,
    render_nginx_conf,
)


def ensure_keys(env: dict[str, str]) -> None:
    """Make the dev JWT key pair now, once, rather than racing in a dozen processes."""
    from common.config import Config
    from common.tokens.keys import key_paths

    key_paths(Config.from_env(env))


def migrate(env: dict[str, str]) -> None:
    result = subprocess.run(
        [str(BIN / "tts"), "db", "upgrade"], env=env, cwd=ROOT, capture_output=True, text=True
    )
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()[-LOG_TAIL_LINES:]
        server = f"{env['TTS_DATABASE_HOST']}:{env.get('TTS_DATABASE_PORT', '5432')}"
        fail(f"`tts db upgrade` failed (is PostgreSQL up on {server}?):\n" + "\n".join(output))


def build_web() -> None:
    """nginx serves the web UI from web/dist: build it when missing or stale."""
    result = subprocess.run([str(ROOT / "scripts" / "web-build")], capture_output=True, text=True)
    if result.returncode != 0:
        output = (result.stdout + result.stderr).strip().splitlines()[-LOG_TAIL_LINES:]
        fail("scripts/web-build failed:\n" + "\n".join(output))


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
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe_socket:
        probe_socket.settimeout(0.5)
        return probe_socket.connect_ex(("127.0.0.1", port)) == 0


# --- commands -----------------------------------------------------------------------------


def cmd_up(settings: Settings) -> int:
    began = time.perf_counter()
    nginx = find_nginx()
    if nginx is None:
        fail(
            "nginx is not installed; install it with "
            "`sudo apt-get install -y nginx-light` (or `nginx`) and run `scripts/stack up` again"
        )
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
    settings.scale_file.write_text(json.dumps(settings.scale, sort_keys=True) + "\n")

    env = process_env(settings)
    ensure_keys(env)
    migrate(env)
    migrated = time.perf_counter()
    print(f"databases migrated in {migrated - began:.2f}s")
    build_web()
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


def cmd_restart(settings: Settings, names: list[str]) -> int:
    """Stop the named processes (whatever is left of them) and start them again."""
    procs = {proc.name: proc for proc in processes(settings, find_nginx() or "nginx")}
    unknown = [name for name in names if name not in procs]
    if not names or unknown:
        fail(f"restart: name processes of this stack ({', '.join(procs)}); not {unknown}")
    stop(settings, names)
    env = process_env(settings)
    launcher = Launcher(settings, env)
    launcher.start([procs[name] for name in names])
    launcher.wait_ready(time.monotonic() + settings.ready_timeout)
    print(f"restarted {', '.join(names)}")
    return 0


def cmd_status(settings: Settings) -> int:
    healthy = True
    for proc in processes(settings):
        pid = read_pid(settings, proc.name)
        recorded = settings.pid_file(proc.name).exists()
        if proc.optional and not recorded:
            continue
        state = "alive" if pid else ("dead" if recorded else "stopped")
        line = f"{proc.name:<20} {pid or '-':>8}  {state:<7}"
        if pid and proc.urls:
            ok, detail = probe(proc.urls[0])
            line += "  ready" if ok else f"  not ready: {detail}"
            healthy &= ok
        if pid and proc.heartbeat:
            ok, detail = beating(proc.heartbeat, pid)
            line += f"  {'beating' if ok else 'NOT BEATING'}: {detail}"
            healthy &= ok
        healthy &= pid is not None
        print(line.rstrip())
    return 0 if healthy else 1


def fail(message: str) -> None:
    print(f"scripts/stack: {message}", file=sys.stderr)
    sys.exit(1)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="scripts/stack", description=__doc__.splitlines()[0])
    parser.add_argument("command", choices=("up", "down", "status", "restart"))
    parser.add_argument("names", nargs="*", help="restart: the processes, as status names them")
    parser.add_argument(
        "--scale",
        action="append",
        default=[],
        metavar="[NAME=]N",
        help="replicas: N of every service and worker, or NAME=N for one (repeatable)",
    )
    args = parser.parse_args(argv)
    if args.command == "status":
        signal.signal(signal.SIGPIPE, signal.SIG_DFL)  # `status | head` ends quietly
    try:
        scale = parse_scale(args.scale)
    except ValueError as error:
        parser.error(str(error))
    settings = Settings.from_env(scale)
    if args.command != "up" and not args.scale and settings.scale_file.is_file():
        # status/down describe what `up` started, at the scale it was started with.
        settings = Settings.from_env(json.loads(settings.scale_file.read_text()))
    if args.command == "restart":
        return cmd_restart(settings, args.names)
    commands = {"up": cmd_up, "down": cmd_down, "status": cmd_status}
    return commands[args.command](settings)


if __name__ == "__main__":
    sys.exit(main())
