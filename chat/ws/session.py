"""What a connection's frames mean: `hello`, commands and their replies, resume from `since`,
and the token's lifetime (docs/protocol.md). Mixed into Connection (connection.py), which
carries the frames."""

import json
import logging
import time

from .. import nul, tokens
from ..errors import ChatError, bad_request
from ..events import Event, dumps
from ..store import events as event_log
from . import commands

log = logging.getLogger(__name__)

CLOSE_UNAUTHORIZED = 4001  # hello missing (HELLO_TIMEOUT), token invalid or expired
PROTOCOLS = (1, 2)  # 2: lean event frames (docs/protocol.md); hello without `protocol` is 1
REPLAY_BATCH = 1000
ABOUT_TO_EXPIRE = 180  # seconds before exp when tokenAboutToExpire is sent (as Twilio's SDK)


class Session:
    """The session half of a Connection, which supplies `chat`, `outlet`, `send`, `shut`,
    `_lock`, `_pending` (live events held back during a replay) and `_send_paced`."""

    def hello(self, args: dict) -> dict:
        if self.grant is not None:
            raise bad_request("Already authenticated")
        self.grant = tokens.verify(self.chat.settings, args.get("token"))
        self.identity = self.grant.identity
        since = args.get("since")
        if since is not None and (not isinstance(since, int) or since < 0):
            raise bad_request("since must be a sequence number")
        protocol = 1 if args.get("protocol") is None else args["protocol"]
        if protocol not in PROTOCOLS or isinstance(protocol, bool):
            raise bad_request(f"protocol must be one of {', '.join(map(str, PROTOCOLS))}")
        self.protocol = protocol
        user = commands.connect(self)
        with self._lock:
            self._pending = [] if since is not None else None
        last = self.chat.hub.attach(
            self, lambda: [c["sid"] for c in commands.subscribed_channels(self.chat, self.identity)]
        )
        self._authenticated()
        result = {"identity": self.identity, "user": user, "seq": last, "since": since, "protocol": protocol}
        if protocol == 2:  # what a client needs to rebuild Twilio's message resource from a lean one
            result["account_sid"] = self.chat.settings.account_sid
            result["service_sid"] = self.service_sid
            result["service_url"] = f"{self.chat.base_url or self.origin}/v2/Services/{self.service_sid}"
        return result

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
