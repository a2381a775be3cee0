"""One thread per process that watches every WebSocket: no thread waits on an idle socket.

After the handshake a connection's socket is handed to the `Reactor`. Its thread reads what
clients send (parsing frames on the spot), writes out the backlogs of clients that read slowly,
and ticks once a second for timers (pings, token expiry, closing deadlines). Work that may
block, such as a command that touches the database or calls a webhook, runs on a small thread
pool (chat/ws/pool.py); each connection's commands run one at a time, in the order they arrived.
"""

import collections
import logging
import selectors
import socket
import threading
import time
from collections.abc import Callable

from .pool import Pool

log = logging.getLogger(__name__)

TICK = 1.0  # seconds between two timer rounds


class Peer:
    """What the reactor needs of a connection. Every method runs on the reactor thread."""

    sock: socket.socket

    def on_readable(self) -> None:
        raise NotImplementedError

    def on_writable(self) -> bool:
        """Write out the backlog; True when it is empty."""
        raise NotImplementedError

    def has_backlog(self) -> bool:
        raise NotImplementedError

    def on_tick(self, now: float) -> None:
        raise NotImplementedError

    def abort(self) -> None:
        """Drop the connection now (the process is stopping, or the socket failed)."""
        raise NotImplementedError


class Reactor:
    def __init__(self, pool: Pool):
        self._pool = pool
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()  # guards interest changes and the calls queue
        self._peers: dict[int, Peer] = {}
        self._calls: collections.deque[Callable[[], None]] = collections.deque()
        self._waker_r, self._waker_w = socket.socketpair()
        self._waker_r.setblocking(False)
        self._waker_w.setblocking(False)
        self._selector.register(self._waker_r, selectors.EVENT_READ, None)
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="ws-reactor", daemon=True)
        self._thread.start()

    def add(self, peer: Peer) -> None:
        with self._lock:
            if self._stopping:
                raise ConnectionAbortedError("the server is stopping")
            fd = peer.sock.fileno()
            self._peers[fd] = peer
            self._selector.register(fd, selectors.EVENT_READ, peer)

    def want_write(self, peer: Peer) -> None:
        """Watch for room in `peer`'s send buffer (its backlog is not empty)."""
        self._set_interest(peer, selectors.EVENT_READ | selectors.EVENT_WRITE)

    def remove(self, peer: Peer) -> None:
        """Stop watching `peer` and close its socket. Call on the reactor thread (`call_soon`)."""
        with self._lock:
            fd = peer.sock.fileno()
            if self._peers.get(fd) is peer:
                del self._peers[fd]
                self._selector.unregister(fd)
        try:
            peer.sock.close()
        except OSError:
            pass

    def call_soon(self, call: Callable[[], None]) -> None:
        """Run `call` on the reactor thread, the one thread that closes sockets (a socket closed
        under the reactor's feet could have its descriptor reused by a new connection)."""
        with self._lock:
            self._calls.append(call)
        self._wake()

    def submit(self, work: Callable[[], None]) -> None:
        self._pool.submit(work)

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
        self._wake()
        self._thread.join(timeout=5)
        self._pool.stop()
        self._selector.close()
        self._waker_r.close()
        self._waker_w.close()

    def _set_interest(self, peer: Peer, events: int) -> None:
        with self._lock:
            fd = peer.sock.fileno()
            if self._peers.get(fd) is peer:
                self._selector.modify(fd, events, peer)

    def _release_write(self, peer: Peer) -> None:
        """Stop watching a drained socket for writing, unless a writer refilled it meanwhile
        (writers add to the backlog before they call `want_write`, so checking under the lock
        cannot strand a backlog)."""
        with self._lock:
            fd = peer.sock.fileno()
            if self._peers.get(fd) is peer and not peer.has_backlog():
                self._selector.modify(fd, selectors.EVENT_READ, peer)

    def _wake(self) -> None:
        try:
            self._waker_w.send(b"x")
        except BlockingIOError:
            pass  # already awake

    def _run(self) -> None:
        next_tick = time.monotonic() + TICK
        while not self._stopping:
            for key, events in self._selector.select(timeout=max(0.0, next_tick - time.monotonic())):
                peer = key.data
                if peer is None:
                    self._drain_waker()
                    continue
                self._guarded(peer, events)
            self._run_calls()
            now = time.monotonic()
            if now >= next_tick:
                next_tick = now + TICK
                for peer in list(self._peers.values()):
                    self._guarded_call(peer.on_tick, now)
        self._run_calls()
        for peer in list(self._peers.values()):
            self._guarded_call(peer.abort)

    def _guarded(self, peer: Peer, events: int) -> None:
        """One socket's failure must never stop the others."""
        try:
            if events & selectors.EVENT_WRITE and peer.on_writable():
                self._release_write(peer)
            if events & selectors.EVENT_READ:
                peer.on_readable()
        except Exception:
            log.exception("a WebSocket failed")
            self._guarded_call(peer.abort)

    def _guarded_call(self, call: Callable, *args) -> None:
        try:
            call(*args)
        except Exception:
            log.exception("a WebSocket timer failed")

    def _drain_waker(self) -> None:
        try:
            while self._waker_r.recv(4096):
                pass
        except BlockingIOError:
            pass

    def _run_calls(self) -> None:
        while True:
            with self._lock:
                if not self._calls:
                    return
                call = self._calls.popleft()
            self._guarded_call(call)
