"""The in-process broker's queues (the dev server, the unit tests), seen as RabbitQueues.

Same facts and the same dead-letter actions as ``common.ops.rabbitmq``, over Dramatiq's
StubBroker: its queues are Python queues and its dead letters a list per queue.
"""

from __future__ import annotations

from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name

from common.ops.rabbitmq import DeadLetter, Moved, QueueFacts, describe, fresh_copy


class StubQueues:
    def __init__(self, broker: StubBroker):
        self.broker = broker

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
                    consumers=0,
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
