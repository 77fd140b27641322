"""Group commit (common/batching.py): every delivery's work is done exactly once, in a
batch or alone, and no delivery returns before its batch has committed."""

import threading
import time
import uuid
from collections import Counter

import pytest

from common.batching import Delivery, GroupCommit


class Recorder:
    """Stands in for the database: what each batch and each lone run did, in order."""

    def __init__(self, fail_batch_when=None, slow=0.02):
        self.lock = threading.Lock()
        self.batches: list[list[str]] = []
        self.alone: list[str] = []
        self.committed: set[str] = set()
        self.fail_batch_when = fail_batch_when
        self.slow = slow

    def run_batch(self, deliveries):
        names = [d.payload["name"] for d in deliveries]
        time.sleep(self.slow)  # let more deliveries queue behind this batch
        if self.fail_batch_when and self.fail_batch_when(names):
            raise self.fail_batch_when.error
        with self.lock:
            self.batches.append(names)
            self.committed.update(names)

    def run_one(self, delivery):
        name = delivery.payload["name"]
        time.sleep(self.slow / 2)
        if name.startswith("poison"):
            raise ValueError(name)
        with self.lock:
            self.alone.append(name)
            self.committed.add(name)


def _deliver_all(group, names, recorder, every=None):
    """One thread per delivery, as Dramatiq's worker threads; what each submit raised.
    All at once, or (``every``: seconds) one after another, a backlog building up."""
    outcomes, start = {}, threading.Barrier(len(names) if every is None else 1)

    def deliver(name):
        start.wait()
        try:
            group.submit(Delivery(uuid.uuid4(), {"name": name}))
            # Returning acknowledges the message: its work must be committed by now.
            assert name in recorder.committed
            outcomes[name] = "ok"
        except BaseException as error:
            outcomes[name] = type(error).__name__

    threads = []
    for name in names:
        threads.append(threading.Thread(target=deliver, args=(name,)))
        threads[-1].start()
        if every is not None:
            time.sleep(every)
    for thread in threads:
        thread.join(10)
    return outcomes


def test_deliveries_that_meet_run_in_batches_each_exactly_once():
    recorder = Recorder()
    group = GroupCommit(recorder.run_batch, recorder.run_one)
    names = [f"event {n}" for n in range(24)]
    outcomes = _deliver_all(group, names, recorder)
    assert outcomes == {name: "ok" for name in names}
    done = [name for batch in recorder.batches for name in batch] + recorder.alone
    assert Counter(done) == Counter(names)  # each once: never both in a batch and alone
    assert any(len(batch) > 1 for batch in recorder.batches)  # they did meet


def test_a_batch_never_exceeds_its_cap():
    recorder = Recorder()
    group = GroupCommit(recorder.run_batch, recorder.run_one, max_size=4)
    _deliver_all(group, [f"event {n}" for n in range(20)], recorder)
    assert recorder.batches and max(len(batch) for batch in recorder.batches) <= 4


def test_a_failed_batch_runs_each_delivery_alone_and_only_the_bad_one_fails():
    def has_poison(names):
        return any(name.startswith("poison") for name in names)

    has_poison.error = ValueError("poison in the batch")
    recorder = Recorder(fail_batch_when=has_poison)
    group = GroupCommit(recorder.run_batch, recorder.run_one)
    names = ["poison"] + [f"event {n}" for n in range(11)]
    outcomes = _deliver_all(group, names, recorder)
    assert outcomes.pop("poison") == "ValueError"  # retried by Dramatiq, then dead-lettered
    assert set(outcomes.values()) == {"ok"}
    assert recorder.committed == set(outcomes)


class Interrupted(BaseException):
    """Like Dramatiq's TimeLimitExceeded: not an Exception, and it stops the thread."""


def test_an_interrupted_leader_lets_no_other_delivery_return_as_done():
    # The first batch (the leader's) is interrupted mid-way: nothing of it committed.
    def first_batch(names, seen=[]):  # noqa: B006 - remembers across calls on purpose
        seen.append(names)
        return len(seen) == 1

    first_batch.error = Interrupted()
    recorder = Recorder(fail_batch_when=first_batch, slow=0.05)
    group = GroupCommit(recorder.run_batch, recorder.run_one)
    names = [f"event {n}" for n in range(10)]
    outcomes = _deliver_all(group, names, recorder)
    interrupted = [name for name, outcome in outcomes.items() if outcome == "Interrupted"]
    # Only the leader's own message fails (and is delivered again); every other delivery
    # returned only after its work was really done, alone or in a later batch.
    assert len(interrupted) == 1 and interrupted[0] not in recorder.committed
    assert recorder.committed == set(names) - set(interrupted)


@pytest.mark.parametrize("count", [1, 2])
def test_a_lone_delivery_takes_the_plain_path(count):
    recorder = Recorder(slow=0)
    group = GroupCommit(recorder.run_batch, recorder.run_one)
    for n in range(count):
        group.submit(Delivery(uuid.uuid4(), {"name": f"event {n}"}))
    assert recorder.batches == [] and len(recorder.alone) == count


def test_a_delivery_interrupted_as_it_is_handed_the_lead_passes_it_on(monkeypatch):
    """Dramatiq's time limit can strike a waiting thread the moment it wakes up to lead:
    the lead goes to the next delivery, which would otherwise wait forever."""
    from common import batching

    woken = []

    class FirstWakeUpInterrupted(threading.Event):
        def wait(self, timeout=None):
            result = super().wait(timeout)
            if not woken:
                woken.append(self)
                raise Interrupted
            return result

    monkeypatch.setattr(batching, "_new_turn", FirstWakeUpInterrupted)
    recorder = Recorder(slow=0.1)
    group = GroupCommit(recorder.run_batch, recorder.run_one)
    # "first" leads alone (slowly); "second" then "third" queue behind it.
    outcomes = _deliver_all(group, ["first", "second", "third"], recorder, every=0.01)
    assert outcomes == {"first": "ok", "second": "Interrupted", "third": "ok"}
    assert recorder.committed == {"first", "third"}


class Overlaps(Recorder):
    """A Recorder that counts the units (batches or lone runs) running at once; the
    first unit takes ``first`` seconds, for a backlog to queue behind it."""

    def __init__(self, first=0.3, slow=0.02, fail_batch_when=None):
        super().__init__(fail_batch_when=fail_batch_when, slow=slow)
        self.first = first
        self.running = 0
        self.most = 0
        self.units = 0

    def _unit(self, work, arg):
        with self.lock:
            self.running += 1
            self.units += 1
            self.most = max(self.most, self.running)
            first = self.units == 1
        try:
            if first:
                time.sleep(self.first)
            work(arg)
        finally:
            with self.lock:
                self.running -= 1

    def run_batch(self, deliveries):
        self._unit(super().run_batch, deliveries)

    def run_one(self, delivery):
        self._unit(super().run_one, delivery)


@pytest.mark.parametrize("leaders", [1, 2])
def test_batches_overlap_under_a_backlog_never_more_than_the_leaders(leaders):
    recorder = Overlaps()
    group = GroupCommit(recorder.run_batch, recorder.run_one, leaders=leaders, overlap_at=4)
    names = [f"event {n}" for n in range(16)]
    outcomes = _deliver_all(group, names, recorder, every=0.01)
    assert outcomes == {name: "ok" for name in names}
    done = [name for batch in recorder.batches for name in batch] + recorder.alone
    assert Counter(done) == Counter(names)  # each once, whichever unit took it
    # The fourth delivery queued behind the slow first unit starts a second one.
    assert recorder.most == leaders
    assert not group._waiting and group._leading == 0  # nothing left leading or waiting


def test_a_trickle_never_overlaps():
    """Fewer deliveries waiting than ``overlap_at``: one unit at a time."""
    recorder = Overlaps()
    group = GroupCommit(recorder.run_batch, recorder.run_one, leaders=2, overlap_at=4)
    names = [f"event {n}" for n in range(3)]  # two queue behind the slow first one
    assert set(_deliver_all(group, names, recorder, every=0.01).values()) == {"ok"}
    assert recorder.most == 1 and recorder.units >= 2
    assert not group._waiting and group._leading == 0


def test_overlapping_batches_that_fail_run_each_delivery_alone():
    def has_poison(names):
        return any(name.startswith("poison") for name in names)

    has_poison.error = ValueError("poison in the batch")
    recorder = Overlaps(fail_batch_when=has_poison)
    group = GroupCommit(recorder.run_batch, recorder.run_one, leaders=2, overlap_at=4)
    names = [f"event {n}" for n in range(4)] + ["poison 1"] + [f"event {n}" for n in range(4, 12)]
    names += ["poison 2"] + [f"event {n}" for n in range(12, 16)]
    outcomes = _deliver_all(group, names, recorder, every=0.01)
    # They did overlap (and then each delivery of a failed batch ran alone, beside others).
    assert recorder.most >= 2
    assert outcomes.pop("poison 1") == outcomes.pop("poison 2") == "ValueError"
    assert set(outcomes.values()) == {"ok"}
    assert recorder.committed == set(outcomes)
    assert not group._waiting and group._leading == 0


def test_a_steady_trickle_lingers_into_batches():
    """Deliveries 10 ms apart, each done in 1 ms, rarely meet on their own; with a linger
    longer than their spacing they share batches, each delivery still done once."""
    names = [f"event {n}" for n in range(12)]
    lingering = Recorder(slow=0.002)
    group = GroupCommit(lingering.run_batch, lingering.run_one, linger=0.05)
    outcomes = _deliver_all(group, names, lingering, every=0.01)
    assert outcomes == {name: "ok" for name in names}
    done = [name for batch in lingering.batches for name in batch] + lingering.alone
    assert Counter(done) == Counter(names)
    assert len(lingering.batches) + len(lingering.alone) <= len(names) // 2


def test_a_delivery_after_a_quiet_spell_does_not_linger():
    recorder = Recorder(slow=0)
    group = GroupCommit(recorder.run_batch, recorder.run_one, linger=0.5)
    group.submit(Delivery(uuid.uuid4(), {"name": "first"}))  # nothing came before it
    time.sleep(0.6)  # longer than the linger: the next one starts no stream
    started = time.monotonic()
    group.submit(Delivery(uuid.uuid4(), {"name": "after a pause"}))
    assert time.monotonic() - started < 0.25
    assert recorder.alone == ["first", "after a pause"]


def test_a_delivery_close_behind_another_lingers_for_company():
    recorder = Recorder(slow=0)
    group = GroupCommit(recorder.run_batch, recorder.run_one, linger=0.3)
    group.submit(Delivery(uuid.uuid4(), {"name": "first"}))
    started = time.monotonic()
    group.submit(Delivery(uuid.uuid4(), {"name": "second"}))  # in a stream: it waits
    assert time.monotonic() - started >= 0.3
    assert recorder.alone == ["first", "second"]  # no company came: run alone after all


def test_a_leader_interrupted_while_it_lingers_lets_the_others_through(monkeypatch):
    """A time limit striking the lingering leader fails its own message only: those that
    queued meanwhile get a leader and are done."""
    from types import SimpleNamespace

    from common import batching

    slept = []

    def sleep(seconds):
        time.sleep(0.1)  # long enough for the others to queue
        if not slept:
            slept.append(seconds)
            raise Interrupted

    monkeypatch.setattr(batching, "time", SimpleNamespace(monotonic=time.monotonic, sleep=sleep))
    recorder = Recorder(slow=0)
    group = GroupCommit(recorder.run_batch, recorder.run_one, linger=0.5)
    group.submit(Delivery(uuid.uuid4(), {"name": "first"}))  # starts the stream
    outcomes = _deliver_all(group, ["lingering", "second", "third"], recorder, every=0.025)
    assert slept == [0.5]  # the leader did linger, and was interrupted there
    assert outcomes == {"lingering": "Interrupted", "second": "ok", "third": "ok"}
    assert recorder.committed == {"first", "second", "third"}
    assert not group._waiting and group._leading == 0
