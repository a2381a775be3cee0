"""Events: what changed, who should see it, and the frame sent to sockets (built once)."""

import json
from dataclasses import dataclass, field

from .ws.outbound import text_frame

# Who receives an event: everyone in the service, the members of a channel, one identity, or one
# identity and the sockets that subscribed to that user (user.get), as Twilio's SDK subscribes.
SERVICE, CHANNEL, USER, SUBSCRIBERS = "service", "channel", "user", "subscribers"


@dataclass
class Event:
    service_sid: str
    scope: str
    target: str | None
    type: str
    payload: str  # the `data` object as JSON text (a serializer's output)
    seq: int | None = None  # None for ephemeral events (typing, presence): never stored or replayed
    _frame: str | None = field(default=None, repr=False, compare=False)
    _wire: bytes | None = field(default=None, repr=False, compare=False)
    _lean_wire: bytes | None = field(default=None, repr=False, compare=False)

    @property
    def _seq(self) -> str:
        return "null" if self.seq is None else str(self.seq)

    @property
    def frame(self) -> str:
        """The WebSocket text frame, encoded once and shared by every recipient."""
        if self._frame is None:
            target = json.dumps(self.target)
            self._frame = (
                f'{{"event":"{self.type}","seq":{self._seq},"scope":"{self.scope}","target":{target},'
                f'"data":{self.payload}}}'
            )
        return self._frame

    @property
    def wire(self) -> bytes:
        """The frame as WebSocket bytes, the same for every recipient (chat/ws/outbound.py)."""
        if self._wire is None:
            self._wire = text_frame(self.frame)
        return self._wire

    @property
    def lean_wire(self) -> bytes:
        """The frame of protocol 2 (docs/protocol.md), also encoded once for every recipient:
        `[event, seq, data]`, with a message as a short array instead of Twilio's resource."""
        if self._lean_wire is None:
            data = lean_message(self.payload) if self.type in MESSAGE_EVENTS else self.payload
            self._lean_wire = text_frame(f'["{self.type}",{self._seq},{data}]')
        return self._lean_wire

    def wire_for(self, protocol: int) -> bytes:
        return self.lean_wire if protocol == 2 else self.wire

    def data(self) -> dict:
        return json.loads(self.payload)

    @classmethod
    def from_row(cls, row: dict, service_sid: str | None = None) -> "Event":
        return cls(
            row.get("service_sid", service_sid), row["scope"], row["target"], row["type"], row["payload"], row["seq"]
        )


MESSAGE_EVENTS = frozenset({"messageAdded", "messageUpdated", "messageRemoved"})
# A message in protocol 2: these fields in this order, then an object of the other fields that
# differ from their usual value (left out when there are none). The fields a client can rebuild
# (account and service SIDs, `to`, `url`) are left out: hello's reply gives what it needs.
LEAN_FIELDS = ("sid", "channel_sid", "index", "from", "body", "date_created")
REBUILT = frozenset({"account_sid", "service_sid", "to", "url"})
USUAL = {"attributes": "{}", "type": "text", "media": None, "last_updated_by": None, "was_edited": False}


def lean_message(payload: str) -> str:
    message = json.loads(payload)
    usual = {**USUAL, "date_updated": message["date_created"]}
    extras = {
        name: value
        for name, value in message.items()
        if name not in REBUILT and name not in LEAN_FIELDS and (name not in usual or usual[name] != value)
    }
    return dumps([message[name] for name in LEAN_FIELDS] + ([extras] if extras else []))


def dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
