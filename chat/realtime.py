"""The `/ws` endpoint: authentication, commands, and live events with resume (docs/protocol.md).

Frames are WebSocket bytes built once per event (`Event.wire`) and shared by every recipient.
A frame goes to the kernel straight from the thread that delivers it, with a non-blocking send,
when nothing waits ahead of it; otherwise it joins the socket's bounded queue, which a writer
thread (started only while there is a backlog) drains as the socket makes room, many frames per
system call. So the common case costs no thread hand-off, and a stalled reader never blocks
anyone. A consumer too slow to drain its queue is closed with code 4008 and resumes from its
last sequence number when it reconnects.

Frames are never compressed, even when a browser negotiated permessage-deflate (RFC 7692 lets a
sender leave any message uncompressed): compressing would cost a zlib pass per event per socket.
"""

import json
import logging
import selectors
import socket
import threading
import time
from collections import deque

from flask import Blueprint, abort, current_app, request
from flask_sock import Sock
from simple_websocket import ConnectionClosed

from . import commands, tokens
from .bus import Listener
from .context import Chat
from .errors import ChatError, bad_request
from .events import Event, dumps, text_frame
from .store import events as event_log

log = logging.getLogger(__name__)

sock = Sock()
bp = Blueprint("realtime", __name__)

CLOSE_UNAUTHORIZED = 4001  # hello missing, token invalid or expired
CLOSE_SLOW_CONSUMER = 4008  # send queue overflowed
CLOSE_GOING_AWAY = 1001  # server shutting down
REPLAY_BATCH = 1000
REPLAY_WAIT = 10.0  # seconds a replayed frame may wait for room in the send queue
ABOUT_TO_EXPIRE = 180  # seconds before exp when tokenAboutToExpire is sent (as Twilio's SDK)
RECEIVE_TICK = 1.0
CLOSING_HANDSHAKE = 2.0  # seconds to wait for the client's close reply
CLOSE_FLUSH = 2.0  # seconds queued frames may take to leave before the close frame
WRITE_BATCH = 256  # frames joined into one send
PING_FRAME = b"\x89\x00"  # an empty ping (RFC 6455 5.5.2)


def init_app(app) -> None:
    chat: Chat = app.extensions["chat"]
    app.config["SOCK_SERVER_OPTIONS"] = {
        # Pings go through the connection's own frame stream (Connection.ping): a ping written
        # by simple-websocket's thread could land in the middle of a partly sent frame.
        "ping_interval": None,
        "max_message_size": chat.settings.max_frame_bytes,
    }
    app.extensions["realtime_backlog"] = chat.backlog = Backlog()
    sock.init_app(app)
    app.register_blueprint(bp)


@bp.before_app_request
def check_origin():
    """Browsers send Origin on WebSocket handshakes and CORS does not protect them: accept only
    our own origin and ALLOWED_ORIGINS. Clients without Origin (bots, SDK tests) are fine."""
    if request.path != "/ws":
        return None
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    allowed = {request.host_url.rstrip("/"), *current_app.extensions["chat"].settings.allowed_origins}
    if origin.rstrip("/") not in allowed:
        abort(403)
    return None


class Backlog:
    """One thread per process writes the frames that sockets could not take at once, as each
    socket makes room (epoll), so a backlog costs neither a thread nor a blocked publisher."""

    def __init__(self):
        self._selector = selectors.DefaultSelector()
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._selector.register(self._wake_read, selectors.EVENT_READ, None)
        self._arrivals: deque[Connection] = deque()
        self._stopping = False
        self._thread = threading.Thread(target=self._run, name="ws-backlog", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping = True
        self._wake_write.send(b"\0")
        self._thread.join(timeout=5)
        self._selector.close()
        self._wake_read.close()
        self._wake_write.close()

    def watch(self, conn: "Connection") -> None:
        self._arrivals.append(conn)
        try:
            self._wake_write.send(b"\0", socket.MSG_DONTWAIT)
        except BlockingIOError:
            pass  # a wake-up is pending already

    def _run(self) -> None:
        while not self._stopping:
            for key, _ in self._selector.select():
                if key.data is None:
                    try:
                        while self._wake_read.recv(4096):
                            pass
                    except BlockingIOError:
                        pass
                elif key.data.flush_backlog():
                    self._forget(key.fd)
            while self._arrivals:
                conn = self._arrivals.popleft()
                self._forget(conn.ws.sock.fileno())  # a closed socket's number may come back
                try:
                    self._selector.register(conn.ws.sock, selectors.EVENT_WRITE, conn)
                except (OSError, ValueError):
                    conn.flush_backlog()  # closed meanwhile: marks it broken

    def _forget(self, fd: int) -> None:
        try:
            self._selector.unregister(fd)
        except (KeyError, ValueError, OSError):
            pass


class Connection(Listener):
    def __init__(self, chat: Chat, ws, backlog: Backlog):
        self.chat = chat
        self.ws = ws
        self.grant: tokens.Grant | None = None
        self.service_sid = chat.settings.service_sid
        self.identity = ""
        self.max_frames = chat.settings.send_queue_size
        self.close_code: int | None = None
        self._close_reason = ""
        self._lock = threading.Lock()
        self._pending: list[Event] | None = None  # live events held back while replaying
        self._warned_expiry = False
        # Outgoing frames not yet taken by the kernel, oldest first; `_out` guards them.
        self._frames: deque[bytes] = deque()
        self._out = threading.Condition(threading.Lock())
        self.backlog: Backlog = backlog
        self._writing = False  # the backlog writer is draining `_frames`
        self._closing = False  # no more frames: the close frame goes next
        self._broken = False  # the socket failed; what is left will never be sent
        self._head_cut = False  # the first queued frame is the rest of a partly sent one
        self._next_ping = time.monotonic() + (chat.settings.ping_interval or 0)
        # Frames leave one by one as they are delivered: Nagle would hold a reply behind the
        # event sent just before it until the client's delayed ACK (40 ms).
        ws.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    # --- outgoing -------------------------------------------------------------------------
    def deliver(self, event: Event) -> None:
        with self._lock:
            if self._pending is not None:
                if len(self._pending) < self.max_frames * 10:
                    self._pending.append(event)
                    return
                self._pending = []  # live events outran the replay: start over on reconnect
                overflow = True
            else:
                overflow = False
        if overflow:
            self.shut(CLOSE_SLOW_CONSUMER, "slow consumer: live events outran the replay")
        else:
            self._put(event.wire)

    def send(self, message: dict) -> None:
        self._put(text_frame(dumps(message)))

    def _put(self, frame: bytes, wait: float = 0) -> None:
        """Send a frame now if nothing waits ahead of it and the kernel takes it, without ever
        blocking (so the hub can deliver from the publishing thread, with no thread hand-off);
        otherwise queue it for the process's backlog writer. More than
        SEND_QUEUE_SIZE waiting frames mean the client stopped reading: close it (it resumes
        from its last sequence number). `wait` lets a replay wait for room instead."""
        with self._out:
            if self._closing:
                return
            if wait:
                self._out.wait_for(lambda: len(self._frames) < self.max_frames or self._closing, timeout=wait)
            full = len(self._frames) >= self.max_frames
            backlog = False
            if not full:
                self._frames.append(frame)
                if not self._writing:
                    self._flush()
                    backlog = self._writing = bool(self._frames)
        if backlog:
            self.backlog.watch(self)
        if full:
            self.shut(CLOSE_SLOW_CONSUMER, "slow consumer: send queue full")

    def _flush(self) -> None:
        """Hand the kernel what it takes now (holding `_out`)."""
        while self._frames and not self._broken:
            batch = [self._frames.popleft() for _ in range(min(len(self._frames), WRITE_BATCH))]
            data = batch[0] if len(batch) == 1 else b"".join(batch)
            try:
                sent = self.ws.sock.send(data, socket.MSG_DONTWAIT)
            except (BlockingIOError, InterruptedError):
                sent = 0
            except OSError:
                self._broken = True  # the reader notices the closed connection and ends the session
                self._frames.clear()
                break
            if sent == len(data):
                self._head_cut = False
                continue
            # Put back what is left frame by frame, so the queue's bound keeps counting frames.
            # Nothing sent: the head is still whatever it was (maybe the rest of a cut frame).
            cut = self._head_cut if sent == 0 else False
            rest = []
            for frame in batch:
                if sent >= len(frame):
                    sent -= len(frame)
                    continue
                if sent:
                    cut = True
                rest.append(frame[sent:] if sent else frame)
                sent = 0
            self._frames.extendleft(reversed(rest))
            self._head_cut = cut
            break
        self._out.notify_all()

    def flush_backlog(self) -> bool:
        """Called by the backlog writer when the socket has room; True once nothing is left."""
        with self._out:
            self._flush()
            if self._frames and not self._broken:
                return False
            self._writing = False
            return True

    def shut(self, code: int, reason: str) -> None:
        """Close the socket soon, after the frames already queued (the session loop does it)."""
        if self.close_code is not None:
            return
        self.close_code = code
        self._close_reason = reason
        if code == CLOSE_SLOW_CONSUMER:
            with self._out:
                self._closing = True
                # Lost to this socket (the client resumes from the log), except the rest of a frame
                # partly sent: the close frame must not land inside it.
                head = self._frames[0] if self._frames and self._head_cut else None
                self._frames.clear()
                if head is not None:
                    self._frames.append(head)
                self._out.notify_all()
            # A reader that never reads would block the close frame's send(); cut the connection then.
            threading.Timer(CLOSE_FLUSH, self._force_close).start()

    def _force_close(self) -> None:
        if self.ws.connected:
            try:
                self.ws.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _close(self) -> None:
        """Send what is queued (for up to CLOSE_FLUSH seconds), then the close frame."""
        with self._out:
            self._closing = True
            drained = self._out.wait_for(lambda: not self._frames or self._broken, timeout=CLOSE_FLUSH)
        if not drained:
            self._force_close()
            return
        try:
            self.ws.close(self.close_code, self._close_reason)
        except (ConnectionClosed, OSError):
            pass

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
                self._put(Event.from_row(row, self.service_sid).wire, wait=REPLAY_WAIT)
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
                    self._put(event.wire, wait=REPLAY_WAIT)

    def ping(self) -> None:
        """Every PING_INTERVAL seconds: close a connection whose last ping went unanswered (a
        vanished client), else send another ping."""
        interval = self.chat.settings.ping_interval
        if not interval or time.monotonic() < self._next_ping:
            return
        self._next_ping = time.monotonic() + interval
        if not self.ws.pong_received:
            self._force_close()
            return
        self.ws.pong_received = False
        self._put(PING_FRAME)

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

    def run(self) -> None:
        try:
            while self.close_code is None:
                text = self.ws.receive(timeout=RECEIVE_TICK)
                if text is None:
                    if not self.ws.connected:
                        break
                    self.check_token()
                    self.ping()
                    continue
                self.handle(text)
                self.check_token()
                self.ping()
        except ConnectionClosed:
            pass
        finally:
            if self.grant is not None:
                commands.disconnect(self)  # before detaching: shutdown waits for detach to close the store
                self.chat.store.release()
                self.chat.hub.detach(self)
            if self.close_code is None:
                self.close_code = 1000
            self._close()
            # Let the reader take the client's close reply before the server drops the TCP
            # connection: closing with unread data sends a reset, and browsers then report 1006
            # instead of our close code.
            if self.ws.thread is not None:
                self.ws.thread.join(timeout=CLOSING_HANDSHAKE)

    def handle(self, text) -> None:
        try:
            frame = json.loads(text)
        except (ValueError, TypeError):
            frame = None
        if not isinstance(frame, dict) or not isinstance(frame.get("cmd"), str):
            self.send({"reply": None, "error": bad_request("Malformed frame: expected {id, cmd, args}").to_dict()})
            return
        reply_to = frame.get("id")
        args = frame.get("args") or {}
        try:
            if not isinstance(args, dict):
                raise bad_request("args must be an object")
            if frame["cmd"] != "hello" and self.grant is None:
                raise ChatError(401, tokens.INVALID_TOKEN, "Send hello with a token first")
            result = commands.run(self, frame["cmd"], args)
            self.send({"reply": reply_to, "result": result})
            if frame["cmd"] == "hello" and args.get("since") is not None:
                self.replay(args["since"], result["seq"])
        except ChatError as error:
            self.send({"reply": reply_to, "error": error.to_dict()})
            if frame["cmd"] == "hello":
                self.shut(CLOSE_UNAUTHORIZED, error.message)
        except Exception:
            log.exception("command %s failed", frame.get("cmd"))
            self.send({"reply": reply_to, "error": ChatError(500, 20500, "Internal error").to_dict()})
        finally:
            self.chat.store.release()  # this thread lives as long as the socket: keep no connection


@sock.route("/ws", bp=bp)
def websocket(ws):
    Connection(current_app.extensions["chat"], ws, current_app.extensions["realtime_backlog"]).run()
