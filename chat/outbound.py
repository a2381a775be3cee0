"""Writing to WebSockets without a thread per socket.

An event is encoded once as a complete WebSocket frame (server frames are unmasked, so the same
bytes serve every recipient) and written straight from the publishing thread with a
non-blocking send. Only when a client's kernel buffer is full do the bytes wait in that
socket's backlog, which one flusher thread per process writes out as the socket drains. All
writes to a socket, simple-websocket's own (pings, close frames) included, go through its
`Outlet`, so frames never interleave.
"""

import collections
import logging
import selectors
import socket
import threading
from collections.abc import Callable

log = logging.getLogger(__name__)

_SEND_FLAGS = getattr(socket, "MSG_DONTWAIT", 0) | getattr(socket, "MSG_NOSIGNAL", 0)


def text_frame(text: str) -> bytes:
    """A final, unmasked text frame (RFC 6455 5.2) holding `text`."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = bytes((0x81, size))
    elif size < 65536:
        header = bytes((0x81, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x81, 127)) + size.to_bytes(8, "big")
    return header + payload


class Outlet:
    """One socket's ordered outgoing bytes. `write` never blocks; `limit` frames may wait in the
    backlog before `on_overflow` is called (the client stopped reading)."""

    def __init__(self, sock: socket.socket, flusher: "Flusher", limit: int, on_overflow: Callable[[], None]):
        self.sock = sock
        try:  # frames are complete messages: send each at once instead of waiting for ACKs (Nagle)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self._flusher = flusher
        self._limit = limit
        self._on_overflow = on_overflow
        self._lock = threading.Lock()
        self._drained = threading.Condition(self._lock)
        self._backlog: collections.deque[memoryview] = collections.deque()
        self._head_started = False  # the first backlog frame is partly sent: it must finish
        self.closed = False

    def write(self, data: bytes) -> None:
        overflow = False
        with self._lock:
            if self.closed:
                return
            if self._backlog:
                if len(self._backlog) >= self._limit:
                    overflow = True
                else:
                    self._backlog.append(memoryview(data))
            else:
                self._send_now(data)
        if overflow:
            self._on_overflow()

    def write_urgent(self, data: bytes) -> None:
        """Queue past the limit (a close frame must still go out after what is queued)."""
        with self._lock:
            if self.closed:
                return
            if self._backlog:
                self._backlog.append(memoryview(data))
            else:
                self._send_now(data)

    def wait_for_room(self, timeout: float, empty: bool = False) -> bool:
        """Block until the backlog is at most half full (or `empty`); replays pace themselves so."""
        room = 0 if empty else self._limit // 2
        with self._lock:
            return self._drained.wait_for(lambda: self.closed or len(self._backlog) <= room, timeout)

    def discard(self) -> None:
        """Drop the frames waiting to be sent (a slow consumer: it resumes from the log instead).
        A frame already partly on the wire stays, or the client would read garbage after it."""
        with self._lock:
            head = self._backlog[0] if self._backlog and self._head_started else None
            self._backlog.clear()
            if head is not None:
                self._backlog.append(head)
            self._drained.notify_all()

    @property
    def pending(self) -> bool:
        return bool(self._backlog)

    def close(self) -> None:
        with self._lock:
            self.closed = True
            self._backlog.clear()
            self._drained.notify_all()
        self._flusher.forget(self)

    def _send_now(self, data: bytes) -> None:
        """Send what the kernel takes now; keep the rest for the flusher (lock held)."""
        try:
            sent = self.sock.send(data, _SEND_FLAGS)
        except BlockingIOError:
            sent = 0
        except OSError:
            self.closed = True  # the reader notices the broken connection and ends the session
            return
        if sent < len(data):
            self._backlog.append(memoryview(data)[sent:])
            self._head_started = sent > 0
            self._flusher.watch(self)

    def flush(self) -> bool:
        """Write out backlog while the kernel accepts it; True when it is empty (flusher thread)."""
        with self._lock:
            while self._backlog and not self.closed:
                view = self._backlog[0]
                try:
                    sent = self.sock.send(view, _SEND_FLAGS)
                except BlockingIOError:
                    return False
                except OSError:
                    self.closed = True
                    self._backlog.clear()
                    break
                if sent < len(view):
                    self._backlog[0] = view[sent:]
                    self._head_started = self._head_started or sent > 0
                    return False
                self._backlog.popleft()
                self._head_started = False
                if len(self._backlog) <= self._limit // 2:
                    self._drained.notify_all()
            self._drained.notify_all()
            return True


class Flusher:
    """One thread per process writing out the backlogs of sockets whose clients read slowly."""

    def __init__(self):
        self._selector = selectors.DefaultSelector()
        self._lock = threading.Lock()
        self._waker_r, self._waker_w = socket.socketpair()
        self._waker_r.setblocking(False)
        self._selector.register(self._waker_r, selectors.EVENT_READ, None)
        self._watched: dict[int, Outlet] = {}
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="ws-flusher", daemon=True)
        self._thread.start()

    def watch(self, outlet: Outlet) -> None:
        with self._lock:
            if self._stopping or outlet.closed:
                return
            fd = outlet.sock.fileno()
            if fd < 0 or self._watched.get(fd) is outlet:
                return
            if fd in self._watched:
                self._selector.unregister(fd)
            self._watched[fd] = outlet
            self._selector.register(fd, selectors.EVENT_WRITE, outlet)

    def release_if_idle(self, outlet: Outlet) -> None:
        """Stop watching a drained socket, unless a writer refilled it meanwhile (writers append
        before they call `watch`, so checking under this lock cannot strand a backlog)."""
        with self._lock:
            if not outlet.pending or outlet.closed:
                self._unwatch(outlet)

    def forget(self, outlet: Outlet) -> None:
        with self._lock:
            self._unwatch(outlet)

    def _unwatch(self, outlet: Outlet) -> None:
        for fd, watched in list(self._watched.items()):
            if watched is outlet:
                del self._watched[fd]
                self._selector.unregister(fd)

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
        self._waker_w.send(b"x")
        self._thread.join(timeout=5)
        self._selector.close()
        self._waker_r.close()
        self._waker_w.close()

    def _run(self) -> None:
        while not self._stopping:
            for key, _ in self._selector.select(timeout=1.0):
                outlet = key.data
                if outlet is None:
                    try:
                        self._waker_r.recv(64)
                    except BlockingIOError:
                        pass
                    continue
                try:
                    done = outlet.flush()
                except Exception:  # never let one socket stop the others' delivery
                    log.exception("flushing a socket failed")
                    done = True
                if done:
                    self.release_if_idle(outlet)


class SocketProxy:
    """Stands in for the TCP socket inside simple-websocket so that its writes (pings, pongs,
    close frames, handshake replies) queue behind ours instead of interleaving with them."""

    def __init__(self, sock: socket.socket, outlet: Outlet):
        self._sock = sock
        self._outlet = outlet

    def send(self, data) -> int:
        self._outlet.write_urgent(bytes(data))
        return len(data)

    def sendall(self, data) -> None:
        self._outlet.write_urgent(bytes(data))

    def close(self) -> None:
        self._outlet.close()
        self._sock.close()

    def __getattr__(self, name):
        return getattr(self._sock, name)
