"""Many WebSocket clients in one asyncio loop, for load tests and benchmarks of ``/ws/*``.

Each ``Client`` keeps reading in the background and timestamps every frame, so thousands
can be held open at once while a test or benchmark waits for particular frames.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import websockets


@dataclass(eq=False)
class Client:
    url: str
    ws: object = None
    frames: list[tuple[float, dict]] = field(default_factory=list)
    closed: tuple[int | None, str] | None = None  # (code, reason) once closed
    # Called with (arrival time, frame) as each frame is read: cheaper than ``wait_for``
    # when thousands of frames are expected at once.
    listener: Callable[[float, dict], None] | None = None
    _arrived: asyncio.Event = field(default_factory=asyncio.Event)
    _reader: asyncio.Task | None = None

    async def open(self, timeout: float = 30) -> dict:
        """Connect and return the ``ready`` frame (raises on a refused upgrade)."""
        self.ws = await websockets.connect(
            self.url, open_timeout=timeout, compression=None, max_queue=None, ping_interval=None
        )
        ready = json.loads(await asyncio.wait_for(self.ws.recv(), timeout))
        self._reader = asyncio.create_task(self._read())
        return ready

    async def _read(self) -> None:
        try:
            async for raw in self.ws:
                arrived, frame = time.perf_counter(), json.loads(raw)
                self.frames.append((arrived, frame))
                if self.listener is not None:
                    self.listener(arrived, frame)
                self._arrived.set()
        except websockets.ConnectionClosed:
            pass
        finally:
            self.closed = (self.ws.close_code, self.ws.close_reason or "")
            self._arrived.set()

    async def wait_for(self, match: Callable[[dict], bool], timeout: float) -> tuple[float, dict]:
        """The first frame (its arrival time and body) that ``match`` accepts."""
        deadline = time.monotonic() + timeout
        seen = 0
        while True:
            for arrived, frame in self.frames[seen:]:
                if match(frame):
                    return arrived, frame
            seen = len(self.frames)
            if self.closed is not None:
                raise ConnectionError(f"closed {self.closed} before the frame came")
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no matching frame within {timeout}s on {self.url}")
            self._arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._arrived.wait(), left)

    async def close(self) -> None:
        if self.ws is not None:
            await self.ws.close()
        if self._reader is not None:
            await self._reader


async def open_many(urls: list[str], concurrency: int = 50) -> list[Client]:
    """Open a client per URL, ``concurrency`` handshakes at a time."""
    gate = asyncio.Semaphore(concurrency)
    clients = [Client(url) for url in urls]

    async def one(client: Client) -> None:
        async with gate:
            await client.open()

    await asyncio.gather(*(one(client) for client in clients))
    return clients


async def close_all(clients: list[Client]) -> None:
    await asyncio.gather(*(client.close() for client in clients), return_exceptions=True)


def raise_fd_limit() -> None:
    """Thousands of sockets need thousands of descriptors: lift the soft limit."""
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
