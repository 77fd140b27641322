#!/usr/bin/env python3
"""What one delivery costs a Dramatiq worker process, at a trickle and in a backlog.

A real Dramatiq worker (the project's broker and middleware, 32 threads) consumes
messages of an actor that does nothing, from RabbitMQ, and acknowledges them as it
acknowledges every message. What is counted is this process's CPU per message, from the
first delivery to the last acknowledgement:

  backlog   the messages are queued first, then the worker drains them
  trickle   another process publishes them at --rate while the worker runs

An actor's own work is left out, so what remains is what every delivery pays for
whatever it does: receiving, handing to a thread, acknowledging, and (at a trickle) the
threads waking up cold for each message. Compare changes to that path at one rate,
alternating runs.

    .venv/bin/python scripts/bench_broker.py --messages 1000 --rate 100
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

QUEUE = "tts_bench_broker"
ACTOR = "bench_broker.noop"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--rate", type=float, default=100, help="trickle: messages per second")
    parser.add_argument("--threads", type=int, default=32)
    parser.add_argument("--publish", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    os.environ.setdefault("TTS_BROKER_URL", "amqp://guest:guest@127.0.0.1:5672/%2F")
    if args.publish:
        return _publish(args.messages, args.rate)
    from dramatiq import Worker

    broker = _broker()
    broker.declare_queue(QUEUE, ensure=True)
    broker.channel.queue_purge(QUEUE)
    worker = Worker(broker, worker_threads=args.threads, queues={QUEUE})
    worker.start()
    try:
        backlog = _consume(worker, args, trickle=False)
        trickle = _consume(worker, args, trickle=True)
    finally:
        worker.stop()
        for name in (QUEUE, f"{QUEUE}.DQ", f"{QUEUE}.XQ"):  # declared by Dramatiq
            broker.channel.queue_delete(name)
    print(f"CPU per delivery, {args.messages} messages, {args.threads} worker threads")
    print(f"  backlog             {backlog:6.3f} ms")
    print(f"  trickle at {args.rate:5.0f}/s  {trickle:6.3f} ms  ({trickle / backlog:.1f}x)")
    return 0


def _broker():
    from common.broker import get_broker

    broker = get_broker()
    if ACTOR not in broker.actors:
        import dramatiq

        done, gate = threading.Semaphore(0), threading.Event()

        @dramatiq.actor(actor_name=ACTOR, queue_name=QUEUE, max_retries=0)
        def noop(n: int) -> None:
            gate.wait()  # shut while a backlog builds up
            done.release()

        broker.bench_done, broker.bench_gate = done, gate
    return broker


def _publish(count: int, rate: float) -> int:
    """Publishes ``count`` messages at ``rate`` per second (0: at once), confirmed."""
    broker = _broker()
    actor = broker.get_actor(ACTOR)
    started = time.monotonic()
    for n in range(count):
        if rate:
            delay = started + n / rate - time.monotonic()
            if delay > 0:
                time.sleep(delay)
        actor.send(n)
    broker.close()
    return 0


def _consume(worker, args, *, trickle: bool) -> float:
    """ms of this process's CPU per message, for ``worker`` consuming ``args.messages``:
    from the first delivery counted to the last acknowledgement, the worker already
    connected (its start is not counted)."""
    broker = worker.broker
    gate = broker.bench_gate
    gate.clear()
    publisher = [sys.executable, __file__, "--publish", "--messages", str(args.messages)]
    if trickle:
        gate.set()
        time.sleep(0.5)  # connected and idle
        began = time.process_time()
        sender = subprocess.Popen([*publisher, "--rate", str(args.rate)])
    else:
        # The threads take the first deliveries and wait at the gate; the rest queue up
        # in RabbitMQ (beyond the prefetch window) until it opens.
        subprocess.run([*publisher, "--rate", "0"], check=True)
        began = time.process_time()
        gate.set()
        sender = None
    for _ in range(args.messages):
        if not broker.bench_done.acquire(timeout=60):
            raise SystemExit("messages went missing: is RabbitMQ running?")
    worker.join()
    time.sleep(0.2)  # the consumer thread sends the last acknowledgements
    spent = time.process_time() - began
    if sender is not None:
        sender.wait()
    return spent * 1000 / args.messages


if __name__ == "__main__":
    sys.exit(main())
