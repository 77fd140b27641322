"""Group commit for an actor's deliveries: the messages a worker's threads hold at once are
handled in one transaction.

Dramatiq hands each message to a thread and acknowledges it when the actor returns, and
has no batch consumer. So the threads meet here instead: the first to arrive *leads*, the
others wait. The leader takes every delivery waiting (itself first), runs them together
through the batch handler, commits once, and only then lets the waiting threads return,
so no message is acknowledged before its work is committed. Meanwhile new deliveries
queue up for the next leader (the oldest of them): under load, batches grow by
themselves; when deliveries are sparse a batch is one delivery and runs the plain path.
One batch (or lone delivery) runs at a time per actor (or actors batched together) and
process: that wait is what gathers the next batch, and it is shorter than the transactions it saves.

At a steady trickle (a delivery every few milliseconds, too sparse to meet on their own),
an actor whose result nobody waits on may ``linger``: a lone leader whose delivery came
close behind the one before waits that long for company, and the deliveries of those
milliseconds share one transaction instead of one each. A delivery after a quiet spell
runs at once.

An actor whose batches may overlap (``leaders`` > 1) starts another batch beside a
running one only when a backlog has queued (``overlap_at`` deliveries waiting): one batch
then waits on the database while the other runs its Python, and at a trickle nothing
changes.

If a batch fails, it is rolled back as a whole and every delivery in it runs again on its
own, in its own transaction, on its own thread: one bad message is retried (and in the
end dead-lettered) alone, exactly as without batching, and its neighbours are not held
back. A process that dies mid-batch commits nothing and acknowledges nothing: every
message in the batch is delivered again, and the event-id claim makes a second delivery
of what did commit a no-op.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Delivery:
    """One message's event: what a batch handler is given for each."""

    event_id: uuid.UUID
    payload: dict
    request_id: str | None = None
    actor: str = ""  # its actor's name, where several actors share batches


# What a waiting thread is told when its turn comes.
DONE = "done"  # committed in a batch: return (the message is acknowledged)
ALONE = "alone"  # the batch failed: run this delivery on its own
LEAD = "lead"  # lead the next batch
# How long a lone leader waits for company, only right after a batch of several.
LINGER = 0.002  # seconds
# A linger for actors nobody waits on (a notification, a ticket's assignee recorded): below
# what a person notices, several deliveries' worth at a few dozen tickets a second, and
# only within a stream (a delivery after a quiet spell runs at once). At 50 tickets/s,
# 50 ms against 20 ms took the notices' worker from 4.05 to 3.3 ms of CPU per ticket, the
# tickets worker's from 3.65 to 2.5 and PostgreSQL's from 6.05 to 5.1; 150 ms against
# 50 ms (scripts/bench_compare.py, A B B A) took the stack's from 21.1 to 19.7 ms (notices
# 1.9 -> 1.45, tickets worker 2.2 -> 1.65), approve -> assigned unchanged (p95 10.8 and
# 9.9 ms): the assignment itself never lingers.
TRICKLE_LINGER = 0.15  # seconds


def _new_turn() -> threading.Event:
    return threading.Event()


@dataclass
class _Waiting:
    delivery: Delivery
    turn: threading.Event = field(default_factory=lambda: _new_turn())
    outcome: str = ""
    # Arrived within the actor's linger of the delivery before: more are likely coming.
    in_a_stream: bool = False


class GroupCommit:
    """Deliveries of one actor (or of actors batched together), run ``run_batch(list)``
    together or ``run_one(item)`` alone.

    ``run_batch`` must do all its work in one transaction and commit it before returning
    (or roll back and raise); ``run_one`` is the actor's plain path. ``max_size`` caps a
    batch; it can be no larger than the worker's thread count anyway, each delivery
    holding one thread. ``leaders``: how many batches may run at once, the second only
    while ``overlap_at`` deliveries are waiting. Only for a handler whose concurrent
    batches cannot undo each other's order (each delivery's effect its own, its locks
    taken in one global order), as two worker processes would run them anyway.
    ``linger``: seconds a lone leader in a stream of deliveries waits for company (0:
    never; for actors on a path someone waits on).
    """

    def __init__(
        self,
        run_batch: Callable[[list[Delivery]], None],
        run_one: Callable[[Delivery], None],
        max_size: int = 64,
        leaders: int = 1,
        overlap_at: int = 8,
        linger: float = 0.0,
    ):
        self.run_batch = run_batch
        self.run_one = run_one
        self.max_size = max_size
        self.leaders = leaders
        self.overlap_at = overlap_at
        self.linger = linger
        self._last_arrival = float("-inf")
        self._lock = threading.Lock()
        self._waiting: list[_Waiting] = []
        self._leading = 0  # batches running, or leaderships being handed on
        self._last_size = 0  # of the batch before: more than one means deliveries are queuing

    def submit(self, delivery: Delivery) -> None:
        """Return once the delivery's work is committed; raise if it failed on its own."""
        me = _Waiting(delivery)
        with self._lock:
            now = time.monotonic()
            me.in_a_stream = now - self._last_arrival < self.linger
            self._last_arrival = now
            leads = not self._leading or (
                self._leading < self.leaders and len(self._waiting) + 1 >= self.overlap_at
            )
            if leads:
                self._leading += 1
            else:
                self._waiting.append(me)
        if not leads:
            try:
                me.turn.wait()
                outcome = me.outcome
            except BaseException:
                # Interrupted while waiting (Dramatiq's time limit, a shutdown): leave the
                # queue, and pass leadership on if it had just been handed over, or the
                # deliveries behind this one would wait for a leader that never comes.
                self._leave(me)
                raise
            if outcome == DONE:
                return
            if outcome == ALONE:
                self.run_one(delivery)
                return
        self._lead(me)

    def _lead(self, me: _Waiting) -> None:
        batch: list[_Waiting] = [me]
        # Until the batch has committed, every delivery in it is the plain path's again: an
        # interruption of this thread (a time limit, a shutdown) must not let the others
        # return as if their work were done.
        outcome = ALONE
        try:
            self._take_into(batch)  # the oldest waiting, behind the leader
            if len(batch) == 1:
                # Under load, the threads a batch just released come back a moment later
                # with their next messages: wait for them rather than run alone. In a
                # stream too sparse for that, wait the actor's linger, if it has one.
                wait = self.linger if me.in_a_stream else 0.0
                if self._last_size > 1:
                    wait = max(wait, LINGER)
                if wait:
                    time.sleep(wait)
                    self._take_into(batch)
            self._last_size = len(batch)
            if len(batch) == 1:
                # Nothing to group: the plain path, still leading, so that what arrives
                # meanwhile gathers into the next batch.
                self.run_one(me.delivery)
                return
            self.run_batch([waiting.delivery for waiting in batch])
            outcome = DONE
        except Exception:
            if len(batch) <= 1:
                raise  # the plain path's own failure: Dramatiq retries this message
            log.exception("a batch of %d failed; each runs again on its own", len(batch))
        finally:
            with self._lock:
                if outcome != DONE and len(batch) > 1:
                    # Interrupted between taking deliveries into the batch and dropping
                    # them from the queue: they are the batch's (told below), no more
                    # the queue's. (A lone run took none: nothing to look for.)
                    self._waiting = [w for w in self._waiting if w not in batch]
                self._hand_on_locked()
            for waiting in batch:
                if waiting is not me:
                    waiting.outcome = outcome
                    waiting.turn.set()
        if outcome == ALONE:
            self.run_one(me.delivery)

    def _take_into(self, batch: list[_Waiting]) -> None:
        """Move the oldest waiting deliveries into ``batch``, up to its cap. Into the batch
        first: an interruption (a time limit lands between any two steps) must not leave
        a delivery taken from the queue but unknown to the batch, never told its turn."""
        with self._lock:
            count = self.max_size - len(batch)
            batch.extend(self._waiting[:count])
            del self._waiting[:count]

    def _hand_on_locked(self) -> None:
        """Make the oldest delivery that arrived meanwhile the next leader, unless another
        batch is running and no backlog calls for two: that one's leader hands on then."""
        overlapping = self._leading > 1 and len(self._waiting) < self.overlap_at
        if self._waiting and not overlapping:
            nxt = self._waiting.pop(0)
            nxt.outcome = LEAD
            nxt.turn.set()
        else:
            self._leading -= 1

    def _leave(self, me: _Waiting) -> None:
        with self._lock:
            if me in self._waiting:
                self._waiting.remove(me)
            elif me.outcome == LEAD:  # handed the lead as it was interrupted: pass it on
                self._hand_on_locked()
