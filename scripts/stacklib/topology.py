"""What the stack runs: settings, replicas (``--scale``), ports, argv and environment.

Servers listen on consecutive ports from ``base+1``, replica after replica, in the order
of ``SERVICES`` then ``LIVE``; with the default scale (two live chat processes, everything
else once) that is auth base+1, tickets +2, workflow +3, chat +4, notify +5, chat-live +6
and +7, notify-live +8. Each Dramatiq worker replica serves its Prometheus metrics on
``base+50+n``; the mail catcher (when the caller names no mail server) listens on
``base+49``.

The REST servers run gunicorn's gthread worker; the *live* servers run the same apps on
gevent (``common/live/gunicorn_conf.py``) and nginx sends them only ``/ws/*``, so open
sockets never take a thread from the API.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import sys
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the virtualenv scripts/stack runs us from
TEMPLATE = ROOT / "nginx" / "stack.conf.template"
WEB_ROOT = ROOT / "web" / "dist"  # built by scripts/web-build
NGINX_TEMP_DIRS = ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
WORKER_METRICS_OFFSET = 50  # services use base+1.. (fewer than 50 replicas in all)


@dataclass(frozen=True)
class Service:
    """One service (or a service's live group); each replica is its own gunicorn server."""

    name: str
    factory: str
    prefix: str
    upstream: str  # the nginx upstream block that balances over its replicas
    live: bool = False  # serves the service's WebSockets on gevent


SERVICES = (
    Service("auth", "auth_api:create_app()", "/api/auth", "auth_api"),
    Service("tickets", "tickets_api:create_app()", "/api/tickets", "tickets_api"),
    Service("workflow", "workflow_api:create_app()", "/api/workflow", "workflow_api"),
    Service("chat", "chat_api:create_app()", "/api/chat", "chat_api"),
    Service("notify", "notifier:create_app()", "/api/notifications", "notify_api"),
)
# The services with WebSocket routes, each as a live group of its own.
LIVE = (
    Service("chat-live", "chat_api:create_app()", "/api/chat", "chat_live", live=True),
    Service("notify-live", "notifier:create_app()", "/api/notifications", "notify_live", True),
)
SERVERS = SERVICES + LIVE
# Two live chat servers by default, to prove cross-process WebSocket delivery.
DEFAULT_SCALE = {"chat-live": 2}
# The prefixes nginx must route, each probed through nginx before the stack is "ready".
EDGE_PREFIXES = tuple(service.prefix for service in SERVICES)


def worker_names() -> list[str]:
    """``worker-<service>`` for each service that consumes queues (as the services declare)."""
    from common.services import discover

    return [f"worker-{spec.name}" for spec in discover().values() if spec.queues]


def scalable_names() -> list[str]:
    return [server.name for server in SERVERS] + worker_names() + ["scheduler"]


def parse_scale(items: list[str]) -> dict[str, int]:
    """``["2"]`` (every service and worker), ``["tickets=3", "worker-workflow=2"]``, or both."""
    scale = dict(DEFAULT_SCALE)
    known = scalable_names()
    for item in items:
        name, _, count = item.rpartition("=")
        if not count.isdigit() or int(count) < 1:
            raise ValueError(f"--scale {item!r}: the count must be a positive integer")
        if not name:
            scale.update({key: int(count) for key in known if key != "scheduler"})
        elif name == "live":
            scale.update({server.name: int(count) for server in LIVE})
        elif name in known:
            scale[name] = int(count)
        else:
            names = ", ".join([*known, "live"])
            raise ValueError(f"--scale {item!r}: unknown name; known: {names}")
    return scale


@dataclass(frozen=True)
class Settings:
    run_dir: Path
    port: int
    base_port: int
    ready_timeout: float
    gunicorn_workers: int = 2
    gunicorn_threads: int = 16
    worker_threads: int = 32
    scale: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_SCALE))
    # nginx's cap on one address's open WebSockets. High here: tests and benchmarks open
    # thousands from 127.0.0.1. Production's is TTS_WS_PER_ADDRESS.
    ws_per_address: int = 10_000

    @classmethod
    def from_env(cls, scale: dict[str, int] | None = None) -> Settings:
        env = os.environ
        run_dir = Path(env.get("TTS_STACK_RUN_DIR") or ROOT / "var" / "stack")
        return cls(
            run_dir=run_dir.resolve(),
            port=int(env.get("TTS_STACK_PORT", "8080")),
            base_port=int(env.get("TTS_STACK_BASE_PORT", "8100")),
            ready_timeout=float(env.get("TTS_STACK_READY_TIMEOUT", "60")),
            gunicorn_workers=int(env.get("TTS_STACK_GUNICORN_WORKERS", "2")),
            gunicorn_threads=int(env.get("TTS_STACK_GUNICORN_THREADS", "16")),
            worker_threads=int(env.get("TTS_STACK_WORKER_THREADS", "32")),
            ws_per_address=int(env.get("TTS_STACK_WS_PER_ADDRESS", "10000")),
            scale=dict(DEFAULT_SCALE if scale is None else scale),
        )

    def replicas(self, name: str) -> int:
        return self.scale.get(name, 1)

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

    @property
    def scale_file(self) -> Path:
        return self.run_dir / "scale.json"

    def edge_url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def pid_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.pid"

    def log_file(self, name: str) -> Path:
        return self.run_dir / f"{name}.log"

    def server_ports(self) -> dict[str, list[int]]:
        """Each server's replica ports, consecutive from base+1 in SERVERS order."""
        ports, next_port = {}, self.base_port + 1
        for service in SERVERS:
            count = self.replicas(service.name)
            ports[service.name] = list(range(next_port, next_port + count))
            next_port += count
        if next_port > self.base_port + WORKER_METRICS_OFFSET:
            raise SystemExit(f"scripts/stack: at most {WORKER_METRICS_OFFSET - 1} servers in all")
        return ports


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
    env: tuple[tuple[str, str], ...] = ()  # on top of the stack's environment
    # Workers and schedulers: alive means beating, read from this service's database.
    heartbeat: str | None = None
    # Started only in some set-ups (the mail catcher): `status` skips it when not started.
    optional: bool = False


def gunicorn_process(settings: Settings, service: Service, replica: int, port: int) -> Process:
    name = f"{service.name}-{replica}"
    if service.live:
        argv = (
            str(BIN / "gunicorn"),
            "--config", "python:common.live.gunicorn_conf",
            "--bind", f"127.0.0.1:{port}",
            service.factory,
        )  # fmt: skip
    else:
        argv = rest_argv(settings, service, port)
    # Every gunicorn worker writes its metrics here; /metrics sums them (common/metrics.py).
    metrics_dir = settings.run_dir / "metrics" / name
    return Process(
        name=name,
        argv=argv,
        urls=(f"http://127.0.0.1:{port}{service.prefix}/ready",),
        ports=(port,),
        env=(("PROMETHEUS_MULTIPROC_DIR", str(metrics_dir)),),
    )


def rest_argv(settings: Settings, service: Service, port: int) -> tuple[str, ...]:
    # Two processes of 16 threads (TTS_STACK_GUNICORN_WORKERS/_THREADS to try others).
    # On two cores, approving 50 tickets/s (bench_workflow latency --cpu), 1x16, 2x16 and
    # 1x8 cost the same CPU per ticket within noise (42-46 ms); 2x4 queued requests, could
    # not keep 50/s and cost 54 ms. Threads are cheap while requests wait on PostgreSQL.
    return (
        str(BIN / "gunicorn"),
        "--worker-class", "gthread",
        "--workers", str(settings.gunicorn_workers),
        "--threads", str(settings.gunicorn_threads),
        "--bind", f"127.0.0.1:{port}",
        "--no-control-socket",
        # Longer than nginx's upstream keepalive_timeout: nginx closes idle connections first.
        "--keep-alive", "75",
        "--graceful-timeout", "5",
        # As long a request line as nginx passes (nginx/snippets/edge-refusals.conf).
        "--limit-request-line", "8190",
        # One app import per service, forked into every worker: half the CPU of a cold
        # start. Safe: create_app opens no connection or thread (pools and the outbox
        # relay, chat hub and broker all start lazily, after the fork).
        "--preload",
        service.factory,
    )  # fmt: skip


def worker_processes(settings: Settings) -> list[Process]:
    procs, metrics_port = [], settings.base_port + WORKER_METRICS_OFFSET
    for name in worker_names():
        service = name.removeprefix("worker-")
        for replica in range(1, settings.replicas(name) + 1):
            metrics_port += 1
            # One process per queue, as in compose.prod.yml: the busy queues together keep
            # a couple of cores busy (two processes each drained no faster). Its threads
            # are what group commit batches (each holds one delivery): since the relay
            # publishes a batch in one broker transaction, bigger batches pay. A backlog
            # of 2,000 drained at 131/s with 8 threads, 184/s with 16, 226/s with 32 and
            # 234/s with 64, at the same CPU per ticket at 50 approvals/s. The database
            # connections are bounded apart from them (TTS_WORKER_DB_SLOTS).
            threads = str(settings.worker_threads)
            argv = (str(BIN / "tts"), "worker", service, "--processes", "1", "--threads", threads)
            procs.append(
                Process(
                    name=f"{name}-{replica}",
                    argv=argv,
                    ports=(metrics_port,),
                    env=(("TTS_WORKER_METRICS_PORT", str(metrics_port)),),
                    heartbeat=service,
                )
            )
    return procs


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
    ports = settings.server_ports()
    servers = [
        gunicorn_process(settings, service, replica, port)
        for service in SERVERS
        for replica, port in enumerate(ports[service.name], start=1)
    ]
    schedulers = [
        # It beats into every service's database; one of them tells.
        Process(name=f"scheduler-{n}", argv=(str(BIN / "tts"), "scheduler"), heartbeat="auth")
        for n in range(1, settings.replicas("scheduler") + 1)
    ]
    catcher = mail_catcher_process(settings)
    return [
        *([catcher] if catcher else []),
        *servers,
        *worker_processes(settings),
        *schedulers,
        nginx_process(settings, nginx),
    ]


MAIL_CATCHER_OFFSET = 49  # base+49: below the workers' metrics ports


def catches_mail() -> bool:
    """The stack catches mail itself unless its caller named a mail server."""
    from common import mail_catcher

    return mail_catcher.wanted()


def mail_catcher_process(settings: Settings) -> Process | None:
    if not catches_mail():
        return None
    port = settings.base_port + MAIL_CATCHER_OFFSET
    return Process(
        name="mail",
        argv=(str(BIN / "tts"), "mail", "serve", "--port", str(port)),
        log_marker="catching mail",
        ports=(port,),
        optional=True,
    )


# --- environment and nginx ----------------------------------------------------------------


def process_env(settings: Settings) -> dict[str, str]:
    env = dict(os.environ)
    env.setdefault("TTS_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    env.setdefault("TTS_DATABASE_HOST", "127.0.0.1")
    # Some twenty processes share one PostgreSQL (max_connections 100 by default): up to
    # six connections each (twice this, common/app.py) is all a web process on a couple
    # of cores keeps busy (workers take threads + 1, see `tts worker`). Ten each ran the
    # server out of connections under a burst.
    env.setdefault("TTS_DATABASE_POOL_SIZE", "3")
    env.setdefault("TTS_VAR_DIR", str(ROOT / "var"))
    env.pop("PROMETHEUS_MULTIPROC_DIR", None)  # set per server
    tickets_port = settings.server_ports()["tickets"][0]
    if catches_mail():
        # Emails go to the stack's own catcher (`tts mail list`, the Operations pages).
        env.update(
            TTS_SMTP_HOST="127.0.0.1",
            TTS_SMTP_PORT=str(settings.base_port + MAIL_CATCHER_OFFSET),
            TTS_MAIL_CATCHER_DIR=str(settings.run_dir / "mail"),
        )
    env.update(
        TTS_ENV="development",
        # chat_api asks tickets_api directly, not through nginx.
        TTS_TICKETS_API_URL=f"http://127.0.0.1:{tickets_port}",
        PYTHONUNBUFFERED="1",
    )
    return env


def render_nginx_conf(settings: Settings) -> None:
    by_service = settings.server_ports()
    values = {
        "user_directive": nginx_user_directive(settings.run_dir),
        "error_log": str(settings.nginx_error_log),
        "access_log": str(settings.nginx_access_log),
        "nginx_dir": str(settings.nginx_dir),
        "port": str(settings.port),
        "ws_per_address": str(settings.ws_per_address),
        "web_root": str(WEB_ROOT),
        "snippets": str(ROOT / "nginx" / "snippets"),
    }
    for service in SERVERS:
        servers = (f"server 127.0.0.1:{port};" for port in by_service[service.name])
        values[f"{service.upstream}_servers"] = "\n        ".join(servers)
    settings.nginx_conf.write_text(render(TEMPLATE.read_text(), values, TEMPLATE))
    rotate(settings.nginx_access_log)
    for name in NGINX_TEMP_DIRS:
        (settings.nginx_dir / "temp" / name).mkdir(parents=True, exist_ok=True)


def render(template: str, values: dict[str, str], source: Path = TEMPLATE) -> str:
    def substitute(match: re.Match) -> str:
        key = match.group(1)
        if key not in values:
            raise SystemExit(f"scripts/stack: {source}: unknown placeholder {key!r}")
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


def find_nginx() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/usr/local/sbin/nginx") if os.access(p, os.X_OK)), None
    )


def rotate(path: Path | None) -> None:
    """Start a fresh log, keeping the previous run's as ``<name>.1``."""
    if path is not None and path.exists():
        path.replace(path.with_name(path.name + ".1"))
