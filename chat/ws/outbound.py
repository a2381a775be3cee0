"""Writing to WebSockets without a thread per socket.

An event is encoded once as a complete WebSocket frame (server frames are unmasked, so the same
bytes serve every recipient) and written straight from the publishing thread with a
non-blocking send. Only when a client's kernel buffer is full do the bytes wait in that
socket's backlog, which the reactor thread (chat/ws/reactor.py) writes out as the socket drains.
Every write to a socket, control frames included, goes through its `Outlet`, so frames never
interleave.
"""

import collections
import socket
import threading
from collections.abc import Callable

_SEND_FLAGS = getattr(socket, "MSG_DONTWAIT", 0) | getattr(socket, "MSG_NOSIGNAL", 0)


OP_CONTINUATION, OP_TEXT, OP_BINARY, OP_CLOSE, OP_PING, OP_PONG = 0x0, 0x1, 0x2, 0x8, 0x9, 0xA  # RFC 6455 5.2


def frame(opcode: int, payload: bytes) -> bytes:
    """A final, unmasked frame (RFC 6455 5.2)."""
    size = len(payload)
    if size < 126:
        header = bytes((0x80 | opcode, size))
    elif size < 65536:
        header = bytes((0x80 | opcode, 126)) + size.to_bytes(2, "big")
    else:
        header = bytes((0x80 | opcode, 127)) + size.to_bytes(8, "big")
    return header + payload


def text_frame(text: str) -> bytes:
    return frame(OP_TEXT, text.encode())


def close_frame(code: int, reason: str = "") -> bytes:
    """Control frames carry at most 125 bytes: the code and up to 123 bytes of reason."""
    return frame(OP_CLOSE, code.to_bytes(2, "big") + reason.encode()[:123])


class Outlet:
    """One socket's ordered outgoing bytes. `write` never blocks; `limit` frames may wait in the
    backlog before `on_overflow` is called (the client stopped reading)."""

    def __init__(
        self, sock: socket.socket, want_write: Callable[[], None], limit: int, on_overflow: Callable[[], None]
    ):
        self.sock = sock
        try:  # frames are complete messages: send each at once instead of waiting for ACKs (Nagle)
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        except OSError:
            pass
        self._want_write = want_write
        self._limit = limit
        self._on_overflow = on_overflow
        self._lock = threading.Lock()
        self._drained = threading.Condition(self._lock)
        self._backlog: collections.deque[memoryview] = collections.deque()
        self._head_started = False  # the first backlog frame is partly sent: it must finish
        self.closed = False
        self._sealed = False  # a close frame is queued: nothing may follow it

    def write(self, data: bytes) -> None:
        overflow = False
        with self._lock:
            if self.closed or self._sealed:
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

    def write_urgent(self, data: bytes, last: bool = False) -> None:
        """Queue past the limit (control frames must still go out after what is queued); `last`
        for a close frame, after which nothing is written."""
        with self._lock:
            if self.closed or self._sealed:
                return
            self._sealed = last
            if self._backlog:
                self._backlog.append(memoryview(data))
            else:
                self._send_now(data)

    def wait_for_room(self, timeout: float) -> bool:
        """Block until the backlog is at most half full; replays pace themselves so."""
        room = self._limit // 2
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

    def _send_now(self, data: bytes) -> None:
        """Send what the kernel takes now; keep the rest for the reactor (lock held)."""
        try:
            sent = self.sock.send(data, _SEND_FLAGS)
        except BlockingIOError:
            sent = 0
        except OSError:
            self.closed = True  # the reactor notices the broken connection and ends the session
            return
        if sent < len(data):
            self._backlog.append(memoryview(data)[sent:])
            self._head_started = sent > 0
            self._want_write()

    def flush(self) -> bool:
        """Write out backlog while the kernel accepts it; True when it is empty (reactor thread)."""
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
