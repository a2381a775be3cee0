"""The `/ws` endpoint: authentication, commands, and live events with resume (docs/protocol.md).

Frames are written without blocking through each socket's Outlet (chat/outbound.py); a consumer
too slow to drain its backlog is closed with code 4008 and resumes from its last sequence number
when it reconnects.
"""

import json
import logging
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
from .events import Event, dumps
from .outbound import Outlet, SocketProxy, text_frame
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
FORCE_CLOSE_AFTER = 2.0  # seconds a slow consumer gets to take its close frame


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


class Connection(Listener):
    def __init__(self, chat: Chat, ws):
        self.chat = chat
        self.ws = ws
        self.grant: tokens.Grant | None = None
        self.service_sid = chat.settings.service_sid
        self.identity = ""
        self.close_code: int | None = None
        self._close_reason = ""
        self._lock = threading.Lock()
        self._pending: list[Event] | None = None  # live events held back while replaying
        self._warned_expiry = False
        self.outlet = Outlet(ws.sock, chat.flusher, chat.settings.send_queue_size, self._overflowed)
        ws.sock = SocketProxy(ws.sock, self.outlet)

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
        if not self.outlet.wait_for_room(REPLAY_WAIT):
            self.shut(CLOSE_SLOW_CONSUMER, "slow consumer: the replay could not be delivered")
            return
        self.outlet.write(wire)

    def _overflowed(self) -> None:
        self.shut(CLOSE_SLOW_CONSUMER, "slow consumer: send queue full")

    def shut(self, code: int, reason: str) -> None:
        """End the session soon: the command loop sees `close_code`, and the close frame goes out
        after the frames already queued. Never blocks (the hub calls it)."""
        if self.close_code is not None:
            return
        self.close_code = code
        self._close_reason = reason
        if code == CLOSE_SLOW_CONSUMER:
            self.outlet.discard()  # the frames are lost to this socket; the client resumes from the log
            # A client that never reads never takes the close frame either; cut the connection then.
            threading.Timer(FORCE_CLOSE_AFTER, self._force_close).start()

    def _force_close(self) -> None:
        if not self.outlet.closed:
            try:
                self.outlet.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass

    def _close(self) -> None:
        """Send the close frame behind what is queued, and give the client time to read it."""
        try:
            self.ws.close(self.close_code, self._close_reason)
        except (ConnectionClosed, OSError):
            return
        self.outlet.wait_for_room(CLOSING_HANDSHAKE, empty=True)

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

    def run(self) -> None:
        try:
            while self.close_code is None:
                self.chat.store.release()  # an idle socket holds no database connection
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


@sock.route("/ws", bp=bp)
def websocket(ws):
    Connection(current_app.extensions["chat"], ws).run()
