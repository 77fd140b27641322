"""A worker's threads gather deliveries; only ``worker_db_slots`` of them may be in a unit
of work (a database transaction) at once (common/actors.py)."""

import threading
import time
import uuid

from common import actors


def test_plain_deliveries_beyond_the_slots_wait_their_turn(app, monkeypatch):
    monkeypatch.setattr(actors, "_DB_SLOTS", threading.BoundedSemaphore(2))
    lock = threading.Lock()
    inside, peak, done = 0, 0, []

    def handler(payload, event_id):
        nonlocal inside, peak
        with lock:
            inside += 1
            peak = max(peak, inside)
        time.sleep(0.05)
        with lock:
            inside -= 1
            done.append(payload["n"])

    name = f"test.slots_{uuid.uuid4().hex[:8]}"
    actor = actors.event_actor("tickets", "tts_test_slots", name, keyed_by_event=True)(handler)
    threads = [
        threading.Thread(target=actor.fn, args=({"id": str(uuid.uuid4()), "payload": {"n": n}},))
        for n in range(6)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=10)
    assert sorted(done) == list(range(6))  # every delivery ran
    assert peak == 2  # never more than the slots at once, and the slots were used
