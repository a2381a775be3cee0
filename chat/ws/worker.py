"""gunicorn's gthread worker, with WebSocket upgrades served on its accepting thread.

gthread hands every new connection to a request thread, which waits for the request, answers
it, and hands the connection back to the accepting thread to be closed or kept. For a WebSocket
upgrade, answered in about a tenth of a millisecond, those hand-offs between threads were most of
what gunicorn cost per socket (bench/README.md, "What a connection costs"). So a new connection
whose request has fully arrived and is a plain upgrade of `/ws` is served right where it was
accepted, by gunicorn's same request handling (parsing, limits, environ, access log); anything
else goes to the request threads as before. gunicorn accepts a connection and looks at it at once,
often before the client's first bytes are in: such a connection waits on the poller, holding no
thread, and is looked at again when they arrive. gunicorn.conf.py names this worker.
"""

import selectors
import socket
import time
from concurrent.futures import Future
from functools import partial

from gunicorn.workers.gthread import DEFAULT_WORKER_DATA_TIMEOUT, ThreadWorker

from .endpoint import PATH

UPGRADE = (f"GET {PATH} ".encode(), f"GET {PATH}?".encode())
HEAD_MAX = 8192  # bytes of a request head looked at; a longer head goes to a request thread
# A request with a body would keep the accepting thread reading it: such odd upgrades go the usual way.
BODY_HEADERS = (b"\r\ncontent-length:", b"\r\ntransfer-encoding:")


class Worker(ThreadWorker):
    def enqueue_req(self, conn):
        """Called on the accepting thread for a connection with a request to serve."""
        head = None if conn.initialized else peek(conn.sock)
        if head is None and not (conn.initialized or conn.data_ready) and self.alive:
            self.wait_for_request(conn)
        elif head and is_upgrade(head):
            conn.data_ready = True  # handle() need not wait for the request: it is here
            served = Future()
            served.set_result(self.handle(conn))
            self.finish_request(conn, served)  # as when a request thread is done with it
        else:
            super().enqueue_req(conn)

    def wait_for_request(self, conn):
        """Park a new, silent connection on the poller, as gthread parks one its request thread
        gave up on; its first bytes bring it back here with `data_ready` set. It is closed if
        they take longer than a request thread and then the poller would have waited."""
        conn.sock.setblocking(False)
        conn.timeout = time.monotonic() + DEFAULT_WORKER_DATA_TIMEOUT + self.cfg.keepalive
        self.pending_conns.append(conn)
        self.poller.register(conn.sock, selectors.EVENT_READ, partial(self.on_pending_socket_readable, conn))


def peek(sock: socket.socket) -> bytes | None:
    """The bytes waiting on the socket, looked at, not taken (gunicorn reads them): None when none
    has arrived yet, b"" when the client is gone."""
    try:
        return sock.recv(HEAD_MAX, socket.MSG_PEEK | socket.MSG_DONTWAIT)
    except BlockingIOError:
        return None
    except OSError:
        return b""


def is_upgrade(head: bytes) -> bool:
    """Whether the bytes hold a whole request head, without a body, upgrading `/ws`."""
    end = head.find(b"\r\n\r\n")
    if end < 0 or not head.startswith(UPGRADE):
        return False
    fields = head[:end].lower()
    return not any(name in fields for name in BODY_HEADERS)
