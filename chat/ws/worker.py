"""gunicorn's gthread worker, with WebSocket upgrades served on its accepting thread.

gthread hands every new connection to a request thread, which waits for the request, answers
it, and hands the connection back to the accepting thread to be closed or kept. For a WebSocket
upgrade, answered in about a tenth of a millisecond, those hand-offs between threads were most of
what gunicorn cost per socket (bench/README.md, "What a connection costs"). So a new connection
whose request has fully arrived and is a plain upgrade of `/ws` is served right where it was
accepted, by gunicorn's same request handling (parsing, limits, environ, access log); anything
else, or anything still arriving, goes to the request threads as before. gunicorn.conf.py names
this worker.
"""

import socket
from concurrent.futures import Future

from gunicorn.workers.gthread import ThreadWorker

from .endpoint import PATH

UPGRADE = (f"GET {PATH} ".encode(), f"GET {PATH}?".encode())
HEAD_MAX = 8192  # bytes of a request head looked at; a longer head goes to a request thread
# A request with a body would keep the accepting thread reading it: such odd upgrades go the usual way.
BODY_HEADERS = (b"\r\ncontent-length:", b"\r\ntransfer-encoding:")


class Worker(ThreadWorker):
    def enqueue_req(self, conn):
        """Called on the accepting thread for a connection with a request to serve."""
        if conn.initialized or not upgrade_waiting(conn.sock):
            super().enqueue_req(conn)
            return
        conn.data_ready = True  # handle() need not wait for the request: it is here
        served = Future()
        served.set_result(self.handle(conn))
        self.finish_request(conn, served)  # as when a request thread is done with it


def upgrade_waiting(sock: socket.socket) -> bool:
    """Whether the socket holds a whole request head, without a body, upgrading `/ws` (looked at,
    not taken: gunicorn reads it)."""
    try:
        head = sock.recv(HEAD_MAX, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except OSError:  # nothing there yet, or the client is gone
        return False
    end = head.find(b"\r\n\r\n")
    if end < 0 or not head.startswith(UPGRADE):
        return False
    fields = head[:end].lower()
    return not any(name in fields for name in BODY_HEADERS)
