#!/usr/bin/env python3
"""tickets_api benchmarks through nginx on a running stack (scripts/stack up + tts seed demo).

create  ticket creation at C concurrent clients beside a trivial endpoint of the same
        service (GET /api/tickets/health), measured by wrk in the same run: req/s, p95,
        and the ratio of the two (the figure: how close real work gets to doing nothing)
list    p95 of the first and of a deep page of a filtered list, and of full-text
        searches, over however many tickets the database holds (`tts seed tickets
        --count 1000000` first for the 1M figure)

TTS_DEMO_PASSWORD=... .venv/bin/python scripts/bench_tickets.py create --duration 20
TTS_DEMO_PASSWORD=... .venv/bin/python scripts/bench_tickets.py list --requests 200
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from stacklib.bench import access_token, demo_password, record

TICKET = {
    "subject": "Benchmark: printer offline",
    "description": "The printer on floor 2 shows offline since this morning.",
    "category": "IT Support",
    "subcategory": "Printer/Scanner Issue",
    "department": "IT",
}
# wrk's Lua hook: print the figures we need (wrk's own --latency has no p95) as JSON.
WRK_SCRIPT = """
wrk.method = "{method}"
wrk.headers["Authorization"] = "Bearer {token}"
wrk.headers["Content-Type"] = "application/json"
wrk.body = {body}
done = function(summary, latency, requests)
  io.write(string.format('RESULT {{"requests": %d, "seconds": %.3f, "non2xx": %d, ' ..
    '"errors": %d, "p50_ms": %.2f, "p95_ms": %.2f, "p99_ms": %.2f}}\\n',
    summary.requests, summary.duration / 1e6, summary.errors.status,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000))
end
"""


def wrk(base: str, path: str, method: str, token: str, body: dict | None, args) -> dict:
    script = WRK_SCRIPT.format(
        method=method, token=token, body=json.dumps(json.dumps(body)) if body else "nil"
    )
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as handle:
        handle.write(script)
    try:
        out = subprocess.run(
            [
                "wrk",
                "-t",
                str(args.threads),
                "-c",
                str(args.clients),
                "-d",
                f"{args.duration}s",
                "-s",
                handle.name,
                f"{base}{path}",
            ],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    finally:
        Path(handle.name).unlink()
    result = json.loads(out.split("RESULT ", 1)[1].splitlines()[0])
    result["rps"] = result["requests"] / result["seconds"]
    return result


def bench_create(args, password: str) -> int:
    if not shutil.which("wrk"):
        print("wrk is needed: apt-get install -y wrk", file=sys.stderr)
        return 2
    token = access_token(args.base, "employee@example.com", password)
    trivial = wrk(args.base, "/api/tickets/health", "GET", token, None, args)
    create = wrk(args.base, "/api/tickets", "POST", token, TICKET, args)
    for name, result in (("GET /api/tickets/health", trivial), ("POST /api/tickets", create)):
        print(
            f"{name:26} {result['rps']:8.1f} req/s   p50 {result['p50_ms']:6.1f} ms   "
            f"p95 {result['p95_ms']:6.1f} ms   "
            f"non-2xx {result['non2xx']}   errors {result['errors']}"
        )
    print(
        f"creation / trivial = {create['rps'] / trivial['rps']:.1%} "
        f"({args.clients} clients, {args.duration}s each, through {args.base})"
    )
    record(
        args.record,
        {
            "bench": "create",
            "create_per_s": create["rps"],
            "trivial_per_s": trivial["rps"],
            "create_to_trivial": create["rps"] / trivial["rps"],
            "create_p95_ms": create["p95_ms"],
        },
    )
    return 0 if create["non2xx"] == 0 and create["errors"] == 0 else 1


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _deep_cursor(args, status: str, priority: str) -> str | None:
    """The cursor after row ``--depth`` of the filtered list, as the API would encode it."""
    sql = (
        "SELECT to_json(created_at)#>>'{}', id FROM tickets "
        f"WHERE status = '{status}' AND priority = '{priority}' "
        f"ORDER BY created_at DESC, id DESC OFFSET {args.depth} LIMIT 1"
    )
    row = subprocess.run(
        ["psql", "-h", args.db_host, "-U", "postgres", "-d", args.db, "-tA", "-F", "|", "-c", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    if not row:
        return None
    created, ticket_id = row.split("|")
    raw = json.dumps(["-created_at", created.replace("Z", "+00:00"), int(ticket_id)]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def bench_list(args, password: str) -> int:
    session = requests.Session()
    session.headers["Authorization"] = (
        f"Bearer {access_token(args.base, 'coordinator@example.com', password)}"
    )
    count = subprocess.run(
        [
            "psql",
            "-h",
            args.db_host,
            "-U",
            "postgres",
            "-d",
            args.db,
            "-tAc",
            "SELECT count(*) FROM tickets",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    cursor = _deep_cursor(args, "in_progress", "high")
    filtered = "status=in_progress&priority=high&limit=50"
    cases = {
        "first page, status+priority": filtered,
        f"page after row {args.depth}": f"{filtered}&cursor={cursor}",
        "first page, no filter": "limit=50",
        "search 'printer'": "q=printer&limit=50",
        "search 'vpn disconnects'": "q=vpn%20disconnects&limit=50",
        "search + filter": "q=password&status=open&limit=50",
    }
    print(f"{count} tickets; {args.requests} requests per case through {args.base}")
    for name, query in cases.items():
        timings = []
        for _ in range(args.requests):
            started = time.perf_counter()
            response = session.get(f"{args.base}/api/tickets?{query}")
            timings.append((time.perf_counter() - started) * 1000)
            response.raise_for_status()
        found = len(response.json()["items"])
        print(
            f"  {name:32} p50 {statistics.median(timings):6.1f} ms   p95 {_p95(timings):6.1f} ms"
            f"   ({found} items)"
        )
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mode", choices=("create", "list"))
    parser.add_argument("--base", default=os.environ.get("TTS_BASE_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--depth", type=int, default=20_000)
    parser.add_argument("--db-host", default=os.environ.get("TTS_DATABASE_HOST", "127.0.0.1"))
    parser.add_argument("--db", default=os.environ.get("TTS_DATABASE_PREFIX", "tts_") + "tickets")
    parser.add_argument("--record", metavar="FILE", help="create: append the figures as JSON")
    args = parser.parse_args()
    password = demo_password()
    return bench_create(args, password) if args.mode == "create" else bench_list(args, password)


if __name__ == "__main__":
    sys.exit(main())
