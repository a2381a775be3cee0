"""The `/ws` endpoint: authentication, commands, and live events with resume (docs/protocol.md).

Each socket has one bounded queue of ready frames and one writer thread; the hub and the command
loop only enqueue. A consumer too slow to drain its queue is closed with code 4008 and resumes
from its last sequence number when it reconnects.

Frames are WebSocket bytes built once per event (`Event.wire`) and shared by every recipient;
the writer sends whatever has queued up in one system call. They are never compressed, even
when a browser negotiated permessage-deflate (RFC 7692 lets a sender leave any message
uncompressed): compressing would cost a zlib pass per event per socket.
"""

import json
import logging
import queue
import socket
import threading
import time

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
WRITE_BATCH = 256  # frames joined into one send


def init_app(app) -> None:
    chat: Chat = app.extensions["chat"]
    app.config["SOCK_SERVER_OPTIONS"] = {
        "ping_interval": chat.settings.ping_interval or None,
        "max_message_size": chat.settings.max_frame_bytes,
    }
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


class Connection(Listener):
    def __init__(self, chat: Chat, ws):
        self.chat = chat
        self.ws = ws
        self.grant: tokens.Grant | None = None
        self.service_sid = chat.settings.service_sid
        self.identity = ""
        self.queue: queue.Queue = queue.Queue(chat.settings.send_queue_size)
        self.close_code: int | None = None
        self._close_reason = ""
        self._lock = threading.Lock()
        self._pending: list[Event] | None = None  # live events held back while replaying
        self._warned_expiry = False
        self.writer = threading.Thread(target=self._write, name="ws-writer", daemon=True)
        self.writer.start()

    # --- outgoing -------------------------------------------------------------------------
    def deliver(self, event: Event) -> None:
        with self._lock:
            if self._pending is not None:
                if len(self._pending) < self.queue.maxsize * 10:
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

    def _put(self, frame: bytes | None, wait: float = 0) -> None:
        """Queue a frame; a full queue means the client stopped reading: close it (it resumes
        from its last sequence number). `wait` lets a replay wait for room instead."""
        try:
            self.queue.put(frame, timeout=wait) if wait else self.queue.put_nowait(frame)
        except queue.Full:
            self.shut(CLOSE_SLOW_CONSUMER, "slow consumer: send queue full")

    def shut(self, code: int, reason: str) -> None:
        """Ask the writer to close the socket after the frames already queued."""
        if self.close_code is not None:
            return
        self.close_code = code
        self._close_reason = reason
        if code == CLOSE_SLOW_CONSUMER:
            self._drain()  # the frames are lost to this socket; the client resumes from the log
            # A reader that never reads blocks the writer in send(); cut the connection then.
            threading.Timer(2.0, self._force_close).start()
        try:
            self.queue.put_nowait(None)
        except queue.Full:
            self._force_close()

    def _drain(self) -> None:
        try:
            while True:
                self.queue.get_nowait()
        except queue.Empty:
            pass

    def _force_close(self) -> None:
        if self.writer.is_alive():
            try:
                self.ws.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _write(self) -> None:
        closing = False
        while not closing:
            frames = [self.queue.get()]
            while len(frames) < WRITE_BATCH:
                try:
                    frames.append(self.queue.get_nowait())
                except queue.Empty:
                    break
            if None in frames:
                closing = True
                frames = frames[: frames.index(None)]
            try:
                if frames:
                    self.ws.sock.sendall(b"".join(frames))
            except OSError:
                self.close_code = self.close_code or 1006
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
                    continue
                self.handle(text)
                self.check_token()
        except ConnectionClosed:
            pass
        finally:
            if self.grant is not None:
                commands.disconnect(self)  # before detaching: shutdown waits for detach to close the store
                self.chat.store.release()
                self.chat.hub.detach(self)
            if self.close_code is None:
                self.close_code = 1000
                self._put(None)
            self.writer.join(timeout=5)
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
    Connection(current_app.extensions["chat"], ws).run()
