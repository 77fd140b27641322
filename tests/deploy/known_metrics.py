"""Every metric the alert rules and the Grafana dashboard may use, by who exports it.

A rule or panel that names anything else watches a series that never exists, and such an
alert never fires: tests/deploy/test_monitoring.py refuses it. The TTS names are checked
against a real scrape (tests/common/test_ops_metrics.py), Dramatiq's against its
middleware's source, RabbitMQ's against the machine's RabbitMQ with rabbitmq_prometheus
(tests/deploy/test_monitoring.py). They are those of rabbitmq_prometheus's reference
for 3.13, the production image (metrics.md and metrics-detailed.md in
deps/rabbitmq_prometheus of rabbitmq-server); the machine's older RabbitMQ exports them
under the same names.
"""

from __future__ import annotations

import re

# common/metrics.py (HTTP) and common/ops/metrics.py (jobs), on every <prefix>/metrics.
TTS = {
    "tts_http_requests_total",
    "tts_http_request_duration_seconds_bucket",
    "tts_http_request_duration_seconds_count",
    "tts_http_request_duration_seconds_sum",
    "tts_outbox_unpublished",
    "tts_outbox_oldest_unpublished_seconds",
    "tts_dead_letters_open",
    "tts_job_failures_last_hour",
    "tts_heartbeat_age_seconds",
    "tts_heartbeat_stale",
    "tts_workers_alive",
    "tts_schedulers_alive",
    "tts_ops_metrics_up",
    # workflow_api's ServiceSpec.ops_gauges
    "tts_sla_timers_overdue",
    "tts_sla_timers_oldest_overdue_seconds",
}

# dramatiq.middleware.prometheus, in every worker (:9191); labels queue_name, actor_name.
DRAMATIQ = {
    "dramatiq_messages_total",
    "dramatiq_message_errors_total",
    "dramatiq_message_retries_total",
    "dramatiq_message_rejects_total",
    "dramatiq_messages_inprogress",
    "dramatiq_delayed_messages_inprogress",
    "dramatiq_message_duration_milliseconds_bucket",
    "dramatiq_message_duration_milliseconds_count",
    "dramatiq_message_duration_milliseconds_sum",
}

# rabbitmq_prometheus (RabbitMQ 3.13), :15692. /metrics/detailed with the families
# queue_coarse_metrics and queue_consumer_count: per queue, labels vhost and queue.
RABBITMQ_DETAILED = {
    "rabbitmq_detailed_queue_messages_ready",
    "rabbitmq_detailed_queue_messages_unacked",
    "rabbitmq_detailed_queue_messages",
    "rabbitmq_detailed_queue_process_reductions_total",
    "rabbitmq_detailed_queue_consumers",
}
# /metrics, aggregated per node: the global counters and a few node figures.
RABBITMQ = {
    "rabbitmq_global_messages_received_total",
    "rabbitmq_global_messages_routed_total",
    "rabbitmq_global_messages_delivered_total",
    "rabbitmq_global_messages_acknowledged_total",
    "rabbitmq_global_messages_redelivered_total",
    "rabbitmq_global_messages_confirmed_total",
    "rabbitmq_global_consumers",
    "rabbitmq_global_publishers",
    "rabbitmq_connections",
    "rabbitmq_channels",
    "rabbitmq_queues",
    "rabbitmq_process_resident_memory_bytes",
    "rabbitmq_resident_memory_limit_bytes",
    "rabbitmq_disk_space_available_bytes",
}

# Prometheus's own, for every target.
PROMETHEUS = {"up", "scrape_duration_seconds"}

KNOWN = TTS | DRAMATIQ | RABBITMQ_DETAILED | RABBITMQ | PROMETHEUS

# What PromQL spells with identifiers that are not metric names.
_KEYWORDS = {
    "by",
    "without",
    "on",
    "ignoring",
    "group_left",
    "group_right",
    "bool",
    "and",
    "or",
    "unless",
    "offset",
    "inf",
    "nan",
}


def metric_names(expr: str) -> set[str]:
    """The metric names an expression (already checked by promtool) selects.

    Strings, label matchers ``{...}``, ranges ``[...]`` and the clauses
    by/without/on/ignoring/group_* with their label lists go first; what remains is
    functions and aggregations (followed by ``(``), keywords, numbers and durations,
    and the metric names.
    """
    text = re.sub(r'"(?:\\.|[^"\\])*"', '""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)
    text = re.sub(r"\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for match in re.finditer(r"(?<![\w.])([A-Za-z_:][\w:]*)(\s*\()?", text):
        word, call = match.group(1), match.group(2)
        if call or word.lower() in _KEYWORDS:
            continue
        names.add(word)
    return names
