"""The `/ws` endpoint: authentication, commands, and live events with resume (docs/protocol.md).

After the handshake a connection holds no thread: the reactor (chat/reactor.py) reads its
frames and runs its commands on a pool, one at a time per connection. Frames are written
without blocking through each socket's Outlet (chat/outbound.py); a consumer too slow to drain
its backlog is closed with code 4008 and resumes from its last sequence number when it
reconnects.
"""

import collections
import json
import logging
import os
import socket
import threading
import time

from flask import Blueprint, abort, current_app, request
from flask_sock import Sock
from wsproto.events import BytesMessage, CloseConnection, Ping, Pong, TextMessage

from . import commands, metrics, nul, tokens
from .bus import Listener
from .context import Chat
from .errors import ChatError, bad_request
from .events import Event, dumps
from .outbound import OP_PING, OP_PONG, Outlet, close_frame, frame, text_frame
from .pool import blocking
from .reactor import Peer
from .store import events as event_log

log = logging.getLogger(__name__)

sock = Sock()
bp = Blueprint("realtime", __name__)

CLOSE_NORMAL = 1000
CLOSE_POLICY = 1008  # no answer to our pings
CLOSE_TOO_BIG = 1009  # a message over MAX_FRAME_BYTES
CLOSE_UNAUTHORIZED = 4001  # hello missing (HELLO_TIMEOUT), token invalid or expired
CLOSE_SLOW_CONSUMER = 4008  # send queue overflowed
UNSENDABLE_CODES = {1005, 1006, 1015}  # reported locally, never sent in a close frame
REPLAY_BATCH = 1000
REPLAY_WAIT = 10.0  # seconds a replayed frame may wait for room in the send queue
ABOUT_TO_EXPIRE = 180  # seconds before exp when tokenAboutToExpire is sent (as Twilio's SDK)
CLOSING_HANDSHAKE = 2.0  # seconds to wait for the client's close reply
FORCE_CLOSE_AFTER = 2.0  # seconds a slow consumer gets to take its close frame
RECEIVE_BYTES = 65536
END = object()  # in a connection's inbox: the session is over


def init_app(app) -> None:
    # simple-websocket does the handshake; the reactor reads instead of its thread per socket.
    app.config["SOCK_SERVER_OPTIONS"] = {"thread_class": _NoReaderThread}
    sock.init_app(app)
    app.register_blueprint(bp)


class _NoReaderThread:
    name = "ws-reader"

    def __init__(self, target):
        pass

    def start(self) -> None:
        pass


@bp.before_app_request
def check_origin():
    """Browsers send Origin on WebSocket handshakes and CORS does not protect them: accept only
    our own origin and ALLOWED_ORIGINS. Clients without Origin (bots, SDK tests) are fine."""
    if request.path != "/ws":
        return None
    # No permessage-deflate: an event's frame is encoded once for all its recipients, and each
    # socket would otherwise carry its own zlib state (hundreds of KB) for compressing.
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    allowed = {request.host_url.rstrip("/"), *current_app.extensions["chat"].settings.allowed_origins}
    if origin.rstrip("/") not in allowed:
        abort(403)
    return None


@sock.route("/ws", bp=bp)
def websocket(ws):
    """Hand the socket to the reactor; this request's thread goes back to serving requests."""
    Connection(current_app.extensions["chat"], _take_socket(ws.sock), ws.ws, request.remote_addr or "").open()
    ws.connected = False  # ours now: flask-sock must not send a close frame on it


def _take_socket(server_sock: socket.socket) -> socket.socket:
    """Keep the TCP connection past the end of this request. The HTTP server shuts down and
    closes its socket when the request ends, so we keep a duplicate of the descriptor and point
    the server's descriptor at a spare socket whose peer is already gone."""
    ours = server_sock.dup()
    ours.setblocking(False)
    spare, gone = socket.socketpair()
    os.dup2(spare.fileno(), server_sock.fileno())
    spare.close()
    gone.close()
    return ours


class Connection(Listener, Peer):
    def __init__(self, chat: Chat, sock: socket.socket, protocol, address: str = ""):
        self.chat = chat
        self.sock = sock
        self.address = address  # the client's (PROXY_HOPS makes it the real one behind a proxy)
        self._admitted = False  # counted by chat.admission until dropped
        self._unauthenticated = False  # counted as not having said hello yet
        self._hello_deadline = time.monotonic() + chat.settings.hello_timeout
        self._protocol = protocol  # wsproto, past the handshake: parses what the client sends
        self.grant: tokens.Grant | None = None
        self.service_sid = chat.settings.service_sid
        self.identity = ""
        self.close_code: int | None = None
        self._close_reason = ""
        self._lock = threading.Lock()
        self._pending: list[Event] | None = None  # live events held back while replaying
        self._warned_expiry = False
        self.outlet = Outlet(sock, self._want_write, chat.settings.send_queue_size, self._overflowed)
        # Commands wait here for the pool, in arrival order; one pool thread at a time works them.
        self._inbox: collections.deque = collections.deque()
        self._busy = False
        self._ending = False
        self._parts: list = []  # fragments of the message being received
        self._parts_size = 0
        # Closing: both sides send a close frame, then the TCP connection is dropped.
        self._close_sent = False
        self._peer_closed = False
        self._dropped = False
        self._deadline: float | None = None  # drop the connection then, whatever its state
        interval = chat.settings.ping_interval
        self._next_ping = time.monotonic() + interval if interval else None
        self._pong_received = True

    def open(self) -> None:
        refusal = self.chat.admission.admit(self.address)
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
        self._protocol.receive_data(data)
        for event in self._protocol.events():
            if isinstance(event, (TextMessage, BytesMessage)):
                self._take_part(event)
            elif isinstance(event, Ping):
                self.outlet.write_urgent(frame(OP_PONG, event.payload))
            elif isinstance(event, Pong):
                self._pong_received = True
            elif isinstance(event, CloseConnection):
                self._closed_by_client(event.code)
                return

    def _take_part(self, event) -> None:
        if self.close_code is not None:
            return
        self._parts.append(event.data)
        self._parts_size += len(event.data)
        if self._parts_size > self.chat.settings.max_frame_bytes:
            self._parts = []
            self.shut(CLOSE_TOO_BIG, "Message is too big")
            return
        if event.message_finished:
            parts, self._parts, self._parts_size = self._parts, [], 0
            self._enqueue(parts[0] if len(parts) == 1 else parts[0][:0].join(parts))

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
                except Exception:
                    log.exception("a WebSocket session failed")
        finally:
            self.chat.store.release()  # an idle socket holds no database connection

    def _finish(self) -> None:
        if self.grant is not None:
            commands.disconnect(self)  # before detaching: shutdown waits for detach to close the store
            self.chat.hub.detach(self)
        self.chat.reactor.call_soon(self._say_goodbye)

    # --- outgoing -------------------------------------------------------------------------
    def deliver(self, event: Event) -> None:
        if self.close_code is not None:
            return
        if self._pending is None:  # the common case, read without the lock: it only ever
            self.outlet.write(event.wire)  # turns None -> [] in hello, before the hub knows us
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
            self.outlet.write(event.wire)

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

    # --- session --------------------------------------------------------------------------
    def hello(self, args: dict) -> dict:
        if self.grant is not None:
            raise bad_request("Already authenticated")
        self.grant = tokens.verify(self.chat.settings, args.get("token"))
        self.identity = self.grant.identity
        since = args.get("since")
        if since is not None and (not isinstance(since, int) or since < 0):
            raise bad_request("since must be a sequence number")
        user = commands.connect(self)
        with self._lock:
            self._pending = [] if since is not None else None
        last = self.chat.hub.attach(
            self, lambda: [c["sid"] for c in commands.subscribed_channels(self.chat, self.identity)]
        )
        self._authenticated()
        return {"identity": self.identity, "user": user, "seq": last, "since": since}

    def replay(self, since: int, until: int) -> None:
        """Send what the client missed (since < seq <= until) from the log, then the live events
        that arrived meanwhile, skipping any seq already sent."""
        sent = since
        db = self.chat.store.db()
        while sent < until:
            batch = event_log.since(db, self.service_sid, self.identity, sent, REPLAY_BATCH)
            batch = [row for row in batch if row["seq"] <= until]
            if not batch:
                break
            for row in batch:
                if self.close_code is not None:
                    return
                self._send_paced(Event.from_row(row, self.service_sid).wire)
            sent = batch[-1]["seq"]
        # Live events keep arriving in _pending while we flush it; switch to direct delivery
        # only when it is empty, so nothing overtakes what was held back.
        while True:
            with self._lock:
                pending = self._pending or []
                if not pending:
                    self._pending = None
                    return
                self._pending = []
            for event in pending:
                if event.seq is None or event.seq > until:
                    self._send_paced(event.wire)

    def check_token(self) -> None:
        if self.grant is None:
            return
        remaining = self.grant.expires_at - time.time()
        if remaining <= 0:
            self.send({"event": "tokenExpired", "seq": None, "scope": "connection", "target": None, "data": {}})
            self.shut(CLOSE_UNAUTHORIZED, "token expired")
        elif remaining <= ABOUT_TO_EXPIRE and not self._warned_expiry:
            self._warned_expiry = True
            self.send(
                {
                    "event": "tokenAboutToExpire",
                    "seq": None,
                    "scope": "connection",
                    "target": None,
                    "data": {"ttl": int(remaining)},
                }
            )

    def update_token(self, token) -> dict:
        grant = tokens.verify(self.chat.settings, token)
        if grant.identity != self.identity:
            raise ChatError(401, tokens.INVALID_TOKEN, "A new token must carry the same identity")
        self.grant = grant
        self._warned_expiry = False
        return {"expires_at": grant.expires_at}

    def handle(self, text) -> None:
        try:
            message = json.loads(text)
        except (ValueError, TypeError):
            message = None
        if not isinstance(message, dict) or not isinstance(message.get("cmd"), str):
            self.send({"reply": None, "error": bad_request("Malformed frame: expected {id, cmd, args}").to_dict()})
            return
        reply_to = message.get("id")
        args = message.get("args") or {}
        try:
            if not isinstance(args, dict):
                raise bad_request("args must be an object")
            nul.refuse(args, "Arguments")
            if message["cmd"] != "hello" and self.grant is None:
                raise ChatError(401, tokens.INVALID_TOKEN, "Send hello with a token first")
            result = commands.run(self, message["cmd"], args)
            self.send({"reply": reply_to, "result": result})
            if message["cmd"] == "hello" and args.get("since") is not None:
                self.replay(args["since"], result["seq"])
        except ChatError as error:
            self.send({"reply": reply_to, "error": error.to_dict()})
            if message["cmd"] == "hello":
                self.shut(CLOSE_UNAUTHORIZED, error.message)
        except Exception:
            log.exception("command %s failed", message.get("cmd"))
            self.send({"reply": reply_to, "error": ChatError(500, 20500, "Internal error").to_dict()})
