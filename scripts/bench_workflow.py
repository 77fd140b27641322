#!/usr/bin/env python3
"""workflow_api benchmarks on a running stack (scripts/stack up + tts seed demo).

latency  tickets approved at RATE/s for DURATION s through nginx; for each, the time
         from the approval's commit (tickets.opened_at) to the task's assignment
         (tasks.first_assigned_at), both stamped by PostgreSQL: p50/p95/max. With --cpu,
         the CPU each kind of process spent per ticket meanwhile (from /proc: run it on
         the stack's machine; this script's own, the load, is shown apart, not counted)
burst    N tickets approved as fast as C clients can; the workflow worker's sustained
         assignment rate over the middle 80 % of the run (tasks per second). With
         --backlog the workflow workers are paused (SIGSTOP) while the approvals queue
         up, then resumed: the rate at which they drain the backlog is the most the
         worker sustains, without the approvals' HTTP load on the same cores
list     GET /api/workflow/tasks?assignee=me p95 for the demo agent with N tasks in
         the database (inserted with COPY: --tasks 100000)

TTS_DEMO_PASSWORD=... .venv/bin/python scripts/bench_workflow.py latency --rate 50
"""

from __future__ import annotations

import argparse
import io
import os
import signal
import statistics
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from pathlib import Path
from urllib.parse import quote

import requests
from stacklib.bench import access_token, demo_password, percentile, record
from stacklib.isolation import vhost_of

TICKET = {
    "subject": "Benchmark: VPN drops",
    "description": "The VPN disconnects every few minutes.",
    "category": "Others",
    "department": "IT",
}


class Stack:
    def __init__(self, args, password: str):
        self.base = args.base
        self.args = args
        self.local = threading.local()
        self.tokens = {
            who: access_token(self.base, f"{who}@example.com", password)
            for who in ("employee", "coordinator", "agent")
        }

    def call(self, who: str, method: str, path: str, **kwargs) -> requests.Response:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        response = self.local.session.request(
            method, f"{self.base}{path}", headers=headers, **kwargs
        )
        response.raise_for_status()
        return response

    def create(self) -> int:
        return self.call("employee", "POST", "/api/tickets", json=TICKET).json()["id"]

    def approve(self, ticket_id: int) -> None:
        self.call(
            "coordinator", "POST", f"/api/tickets/{ticket_id}/approve", json={"priority": "medium"}
        )

    def sql(self, service: str, query: str) -> list[list[str]]:
        out = subprocess.run(
            [
                "psql",
                "-h",
                self.args.db_host,
                "-U",
                "postgres",
                "-d",
                f"{self.args.db_prefix}{service}",
                "-tA",
                "-F",
                "|",
                "-c",
                query,
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return [line.split("|") for line in out.splitlines() if line]


def _create_many(stack: Stack, count: int, clients: int) -> list[int]:
    with ThreadPoolExecutor(clients) as pool:
        return list(pool.map(lambda _: stack.create(), range(count)))


def _wait_assigned(stack: Stack, ids: list[int], timeout: float) -> dict[int, tuple[float, float]]:
    """ticket id -> (opened_at, first_assigned_at) as epoch seconds, once all are assigned."""
    id_list = ",".join(map(str, ids))
    deadline = time.monotonic() + timeout
    while True:
        tasks = dict(
            (int(t), float(a))
            for t, a in stack.sql(
                "workflow",
                f"SELECT ticket_id, extract(epoch FROM first_assigned_at) FROM tasks "
                f"WHERE ticket_id IN ({id_list}) AND first_assigned_at IS NOT NULL",
            )
        )
        if len(tasks) == len(ids) or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    opened = dict(
        (int(t), float(o))
        for t, o in stack.sql(
            "tickets",
            f"SELECT id, extract(epoch FROM opened_at) FROM tickets WHERE id IN ({id_list})",
        )
    )
    missing = len(ids) - len(tasks)
    if missing:
        print(f"  {missing} tickets were not assigned within {timeout}s", file=sys.stderr)
    return {tid: (opened[tid], tasks[tid]) for tid in tasks}


def _wait_queues_empty(management_url: str, vhost: str, timeout: float = 60) -> None:
    """Until every queue is empty: the notices and the tickets' updates that follow an
    assignment count in the CPU per ticket too, however late they run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _queues_empty(management_url, vhost):
            time.sleep(1.0)  # the management API's figures lag a little
            if _queues_empty(management_url, vhost):
                return
        time.sleep(0.5)
    print(f"  queues still busy after {timeout}s", file=sys.stderr)


def _queues_empty(management_url: str, vhost: str) -> bool:
    """No work queued or in flight in the stack's virtual host (another's traffic is not
    this stack's work); dead letters (``*.XQ``) stay until an operator acts."""
    url = f"{management_url}/api/queues/{quote(vhost, safe='')}"
    queues = requests.get(url, timeout=5).json()
    return all(q.get("messages", 0) == 0 for q in queues if not q["name"].endswith(".XQ"))


def _processes():
    """(pid, fields of /proc/<pid>/stat after the command name) of every live process."""
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            yield int(stat.parent.name), stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # gone meanwhile


def _cpu_ticks() -> dict[str, int]:
    """CPU ticks (user + system) so far of every process, grouped by what it is."""
    groups: dict[str, int] = {}
    for pid, fields in _processes():
        if pid == os.getpid():
            group = LOAD_GENERATOR  # this script: the load, not the system under it
            groups[group] = groups.get(group, 0) + int(fields[11]) + int(fields[12])
            continue
        try:
            raw = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        group = _process_group(raw.replace(b"\0", b" ").decode(errors="replace"))
        groups[group] = groups.get(group, 0) + int(fields[11]) + int(fields[12])
    return groups


def _process_group(argv: str) -> str:
    if "gunicorn" in argv:
        return "gunicorn " + next((s for s in SERVICE_APPS if s in argv), "?")
    if "dramatiq" in argv:
        return "worker " + argv.split("--queues", 1)[-1].strip()
    for name in ("postgres", "beam.smp", "nginx", "tts scheduler"):
        if name in argv:
            return name
    return "other"


LOAD_GENERATOR = "load generator"
SERVICE_APPS = ("auth_api", "tickets_api", "workflow_api", "chat_api", "notifier")


def _print_cpu(before: dict[str, int], after: dict[str, int], tickets: int) -> dict:
    """Print the CPU per ticket by process; return the figures for ``--record``."""
    hertz = os.sysconf("SC_CLK_TCK")
    spent = {k: (after.get(k, 0) - before.get(k, 0)) / hertz for k in after}
    load = spent.pop(LOAD_GENERATOR, 0.0)
    total = sum(spent.values())
    print(
        f"  CPU per ticket: {total / tickets * 1000:.1f} ms in all"
        f" (the load generator's {load / tickets * 1000:.1f} ms not counted)"
    )
    if load:
        # The load generator's work per ticket is the same whatever the stack runs, so this
        # ratio holds still while a shared machine's speed drifts (by a third, seen here).
        print(f"  that is {total / load:.2f} times the load generator's own CPU per ticket")
    for group, seconds in sorted(spent.items(), key=lambda item: -item[1]):
        if seconds / total >= 0.01:
            print(f"    {group:28s} {seconds / tickets * 1000:5.1f} ms  {seconds / total:4.0%}")
    return {
        "cpu_ms_per_ticket": total / tickets * 1000,
        "cpu_to_load_generator": total / load if load else None,
        "cpu_ms_by_process": {group: s / tickets * 1000 for group, s in spent.items()},
    }


def bench_latency(stack: Stack, args) -> int:
    count = int(args.rate * args.duration)
    print(f"creating {count} tickets...")
    ids = _create_many(stack, count, args.clients)
    print(f"approving {args.rate}/s for {args.duration}s...")
    cpu_before = _cpu_ticks() if args.cpu else {}
    started = time.monotonic()
    late = 0
    with ThreadPoolExecutor(args.clients) as pool:
        futures = []
        for index, ticket_id in enumerate(ids):
            due = started + index / args.rate
            delay = due - time.monotonic()
            if delay > 0:
                time.sleep(delay)
            elif delay < -0.05:
                late += 1
            futures.append(pool.submit(stack.approve, ticket_id))
        for future in futures:
            future.result()
    elapsed = time.monotonic() - started
    pairs = _wait_assigned(stack, ids, timeout=60)
    if args.cpu:
        _wait_queues_empty(args.rabbitmq_management_url, vhost_of(os.environ))
    cpu_after = _cpu_ticks() if args.cpu else {}
    latencies = [(assigned - opened) * 1000 for opened, assigned in pairs.values()]
    print(
        f"tickets.opened -> task assigned, {len(latencies)} tickets at "
        f"{count / elapsed:.1f}/s for {elapsed:.0f}s ({late} approvals sent late)"
    )
    print(
        f"  p50 {statistics.median(latencies):.1f} ms   p95 {percentile(latencies, 0.95):.1f} ms"
        f"   p99 {percentile(latencies, 0.99):.1f} ms   max {max(latencies):.1f} ms"
    )
    figures = {
        "bench": "latency",
        "rate": args.rate,
        "p50_ms": statistics.median(latencies),
        "p95_ms": percentile(latencies, 0.95),
        "assigned": len(latencies),
        "approved": count,
    }
    if args.cpu:
        figures |= _print_cpu(cpu_before, cpu_after, count)
    record(args.record, figures)
    return 0 if len(latencies) == count else 1


def _workflow_worker_pids(run_dir: Path) -> list[int]:
    """The workflow workers' dramatiq processes and their forked children."""
    parents = {int(p.read_text().split()[0]) for p in run_dir.glob("worker-workflow-*.pid")}
    if not parents:
        raise SystemExit(f"no workflow worker pid files in {run_dir} (set --run-dir)")
    children = {pid for pid, fields in _processes() if int(fields[1]) in parents}
    return sorted(parents | children)


def _signal_all(pids: list[int], sig: int) -> None:
    for pid in pids:
        os.kill(pid, sig)


def bench_burst(stack: Stack, args) -> int:
    print(f"creating {args.tickets} tickets...")
    ids = _create_many(stack, args.tickets, args.clients)
    paused = _workflow_worker_pids(Path(args.run_dir)) if args.backlog else []
    _signal_all(paused, signal.SIGSTOP)
    try:
        started = time.monotonic()
        with ThreadPoolExecutor(args.clients) as pool:
            list(pool.map(stack.approve, ids))
        approve_seconds = time.monotonic() - started
        if paused:
            # Let the approvals' outbox relays finish publishing before the drain starts.
            time.sleep(2)
    finally:
        _signal_all(paused, signal.SIGCONT)
    resumed = time.time()
    pairs = _wait_assigned(stack, ids, timeout=300)
    assigned = sorted(a for _, a in pairs.values())
    cut = len(assigned) // 10
    middle = assigned[cut : len(assigned) - cut]
    rate = (len(middle) - 1) / (middle[-1] - middle[0])
    print(
        f"{len(ids)} approvals in {approve_seconds:.1f}s ({len(ids) / approve_seconds:.0f}/s "
        f"through nginx, {args.clients} clients)"
    )
    print(f"  sustained assignment rate (middle 80 %): {rate:.0f} tasks/s")
    figures = {"bench": "burst", "sustained_per_s": rate, "assigned": len(assigned)}
    if paused:
        drained = assigned[-1] - resumed
        print(
            f"  backlog of {len(assigned)} drained in {drained:.1f}s after resuming "
            f"({len(assigned) / drained:.0f} tasks/s)"
        )
        figures["drained_per_s"] = len(assigned) / drained
    record(args.record, figures)
    return 0 if len(assigned) == len(ids) else 1


def bench_list(stack: Stack, args) -> int:
    agent_id = stack.call("agent", "GET", "/api/auth/me").json()["id"]
    have = int(
        stack.sql("workflow", f"SELECT count(*) FROM tasks WHERE assignee_id = {agent_id}")[0][0]
    )
    if have < args.tasks:
        _insert_tasks(stack, agent_id, args.tasks - have)
    total = stack.sql("workflow", "SELECT count(*) FROM tasks")[0][0]
    timings = []
    for _ in range(args.requests):
        began = time.perf_counter()
        page = stack.call("agent", "GET", "/api/workflow/tasks?assignee=me&limit=50").json()
        timings.append((time.perf_counter() - began) * 1000)
    print(f"GET /api/workflow/tasks?assignee=me with {total} tasks ({len(page['items'])} per page)")
    print(f"  p50 {statistics.median(timings):.1f} ms   p95 {percentile(timings, 0.95):.1f} ms")
    return 0


def _insert_tasks(stack: Stack, agent_id: int, count: int) -> None:
    """COPY synthetic tasks on the default workflow's current version (far ticket ids)."""
    version_id, workflow_id = stack.sql(
        "workflow",
        "SELECT v.id, v.workflow_id FROM workflow_versions v JOIN workflows w "
        "ON w.id = v.workflow_id WHERE w.is_default AND v.number = w.current_version LIMIT 1",
    )[0]
    first = 10_000_000 + int(stack.sql("workflow", "SELECT coalesce(max(id), 0) FROM tasks")[0][0])
    now = datetime.now().astimezone().isoformat()
    rows = io.StringIO()
    for ticket_id in range(first, first + count):
        rows.write(
            f"{ticket_id}\tSynthetic {ticket_id}\tmedium\t{workflow_id}\t{version_id}\t"
            f"resolve\tassigned\t{agent_id}\tAva Agent\t{now}\n"
        )
    copy = (
        "COPY tasks (ticket_id, ticket_subject, priority, workflow_id, version_id, step_key, "
        "status, assignee_id, assignee_name, first_assigned_at) FROM STDIN"
    )
    database = f"{stack.args.db_prefix}workflow"
    psql = ["psql", "-h", stack.args.db_host, "-U", "postgres", "-d", database]
    subprocess.run([*psql, "-c", copy], input=rows.getvalue(), text=True, check=True)
    subprocess.run([*psql, "-c", "ANALYZE tasks"], check=True, capture_output=True)
    print(f"inserted {count} tasks for the agent")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("latency", "burst", "list"))
    parser.add_argument("--base", default=os.environ.get("TTS_BASE_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--tasks", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--backlog", action="store_true", help="burst: pause, queue, drain")
    parser.add_argument("--cpu", action="store_true", help="latency: CPU per ticket by process")
    parser.add_argument(
        "--run-dir",
        default=os.environ.get(
            "TTS_STACK_RUN_DIR", str(Path(__file__).parent.parent / "var/stack")
        ),
    )
    parser.add_argument(
        "--rabbitmq-management-url",
        default=os.environ.get("TTS_RABBITMQ_MANAGEMENT_URL", "http://guest:guest@127.0.0.1:15672"),
    )
    parser.add_argument("--db-host", default=os.environ.get("TTS_DATABASE_HOST", "127.0.0.1"))
    parser.add_argument("--db-prefix", default=os.environ.get("TTS_DATABASE_PREFIX", "tts_"))
    parser.add_argument("--record", metavar="FILE", help="latency, burst: append the figures")
    args = parser.parse_args()
    password = demo_password()
    stack = Stack(args, password)
    return {"latency": bench_latency, "burst": bench_burst, "list": bench_list}[args.mode](
        stack, args
    )


if __name__ == "__main__":
    sys.exit(main())
