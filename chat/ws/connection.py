"""One WebSocket after its handshake: frames in and out, the closing handshake, timers.

A connection holds no thread: the reactor (reactor.py) reads its frames and runs its commands
on a pool, one at a time per connection. Frames are written without blocking through the
socket's Outlet (outbound.py); a consumer too slow to drain its backlog is closed with code 4008
and resumes from its last sequence number when it reconnects. What the frames mean (hello,
commands, replay, tokens) is the session's part (session.py).
"""

import collections
import logging
import socket
import threading
import time

from .. import metrics, tokens
from ..bus import Listener
from ..context import Chat
from ..events import Event, dumps
from . import commands
from .inbound import Reader
from .outbound import OP_CLOSE, OP_PING, OP_PONG, Outlet, close_frame, frame, text_frame
from .pool import blocking
from .reactor import Peer
from .session import CLOSE_UNAUTHORIZED, Session

log = logging.getLogger(__name__)

CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008  # no answer to our pings
CLOSE_SLOW_CONSUMER = 4008  # send queue overflowed
UNSENDABLE_CODES = {1005, 1006, 1015}  # reported locally, never sent in a close frame
REPLAY_WAIT = 10.0  # seconds a replayed frame may wait for room in the send queue
CLOSING_HANDSHAKE = 2.0  # seconds to wait for the client's close reply
FORCE_CLOSE_AFTER = 2.0  # seconds a slow consumer gets to take its close frame
RECEIVE_BYTES = 65536
END = object()  # in a connection's inbox: the session is over


class Connection(Session, Listener, Peer):
    def __init__(self, chat: Chat, sock: socket.socket, address: str = "", origin: str = ""):
        self.chat = chat
        self.sock = sock
        self.address = address  # the client's (PROXY_HOPS makes it the real one behind a proxy)
        self.origin = origin  # scheme://host the client reached us at, as REST's `url` fields use
        self._admitted = False  # counted by chat.admission until dropped
        self._unauthenticated = False  # counted as not having said hello yet
        self._hello_deadline = time.monotonic() + chat.settings.hello_timeout
        self._reader = Reader(chat.settings.max_frame_bytes)  # what the client sends, into messages
        self.grant: tokens.Grant | None = None
        self.service_sid = chat.settings.service_sid
        self.identity = ""
        self.protocol = 1  # of the event frames (hello may ask for 2)
        self.close_code: int | None = None
        self._close_reason = ""
        self._lock = threading.Lock()
        self._pending: list[Event] | None = None  # live events held back while replaying
        self._warned_expiry = False
        self.outlet = Outlet(sock, self._want_write, chat.settings.send_queue_size, self._overflowed)
        # Commands wait here for the pool, in arrival order; one pool thread at a time works them.
        self._inbox: collections.deque = collections.deque()
        self._busy = False
        self._counting = False  # a hello waits for its socket to count (arrivals.py); the commands after it too
        self._parked = False  # _work left while it waits: `_go_on` starts it again
        self._ending = False
        # Closing: both sides send a close frame, then the TCP connection is dropped.
        self._close_sent = False
        self._peer_closed = False
        self._dropped = False
        self._deadline: float | None = None  # drop the connection then, whatever its state
        interval = chat.settings.ping_interval
        self._next_ping = time.monotonic() + interval if interval else None
        self._pong_received = True

    def open(self, refusal: tuple[int, str] | None) -> None:
        """Start reading; `refusal`, chat.admission's answer for this socket (None: admitted and
        counted), closes it at once with its code and reason."""
        if refusal is None:
            self._admitted = self._unauthenticated = True
        self.chat.reactor.add(self)
        if refusal is not None:
            log.warning("refused a WebSocket from %s with %d: %s", self.address, *refusal)
            self.shut(*refusal)

    def _authenticated(self) -> None:
        with self._lock:
            counted, self._unauthenticated = self._unauthenticated, False
        if counted:
            self.chat.admission.authenticated(self.address)

    def _leave_admission(self) -> None:
        with self._lock:
            admitted, self._admitted = self._admitted, False
            unauthenticated, self._unauthenticated = self._unauthenticated, False
        if admitted:
            self.chat.admission.closed(self.address, authenticated=not unauthenticated)

    def _want_write(self) -> None:
        self.chat.reactor.want_write(self)

    # --- reading (reactor thread) ---------------------------------------------------------
    def on_readable(self) -> None:
        try:
            data = self.sock.recv(RECEIVE_BYTES)
        except (BlockingIOError, InterruptedError):
            return
        except OSError:
            data = b""
        if not data:
            self._peer_closed = True
            self._drop()
            return
        if self._peer_closed:
            return  # nothing after the client's close frame counts
        for opcode, payload in self._reader.feed(data):
            if opcode == OP_PING:
                self.outlet.write_urgent(frame(OP_PONG, payload))
            elif opcode == OP_PONG:
                self._pong_received = True
            elif opcode == OP_CLOSE:
                self._closed_by_client(payload)
                return
            elif self.close_code is None:
                self._enqueue(payload)
        failed = self._reader.failed
        if failed is not None and self.close_code is None:  # what came before the error counts, in order
            log.info("closed a WebSocket from %s with %d: %s", self.address, failed.code, failed.reason)
            self.shut(failed.code, failed.reason)

    def _closed_by_client(self, code: int) -> None:
        """Answer the client's close frame with its code, end the session, and drop the
        connection once the answer is out."""
        self._peer_closed = True
        if self.close_code is None:
            self.close_code = code
        if not self._close_sent:
            self._close_sent = True
            self.outlet.write_urgent(close_frame(CLOSE_NORMAL if code in UNSENDABLE_CODES else code), last=True)
        self._deadline = self._deadline or time.monotonic() + CLOSING_HANDSHAKE
        self._end()
        self._settle()

    # --- writing and timers (reactor thread) ----------------------------------------------
    def on_writable(self) -> bool:
        done = self.outlet.flush()
        if done:
            self._settle()
        return done

    def has_backlog(self) -> bool:
        return self.outlet.pending

    def on_tick(self, now: float) -> None:
        if self._deadline is not None and now >= self._deadline:
            self._drop()
            return
        if self.close_code is not None:
            return
        if self.grant is None and now >= self._hello_deadline and not self._busy:
            log.info("closed a WebSocket from %s: no hello within HELLO_TIMEOUT", self.address)
            self.shut(CLOSE_UNAUTHORIZED, "hello not received in time")
            return
        self.check_token()
        if self._next_ping is not None and now >= self._next_ping:
            if not self._pong_received:
                self.shut(CLOSE_POLICY, "Ping/Pong timeout")
                return
            self._pong_received = False
            self.outlet.write_urgent(frame(OP_PING, b""))
            self._next_ping = now + self.chat.settings.ping_interval

    def abort(self) -> None:
        self._drop()

    def _settle(self) -> None:
        """Drop the connection once both sides sent their close frames and ours left."""
        if self._close_sent and self._peer_closed and not self.outlet.pending:
            self._drop()

    def _drop(self) -> None:
        if self._dropped:
            return
        self._dropped = True
        self._leave_admission()
        self.outlet.close()
        self.chat.reactor.remove(self)
        self._end()

    def _say_goodbye(self) -> None:
        """Send our close frame behind what is queued; the client has CLOSING_HANDSHAKE seconds
        to answer it (closing before its answer arrives resets the connection, and browsers
        then report 1006 instead of our code)."""
        if self._dropped or self._close_sent:
            return
        self._close_sent = True
        self.outlet.write_urgent(close_frame(self.close_code or CLOSE_NORMAL, self._close_reason), last=True)
        self._deadline = self._deadline or time.monotonic() + CLOSING_HANDSHAKE
        self._settle()

    # --- commands (pool threads, one at a time per connection) -----------------------------
    def _enqueue(self, item) -> None:
        with self._lock:
            self._inbox.append(item)
            if self._busy:
                return
            self._busy = True
        self.chat.reactor.submit(self._work)

    def _end(self) -> None:
        """Queue the end of the session behind the commands already received."""
        with self._lock:
            if self._ending:
                return
            self._ending = True
        self._enqueue(END)

    def _work(self) -> None:
        try:
            while True:
                with self._lock:
                    if not self._inbox:
                        self._busy = False
                        return
                    item = self._inbox.popleft()
                try:
                    if item is END:
                        self._finish()
                    elif self.close_code is None:
                        self.handle(item)
                        with self._lock:
                            if self._counting:
                                self._parked = True  # (_busy stays set: nothing else runs this inbox)
                                return
                except Exception:
                    log.exception("a WebSocket session failed")
        finally:
            self.chat.store.release()  # an idle socket holds no database connection

    def _go_on(self) -> None:
        """After hello's socket counts: run the commands received meanwhile (unless `_work` has
        not left yet, and goes on by itself)."""
        with self._lock:
            self._counting = False
            parked, self._parked = self._parked, False
        if parked:
            self.chat.reactor.submit(self._work)

    def _finish(self) -> None:
        if self.grant is not None:
            commands.disconnect(self)  # before detaching: shutdown waits for detach to close the store
            self.chat.hub.detach(self)
        self.chat.reactor.call_soon(self._say_goodbye)

    # --- outgoing -------------------------------------------------------------------------
    def deliver(self, event: Event) -> None:
        if self.close_code is not None:
            return
        # The common case, read without the lock: `_pending` only ever turns None -> [] in
        # hello, before the hub knows this connection.
        if self._pending is None:
            self.outlet.write(event.wire_for(self.protocol))
            return
        with self._lock:
            if self._pending is not None:
                if len(self._pending) < self.chat.settings.send_queue_size * 10:
                    self._pending.append(event)
                    return
                self._pending = []  # live events outran the replay: start over on reconnect
                overflow = True
            else:
                overflow = False
        if overflow:
            self.shut(CLOSE_SLOW_CONSUMER, "slow consumer: live events outran the replay")
        else:
            self.outlet.write(event.wire_for(self.protocol))

    def send(self, message: dict) -> None:
        self.outlet.write(text_frame(dumps(message)))

    def _send_paced(self, wire: bytes) -> None:
        """Replays wait for room in the backlog instead of overflowing it."""
        if not self.outlet.wait_for_room(0):
            with blocking():  # a slow reader: other sockets' commands go on meanwhile
                room = self.outlet.wait_for_room(REPLAY_WAIT)
            if not room:
                self.shut(CLOSE_SLOW_CONSUMER, "slow consumer: the replay could not be delivered")
                return
        self.outlet.write(wire)

    def _overflowed(self) -> None:
        self.shut(CLOSE_SLOW_CONSUMER, "slow consumer: send queue full")

    def shut(self, code: int, reason: str) -> None:
        """End the session soon: the close frame goes out after the frames already queued.
        Never blocks (the hub calls it)."""
        if self.close_code is not None:
            return
        self.close_code = code
        self._close_reason = reason
        if code == CLOSE_SLOW_CONSUMER:
            metrics.SLOW_CONSUMER_CLOSES.inc()
            self.outlet.discard()  # the frames are lost to this socket; the client resumes from the log
            # A client that never reads never takes the close frame either; cut the connection then.
            self._deadline = time.monotonic() + FORCE_CLOSE_AFTER
        self._end()
