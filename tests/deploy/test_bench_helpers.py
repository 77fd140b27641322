"""The benchmarks' shared helpers: a nearest-rank percentile that was really measured, the
figures recorded as JSON lines, and bench_compare's report and clean slate."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import psycopg2

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import bench_compare
from stacklib.bench import percentile, record


def test_percentile_is_a_measured_value_by_nearest_rank():
    values = [float(v) for v in range(100, 0, -1)]  # unsorted on purpose
    assert percentile(values, 0.5) == 51.0
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 1.0) == 100.0
    assert percentile([7.0], 0.99) == 7.0


def test_record_appends_one_json_line_per_benchmark(tmp_path):
    out = tmp_path / "run.jsonl"
    record(str(out), {"bench": "latency", "p95_ms": 9.5})
    record(str(out), {"bench": "burst", "drained_per_s": 480.0})
    record(None, {"bench": "create"})  # no --record: nothing written anywhere
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert lines == [
        {"bench": "latency", "p95_ms": 9.5},
        {"bench": "burst", "drained_per_s": 480.0},
    ]


def test_compare_reports_each_sides_median_and_the_ratio(tmp_path, capsys):
    order = "ABBA"
    figures = [(40.0, 80.0), (20.0, 480.0), (22.0, 470.0), (44.0, 90.0)]
    results = {}
    for index, (cpu, drained) in enumerate(figures):
        results[index] = tmp_path / f"{index}.jsonl"
        record(str(results[index]), {"bench": "latency", "cpu_ms_per_ticket": cpu, "rate": 50})
        record(str(results[index]), {"bench": "burst", "drained_per_s": drained})
    bench_compare.report(order, bench_compare.read_runs(results))
    rows = {line[:34].strip(): line[34:].split() for line in capsys.readouterr().out.splitlines()}
    # the four runs, A's median, B's median, B / A
    assert rows["CPU per ticket, ms"] == ["40.0", "20.0", "22.0", "44.0", "42.0", "21.0", "0.50"]
    assert rows["backlog drained, tasks/s"][-3:] == ["85.0", "475.0", "5.59"]
    assert "ticket creation, req/s" not in rows  # not measured: no row


def test_compare_drops_only_its_own_databases():
    """starts_with, not LIKE: the underscores of tts_cmp_a_ match only themselves."""
    ours, look_alike = "tts_cmp_a_probe", "tts_cmpxaxprobe"
    admin = psycopg2.connect(host="127.0.0.1", user="postgres", dbname="postgres")
    admin.autocommit = True
    try:
        with admin.cursor() as cursor:
            for name in (ours, look_alike):
                cursor.execute(f'DROP DATABASE IF EXISTS "{name}"')
                cursor.execute(f'CREATE DATABASE "{name}"')
        bench_compare.drop_databases(["tts_cmp_a_"])
        with admin.cursor() as cursor:
            cursor.execute(
                "SELECT datname FROM pg_database WHERE datname IN (%s, %s)", (ours, look_alike)
            )
            assert [row[0] for row in cursor.fetchall()] == [look_alike]
            cursor.execute(f'DROP DATABASE IF EXISTS "{look_alike}"')
    finally:
        admin.close()
