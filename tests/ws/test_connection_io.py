"""How the server reads and closes WebSockets (chat/ws/reactor.py): fragmented messages, control
frames, the closing handshake, and idle sockets that hold no thread."""

import json
import socket
import threading
import time

import websocket
from ws_client import WsClient


def next_control_frame(client: WsClient, timeout: float = 10) -> tuple[int, bytes]:
    client.ws.settimeout(timeout)
    while True:
        opcode, data = client.ws.recv_data(control_frame=True)
        if opcode in (websocket.ABNF.OPCODE_PING, websocket.ABNF.OPCODE_PONG, websocket.ABNF.OPCODE_CLOSE):
            return opcode, data


def test_a_command_split_over_fragments_is_one_message(server, ws_factory):
    client = ws_factory("alice")
    text = json.dumps(
        {"id": 7, "cmd": "channel.create", "args": {"uniqueName": "fragmented", "friendlyName": "é" * 50}}
    )
    cut = len(text) // 3
    client.ws.send_frame(websocket.ABNF.create_frame(text[:cut], websocket.ABNF.OPCODE_TEXT, fin=0))
    client.ws.send_frame(websocket.ABNF.create_frame(text[cut : 2 * cut], websocket.ABNF.OPCODE_CONT, fin=0))
    client.ws.send_frame(websocket.ABNF.create_frame(text[2 * cut :], websocket.ABNF.OPCODE_CONT, fin=1))
    while 7 not in client.replies:
        client.read()
    assert client.replies[7]["result"]["friendly_name"] == "é" * 50
    assert client.call("channel.get", channel="fragmented")["unique_name"] == "fragmented"


def test_pings_are_answered_with_their_payload(server, ws_factory):
    client = ws_factory("alice")
    client.ws.ping(b"are you there")
    assert next_control_frame(client) == (websocket.ABNF.OPCODE_PONG, b"are you there")
    assert client.call("channels.subscribed") == []  # the connection carries on


def test_the_server_pings_and_closes_a_client_that_never_answers(server_factory):
    server = server_factory(ping_interval=1)
    # A bare TCP client: websocket-client would answer the pings by itself.
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as raw:
        raw.sendall(
            b"GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
        )
        received = b""
        while b"\x88" not in received.partition(b"\r\n\r\n")[2]:
            chunk = raw.recv(4096)
            assert chunk, received
            received += chunk
    head, _, frames = received.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 101")
    ping, close = frames[:2], frames[2:]
    assert ping == b"\x89\x00"
    assert close[0] == 0x88 and int.from_bytes(close[2:4], "big") == 1008


def test_a_client_close_is_answered_with_its_code_and_ends_the_session(server, ws_factory):
    alice = ws_factory("alice")
    watcher = ws_factory("bob")
    assert watcher.call("user.get", identity="alice")["is_online"] is True
    alice.ws.send_close(status=4321, reason=b"bye")
    opcode, data = next_control_frame(alice)
    assert (opcode, int.from_bytes(data[:2], "big")) == (websocket.ABNF.OPCODE_CLOSE, 4321)
    watcher.event("userUpdated", identity="alice", is_online=False)


def test_idle_sockets_hold_no_thread(server, ws_factory):
    clients = [ws_factory(f"idle{i}") for i in range(5)]
    before = threading.active_count()
    clients += [ws_factory(f"idle{i}") for i in range(5, 105)]
    time.sleep(0.5)
    # The server runs in this process: 100 more open sockets must not mean 100 more threads.
    assert threading.active_count() - before < 20
    for client in clients[::25]:
        assert client.call("channels.subscribed") == []
