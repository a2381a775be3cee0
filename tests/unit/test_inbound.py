"""The WebSocket frame reader (chat/ws/inbound.py): whole messages out of frames however the
bytes arrive, and the close code a client earns by breaking RFC 6455."""

import os

import pytest

from chat.ws.inbound import Reader, unmask
from chat.ws.outbound import OP_BINARY, OP_CLOSE, OP_CONTINUATION, OP_PING, OP_PONG, OP_TEXT


def client_frame(opcode: int, payload: bytes, final: bool = True, masked: bool = True, rsv: int = 0) -> bytes:
    size = len(payload)
    if size < 126:
        length = bytes([size])
    elif size < 65536:
        length = bytes([126]) + size.to_bytes(2, "big")
    else:
        length = bytes([127]) + size.to_bytes(8, "big")
    head = bytes([(0x80 if final else 0) | rsv | opcode]) + bytes([length[0] | (0x80 if masked else 0)]) + length[1:]
    if not masked:
        return head + payload
    key = os.urandom(4)
    return head + key + unmask(payload, key)


def read_all(data: bytes, step: int | None = None, limit: int = 1 << 20) -> tuple[list, Reader]:
    reader = Reader(limit)
    step = step or len(data) or 1
    out = []
    for at in range(0, len(data), step):
        out += reader.feed(data[at : at + step])
    return out, reader


def test_messages_come_out_whole_however_the_bytes_are_cut():
    text = "héllo, 世界 " * 30  # past 125 bytes: the 16-bit length
    stream = (
        client_frame(OP_TEXT, text.encode())
        + client_frame(OP_BINARY, bytes(range(256)) * 300)  # past 65535 bytes: the 64-bit length
        + client_frame(OP_PING, b"are you there")
        + client_frame(OP_TEXT, b"")
    )
    expected = [(OP_TEXT, text), (OP_BINARY, bytes(range(256)) * 300), (OP_PING, b"are you there"), (OP_TEXT, "")]
    for step in (1, 2, 3, 7, 1000, None):
        out, reader = read_all(stream, step)
        assert out == expected, step
        assert reader.failed is None


def test_fragments_join_and_control_frames_may_come_between_them():
    snowman = "☃".encode()  # three bytes, cut across two fragments
    stream = (
        client_frame(OP_TEXT, b"a" + snowman[:1], final=False)
        + client_frame(OP_PONG, b"p")
        + client_frame(OP_CONTINUATION, snowman[1:], final=False)
        + client_frame(OP_CONTINUATION, b"z")
        + client_frame(OP_CLOSE, (1000).to_bytes(2, "big") + b"bye")
    )
    for step in (1, None):
        out, _ = read_all(stream, step)
        assert out == [(OP_PONG, b"p"), (OP_TEXT, "a☃z"), (OP_CLOSE, 1000)]


@pytest.mark.parametrize(
    "frames, code",
    [
        ([client_frame(OP_TEXT, b"hi", masked=False)], 1002),
        ([client_frame(OP_TEXT, b"hi", rsv=0x40)], 1002),  # compressed, though no extension was agreed
        ([client_frame(0x3, b"hi")], 1002),  # reserved data opcode
        ([client_frame(0xB, b"")], 1002),  # reserved control opcode
        ([client_frame(OP_CONTINUATION, b"hi")], 1002),  # nothing to continue
        ([client_frame(OP_TEXT, b"a", final=False), client_frame(OP_TEXT, b"b")], 1002),  # message inside a message
        ([client_frame(OP_PING, b"x" * 126)], 1002),
        ([client_frame(OP_PING, b"x", final=False)], 1002),
        ([client_frame(OP_TEXT, b"\xff\xfe")], 1007),
        ([client_frame(OP_CLOSE, b"\x03")], 1002),  # a code needs two bytes
        ([client_frame(OP_CLOSE, (1005).to_bytes(2, "big"))], 1002),  # reserved for reporting, never sent
        ([client_frame(OP_CLOSE, (999).to_bytes(2, "big"))], 1002),
        ([client_frame(OP_CLOSE, (1000).to_bytes(2, "big") + b"\xc3")], 1007),
    ],
)
def test_protocol_errors_earn_their_close_code_and_end_the_reading(frames, code):
    out, reader = read_all(b"".join(frames) + client_frame(OP_TEXT, b"after"))
    assert reader.failed is not None and reader.failed.code == code
    assert (OP_TEXT, "after") not in out
    assert reader.feed(client_frame(OP_TEXT, b"more")) == []


def test_what_came_before_an_error_is_still_read():
    out, reader = read_all(client_frame(OP_TEXT, b"first") + client_frame(OP_TEXT, b"x", masked=False))
    assert out == [(OP_TEXT, "first")] and reader.failed.code == 1002


def test_close_frames_without_a_code_and_with_private_codes():
    assert read_all(client_frame(OP_CLOSE, b""))[0] == [(OP_CLOSE, 1005)]
    assert read_all(client_frame(OP_CLOSE, (4321).to_bytes(2, "big")))[0] == [(OP_CLOSE, 4321)]


def test_a_message_over_the_limit_is_refused_from_its_header_before_its_bytes_are_held():
    frame = client_frame(OP_TEXT, b"y" * 10_000)
    reader = Reader(4096)
    assert reader.feed(frame[:20]) == []
    assert reader.failed is not None and reader.failed.code == 1009
    # and in fragments, each under the limit, that add up past it
    fragments = client_frame(OP_TEXT, b"y" * 3000, final=False) + client_frame(OP_CONTINUATION, b"y" * 3000)
    assert read_all(fragments, limit=4096)[1].failed.code == 1009
    assert read_all(fragments, limit=6000)[0] == [(OP_TEXT, "y" * 6000)]
