"""Reading what WebSocket clients send (RFC 6455, section 5): bytes in, messages and control
frames out.

A general-purpose library built a state machine per socket and an event object per frame: about
a tenth of a millisecond for each connecting socket's first two frames, more than its token
check (bench/README.md, "What a connection costs"). A server reading clients needs far less:
client frames are always masked, no extension is negotiated (chat/ws/endpoint.py accepts
none), and a message is only worth anything once it is whole. So this reader keeps the bytes of
an incomplete frame and the parts of a fragmented message, and nothing else.

A client that breaks the protocol is answered with a close code (`Reader.failed`): 1002 for a
malformed frame, 1007 for text that is not UTF-8, 1009 for a message over the limit (refused
from its frame header, before its bytes are held).
"""

from .outbound import OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT

CLOSE_PROTOCOL_ERROR = 1002
CLOSE_NOT_UTF8 = 1007
CLOSE_TOO_BIG = 1009
NO_STATUS = 1005  # a close frame without a code, as RFC 6455 (7.1.5) reports it
CONTROL_MAX = 125  # bytes in a control frame's payload
SENDABLE_CODES = {1000, 1001, 1002, 1003, *range(1007, 1015), *range(3000, 5000)}  # RFC 6455 7.4, IANA


class ProtocolError(Exception):
    def __init__(self, code: int, reason: str):
        super().__init__(reason)
        self.code = code
        self.reason = reason


class Reader:
    """One client's incoming byte stream. `feed` returns what the bytes completed, in order:
    (OP_TEXT, str) and (OP_BINARY, bytes) for whole messages, (OP_PING, payload),
    (OP_PONG, payload), and (OP_CLOSE, code). From a protocol error on, `failed` holds it and
    nothing more is read."""

    def __init__(self, max_message: int):
        self.max_message = max_message
        self._held = b""  # the start of a frame whose rest has not arrived
        self._opcode: int | None = None  # of the fragmented message being received
        self._parts: list[bytes] = []
        self._size = 0  # bytes of that message so far
        self.failed: ProtocolError | None = None

    def feed(self, data: bytes) -> list[tuple[int, object]]:
        """What `data` completed; up to a protocol error, if it holds one."""
        out: list[tuple[int, object]] = []
        if self.failed is not None:
            return out
        try:
            self._read(self._held + data if self._held else data, out)
        except ProtocolError as error:
            self.failed, self._held, self._parts = error, b"", []
        return out

    def _read(self, buffer: bytes, out: list) -> None:
        at, end = 0, len(buffer)
        while end - at >= 2:
            first, second = buffer[at], buffer[at + 1]
            size, head = second & 0x7F, 2
            if size == 126:
                if end - at < 4:
                    break
                size, head = int.from_bytes(buffer[at + 2 : at + 4], "big"), 4
            elif size == 127:
                if end - at < 10:
                    break
                size, head = int.from_bytes(buffer[at + 2 : at + 10], "big"), 10
            opcode = first & 0x0F
            self._check(first, second, opcode, size)  # before holding the bytes of a frame too large
            start = at + head + 4  # past the masking key
            if end < start + size:
                break
            payload = unmask(buffer[start : start + size], buffer[start - 4 : start])
            at = start + size
            taken = self._take(bool(first & 0x80), opcode, payload)
            if taken is not None:
                out.append(taken)
        self._held = buffer[at:]

    def _check(self, first: int, second: int, opcode: int, size: int) -> None:
        if first & 0x70:
            raise ProtocolError(CLOSE_PROTOCOL_ERROR, "Reserved bits set: no extension was agreed")
        if not second & 0x80:
            raise ProtocolError(CLOSE_PROTOCOL_ERROR, "Client frames must be masked")
        if opcode >= OP_CLOSE:
            if opcode not in (OP_CLOSE, OP_PING, OP_PONG):
                raise ProtocolError(CLOSE_PROTOCOL_ERROR, f"Unknown opcode {opcode}")
            if not first & 0x80 or size > CONTROL_MAX:
                raise ProtocolError(CLOSE_PROTOCOL_ERROR, "Control frames must be whole and at most 125 bytes")
            return
        if opcode not in (OP_CONTINUATION, OP_TEXT, OP_BINARY):
            raise ProtocolError(CLOSE_PROTOCOL_ERROR, f"Unknown opcode {opcode}")
        if (opcode == OP_CONTINUATION) != (self._opcode is not None):
            raise ProtocolError(CLOSE_PROTOCOL_ERROR, "Fragments out of order")
        if self._size + size > self.max_message:
            raise ProtocolError(CLOSE_TOO_BIG, "Message is too big")

    def _take(self, final: bool, opcode: int, payload: bytes) -> tuple[int, object] | None:
        if opcode >= OP_CLOSE:
            return (opcode, close_code(payload)) if opcode == OP_CLOSE else (opcode, payload)
        if opcode != OP_CONTINUATION:
            self._opcode = opcode
        if not (final and not self._parts):  # a fragment: held until the message is whole
            self._parts.append(payload)
            self._size += len(payload)
            if not final:
                return None
            payload = b"".join(self._parts)
            self._parts, self._size = [], 0
        opcode, self._opcode = self._opcode, None
        if opcode == OP_BINARY:
            return opcode, payload
        try:
            return opcode, payload.decode()
        except UnicodeDecodeError:
            raise ProtocolError(CLOSE_NOT_UTF8, "Text messages must be UTF-8") from None


def unmask(payload: bytes, key: bytes) -> bytes:
    """XOR with the 4-byte masking key, repeated: as one big-integer operation, not per byte."""
    size = len(payload)
    keys = (key * (size // 4 + 1))[:size]
    return (int.from_bytes(payload, "little") ^ int.from_bytes(keys, "little")).to_bytes(size, "little")


def close_code(payload: bytes) -> int:
    """The code of a client's close frame (its reason is checked, not kept)."""
    if not payload:
        return NO_STATUS
    code = int.from_bytes(payload[:2], "big")
    if len(payload) < 2 or code not in SENDABLE_CODES:
        raise ProtocolError(CLOSE_PROTOCOL_ERROR, "Invalid close code")
    try:
        payload[2:].decode()
    except UnicodeDecodeError:
        raise ProtocolError(CLOSE_NOT_UTF8, "Close reasons must be UTF-8") from None
    return code
