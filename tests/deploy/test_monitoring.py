"""The Prometheus config, alert rules and Grafana dashboard kept in docker/.

promtool (Debian's, installed by scripts/system-deps) checks the config and the rules
with Prometheus's own parser and runs the rules' unit tests (alerts.test.yml); every
dashboard expression goes through the same parser. Then every metric a rule or panel
names must be one that we, Dramatiq or rabbitmq_prometheus export (known_metrics.py).
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.deploy.known_metrics import (
    DRAMATIQ,
    KNOWN,
    RABBITMQ,
    RABBITMQ_DETAILED,
    metric_names,
)

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS = ROOT / "docker" / "prometheus"
DASHBOARD = ROOT / "docker" / "grafana" / "tts-jobs.json"
RABBIT_URL = "amqp://guest:guest@127.0.0.1:5672/%2F"
RABBIT_METRICS = "http://127.0.0.1:15692"
# What the dashboard's variables and Grafana's own macros stand for at query time.
GRAFANA_MACROS = {
    "$__rate_interval": "1m",
    "$__interval": "15s",
    "$__range": "1h",
    "$service": "tickets",
    "$queue": "tickets",
}


def promtool(*args: str, cwd: Path = PROMETHEUS) -> subprocess.CompletedProcess:
    binary = shutil.which("promtool")
    if binary is None:
        pytest.fail("promtool is missing: run scripts/system-deps", pytrace=False)
    return subprocess.run([binary, *args], cwd=cwd, capture_output=True, text=True)


def _rules() -> list[dict]:
    groups = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())["groups"]
    return [rule for group in groups for rule in group["rules"]]


def _panels(dashboard: dict) -> list[dict]:
    found = []
    for panel in dashboard["panels"]:
        found.append(panel)
        found.extend(panel.get("panels", []))  # collapsed rows hold theirs
    return found


def _dashboard_exprs() -> list[tuple[str, str]]:
    dashboard = json.loads(DASHBOARD.read_text())
    return [
        (panel["title"], target["expr"])
        for panel in _panels(dashboard)
        for target in panel.get("targets", [])
    ]


def _expand(expr: str) -> str:
    for macro in sorted(GRAFANA_MACROS, key=len, reverse=True):
        expr = expr.replace(macro, GRAFANA_MACROS[macro])
    return expr


def test_promtool_accepts_the_config_and_its_rules():
    result = promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    result = promtool("check", "rules", "alerts.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_every_alert_fires_when_it_should_and_not_otherwise():
    result = promtool("test", "rules", "alerts.test.yml")
    assert result.returncode == 0, result.stdout + result.stderr
    tested = set(re.findall(r"alertname: (\w+)", (PROMETHEUS / "alerts.test.yml").read_text()))
    assert tested == {rule["alert"] for rule in _rules()}  # each alert has its test


def test_the_required_alerts_exist_and_are_complete():
    rules = {rule["alert"]: rule for rule in _rules()}
    # Zero consumers on a queue, messages in a .XQ, a stale heartbeat, an ageing outbox,
    # overdue SLA timers and failing jobs (issue 15).
    assert {
        "QueueWithoutConsumers",
        "DeadLettersWaiting",
        "HeartbeatStale",
        "NoLiveWorker",
        "OutboxAgeing",
        "SlaTimersOverdue",
        "JobsFailing",
    } <= set(rules)
    for name, rule in rules.items():
        assert rule["labels"]["severity"] in ("warning", "critical"), name
        assert rule["annotations"]["summary"] and rule["annotations"]["description"], name
        assert rule.get("for"), f"{name} fires on a single scrape"


def test_alerts_name_only_metrics_that_exist():
    for rule in _rules():
        names = metric_names(rule["expr"])
        assert names, rule["alert"]
        assert names <= KNOWN, (rule["alert"], names - KNOWN)


def test_the_scrape_config_asks_rabbitmq_for_the_per_queue_families_the_rules_use():
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    jobs = {job["job_name"]: job for job in config["scrape_configs"]}
    detailed = jobs["rabbitmq-queues"]
    assert detailed["metrics_path"] == "/metrics/detailed"
    assert set(detailed["params"]["family"]) == {"queue_coarse_metrics", "queue_consumer_count"}
    used = set().union(*(metric_names(rule["expr"]) for rule in _rules()))
    assert used & RABBITMQ_DETAILED  # the rules do depend on that job
    for name in ("auth", "tickets", "workflow", "chat", "notify"):
        assert jobs[name]["metrics_path"].endswith("/metrics"), name
        assert jobs[name]["dns_sd_configs"][0]["port"] == 8000
    assert jobs["workers"]["dns_sd_configs"][0]["port"] == 9191


def test_the_dashboard_is_grafana_json_with_prometheus_panels():
    dashboard = json.loads(DASHBOARD.read_text())
    assert dashboard["title"] and dashboard["uid"]
    titles = [panel["title"] for panel in _panels(dashboard)]
    assert len(titles) == len(set(titles))
    for wanted in (
        "Queue depth",
        "Consumers per queue",
        "Dead letters",
        "Job failures",
        "Outbox",
        "Heartbeat",
        "HTTP p95",
    ):
        assert any(wanted.lower() in title.lower() for title in titles), wanted
    ids = [panel["id"] for panel in _panels(dashboard)]
    assert len(ids) == len(set(ids))


def test_every_dashboard_expression_parses_and_names_known_metrics(tmp_path):
    exprs = _dashboard_exprs()
    assert len(exprs) >= 10
    for title, expr in exprs:
        names = metric_names(_expand(expr))
        assert names, title
        assert names <= KNOWN, (title, names - KNOWN)
    # Prometheus's own parser, through promtool: each expression as a recording rule.
    rules = [
        {"record": f"dashboard:expr_{index}", "expr": _expand(expr)}
        for index, (_, expr) in enumerate(exprs)
    ]
    path = tmp_path / "dashboard-exprs.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "dashboard", "rules": rules}]}))
    result = promtool("check", "rules", str(path), cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_metric_name_reader_sees_through_promql():
    expr = (
        "histogram_quantile(0.95, sum by (le, service) (rate("
        'tts_http_request_duration_seconds_bucket{route!~"/x.*", service="a"}[5m]))) '
        "and on (service) max without (instance) (up offset 5m) > bool 0 "
        "unless count(dramatiq_messages_total) > 1e3"
    )
    assert metric_names(expr) == {
        "tts_http_request_duration_seconds_bucket",
        "up",
        "dramatiq_messages_total",
    }


def test_the_dramatiq_names_are_those_its_middleware_exports():
    import dramatiq.middleware.prometheus as middleware

    exported = set(re.findall(r'"(dramatiq_\w+)"', Path(middleware.__file__).read_text()))
    for name in DRAMATIQ:
        assert re.sub(r"_(bucket|count|sum)$", "", name) in exported, name


def _exposed_names(url: str) -> set[str]:
    from urllib.request import urlopen

    from prometheus_client.parser import text_string_to_metric_families

    with urlopen(url, timeout=10) as response:
        body = response.read().decode()
    return {s.name for f in text_string_to_metric_families(body) for s in f.samples}


@pytest.mark.rabbitmq
def test_the_rabbitmq_names_are_those_the_plugin_exports():
    """Against the machine's RabbitMQ with rabbitmq_prometheus (scripts/system-deps)."""
    import uuid

    import pika

    connection = pika.BlockingConnection(pika.URLParameters(RABBIT_URL))
    channel = connection.channel()
    queue = f"tts_monitoring_{uuid.uuid4().hex[:8]}"
    channel.queue_declare(queue, auto_delete=False)
    try:
        detailed = _exposed_names(
            f"{RABBIT_METRICS}/metrics/detailed?family=queue_coarse_metrics"
            "&family=queue_consumer_count"
        )
        aggregated = _exposed_names(f"{RABBIT_METRICS}/metrics")
    finally:
        channel.queue_delete(queue)
        connection.close()
    assert detailed >= RABBITMQ_DETAILED, RABBITMQ_DETAILED - detailed
    assert aggregated >= RABBITMQ, RABBITMQ - aggregated
