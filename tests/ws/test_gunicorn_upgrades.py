"""Under gunicorn (chat/ws/worker.py) a WebSocket upgrade is served on the thread that accepted
the connection: sockets connect while every request thread is busy, also when their upgrade
arrives after the connection was accepted. A refused upgrade gets Twilio's error shape: closing the
connection when its head was read on the quick path (a plain upgrade), kept alive for further
requests when gunicorn's parser read it (fields gunicorn interprets, here a proxy's scheme)."""

import base64
import json
import os
import socket
import time

import pytest
import websocket
from webhook_receiver import wait_until
from ws_client import WsClient, close_code


def request_head(path: str, *fields: str) -> bytes:
    return "\r\n".join([f"GET {path} HTTP/1.1", "Host: 127.0.0.1", *fields, "", ""]).encode()


def read_response(sock: socket.socket) -> bytes:
    """One response with a Content-Length body."""
    data = b""
    while b"\r\n\r\n" not in data:
        data += sock.recv(65536)
    head, _, body = data.partition(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += sock.recv(65536)
    return head + b"\r\n\r\n" + body


def upgrade_head(key: str) -> bytes:
    return request_head(
        "/ws", "Upgrade: websocket", "Connection: Upgrade", "Sec-WebSocket-Version: 13", f"Sec-WebSocket-Key: {key}"
    )


def test_sockets_connect_while_every_request_thread_is_busy(gunicorn_factory):
    server = gunicorn_factory(workers=1, threads=1)
    # The one request thread reads a request whose head never ends (until this socket closes).
    stuck = socket.create_connection(("127.0.0.1", server.port))
    stuck.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: 127.0.0.1\r\n")
    time.sleep(0.3)  # let the thread take it
    try:
        # A client whose upgrade comes a moment after its connection was accepted.
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as late:
            time.sleep(0.3)
            late.sendall(upgrade_head(base64.b64encode(os.urandom(16)).decode()))
            assert late.recv(65536).startswith(b"HTTP/1.1 101 ")
        ws = websocket.create_connection(server.ws_url, timeout=5)
        ws.send(json.dumps({"id": 1, "cmd": "hello", "args": {"token": server.token("alice")}}))
        reply = json.loads(ws.recv())
        assert reply["reply"] == 1 and reply["result"]["identity"] == "alice"
        ws.close()
    finally:
        stuck.close()


def refused(sock: socket.socket, *extra: str) -> bytes:
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        upgrade_head(key).replace(b"Version: 13", b"Version: 12")[:-2]
        + "".join(f"{f}\r\n" for f in extra).encode()
        + b"\r\n"
    )
    answer = read_response(sock)
    assert answer.startswith(b"HTTP/1.1 426 ")
    assert b"\r\nSec-WebSocket-Version: 13\r\n" in answer
    assert json.loads(answer.partition(b"\r\n\r\n")[2])["code"] == 20001
    return answer


def test_a_refused_plain_upgrade_is_answered_and_the_connection_closed(gunicorn_factory):
    server = gunicorn_factory(workers=1)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        assert b"\r\nConnection: close\r\n" in refused(sock)
        assert sock.recv(1) == b""


def test_a_refused_upgrade_read_by_gunicorn_keeps_the_connection_for_more_requests(gunicorn_factory):
    server = gunicorn_factory(workers=1)
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        refused(sock, "X-Forwarded-Proto: https")
        sock.sendall(request_head("/openapi.json"))  # the same connection, kept alive
        assert read_response(sock).startswith(b"HTTP/1.1 200 ")


def test_a_plain_upgrade_brings_the_app_its_address_origin_and_proxy_fields(gunicorn_factory):
    """Read on the quick path, the head still reaches the app whole: the origin check, and the
    client's address from X-Forwarded-For behind PROXY_HOPS (here capped at one socket waiting
    for hello per address)."""
    server = gunicorn_factory(workers=1, PROXY_HOPS="1", UNAUTHENTICATED_SOCKETS_PER_ADDRESS="1")
    with pytest.raises(websocket.WebSocketBadStatusException) as foreign:
        websocket.create_connection(server.ws_url, timeout=5, origin="https://evil.example")
    assert foreign.value.status_code == 403

    def from_address(address: str) -> WsClient:
        return WsClient(server.ws_url + "?v=1", header=[f"X-Forwarded-For: {address}"])

    waiting, again, other = (from_address(a) for a in ("203.0.113.7", "203.0.113.7", "198.51.100.9"))
    try:
        assert close_code(again) == 4029  # the same client address: refused
        assert other.call("hello", token=server.token("bob"))["identity"] == "bob"
        assert waiting.call("hello", token=server.token("alice"))["identity"] == "alice"
    finally:
        for client in (waiting, again, other):
            client.close()


def test_sockets_that_come_and_go_leave_no_descriptor_behind(gunicorn_factory):
    server = gunicorn_factory(workers=1)
    (worker,) = server.worker_pids()

    def descriptors() -> int:
        return len(os.listdir(f"/proc/{worker}/fd"))

    def come_and_go(count: int) -> None:
        clients = [WsClient(server.ws_url) for _ in range(count)]
        for number, client in enumerate(clients):
            client.call("hello", token=server.token(f"user{number}"))
        for client in clients:
            client.close()

    come_and_go(5)  # the worker's threads and database connections, opened once
    before = descriptors()  # (give or take the last of those 5 sockets: 50 left open would show)
    come_and_go(50)
    wait_until(lambda: descriptors() <= before, message=f"{descriptors()} descriptors, {before} before")
