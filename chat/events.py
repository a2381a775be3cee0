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

    @property
    def frame(self) -> str:
        """The WebSocket text frame, encoded once and shared by every recipient."""
        if self._frame is None:
            seq = "null" if self.seq is None else str(self.seq)
            target = json.dumps(self.target)
            self._frame = (
                f'{{"event":"{self.type}","seq":{seq},"scope":"{self.scope}","target":{target},"data":{self.payload}}}'
            )
        return self._frame

    @property
    def wire(self) -> bytes:
        """The frame as WebSocket bytes, the same for every recipient (chat/ws/outbound.py)."""
        if self._wire is None:
            self._wire = text_frame(self.frame)
        return self._wire

    def data(self) -> dict:
        return json.loads(self.payload)

    @classmethod
    def from_row(cls, row: dict, service_sid: str | None = None) -> "Event":
        return cls(
            row.get("service_sid", service_sid), row["scope"], row["target"], row["type"], row["payload"], row["seq"]
        )


def dumps(value) -> str:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False)
