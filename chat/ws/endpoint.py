"""The `/ws` endpoint: the HTTP upgrade, then the socket goes to a Connection (connection.py).

The upgrade is answered here, in front of Flask, because it is most of what connecting costs:
routing, the request context and a general-purpose handshake library took about half of the
server's time while 1,000 clients connected (bench/README.md, "Connecting"). What is left is
RFC 6455's handshake: check the request, answer 101 with the accept key, and hand the socket
to the reactor. Frames are then read by chat/ws/inbound.py.
"""

import base64
import hashlib
import json
import os
import socket
from http import HTTPStatus

from ..errors import ChatError, bad_request, forbidden
from .connection import Connection

PATH = "/ws"
TAKE_SOCKET = "chat.take_socket"  # environ key: a callable giving the app the connection's socket for good
GUID = b"258EAFA5-E914-47DA-95CA-C5AB0DC85B11"  # RFC 6455, section 1.3


def init_app(app) -> None:
    app.wsgi_app = Upgrades(app.wsgi_app, app.extensions["chat"])


class Upgrades:
    """WSGI middleware: answers WebSocket upgrades on `/ws`, passes everything else on."""

    def __init__(self, wsgi_app, chat):
        self.wsgi_app = wsgi_app
        self.chat = chat

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != PATH:
            return self.wsgi_app(environ, start_response)
        own = f"{environ.get('wsgi.url_scheme', 'http')}://{environ.get('HTTP_HOST', '')}"
        try:
            key = self._check(environ, own)
        except ChatError as error:
            body = json.dumps(error.to_dict()).encode()
            headers = [("Content-Type", "application/json"), ("Content-Length", str(len(body)))]
            if error.status == 426:
                headers.append(("Sec-WebSocket-Version", "13"))
            start_response(f"{error.status} {HTTPStatus(error.status).phrase}", headers)
            return [body]
        server_sock = environ.get("gunicorn.socket") or environ.get("werkzeug.socket")
        if server_sock is None:
            raise RuntimeError("this WSGI server does not give its socket to the app (run gunicorn or flask run)")
        accept = base64.b64encode(hashlib.sha1(key.encode() + GUID).digest()).decode()
        address = environ.get("REMOTE_ADDR") or ""
        # Counted before the client hears 101, so that a client opening sockets one after another
        # is refused the one over the limit, never an earlier one still being handed over.
        refusal = self.chat.admission.admit(address)
        try:
            server_sock.sendall(
                b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                b"Sec-WebSocket-Accept: " + accept.encode() + b"\r\n\r\n"
            )
            # A server that can let go of the connection says so (chat/ws/worker.py); from any
            # other the socket is taken from under it.
            take = environ.get(TAKE_SOCKET)
            sock = take() if take is not None else _take_socket(server_sock)
            connection = Connection(self.chat, sock, address, own)
        except BaseException:
            if refusal is None:
                self.chat.admission.closed(address, authenticated=False)
            raise
        connection.open(refusal)
        if "gunicorn.socket" in environ:
            raise StopIteration  # gunicorn's way to end a request that wrote its own response
        start_response("200 OK", [])  # written to the spare socket (_take_socket): nobody reads it
        return []

    def _check(self, environ, own: str) -> str:
        """The client's key, once the request is a WebSocket upgrade we accept (`own`: the
        scheme://host this request reached)."""
        upgrade = "websocket" in environ.get("HTTP_UPGRADE", "").lower()
        if (
            environ.get("REQUEST_METHOD") != "GET"
            or not upgrade
            or "upgrade" not in environ.get("HTTP_CONNECTION", "").lower()
        ):
            raise bad_request("Expected a WebSocket upgrade")
        if environ.get("HTTP_SEC_WEBSOCKET_VERSION") != "13":
            raise ChatError(426, 20001, "Unsupported WebSocket version: this server speaks 13")
        key = environ.get("HTTP_SEC_WEBSOCKET_KEY", "")
        try:
            valid = len(base64.b64decode(key, validate=True)) == 16
        except ValueError:
            valid = False
        if not valid:
            raise bad_request("Sec-WebSocket-Key must be 16 bytes in base64")
        # Browsers send Origin on WebSocket handshakes and CORS does not protect them: accept only
        # our own origin and ALLOWED_ORIGINS. Clients without Origin (bots, SDK tests) are fine.
        # No extension is accepted (permessage-deflate would give each socket its own zlib state,
        # hundreds of KB, where an event's frame is now encoded once for all its recipients).
        origin = environ.get("HTTP_ORIGIN")
        if origin is not None and origin.rstrip("/") not in {own, *self.chat.settings.allowed_origins}:
            raise forbidden("This origin may not open a WebSocket here")
        return key


def _take_socket(server_sock: socket.socket) -> socket.socket:
    """Keep the TCP connection past the end of this request. The HTTP server shuts down and
    closes its socket when the request ends, so we keep a duplicate of the descriptor and point
    the server's descriptor at a spare socket whose peer is already gone."""
    ours = server_sock.dup()
    ours.setblocking(False)
    spare, gone = socket.socketpair()
    os.dup2(spare.fileno(), server_sock.fileno())
    spare.close()
    gone.close()
    return ours
