#!/usr/bin/env python3
"""This checkout's stack against another commit's, side by side: ``bench_compare.py REV``.

Each run brings one side's stack up (``scripts/stack up`` on databases of that side's
own), seeds the demo accounts, runs the stack benchmarks and takes the stack down again.
The sides alternate in the order given (``--order ABBA``: A is REV, B this checkout), so
a shared machine whose speed drifts within the hour weighs on both alike. Both sides are
measured by this checkout's benchmark scripts, the same commands, and the end prints
every run's figures, each side's medians and B / A.

REV is checked out once as a git worktree under ``var/compare/``, with a virtualenv and
web build of its own (its ``scripts/bootstrap`` and ``scripts/web-build``), so each side
runs its own code on its own pinned dependencies.

Benchmarks (``--benches``, comma-separated):
  latency  bench_workflow.py latency --cpu at --rate for --duration: approve → assigned
           p50/p95, and CPU per ticket, in ms and as a multiple of the load generator's
  burst    bench_workflow.py burst --backlog --tickets N: the backlog's drain rate
  create   bench_tickets.py create: ticket creation beside the trivial endpoint

TTS_DEMO_PASSWORD=... .venv/bin/python scripts/bench_compare.py e9fd2a8 --order ABBA
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from stacklib.bench import demo_password

ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = ROOT / "scripts"
WORKTREES = ROOT / "var" / "compare"

# (benchmark, figure, how the report names it)
FIGURES = (
    ("latency", "cpu_ms_per_ticket", "CPU per ticket, ms"),
    ("latency", "cpu_to_load_generator", "  as × the load generator's"),
    ("latency", "p50_ms", "approve → assigned p50, ms"),
    ("latency", "p95_ms", "approve → assigned p95, ms"),
    ("burst", "drained_per_s", "backlog drained, tasks/s"),
    ("create", "create_per_s", "ticket creation, req/s"),
    ("create", "create_to_trivial", "creation / trivial"),
)


@dataclass(frozen=True)
class Side:
    label: str  # "A" (the other commit) or "B" (this checkout)
    root: Path
    database_prefix: str

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        env.pop("PYTHONPATH", None)
        env.pop("VIRTUAL_ENV", None)
        env.update(
            TTS_DATABASE_PREFIX=self.database_prefix,
            TTS_STACK_RUN_DIR=str(self.root / "var" / "stack"),
        )
        return env

    def run(self, *argv: str) -> None:
        subprocess.run(argv, cwd=self.root, env=self.env(), check=True)


def _git(*argv: str) -> str:
    return subprocess.run(
        ["git", *argv], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def checkout_other(rev: str) -> Path:
    """REV's worktree under var/compare, made (and bootstrapped) on first use."""
    sha = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    path = WORKTREES / sha[:12]
    if not path.exists():
        WORKTREES.mkdir(parents=True, exist_ok=True)
        _git("worktree", "add", "--detach", str(path), sha)
    # A virtualenv of its own: its bootstrap would otherwise reinstall this one's
    # editable package from the other tree.
    subprocess.run([str(path / "scripts" / "bootstrap")], check=True)
    return path


def drop_databases(prefixes: list[str]) -> None:
    """Each side starts from empty databases of its own, so neither inherits the other's
    rows (or an earlier comparison's)."""
    psql = ["psql", "-h", os.environ.get("TTS_DATABASE_HOST", "127.0.0.1"), "-U", "postgres"]
    # starts_with, not LIKE: an underscore in a prefix would be LIKE's any-one-character.
    pattern = " OR ".join(f"starts_with(datname, '{prefix}')" for prefix in prefixes)
    names = subprocess.run(
        [*psql, "-d", "postgres", "-tAc", f"SELECT datname FROM pg_database WHERE {pattern}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split()
    for name in names:
        subprocess.run(
            [*psql, "-d", "postgres", "-qc", f'DROP DATABASE "{name}" WITH (FORCE)'], check=True
        )


def measure(side: Side, args, results: Path) -> None:
    """One run of the chosen benchmarks on ``side``'s stack, recorded as JSON lines."""
    python = str(ROOT / ".venv" / "bin" / "python")
    env = side.env()
    commands = {
        "latency": [
            "bench_workflow.py",
            "latency",
            "--cpu",
            f"--rate={args.rate}",
            f"--duration={args.duration}",
        ],
        "burst": ["bench_workflow.py", "burst", "--backlog", f"--tickets={args.tickets}"],
        "create": ["bench_tickets.py", "create"],
    }
    for bench in args.benches:
        script, *rest = commands[bench]
        argv = [python, str(SCRIPTS / script), *rest, f"--record={results}"]
        subprocess.run(argv, cwd=ROOT, env=env, check=True)


def read_runs(results: dict[int, Path]) -> dict[int, dict[tuple[str, str], float]]:
    runs = {}
    for index, path in results.items():
        figures = {}
        for line in path.read_text().splitlines():
            record = json.loads(line)
            for key, value in record.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    figures[(record["bench"], key)] = float(value)
        runs[index] = figures
    return runs


def report(order: str, runs: dict[int, dict[tuple[str, str], float]]) -> None:
    header = "".join(f"{f'{i + 1}{side}':>9}" for i, side in enumerate(order))
    print(f"\n{'':34}{header}{'A med':>10}{'B med':>10}{'B / A':>8}")
    for bench, key, label in FIGURES:
        values = [runs[i].get((bench, key)) for i in range(len(order))]
        if all(value is None for value in values):
            continue
        cells = "".join(f"{'-' if v is None else _short(v):>9}" for v in values)
        by_side = {
            side: [v for v, s in zip(values, order, strict=True) if s == side and v is not None]
            for side in "AB"
        }
        medians = {side: statistics.median(got) for side, got in by_side.items() if got}
        line = f"{label:34}{cells}"
        if len(medians) == 2:
            a, b = medians["A"], medians["B"]
            ratio = f"{b / a:.2f}" if a else "-"
            line += f"{_short(a):>10}{_short(b):>10}{ratio:>8}"
        print(line)


def _short(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 1 else f"{value:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the other commit (A)")
    parser.add_argument("--order", default="ABBA", help="the sides' runs, in turn")
    parser.add_argument("--benches", default="latency,burst,create")
    parser.add_argument("--rate", type=float, default=50)
    parser.add_argument("--duration", type=float, default=60)
    parser.add_argument("--tickets", type=int, default=2000)
    parser.add_argument("--out", default=str(WORKTREES / "results"), help="JSON lines per run")
    args = parser.parse_args()
    args.benches = [name.strip() for name in args.benches.split(",") if name.strip()]
    if set(args.order) - {"A", "B"} or not args.order:
        parser.error("--order is a string of A and B")
    demo_password()  # fail now, not after the first stack is up

    sides = {
        "A": Side("A", checkout_other(args.rev), "tts_cmp_a_"),
        "B": Side("B", ROOT, "tts_cmp_b_"),
    }
    drop_databases([side.database_prefix for side in sides.values()])
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    results = {}
    current = None
    try:
        for index, label in enumerate(args.order):
            side = sides[label]
            if side is not current:
                if current:
                    current.run("scripts/stack", "down")
                side.run("scripts/stack", "up")
                side.run(".venv/bin/tts", "seed", "demo")
                current = side
            results[index] = out / f"{index + 1}-{label}.jsonl"
            results[index].unlink(missing_ok=True)
            print(f"--- run {index + 1} of {len(args.order)}: {label}", flush=True)
            measure(side, args, results[index])
    finally:
        if current:
            current.run("scripts/stack", "down")
    report(args.order, read_runs(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
