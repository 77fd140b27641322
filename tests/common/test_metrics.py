"""Prometheus metrics: per-route request counts and latency at every service's /metrics."""

from __future__ import annotations

import pytest

from tests.support import PREFIXES


@pytest.mark.parametrize("prefix", PREFIXES)
def test_every_service_serves_metrics(client, prefix):
    client.raw.get(f"{prefix}/health")
    response = client.raw.get(f"{prefix}/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    body = response.get_data(as_text=True)
    assert "# TYPE tts_http_requests_total counter" in body
    assert "# TYPE tts_http_request_duration_seconds histogram" in body


def test_requests_are_counted_by_route_template_and_status(client):
    client.raw.get("/api/tickets/health")
    client.raw.get("/api/tickets/123456")  # anonymous: 401, counted under the rule
    client.raw.get("/api/tickets/no/such/route")
    body = client.raw.get("/api/tickets/metrics").get_data(as_text=True)
    lines = [line for line in body.splitlines() if line.startswith("tts_http_requests_total{")]

    def count(route: str, status: str) -> float:
        wanted = f'route="{route}",service="tickets",status="{status}"'
        return sum(float(line.rsplit(" ", 1)[1]) for line in lines if wanted in line)

    assert count("/api/tickets/health", "200") >= 1
    assert count("<unmatched>", "404") >= 1
    assert not any("123456" in line for line in lines)  # ids never become labels
    assert 'tts_http_request_duration_seconds_bucket{le="0.005",method="GET"' in body


def test_metrics_are_not_counted_themselves(client):
    client.raw.get("/api/auth/metrics")
    body = client.raw.get("/api/auth/metrics").get_data(as_text=True)
    assert "/metrics" not in body
