"""Live connections on a running stack: how many sockets, at what cost, how fast.

    scripts/stack up [--scale live=N]; tts seed demo       # TTS_DEMO_PASSWORD set
    .venv/bin/python scripts/bench_live.py [--sockets 1000] [--fanout 200]

Measures, in one run:

1. ``GET /api/notifications`` p50/p95 with no socket open (the baseline);
2. ``--sockets`` notification sockets opened through nginx: the time to open them, and the
   live processes' memory per socket (RSS of their workers, before and after);
3. the same ``GET`` with those sockets open, and its ratio to the baseline;
4. a task assignment reaching the assignee's open socket: p50/p95 from the approval;
5. one chat message fanned out to ``--fanout`` sockets on a ticket: delivery p50/p95
   from the POST, over ``--messages`` messages.

The sockets belong to ``--people`` coordinators made for the benchmark (each person may
hold 20 sockets per service). Everything runs on this machine: quote ratios.
"""

from __future__ import annotations

import argparse
import asyncio
import concurrent.futures
import os
import sys
import time
from pathlib import Path

import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

from stacklib.bench import demo_password, percentile
from stacklib.live_client import close_all, open_many, raise_fd_limit
from stacklib.people import ensure_people, log_in

ROOT = Path(__file__).resolve().parents[1]
TICKET = {"subject": "bench live", "description": "x", "category": "Others", "department": "IT"}


def summary(values_ms: list[float]) -> str:
    return f"p50 {percentile(values_ms, 0.5):.1f} ms, p95 {percentile(values_ms, 0.95):.1f} ms"


class Edge:
    def __init__(self, base: str, password: str):
        self.base = base.rstrip("/")
        self.ws_base = self.base.replace("http", "ws", 1)
        self.password = password
        self.tokens: dict[str, str] = {}
        self.sessions: dict[str, requests.Session] = {}

    def login(self, *emails: str) -> None:
        self.tokens.update(log_in(self.base, list(emails), self.password))

    def call(self, who: str, method: str, path: str, **kwargs) -> requests.Response:
        session = self.sessions.setdefault(who, requests.Session())
        headers = {"Authorization": f"Bearer {self.tokens[who]}"}
        response = session.request(method, self.base + path, headers=headers, timeout=30, **kwargs)
        response.raise_for_status()
        return response


def rest_latency(edge: Edge, who: str, requests_count: int, clients: int) -> list[float]:
    def one(_):
        began = time.perf_counter()
        edge.call(who, "GET", "/api/notifications")
        return (time.perf_counter() - began) * 1000

    edge.call(who, "GET", "/api/notifications")  # warm the connection
    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        return list(pool.map(one, range(requests_count)))


def live_worker_rss(run_dir: Path, group: str) -> int:
    """Resident memory of every worker of the live group (the gunicorn masters' children)."""
    total = 0
    for pid_file in run_dir.glob(f"{group}-*.pid"):
        try:
            master = psutil.Process(int(pid_file.read_text().split()[0]))
            total += sum(child.memory_info().rss for child in master.children(recursive=True))
        except (psutil.NoSuchProcess, ValueError):
            continue
    return total


def spread(people: list[str], count: int, per_person: int = 20) -> list[str]:
    if count > len(people) * per_person:
        raise SystemExit(f"{count} sockets need at least {count // per_person + 1} --people")
    return [people[n % len(people)] for n in range(count)]


async def bench(args, edge: Edge) -> None:
    loop = asyncio.get_running_loop()
    run_dir = Path(os.environ.get("TTS_STACK_RUN_DIR") or ROOT / "var" / "stack")
    people = ensure_people("bench-live", args.people, edge.password, "hdts:Ticket Coordinator")
    edge.login("employee@example.com", "coordinator@example.com", "agent@example.com", *people)
    reader = "coordinator@example.com"

    def rest():
        return rest_latency(edge, reader, args.requests, args.clients)

    if args.fanout_only:
        await bench_fanout(args, edge, loop, people)
        return
    idle = await loop.run_in_executor(None, rest)
    print(f"GET /api/notifications, no socket open: {summary(idle)}")

    # A few sockets first: the first ones pay for what a process sets up once (pools, the
    # hub's LISTEN connection, caches), which is no cost per socket.
    await close_all(
        await open_many(
            [f"{edge.ws_base}/ws/notifications?access_token={edge.tokens[p]}" for p in people[:20]]
        )
    )
    await asyncio.sleep(1)
    rss_before = live_worker_rss(run_dir, "notify-live")
    urls = [
        f"{edge.ws_base}/ws/notifications?access_token={edge.tokens[who]}"
        for who in spread(people, args.sockets)
    ]
    began = time.perf_counter()
    sockets = await open_many(urls)
    opened = time.perf_counter() - began
    await asyncio.sleep(1)
    grown = live_worker_rss(run_dir, "notify-live") - rss_before
    print(
        f"{len(sockets)} notification sockets open in {opened:.1f}s; live workers grew "
        f"{grown / 2**20:.1f} MiB: {grown / len(sockets) / 1024:.1f} kB per socket"
    )
    loaded = await loop.run_in_executor(None, rest)
    ratio = percentile(loaded, 0.95) / percentile(idle, 0.95)
    print(f"GET /api/notifications, {len(sockets)} sockets open: {summary(loaded)}")
    print(f"  p95 ratio open/none: {ratio:.2f}x (target <= 1.5x)")

    await bench_assignment(args, edge, loop)
    await bench_fanout(args, edge, loop, people)
    await close_all(sockets)


async def bench_assignment(args, edge: Edge, loop) -> None:
    (agent,) = await open_many(
        [f"{edge.ws_base}/ws/notifications?access_token={edge.tokens['agent@example.com']}"]
    )
    delays = []
    for _ in range(args.notifications):
        ticket = await loop.run_in_executor(
            None, lambda: edge.call("employee@example.com", "POST", "/api/tickets", json=TICKET)
        )
        ticket_id = ticket.json()["id"]
        began = time.perf_counter()
        await loop.run_in_executor(
            None,
            lambda: edge.call(
                "coordinator@example.com",
                "POST",
                f"/api/tickets/{ticket_id}/approve",  # noqa: B023 (awaited at once)
                json={"priority": "low"},
            ),
        )
        arrived, _ = await agent.wait_for(
            lambda f, t=ticket_id: (
                f.get("type") == "notification"
                and f["notification"]["type"] == "task_assignment"
                and f["notification"]["data"].get("ticket_id") == t
            ),
            timeout=30,
        )
        delays.append((arrived - began) * 1000)
        await asyncio.sleep(0.2)
    await agent.close()
    print(f"task assigned -> assignee's socket, from the approval: {summary(delays)}")


async def bench_fanout(args, edge: Edge, loop, people: list[str]) -> None:
    ticket_id = (
        await loop.run_in_executor(
            None, lambda: edge.call("employee@example.com", "POST", "/api/tickets", json=TICKET)
        )
    ).json()["id"]
    urls = [
        f"{edge.ws_base}/ws/chat/tickets/{ticket_id}?access_token={edge.tokens[who]}"
        for who in spread(people, args.fanout)
    ]
    sockets = await open_many(urls)
    deliveries, first, slowest, answered = [], [], [], []
    expected = {"body": None, "arrivals": [], "done": asyncio.Event()}

    def listener(arrived: float, frame: dict) -> None:
        if frame.get("type") == "message" and frame["message"]["body"] == expected["body"]:
            expected["arrivals"].append(arrived)
            if len(expected["arrivals"]) == len(sockets):
                expected["done"].set()

    for socket_ in sockets:
        socket_.listener = listener
    for n in range(args.messages):
        body = f"fan-out {n}"
        expected.update(body=body, arrivals=[], done=asyncio.Event())
        began = time.perf_counter()
        await loop.run_in_executor(
            None,
            lambda b=body: edge.call(
                "employee@example.com",
                "POST",
                f"/api/chat/tickets/{ticket_id}/messages",
                json={"body": b},
            ),
        )
        answered.append((time.perf_counter() - began) * 1000)
        await asyncio.wait_for(expected["done"].wait(), 30)
        times = [(arrived - began) * 1000 for arrived in expected["arrivals"]]
        deliveries.extend(times)
        first.append(min(times))
        slowest.append(max(times))
        await asyncio.sleep(0.1)
    await close_all(sockets)
    print(
        f"one message to {len(sockets)} chat sockets, from the POST: {summary(deliveries)} "
        f"over {len(deliveries)} deliveries"
    )
    print(f"  the POST's own answer: {summary(answered)}")
    print(f"  first socket: {summary(first)}; last socket: {summary(slowest)}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default="http://127.0.0.1:8080")
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--people", type=int, default=60)
    parser.add_argument("--fanout", type=int, default=200)
    parser.add_argument("--messages", type=int, default=30)
    parser.add_argument("--notifications", type=int, default=30)
    parser.add_argument("--requests", type=int, default=400)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--fanout-only", action="store_true", help="skip steps 1-4")
    args = parser.parse_args()
    password = demo_password()
    raise_fd_limit()
    asyncio.run(bench(args, Edge(args.base, password)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
