"""What a connection's frames mean: `hello`, commands and their replies, resume from `since`,
and the token's lifetime (docs/protocol.md). Mixed into Connection (connection.py), which
carries the frames."""

import json
import logging
import time

from .. import metrics, nul, tokens
from ..errors import ChatError, bad_request
from ..events import Event, dumps
from ..store import events as event_log
from . import commands

log = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4001  # hello missing (HELLO_TIMEOUT), token invalid or expired
CLOSE_SERVER_ERROR = 1011  # hello could not be completed (the database is away): connect again
PROTOCOLS = (1, 2)  # 2: lean event frames (docs/protocol.md); hello without `protocol` is 1
REPLAY_BATCH = 1000
ABOUT_TO_EXPIRE = 180  # seconds before exp when tokenAboutToExpire is sent (as Twilio's SDK)


class Session:
    """The session half of a Connection, which supplies `chat`, `outlet`, `send`, `shut`,
    `_lock`, `_pending` (live events held back during a replay), `_send_paced`, `_counting` (a
    hello waits for its socket to count) and `_go_on` (run the commands after it)."""

    def hello(self, args: dict, reply_to) -> None:
        """Check the token and arguments, then leave the socket to be counted online with those
        arriving meanwhile (chat/ws/arrivals.py); `hello` is answered, and the commands after it
        run, once it counts (`_counted`)."""
        if self.grant is not None:
            raise bad_request("Already authenticated")
        grant = tokens.verify(self.chat.settings, args.get("token"))
        since = args.get("since")
        if since is not None and (not isinstance(since, int) or since < 0):
            raise bad_request("since must be a sequence number")
        protocol = 1 if args.get("protocol") is None else args["protocol"]
        if protocol not in PROTOCOLS or isinstance(protocol, bool):
            raise bad_request(f"protocol must be one of {', '.join(map(str, PROTOCOLS))}")
        self.grant, self.identity, self.protocol = grant, grant.identity, protocol
        with self._lock:
            self._counting = True
        self.chat.arrivals.add(
            self.service_sid, self.identity, lambda user, error: self._counted(reply_to, since, user, error)
        )

    def _counted(self, reply_to, since: int | None, user: dict | None, error: BaseException | None) -> None:
        """The rest of `hello`, on a pool thread, once the socket counts: subscribe to the hub,
        answer, replay what the client missed; then the connection's next commands."""
        try:
            if error is not None:
                raise error
            with self._lock:
                self._pending = [] if since is not None else None
            last = self.chat.hub.attach(
                self, lambda: [c["sid"] for c in commands.subscribed_channels(self.chat, self.identity)]
            )
            self._authenticated()
            result = {"identity": self.identity, "user": user, "seq": last, "since": since, "protocol": self.protocol}
            if self.protocol == 2:  # what a client needs to rebuild Twilio's message resource from a lean one
                result["account_sid"] = self.chat.settings.account_sid
                result["service_sid"] = self.service_sid
                result["service_url"] = f"{self.chat.base_url or self.origin}/v2/Services/{self.service_sid}"
            self.send({"reply": reply_to, "result": result})
            if since is not None:
                self.replay(since, last)
        except Exception as failure:
            if not isinstance(failure, ChatError):
                log.error("hello failed", exc_info=failure)
                failure = ChatError(500, 20500, "Internal error")
            self.send({"reply": reply_to, "error": failure.to_dict()})
            self.shut(CLOSE_SERVER_ERROR if failure.status >= 500 else CLOSE_UNAUTHORIZED, failure.message)
        finally:
            self._go_on()

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
                self._send_paced(Event.from_row(row, self.service_sid).wire_for(self.protocol))
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
                    self._send_paced(event.wire_for(self.protocol))

    def check_token(self) -> None:
        if self.grant is None:
            return
        remaining = self.grant.expires_at - time.time()
        if remaining <= 0:
            self._send_event("tokenExpired", {})
            self.shut(CLOSE_UNAUTHORIZED, "token expired")
        elif remaining <= ABOUT_TO_EXPIRE and not self._warned_expiry:
            self._warned_expiry = True
            self._send_event("tokenAboutToExpire", {"ttl": int(remaining)})

    def _send_event(self, name: str, data: dict) -> None:
        """An event for this connection alone (never stored, never replayed)."""
        self.outlet.write(Event(self.service_sid, "connection", None, name, dumps(data)).wire_for(self.protocol))

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
            if message["cmd"] == "hello":
                with metrics.command("hello"):  # its checks; the socket is counted afterwards, with others
                    self.hello(args, reply_to)
                return
            self.send({"reply": reply_to, "result": commands.run(self, message["cmd"], args)})
        except ChatError as error:
            self.send({"reply": reply_to, "error": error.to_dict()})
            if message["cmd"] == "hello":
                self.shut(CLOSE_UNAUTHORIZED, error.message)
        except Exception:
            log.exception("command %s failed", message.get("cmd"))
            self.send({"reply": reply_to, "error": ChatError(500, 20500, "Internal error").to_dict()})
