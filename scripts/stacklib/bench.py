"""What the benchmarks under scripts/ share: percentiles, logging in through the edge, and
their figures recorded as JSON lines."""

from __future__ import annotations

import json
import os
import sys

import requests


def demo_password() -> str:
    """The demo accounts' password (TTS_DEMO_PASSWORD); without it a benchmark stops here."""
    password = os.environ.get("TTS_DEMO_PASSWORD")
    if not password:
        print("set TTS_DEMO_PASSWORD to the demo accounts' password", file=sys.stderr)
        raise SystemExit(2)
    return password


def percentile(values: list[float], fraction: float) -> float:
    """The value at ``fraction`` (0 to 1) of the sorted values, nearest rank: a measured
    value, never one interpolated between two."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(fraction * (len(ordered) - 1)))]


def access_token(
    base: str, email: str, password: str, session: requests.Session | None = None
) -> str:
    """Log in through the edge at ``base`` and return the access token."""
    response = (session or requests).post(
        f"{base}/api/auth/login", json={"email": email, "password": password}, timeout=30
    )
    response.raise_for_status()
    return response.json()["access_token"]


def record(path: str | None, figures: dict) -> None:
    """Append one benchmark's figures as a JSON line to ``path`` (``--record``), for a
    script that compares runs (bench_compare.py) to read rather than parse the text."""
    if path:
        with open(path, "a", encoding="utf-8") as out:
            out.write(json.dumps(figures) + "\n")
