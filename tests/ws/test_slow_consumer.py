"""A socket that stops reading is closed (code 4008 when the close frame gets through) and
recovers everything on reconnect; nobody else notices."""

import json
import socket

import websocket

COUNT = 300
BODY = "x" * 30_000  # large frames fill the kernel's socket buffers quickly
# A small receive buffer, but not below loopback's 64 KB segment: under that the reader never
# advertises a window update and the sender only probes, ever more slowly (TCP's persist timer).
SMALL_BUFFER = ((socket.SOL_SOCKET, socket.SO_RCVBUF, 131_072),)


def test_slow_consumer_is_cut_off_and_recovers(server_factory, ws_factory):
    server = server_factory(send_queue_size=20)
    fast = ws_factory("fast", live=server)
    fast.call("channel.create", uniqueName="room")
    fast.call("channel.join", channel="room")
    slow = ws_factory("slow", live=server, sockopt=SMALL_BUFFER)
    slow.call("channel.join", channel="room")
    start = slow.hello["seq"]

    for number in range(COUNT):
        fast.call("message.send", channel="room", body=f"{number} {BODY}")
    received = [fast.event("messageAdded")["data"]["index"] for _ in range(COUNT)]
    assert received == list(range(COUNT))  # the fast reader is unaffected

    # The slow reader now reads what reached it before it was cut off, then the end.
    seen, last_seq, close_code = set(), start, None
    slow.ws.settimeout(10)
    while True:
        try:
            opcode, data = slow.ws.recv_data(control_frame=True)
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            break
        except websocket.WebSocketTimeoutException:
            raise AssertionError(f"the slow socket was not closed; it got {len(seen)} of {COUNT}") from None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            close_code = int.from_bytes(data[:2], "big")
            break
        if opcode != websocket.ABNF.OPCODE_TEXT:
            continue  # pings
        try:
            frame = json.loads(data)
        except ValueError:
            raise AssertionError(f"opcode {opcode} data {data[:60]!r} after {len(seen)}") from None
        if frame.get("event") == "messageAdded":
            seen.add(frame["data"]["index"])
            last_seq = frame["seq"]
    assert close_code in (4008, None)  # None: the connection was reset, its close frame stuck behind
    assert len(seen) < COUNT

    again = ws_factory("slow", live=server, since=last_seq)
    while len(seen) < COUNT:
        seen.add(again.event("messageAdded")["data"]["index"])
    assert seen == set(range(COUNT))


def test_a_paused_reader_within_its_queue_gets_everything_in_order(server_factory, ws_factory):
    server = server_factory(send_queue_size=1000)
    fast = ws_factory("fast", live=server)
    fast.call("channel.create", uniqueName="room")
    fast.call("channel.join", channel="room")
    paused = ws_factory("paused", live=server, sockopt=SMALL_BUFFER)
    paused.call("channel.join", channel="room")

    for number in range(COUNT):  # ~9 MB: far more than the kernel buffers, so most waits in the backlog
        fast.call("message.send", channel="room", body=f"{number} {BODY}")
    indexes = [paused.event("messageAdded", timeout=30)["data"]["index"] for _ in range(COUNT)]
    assert indexes == list(range(COUNT))
    assert paused.call("channel.unreadCount", channel="room") is None  # the socket is still open and answers
