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
from collections.abc import Callable, Iterator
from contextlib import contextmanager

log = logging.getLogger(__name__)

_current = threading.local()  # .pool: the Pool whose thread this is


class Pool:
    def __init__(self, running: int, size: int):
        self._running_max = running
        self._size = max(size, running)
        self._calls: collections.deque[Callable[[], None] | None] = collections.deque()
        self._cond = threading.Condition(threading.Lock())
        self._threads: list[threading.Thread] = []
        self._idle = 0  # threads waiting for a call and not yet woken
        self._running = 0  # threads in a call, less those stepped aside in blocking()

    def submit(self, call: Callable[[], None]) -> None:
        with self._cond:
            self._calls.append(call)
            self._wake()

    def stop(self) -> None:
        """Run what is queued, then end every thread."""
        with self._cond:
            threads = list(self._threads)
            self._calls.extend([None] * len(threads))
            self._idle = 0
            self._cond.notify_all()
        for thread in threads:
            thread.join(timeout=5)

    def _wake(self) -> None:
        """Under the lock: wake an idle thread, or start one, if a queued call may run now."""
        if not self._calls or self._running >= self._running_max:
            return
        if self._idle:
            self._idle -= 1
            self._cond.notify()
        elif len(self._threads) < self._size:
            thread = threading.Thread(target=self._run, name=f"ws-command-{len(self._threads)}", daemon=True)
            self._threads.append(thread)
            thread.start()

    def _run(self) -> None:
        _current.pool = self
        with self._cond:
            while True:
                # A thread that finished a call takes the next one itself: no hand-off.
                while not self._calls or self._running >= self._running_max:
                    self._idle += 1
                    self._cond.wait()  # whoever wakes us took us off the idle count
                call = self._calls.popleft()
                if call is None:
                    return
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
