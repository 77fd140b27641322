"""The subscriber's queue on its own: held frames, the backlog floor, and the slow client.

A fake socket stands in for simple-websocket's (the same ``send``/``close``/``connected``
surface); the real one is exercised by tests/chat_api and tests/e2e."""

from __future__ import annotations

import threading
import time

from common.live.frames import NORMAL, TOO_SLOW, encode
from common.live.subscriber import Subscriber


class FakeSocket:
    def __init__(self, blocked: bool = False):
        self.sent: list[str] = []
        self.closed_with: tuple[int, str] | None = None
        self.connected = True
        self.sock = None
        self.unblock = threading.Event()
        if not blocked:
            self.unblock.set()

    def send(self, text: str) -> None:
        self.unblock.wait()
        if not self.connected:
            raise ConnectionError("closed")
        self.sent.append(text)

    def close(self, reason: int, message: str) -> None:
        self.unblock.wait()
        self.closed_with = (reason, message)
        self.connected = False


def _wait(condition, timeout: float = 3.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met"
        time.sleep(0.01)


def test_held_frames_follow_the_backlog_without_repeating_it():
    ws = FakeSocket()
    subscriber = Subscriber(ws=ws, user_id=1)
    subscriber.offer(encode({"n": 5}, seq=5))  # also in the backlog below
    subscriber.offer(encode({"n": 7}, seq=7))  # committed after the backlog was read
    subscriber.offer(encode({"pong": True}))  # no seq: always delivered
    subscriber.start([encode({"ready": True}), encode({"n": 4}, 4), encode({"n": 5}, 5)], floor=5)
    subscriber.offer(encode({"n": 5}, seq=5))  # a late live copy of a replayed row
    subscriber.offer(encode({"n": 8}, seq=8))
    _wait(lambda: len(ws.sent) == 6)
    subscriber.finish()
    assert ws.sent == [
        '{"ready":true}',
        '{"n":4}',
        '{"n":5}',
        '{"n":7}',
        '{"pong":true}',
        '{"n":8}',
    ]
    assert ws.closed_with == (NORMAL, "Bye")


def test_a_subscriber_that_falls_behind_is_closed_as_too_slow_and_the_offer_never_waits():
    ws = FakeSocket(blocked=True)  # a client that reads nothing: every send blocks
    subscriber = Subscriber(ws=ws, user_id=1, queue_frames=4)
    subscriber.start([])
    began = time.monotonic()
    for n in range(20):
        subscriber.offer(encode({"n": n}, seq=n + 1))
    assert time.monotonic() - began < 0.5  # the hub's side never blocked
    ws.unblock.set()  # the client reads again: it gets the close, not the backlog
    _wait(lambda: ws.closed_with is not None)
    assert ws.closed_with[0] == TOO_SLOW
    assert len(ws.sent) <= 1  # at most the frame that was already being written


def test_the_byte_bound_closes_before_the_frame_bound():
    ws = FakeSocket(blocked=True)
    subscriber = Subscriber(ws=ws, user_id=1, queue_frames=100, queue_bytes=1000)
    subscriber.start([])
    for n in range(5):
        subscriber.offer(encode({"body": "x" * 400}, seq=n + 1))
    ws.unblock.set()
    _wait(lambda: ws.closed_with is not None)
    assert ws.closed_with[0] == TOO_SLOW


def test_a_writer_stuck_on_a_silent_client_is_cut_off(monkeypatch):
    import common.live.subscriber as module

    monkeypatch.setattr(module, "CLOSE_GRACE_SECONDS", 0.1)
    ws = FakeSocket(blocked=True)  # never unblocked
    subscriber = Subscriber(ws=ws, user_id=1, queue_frames=2)
    subscriber.start([])
    for n in range(5):
        subscriber.offer(encode({"n": n}, seq=n + 1))
    _wait(lambda: not ws.connected)  # the watchdog gave up on the close frame
    ws.unblock.set()
    subscriber.finish()


def test_whole_writes_never_cut_or_interleave_frames():
    import socket

    from common.live.subscriber import WholeWrites

    ours, theirs = socket.socketpair()
    ours.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)  # short writes guaranteed
    wrapped = WholeWrites(ours)
    frames = [bytes([65 + n]) * 200_000 for n in range(4)]
    received = bytearray()

    def read():
        while len(received) < sum(map(len, frames)):
            received.extend(theirs.recv(65536))

    reader = threading.Thread(target=read)
    reader.start()
    writers = [threading.Thread(target=wrapped.send, args=(frame,)) for frame in frames]
    for writer in writers:
        writer.start()
    for writer in writers:
        writer.join(10)
    reader.join(10)
    chunks = [bytes(received[i : i + 200_000]) for i in range(0, len(received), 200_000)]
    assert sorted(chunks) == frames  # each frame whole, one after the other
    ours.close()
    theirs.close()


def test_a_backlog_too_big_for_the_queue_is_closed_as_too_slow():
    ws = FakeSocket()
    subscriber = Subscriber(ws=ws, user_id=1, queue_frames=3)
    subscriber.start([encode({"n": n}, n + 1) for n in range(5)])
    _wait(lambda: ws.closed_with is not None)
    assert ws.closed_with[0] == TOO_SLOW and ws.sent == []


def test_frames_held_during_an_access_recheck_follow_in_order_or_never():
    ws = FakeSocket()
    subscriber = Subscriber(ws=ws, user_id=1)
    subscriber.start([encode({"ready": True})])
    subscriber.offer(encode({"n": 1}, seq=1))
    _wait(lambda: len(ws.sent) == 2)
    subscriber.hold()
    subscriber.offer(encode({"n": 2}, seq=2))
    time.sleep(0.05)
    assert len(ws.sent) == 2  # nothing reaches someone who may have just lost access
    subscriber.resume()
    subscriber.offer(encode({"n": 3}, seq=3))
    _wait(lambda: len(ws.sent) == 4)
    assert ws.sent[2:] == ['{"n":2}', '{"n":3}']
    subscriber.hold()
    subscriber.offer(encode({"n": 4}, seq=4))
    subscriber.close(1008, "You no longer have access to this ticket")
    _wait(lambda: ws.closed_with is not None)
    subscriber.finish()
    assert ws.sent[-1] == '{"n":3}' and ws.closed_with[0] == 1008
