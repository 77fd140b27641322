"""The benchmarks' shared helpers: a nearest-rank percentile that was really measured, the
figures recorded as JSON lines, and bench_compare's report and clean slate."""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "scripts"))

import bench_compare
from stacklib.bench import percentile, record

RABBITMQCTL = shutil.which("rabbitmqctl") or "/usr/sbin/rabbitmqctl"


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
    width = bench_compare.LABEL_WIDTH
    out = capsys.readouterr().out.splitlines()
    rows = {line[:width].split(",")[0]: line[width:].split() for line in out}
    # the four runs, A's median, B's median, B / A
    assert rows["CPU per ticket"] == ["40.0", "20.0", "22.0", "44.0", "42.0", "21.0", "0.50"]
    assert rows["backlog drained"][-3:] == ["85.0", "475.0", "5.59"]
    assert "ticket creation" not in rows  # not measured: no row


def test_a_sides_stack_is_its_own_and_runs_its_own_code(tmp_path):
    outside = {
        "PYTHONPATH": "/elsewhere",
        "VIRTUAL_ENV": "/elsewhere/.venv",
        "TTS_TICKETS_DATABASE_URL": "postgresql://postgres@127.0.0.1/developers_own",
        "TTS_STACK_PORT": "8090",
        "TTS_DEMO_PASSWORD": "secret-enough",
    }
    env = bench_compare.Side("A", tmp_path, "cmp_a").env(outside)
    assert "PYTHONPATH" not in env and "VIRTUAL_ENV" not in env
    assert "TTS_TICKETS_DATABASE_URL" not in env  # it would win over the prefix
    assert env["TTS_DATABASE_PREFIX"] == "tts_cmp_a_"
    assert env["TTS_BROKER_URL"].endswith(":5672/tts_cmp_a")
    assert env["TTS_STACK_RUN_DIR"] == str(bench_compare.WORKTREES / "run-cmp_a")
    assert env["TTS_BASE_URL"] == "http://127.0.0.1:8090"
    assert env["TTS_DEMO_PASSWORD"] == "secret-enough"


@pytest.mark.rabbitmq
def test_a_run_that_fails_takes_its_stack_down(tmp_path, monkeypatch):
    """The stack's script fails at ``up`` (stubbed: no stack starts); the run had emptied
    its own virtual host and databases first, and takes what it started down."""
    calls = []

    def stack_script(self, argv, env):
        calls.append(tuple(argv[1:]))
        if argv[1:] == ["up"]:
            raise subprocess.CalledProcessError(1, argv)

    monkeypatch.setattr(bench_compare.Side, "run", stack_script)
    monkeypatch.setenv("TTS_DATABASE_HOST", "127.0.0.1")
    side = bench_compare.Side("A", tmp_path, "cmpprobe")
    args = argparse.Namespace(benches=["latency"], rate=50, duration=1, tickets=10)
    with pytest.raises(subprocess.CalledProcessError):
        bench_compare.one_run(side, args, tmp_path / "run.jsonl")
    assert calls == [("down",), ("up",), ("down",)]
    vhosts = subprocess.run(
        [RABBITMQCTL, "-q", "list_vhosts"], capture_output=True, text=True, check=True
    ).stdout.split()
    assert "tts_cmpprobe" in vhosts
    subprocess.run([RABBITMQCTL, "-q", "delete_vhost", "tts_cmpprobe"], check=True)
