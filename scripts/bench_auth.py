#!/usr/bin/env python3
"""Login throughput through nginx, and what token verification costs another service.

1. ``login``: C client threads log the demo accounts in through nginx for D seconds;
   prints requests/s, p50/p95 and the status counts. Each thread connects from its own
   loopback address (127.0.0.x) so nginx's per-address rate limit on /api/auth (50 r/s)
   measures the service, not the limiter. The password hash dominates: see
   auth_api/passwords.py for the scrypt cost chosen.
2. ``verify``: in one process of a service that is not auth (tickets_api), the time of a
   request context that verifies a real access token (signature by kid, claims,
   revocation lookup) beside one that verifies nothing; the difference is the per-request
   cost of verification in microseconds.

    TTS_STACK_PORT=8380 ... scripts/stack up && TTS_DATABASE_PREFIX=... tts seed demo
    TTS_DEMO_PASSWORD=... TTS_DATABASE_PREFIX=... .venv/bin/python scripts/bench_auth.py \\
        --base http://127.0.0.1:8380
"""

from __future__ import annotations

import argparse
import collections
import os
import statistics
import sys
import threading
import time

import requests
from requests.adapters import HTTPAdapter
from stacklib.bench import demo_password, percentile

ACCOUNTS = ["employee@example.com", "coordinator@example.com", "agent@example.com"]


class SourceAdapter(HTTPAdapter):
    def __init__(self, source: str, **kwargs):
        self.source = source
        super().__init__(**kwargs)

    def init_poolmanager(self, *args, **kwargs):
        kwargs["source_address"] = (self.source, 0)
        super().init_poolmanager(*args, **kwargs)


def bench_login(base: str, password: str, clients: int, seconds: float) -> dict:
    latencies: list[float] = []
    statuses: collections.Counter = collections.Counter()
    lock = threading.Lock()
    deadline = time.monotonic() + seconds

    def run(index: int) -> None:
        session = requests.Session()
        session.mount("http://", SourceAdapter(f"127.0.0.{index + 10}"))
        email = ACCOUNTS[index % len(ACCOUNTS)]
        mine, codes = [], collections.Counter()
        while time.monotonic() < deadline:
            started = time.perf_counter()
            response = session.post(
                f"{base}/api/auth/login", json={"email": email, "password": password}
            )
            mine.append(time.perf_counter() - started)
            codes[response.status_code] += 1
        with lock:
            latencies.extend(mine)
            statuses.update(codes)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - started
    return {
        "requests_per_second": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 1),
        "p95_ms": round(percentile(latencies, 0.95) * 1000, 1),
        "statuses": dict(statuses),
        "clients": clients,
        "seconds": round(elapsed, 1),
    }


def bench_verify(rounds: int) -> dict:
    from flask_jwt_extended import verify_jwt_in_request
    from sqlalchemy import select

    import auth_api
    import tickets_api
    from common.config import Config
    from common.db import db
    from common.models.auth import User

    config = Config.from_env(outbox_relay="sync", log_level="WARNING")
    auth = auth_api.create_app(config)
    with auth.test_request_context():
        from auth_api import sessions

        user = db.session.scalar(select(User).where(User.email == ACCOUNTS[0]))
        token = sessions.start_session(user)["access_token"]
        db.session.commit()

    tickets = tickets_api.create_app(config)
    headers = {"Authorization": f"Bearer {token}"}

    def timed(verify: bool) -> float:
        with tickets.app_context():
            # Warm up (first key use, the revocation snapshot), then measure.
            for _ in range(200):
                with tickets.test_request_context("/api/tickets", headers=headers):
                    if verify:
                        verify_jwt_in_request()
            samples = []
            for _ in range(5):
                started = time.perf_counter()
                for _ in range(rounds):
                    with tickets.test_request_context("/api/tickets", headers=headers):
                        if verify:
                            verify_jwt_in_request()
                samples.append((time.perf_counter() - started) / rounds)
            return min(samples) * 1e6

    nothing = timed(False)
    verified = timed(True)
    return {
        "request_context_only_us": round(nothing, 1),
        "with_verification_us": round(verified, 1),
        "verification_cost_us": round(verified - nothing, 1),
        "rounds": rounds,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--base", default=os.environ.get("TTS_BASE_URL", "http://127.0.0.1:8080"))
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--rounds", type=int, default=5000)
    parser.add_argument("--only", choices=["login", "verify"], default=None)
    args = parser.parse_args()
    password = demo_password() if args.only != "verify" else None
    if args.only in (None, "login"):
        print("login through nginx:", bench_login(args.base, password, args.clients, args.seconds))
    if args.only in (None, "verify"):
        print("token verification in tickets_api:", bench_verify(args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
