"""What the benchmarks under scripts/ share: percentiles, and logging in through the edge."""

from __future__ import annotations

import requests


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
