"""The in-process broker's queues (the dev server, the unit tests), seen as RabbitQueues.

Same facts and the same dead-letter actions as ``common.ops.rabbitmq``, over Dramatiq's
StubBroker: its queues are Python queues and its dead letters a list per queue. Its
consumers are the consumer threads of the Dramatiq workers running in this process (the
dev server's), which ``InProcessConsumers`` keeps track of.
"""

from __future__ import annotations

import threading

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name

from common.ops.rabbitmq import DeadLetter, Moved, QueueFacts, describe, fresh_copy


class InProcessConsumers(dramatiq.Middleware):
    """The workers started on this broker and not yet stopped: RabbitMQ counts a queue's
    consumers, the in-process broker has no one to ask but these."""

    def __init__(self) -> None:
        self._workers: set[dramatiq.Worker] = set()
        self._lock = threading.Lock()

    def after_worker_boot(self, broker, worker) -> None:
        with self._lock:
            self._workers.add(worker)

    def before_worker_shutdown(self, broker, worker) -> None:
        with self._lock:
            self._workers.discard(worker)

    def count(self, queue: str) -> int:
        with self._lock:
            workers = list(self._workers)
        # A worker's consumer threads are keyed by queue name, one per queue it consumes.
        return sum(
            1
            for worker in workers
            if (consumer := worker.consumers.get(queue)) is not None and consumer.is_alive()
        )


def in_process_consumers(broker: StubBroker) -> InProcessConsumers | None:
    return next((m for m in broker.middleware if isinstance(m, InProcessConsumers)), None)


class StubQueues:
    def __init__(self, broker: StubBroker):
        self.broker = broker
        self.consumers = in_process_consumers(broker)

    def facts(self, queues: list[str]) -> list[QueueFacts]:
        found = []
        for name in queues:
            ready = self.broker.queues.get(name)
            delayed = self.broker.queues.get(dq_name(name))
            found.append(
                QueueFacts(
                    name=name,
                    ready=ready.qsize() if ready else 0,
                    delayed=delayed.qsize() if delayed else 0,
                    dead=len(self.broker.dead_letters_by_queue.get(name, ())),
                    consumers=self.consumers.count(name) if self.consumers else 0,
                )
            )
        return found

    def dead_count(self, queue: str) -> int:
        return len(self.broker.dead_letters_by_queue.get(queue, ()))

    def dead_letters(self, queue: str, limit: int = 100) -> list[DeadLetter]:
        letters = self.broker.dead_letters_by_queue.get(queue, [])[:limit]
        return [describe(letter.encode(), queue) for letter in letters]

    def _take(self, queue: str, message_ids: set[str] | None, limit: int) -> tuple[list, int]:
        letters = self.broker.dead_letters_by_queue.get(queue, [])
        chosen = [
            letter for letter in letters if message_ids is None or letter.message_id in message_ids
        ][:limit]
        for letter in chosen:
            letters.remove(letter)
        return chosen, len(letters) + len(chosen)

    def requeue(self, queue: str, message_ids: set[str] | None, limit: int) -> Moved:
        chosen, scanned = self._take(queue, message_ids, limit)
        for letter in chosen:
            self.broker.enqueue(fresh_copy(letter._message, queue))
        return Moved(done=[letter.message_id for letter in chosen], scanned=scanned)

    def discard(self, queue: str, message_ids: set[str]) -> Moved:
        chosen, scanned = self._take(queue, message_ids, len(message_ids))
        return Moved(done=[letter.message_id for letter in chosen], scanned=scanned)

    def purge(self, queue: str, expected: int) -> int:
        letters = self.broker.dead_letters_by_queue.get(queue, [])
        if len(letters) != expected:
            raise ValueError(
                f"{queue} holds {len(letters)} dead letters, not {expected}: nothing purged"
            )
        letters.clear()
        return expected
