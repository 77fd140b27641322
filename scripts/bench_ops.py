"""Requeueing dead letters on a running stack: how fast, and none lost or run twice.

    scripts/stack up; tts seed demo                  # the stack catches mail itself
    .venv/bin/python scripts/bench_ops.py [--count 1000]

Run with the stack's environment (TTS_DATABASE_PREFIX, TTS_BROKER_URL, TTS_STACK_RUN_DIR
when not the default). It

1. publishes ``--count`` dead letters into ``email.XQ``: emails of ``notify.send_email``
   whose retries are spent, each to its own address, as a mail outage would leave them;
2. requeues them all the way ``tts jobs dead requeue`` does (publisher confirms, each dead
   letter acknowledged after its copy is confirmed) and times it;
3. waits until the stack's mail catcher holds every email, and reports the time;
4. requeues ``--again`` of them a second time (as a retried or doubled requeue would) and
   checks that each address still got exactly one email: consumers drop what they
   handled by its event id.
"""

from __future__ import annotations

import argparse
import mailbox
import os
import sys
import time
import uuid
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import pika
from dramatiq.message import Message

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from common.config import Config  # noqa: E402
from common.ops.rabbitmq import RabbitQueues  # noqa: E402


def dead_letter(run: str, n: int) -> Message:
    event_id = str(uuid.uuid4())
    envelope = {
        "id": event_id,
        "name": "auth.email_requested",
        "payload": {
            "to": f"bench-{run}-{n}@example.com",
            "template": "mfa_enabled",
            "context": {"name": f"Bench {n}"},
            "sealed": {},
            "user_id": None,
        },
        "request_id": None,
        "occurred_at": datetime.now(UTC).isoformat(),
    }
    return Message(
        queue_name="email",
        actor_name="notify.send_email",
        args=(envelope,),
        kwargs={},
        options={"event_id": event_id, "retries": 12, "traceback": "bench"},
    )


def publish(broker_url: str, queue: str, messages: list[Message]) -> None:
    connection = pika.BlockingConnection(pika.URLParameters(broker_url))
    channel = connection.channel()
    channel.confirm_delivery()
    for message in messages:
        channel.basic_publish(
            "", queue, message.encode(), pika.BasicProperties(delivery_mode=2), mandatory=True
        )
    connection.close()


def caught(directory: Path, run: str) -> Counter:
    box = mailbox.Maildir(directory, create=False)
    found = Counter()
    for message in box.values():
        to = str(message["X-Envelope-To"] or "")
        if to.startswith(f"bench-{run}-"):
            found[to] += 1
    return found


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=1000)
    parser.add_argument("--again", type=int, default=100)
    parser.add_argument("--timeout", type=float, default=600)
    args = parser.parse_args()
    config = Config.from_env()
    run_dir = Path(os.environ.get("TTS_STACK_RUN_DIR") or ROOT / "var" / "stack")
    mail_dir = run_dir / "mail"
    if not mail_dir.is_dir():
        sys.exit(f"no mail catcher at {mail_dir}: run against `scripts/stack up` (catching)")
    run = uuid.uuid4().hex[:8]
    letters = [dead_letter(run, n) for n in range(args.count)]

    publish(config.broker_url, "email.XQ", letters)
    queues = RabbitQueues(config.broker_url, config.rabbitmq_management_url, "tts-bench-ops")
    began = time.perf_counter()
    moved = queues.requeue("email", {m.message_id for m in letters}, args.count)
    requeue_seconds = time.perf_counter() - began
    print(
        f"requeued {len(moved.done)} of {args.count} dead letters in {requeue_seconds:.2f}s:"
        f" {len(moved.done) / requeue_seconds:.0f}/s ({moved.scanned} scanned)"
    )

    deadline = time.monotonic() + args.timeout
    while len(caught(mail_dir, run)) < args.count and time.monotonic() < deadline:
        time.sleep(0.5)
    delivered_seconds = time.perf_counter() - began
    print(f"all {args.count} emails caught {delivered_seconds:.1f}s after the requeue began")

    # The same events once more, as a doubled requeue would send them.
    publish(config.broker_url, "email", [m.copy() for m in letters[: args.again]])
    time.sleep(10)
    counts = caught(mail_dir, run)
    lost = args.count - len(counts)
    twice = sum(1 for c in counts.values() if c > 1)
    print(f"after {args.again} sent again: {lost} lost, {twice} delivered twice")
    return 0 if lost == 0 and twice == 0 and len(moved.done) == args.count else 1


if __name__ == "__main__":
    sys.exit(main())
