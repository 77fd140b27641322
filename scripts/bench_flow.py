#!/usr/bin/env python3
"""Approve -> task visible to the agent, measured through nginx on a running stack.

For each of N tickets: the employee creates it, the coordinator approves it (clock
starts when the approval answers), and the agent polls its task list every few
milliseconds until the task shows (clock stops). Prints p50/p95/max.

    scripts/stack up && .venv/bin/tts seed demo
    TTS_DEMO_PASSWORD=... .venv/bin/python scripts/bench_flow.py --tickets 200
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

import requests
from stacklib.bench import access_token, demo_password, percentile

TICKET = {
    "subject": "Benchmark ticket",
    "description": "Measuring approve to assignment.",
    "category": "IT Support",
    "subcategory": "Technical Assistance",
    "department": "IT",
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=os.environ.get("TTS_BASE_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--poll-ms", type=float, default=2.0)
    parser.add_argument("--timeout", type=float, default=10.0, help="per ticket, seconds")
    args = parser.parse_args()
    password = demo_password()

    session = requests.Session()
    employee, coordinator, agent = (
        {"Authorization": f"Bearer {access_token(args.base, email, password, session)}"}
        for email in ("employee@example.com", "coordinator@example.com", "agent@example.com")
    )

    latencies = []
    for _ in range(args.tickets):
        created = session.post(f"{args.base}/api/tickets", json=TICKET, headers=employee)
        created.raise_for_status()
        ticket_id = created.json()["id"]
        approved = session.post(
            f"{args.base}/api/tickets/{ticket_id}/approve",
            json={"priority": "medium"},
            headers=coordinator,
        )
        approved.raise_for_status()
        started = time.perf_counter()
        deadline = started + args.timeout
        while True:
            page = session.get(
                f"{args.base}/api/workflow/tasks?assignee=me&limit=5", headers=agent
            ).json()
            if any(task["ticket_id"] == ticket_id for task in page["items"]):
                latencies.append((time.perf_counter() - started) * 1000)
                break
            if time.perf_counter() > deadline:
                print(f"ticket {ticket_id}: no task after {args.timeout}s", file=sys.stderr)
                return 1
            time.sleep(args.poll_ms / 1000)

    print(f"approve -> task visible, {len(latencies)} tickets through {args.base}")
    print(
        f"  p50 {statistics.median(latencies):.1f} ms   p95 {percentile(latencies, 0.95):.1f} ms"
        f"   max {max(latencies):.1f} ms   (poll every {args.poll_ms:g} ms)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
