"""Events: what changed, who should see it, and the frame sent to sockets (built once)."""

import json
import struct
from dataclasses import dataclass, field

# Who receives an event: everyone in the service, the members of a channel, or one identity.
SERVICE, CHANNEL, USER = "service", "channel", "user"


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
        """The frame as WebSocket bytes, built once and written as is to every recipient."""
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


def text_frame(text: str) -> bytes:
    """A final, unmasked, uncompressed WebSocket text frame (RFC 6455 5.2), as a server sends it:
    the same bytes for every recipient (chat/realtime.py)."""
    payload = text.encode()
    size = len(payload)
    if size < 126:
        header = struct.pack("!BB", 0x81, size)
    elif size < 65536:
        header = struct.pack("!BBH", 0x81, 126, size)
    else:
        header = struct.pack("!BBQ", 0x81, 127, size)
    return header + payload
