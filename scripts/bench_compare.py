#!/usr/bin/env python3
"""This checkout's stack against another commit's, side by side: ``bench_compare.py REV``.

Runs alternate between the sides in the order given (``--order ABBA``: A is REV, B this
checkout), so a shared machine whose speed drifts within the hour weighs on both alike.
Every run starts cold and clean: its side's databases dropped, its RabbitMQ virtual host
made anew, the stack brought up and the demo accounts seeded; the run's benchmarks; the
stack taken down. The sides' databases (``tts_cmp_a_*``, ``tts_cmp_b_*``), virtual hosts
and run directories are their own, never a developer's. Both sides are measured by this
checkout's benchmark scripts, the same commands. The end prints every run's figures, each
side's medians and B / A.

REV is checked out once as a git worktree under ``var/compare/``, with a virtualenv of its
own (its ``scripts/bootstrap``; its ``stack up`` builds its web UI), so each side runs its
own code on its own pinned dependencies.

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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from stacklib.bench import demo_password
from stacklib.isolation import named_env, running_stack

ROOT = Path(__file__).resolve().parent.parent
WORKTREES = ROOT / "var" / "compare"

# (benchmark, figure, how the report names it)
FIGURES = (
    ("latency", "cpu_ms_per_ticket", "CPU per ticket, ms (lower: better)"),
    ("latency", "cpu_to_load_generator", "  × the load generator's (lower)"),
    ("latency", "p50_ms", "approve → assigned p50, ms (lower)"),
    ("latency", "p95_ms", "approve → assigned p95, ms (lower)"),
    ("burst", "drained_per_s", "backlog drained, tasks/s (higher)"),
    ("create", "create_per_s", "ticket creation, req/s (higher)"),
    ("create", "create_to_trivial", "creation / trivial (higher)"),
)
LABEL_WIDTH = 38


def bench_commands(args) -> dict[str, list[str]]:
    """Each benchmark's script and arguments (this checkout's, for both sides)."""
    return {
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


@dataclass(frozen=True)
class Side:
    label: str  # "A" (the other commit) or "B" (this checkout)
    root: Path  # its checkout: its scripts/stack and .venv run its stack
    name: str  # its stack's: databases tts_<name>_*, virtual host tts_<name>

    def env(self, outside: Mapping[str, str]) -> dict[str, str]:
        # The side's code comes from its own checkout and virtualenv: whatever points this
        # process at another (PYTHONPATH, an active virtualenv) must not reach its stack.
        inherited = {k: v for k, v in outside.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
        port = int(outside.get("TTS_STACK_PORT", "8080"))
        env = named_env(inherited, self.name, WORKTREES / f"run-{self.name}", port=port)
        env["TTS_BASE_URL"] = f"http://127.0.0.1:{port}"  # where the benchmarks find it
        return env

    def run(self, argv: list[str], env: Mapping[str, str]) -> None:
        """A command of its stack (a ``stacklib.isolation.Runner``), in its checkout."""
        subprocess.run(argv, cwd=self.root, env=env, check=True)


def _git(*argv: str) -> str:
    return subprocess.run(
        ["git", *argv], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()


def checkout_other(rev: str) -> tuple[Path, str]:
    """REV's worktree under var/compare, made on first use, and REV's commit."""
    sha = _git("rev-parse", "--verify", f"{rev}^{{commit}}")
    path = WORKTREES / sha[:12]
    if not path.exists():
        WORKTREES.mkdir(parents=True, exist_ok=True)
        _git("worktree", "add", "--detach", str(path), sha)
    # Its own bootstrap, so its own virtualenv: sharing ours, it would reinstall our
    # editable package from its tree.
    subprocess.run([str(path / "scripts" / "bootstrap")], check=True)
    return path, sha


def one_run(side: Side, args, record_to: Path) -> list[str]:
    """Bring ``side``'s stack up clean, run the benchmarks, take it down; the benchmarks
    that failed (their figures, if any, cover only part of the run)."""
    env = side.env(os.environ)
    python = str(ROOT / ".venv" / "bin" / "python")
    failed = []
    with running_stack(side.root, env, side.run):
        for bench in args.benches:
            script, *rest = bench_commands(args)[bench]
            argv = [python, str(ROOT / "scripts" / script), *rest, f"--record={record_to}"]
            if subprocess.run(argv, cwd=ROOT, env=env).returncode != 0:
                failed.append(bench)
    return failed


def read_runs(results: dict[int, Path]) -> dict[int, dict[tuple[str, str], float]]:
    runs = {}
    for index, path in results.items():
        figures = {}
        lines = path.read_text().splitlines() if path.exists() else []
        for line in lines:
            record = json.loads(line)
            for key, value in record.items():
                if isinstance(value, int | float) and not isinstance(value, bool):
                    figures[(record["bench"], key)] = float(value)
        runs[index] = figures
    return runs


def report(order: str, runs: dict[int, dict[tuple[str, str], float]]) -> None:
    header = "".join(f"{f'{i + 1}{side}':>9}" for i, side in enumerate(order))
    print(f"\n{'':{LABEL_WIDTH}}{header}{'A med':>10}{'B med':>10}{'B / A':>8}")
    for bench, key, label in FIGURES:
        values = [runs.get(i, {}).get((bench, key)) for i in range(len(order))]
        if all(value is None for value in values):
            continue
        cells = "".join(f"{'-' if v is None else _short(v):>9}" for v in values)
        by_side = {
            side: [v for v, s in zip(values, order, strict=True) if s == side and v is not None]
            for side in "AB"
        }
        medians = {side: statistics.median(got) for side, got in by_side.items() if got}
        line = f"{label:{LABEL_WIDTH}}{cells}"
        if len(medians) == 2:
            a, b = medians["A"], medians["B"]
            ratio = f"{b / a:.2f}" if a else "-"
            line += f"{_short(a):>10}{_short(b):>10}{ratio:>8}"
        print(line)


def _short(value: float) -> str:
    return f"{value:.3f}" if abs(value) < 1 else f"{value:.1f}"


def parse_args():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the other commit (side A)")
    parser.add_argument("--order", default="ABBA", help="the sides' runs, in turn")
    parser.add_argument("--benches", default="latency,burst,create", help="of: %(default)s")
    parser.add_argument("--rate", type=float, default=50, help="latency: approvals a second")
    parser.add_argument("--duration", type=float, default=60, help="latency: seconds")
    parser.add_argument("--tickets", type=int, default=2000, help="burst: the backlog")
    parser.add_argument("--out", default=str(WORKTREES / "results"), help="JSON lines per run")
    args = parser.parse_args()
    args.benches = [name.strip() for name in args.benches.split(",") if name.strip()]
    unknown = set(args.benches) - set(bench_commands(args))
    if unknown or not args.benches:
        parser.error(f"--benches: of {', '.join(bench_commands(args))}, not {sorted(unknown)}")
    if set(args.order) - {"A", "B"} or not args.order:
        parser.error("--order is a string of A and B")
    args.out = Path(args.out).resolve()  # the benchmarks run in the checkout's root
    return args


def main() -> int:
    args = parse_args()
    demo_password()  # fail now, not after the first stack is up
    other, sha = checkout_other(args.rev)
    sides = {"A": Side("A", other, "cmp_a"), "B": Side("B", ROOT, "cmp_b")}
    args.out.mkdir(parents=True, exist_ok=True)
    results, failures = {}, []
    try:
        for index, label in enumerate(args.order):
            results[index] = args.out / f"{index + 1}-{label}.jsonl"
            results[index].unlink(missing_ok=True)
            print(f"--- run {index + 1} of {len(args.order)}: {label}", flush=True)
            failures += [
                f"run {index + 1} ({label}): {b}"
                for b in one_run(sides[label], args, results[index])
            ]
    finally:
        print(f"\nA: {sha[:12]} ({args.rev})   B: {_git('describe', '--always', '--dirty')}")
        report(args.order, read_runs(results))
        print(f"figures per run: {args.out}")
        for failure in failures:
            print(f"failed, its figures partial or missing: {failure}")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
