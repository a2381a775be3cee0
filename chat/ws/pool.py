"""The threads that run WebSocket commands.

Few of them run at once. Python runs one thread at a time, and a thread gives the interpreter
up around every SQLite statement and socket call; when other threads are waiting for it, each
such moment becomes two context switches. With 32 commands running during a connect storm,
switching took half of the server's CPU. So at most `running` threads run calls, and a call
that is about to wait on the network (a pre-event webhook, a client reading slowly) steps aside
with `blocking()`, letting another thread run meanwhile, up to `size` threads in all.
"""

import collections
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

_current = threading.local()  # .pool: the Pool whose thread this is


class Pool:
    def __init__(self, running: int, size: int):
        self._running_max = running
        self._size = max(size, running)
        self._calls: collections.deque[Callable[[], None]] = collections.deque()
        self._cond = threading.Condition(threading.Lock())
        self._threads: list[threading.Thread] = []
        self._idle = 0  # threads waiting for a call and not yet woken
        self._waking = 0  # threads woken or started that have not taken a call yet
        self._running = 0  # threads in a call, less those stepped aside in blocking()
        self._stopping = False

    def submit(self, call: Callable[[], None]) -> None:
        with self._cond:
            self._calls.append(call)
            self._wake()

    def stop(self, timeout: float = 5.0) -> None:
        """Run what is queued, then end every thread (those a blocked call starts meanwhile too)."""
        with self._cond:
            self._stopping = True
            self._waking += self._idle
            self._idle = 0
            self._cond.notify_all()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._cond:
                alive = [thread for thread in self._threads if thread.is_alive()]
            if not alive:
                return
            alive[0].join(timeout=max(0.0, deadline - time.monotonic()))

    def _wake(self) -> None:
        """Under the lock: wake an idle thread, or start one, if a queued call may run now.
        (Threads on their way count as running: else each call queued before the woken thread
        gets there would start another.)"""
        if not self._calls or self._running + self._waking >= self._running_max:
            return
        if self._idle:
            self._idle -= 1
            self._waking += 1
            self._cond.notify()
        elif len(self._threads) < self._size:
            self._waking += 1
            thread = threading.Thread(target=self._run, name=f"ws-command-{len(self._threads)}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self) -> None:
        _current.pool = self
        with self._cond:
            self._waking -= 1
            while True:
                # A thread that finished a call takes the next one itself: no hand-off.
                while not self._calls or self._running >= self._running_max:
                    if self._stopping and not self._calls:
                        return
                    self._idle += 1
                    self._cond.wait()
                    self._waking -= 1  # whoever woke us took us off the idle count
                call = self._calls.popleft()
                self._running += 1
                self._cond.release()
                try:
                    call()
                except Exception:
                    log.exception("a WebSocket command failed")
                finally:
                    self._cond.acquire()
                    self._running -= 1

    @contextmanager
    def _stepped_aside(self) -> Iterator[None]:
        with self._cond:
            self._running -= 1
            self._wake()
        try:
            yield
        finally:
            with self._cond:
                self._running += 1  # may pass `running` for a moment: the call is nearly done


@contextmanager
def blocking() -> Iterator[None]:
    """Wrap a wait on the network. On a pool thread, another thread may run calls meanwhile;
    elsewhere (an HTTP request's thread) it changes nothing."""
    pool = getattr(_current, "pool", None)
    if pool is None:
        yield
        return
    with pool._stepped_aside():
        yield
