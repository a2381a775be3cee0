"""Under gunicorn (chat/ws/worker.py) a WebSocket upgrade is served on the thread that accepted
the connection: sockets connect while every request thread is busy, also when their upgrade
arrives after the connection was accepted, and a refused upgrade is answered the same way, on a
connection that then serves plain requests as before."""

import base64
import json
import os
import socket
import time

import websocket


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


def test_a_refused_upgrade_is_answered_and_the_connection_serves_on(gunicorn_factory):
    server = gunicorn_factory(workers=1)
    key = base64.b64encode(os.urandom(16)).decode()
    with socket.create_connection(("127.0.0.1", server.port), timeout=5) as sock:
        sock.sendall(upgrade_head(key).replace(b"Version: 13", b"Version: 12"))
        refused = read_response(sock)
        assert refused.startswith(b"HTTP/1.1 426 ")
        assert b"\r\nSec-WebSocket-Version: 13\r\n" in refused
        assert json.loads(refused.partition(b"\r\n\r\n")[2])["code"] == 20001
        sock.sendall(request_head("/openapi.json"))  # the same connection, kept alive
        assert read_response(sock).startswith(b"HTTP/1.1 200 ")
