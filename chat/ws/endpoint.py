"""The `/ws` endpoint: the HTTP upgrade, then the socket goes to a Connection (connection.py)."""

import os
import socket

from flask import Blueprint, abort, current_app, request
from flask_sock import Sock

from .connection import Connection

sock = Sock()
bp = Blueprint("realtime", __name__)


def init_app(app) -> None:
    # simple-websocket does the handshake; the reactor reads instead of its thread per socket.
    app.config["SOCK_SERVER_OPTIONS"] = {"thread_class": _NoReaderThread}
    sock.init_app(app)
    app.register_blueprint(bp)


class _NoReaderThread:
    name = "ws-reader"

    def __init__(self, target):
        pass

    def start(self) -> None:
        pass


@bp.before_app_request
def check_origin():
    """Browsers send Origin on WebSocket handshakes and CORS does not protect them: accept only
    our own origin and ALLOWED_ORIGINS. Clients without Origin (bots, SDK tests) are fine."""
    if request.path != "/ws":
        return None
    # No permessage-deflate: an event's frame is encoded once for all its recipients, and each
    # socket would otherwise carry its own zlib state (hundreds of KB) for compressing.
    request.environ.pop("HTTP_SEC_WEBSOCKET_EXTENSIONS", None)
    origin = request.headers.get("Origin")
    if origin is None:
        return None
    allowed = {request.host_url.rstrip("/"), *current_app.extensions["chat"].settings.allowed_origins}
    if origin.rstrip("/") not in allowed:
        abort(403)
    return None


@sock.route("/ws", bp=bp)
def websocket(ws):
    """Hand the socket to the reactor; this request's thread goes back to serving requests."""
    Connection(current_app.extensions["chat"], _take_socket(ws.sock), ws.ws, request.remote_addr or "").open()
    ws.connected = False  # ours now: flask-sock must not send a close frame on it


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
