"""A bounded queue with one background task writing it to a store, for records a caller must never wait on.

The PostgreSQL session records and the analytics recorder use it: ``put`` never blocks and never raises; when
the queue is full the item is dropped and counted. The writer task runs on one event loop; ``wake`` sets its
wake-up event from that loop or from any other thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import threading
import time
from collections import Counter, deque
from collections.abc import Callable, Coroutine
from typing import Any, Generic, TypeVar

T = TypeVar("T")
Writer = Callable[[], Coroutine[Any, Any, None]]

#: seconds between two looks at the queue while :meth:`BackgroundWriter.drained` waits.
DRAIN_POLL = 0.005


class BackgroundWriter(Generic[T]):
    """Items waiting for the background task that writes them, with the counts of those dropped per kind."""

    def __init__(self, name: str, capacity: Callable[[], int]) -> None:
        self.name = name  # of the writer task
        self.capacity = capacity  # read at every put: it may come from the settings
        self.items: deque[T] = deque()
        self.dropped: Counter[str] = Counter()
        self.busy = False  # the writer holds a batch taken from the queue (set by the writer)
        self.loop: asyncio.AbstractEventLoop | None = None
        self.event: asyncio.Event | None = None
        self.task: asyncio.Task[None] | None = None
        self._lock = threading.Lock()

    def __len__(self) -> int:
        return len(self.items)

    def put(self, item: T, kind: str = "") -> bool:
        """Queue ``item``; when the queue is full, count it as dropped under ``kind`` and return False."""
        with self._lock:
            if len(self.items) >= self.capacity():
                self.dropped[kind] += 1
                return False
            self.items.append(item)
            return True

    def take(self, limit: int | None = None) -> list[T]:
        """Remove and return the oldest ``limit`` items (all of them by default)."""
        with self._lock:
            count = len(self.items) if limit is None else min(limit, len(self.items))
            return [self.items.popleft() for _ in range(count)]

    def put_back(self, items: list[T]) -> None:
        """Return items taken but not written to the front of the queue, in their order (past the capacity)."""
        with self._lock:
            self.items.extendleft(reversed(items))

    def drop_queued(self, kind: Callable[[T], str]) -> None:
        """Count every queued item as dropped (under ``kind(item)``) and empty the queue."""
        with self._lock:
            for item in self.items:
                self.dropped[kind(item)] += 1
            self.items.clear()

    def clear(self) -> None:
        """Forget the queued items and the drop counts."""
        with self._lock:
            self.items.clear()
            self.dropped.clear()

    # -- the writer task

    def running(self) -> bool:
        return self.task is not None and not self.task.done()

    def start(self, loop: asyncio.AbstractEventLoop, writer: Writer) -> None:
        """Bind the wake-up event to ``loop`` and run ``writer()`` there as the task, unless it runs already."""
        if self.loop is not loop or self.event is None:
            self.loop = loop
            self.event = asyncio.Event()
        if not self.running():
            self.task = loop.create_task(writer(), name=self.name)

    def wake(self) -> None:
        """Set the writer's wake-up event, from its loop or from any thread; nothing when no writer is bound."""
        loop, event = self.loop, self.event
        if loop is None or event is None or loop.is_closed():
            return
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is loop:
            event.set()
        else:
            loop.call_soon_threadsafe(event.set)

    async def wait(self, timeout: float | None = None) -> None:
        """In the writer: until woken (or ``timeout`` seconds have passed); the wake-up is used up."""
        assert self.event is not None
        if timeout is None:
            await self.event.wait()
        else:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.event.wait(), timeout)
        self.event.clear()

    async def drained(self, timeout: float, writer: Writer) -> bool:
        """Wait until the queue is empty and no batch is being written, starting ``writer`` on this loop when it
        is not running; False when ``timeout`` seconds passed first."""
        deadline = time.monotonic() + timeout
        while self.items or self.busy:
            if not self.running() and self.items:
                self.start(asyncio.get_running_loop(), writer)
                self.wake()
            if time.monotonic() > deadline:
                return False
            await asyncio.sleep(DRAIN_POLL)
        return True

    async def stop(self) -> None:
        """Cancel the writer task and wait for it to end."""
        task, self.task = self.task, None
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    def detach(self) -> None:
        """Forget the loop and the wake-up event (the next :meth:`start` binds them again)."""
        self.loop = self.event = None
