"""gunicorn's gthread worker, with WebSocket upgrades served on its accepting thread.

gthread hands every new connection to a request thread, which waits for the request, answers
it, and hands the connection back to the accepting thread to be closed or kept. For a WebSocket
upgrade, answered in about a tenth of a millisecond, those hand-offs between threads were most of
what gunicorn cost per socket (bench/README.md, "What a connection costs"). So a new connection
whose request has fully arrived and is an upgrade of `/ws` is served right where it was accepted;
anything else goes to the request threads as before. gunicorn accepts a connection and looks at
it at once, often before the client's first bytes are in: such a connection waits on the poller,
holding no thread, and is looked at again when they arrive.

A plain upgrade (the request line, then header fields that are tokens and printable values, each
once, none that gunicorn interprets itself: no body, no proxy scheme headers) skips gunicorn's
general parser, the next largest cost per socket: its head is read here into the WSGI environ
the app needs. Any other upgrade gets gunicorn's own request handling (parsing, limits, proxy
headers), still on this thread. gunicorn.conf.py names this worker.
"""

import io
import re
import selectors
import socket
import time
from concurrent.futures import Future
from functools import partial
from http import HTTPStatus

from gunicorn.http.wsgi import base_environ
from gunicorn.workers.gthread import DEFAULT_WORKER_DATA_TIMEOUT, ThreadWorker

from .endpoint import PATH, TAKE_SOCKET

UPGRADE = (f"GET {PATH} ".encode(), f"GET {PATH}?".encode())
HEAD_MAX = 8192  # bytes of a request head looked at; a longer head goes to a request thread
# A request with a body would keep the accepting thread reading it: such odd upgrades go the usual way.
BODY_HEADERS = (b"\r\ncontent-length:", b"\r\ntransfer-encoding:")
REQUEST_LINE = re.compile(rb"GET (" + re.escape(PATH.encode()) + rb"(?:\?[!-~]*)?) HTTP/1\.1\r\n")
FIELD = re.compile(rb"([!#$%&'*+.^`|~0-9A-Za-z-]+):[ \t]*([\t -~]*?)[ \t]*\r\n")  # no "_": gunicorn's rules
# Fields gunicorn gives a meaning of its own (a body, 100-continue, a proxy's scheme): its parser reads them.
GUNICORNS = frozenset({"CONTENT-LENGTH", "CONTENT-TYPE", "TRANSFER-ENCODING", "EXPECT", "FORWARDED"})


class Worker(ThreadWorker):
    def init_process(self):
        self.environ = base_environ(self.cfg) | {"wsgi.multithread": True, "wsgi.url_scheme": "http"}
        self.theirs = GUNICORNS | {name.upper() for name in self.cfg.secure_scheme_headers}
        super().init_process()

    def enqueue_req(self, conn):
        """Called on the accepting thread for a connection with a request to serve."""
        head = None if conn.initialized else peek(conn.sock)
        if head is None and not (conn.initialized or conn.data_ready) and self.alive:
            self.wait_for_request(conn)
        elif head and is_upgrade(head):
            if not self.upgrade(conn, head):
                conn.data_ready = True  # handle() need not wait for the request: it is here
                self.done(conn, self.handle(conn))
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

    def upgrade(self, conn, head: bytes) -> bool:
        """Serve a plain upgrade (False: it is not one, gunicorn must). The app takes the socket;
        a refusal is answered and the connection closed."""
        request = plain_request(head, self.cfg, self.theirs)
        if request is None or not isinstance(conn.client, tuple):
            return False
        size, target, fields = request
        conn.sock.setblocking(True)
        conn.sock.recv(size)  # the head, looked at already
        path, _, query = target.partition("?")
        environ = self.environ | fields
        environ.update(
            {
                "wsgi.input": io.BytesIO(),
                "gunicorn.socket": conn.sock,
                "REQUEST_METHOD": "GET",
                "RAW_URI": target,
                "SCRIPT_NAME": "",
                "PATH_INFO": path,
                "QUERY_STRING": query,
                "SERVER_PROTOCOL": "HTTP/1.1",
                "REMOTE_ADDR": conn.client[0],
                "REMOTE_PORT": str(conn.client[1]),
                "SERVER_NAME": str(conn.server[0]),
                "SERVER_PORT": str(conn.server[1]),
            }
        )
        taken = False

        def take_socket() -> socket.socket:  # gunicorn forgets the connection; the socket is the app's
            nonlocal taken
            sock, taken = conn.sock, True
            ours = socket.socket(sock.family, sock.type, sock.proto, fileno=sock.detach())
            ours.setblocking(False)
            return ours

        environ[TAKE_SOCKET] = take_socket
        answer = []
        try:
            body = self.wsgi(environ, lambda status, headers, exc_info=None: answer.extend((status, headers)))
        except StopIteration:  # the app is done with the request (chat/ws/endpoint.py)
            pass
        except Exception:
            self.log.exception("Error handling a WebSocket upgrade")
        else:
            status, headers = answer or (f"{HTTPStatus.INTERNAL_SERVER_ERROR.value} Internal Server Error", [])
            lines = [f"HTTP/1.1 {status}", *(f"{name}: {value}" for name, value in headers), "Connection: close"]
            try:
                conn.sock.sendall("\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + b"".join(body))
            except OSError:
                pass
        if taken:
            self.nr_conns -= 1  # as finish_request counts a closed connection
        else:
            self.done(conn, False)
        return True

    def done(self, conn, keep: bool) -> None:
        """As when a request thread is done with the connection: keep it alive, or close it."""
        served = Future()
        served.set_result(keep)
        self.finish_request(conn, served)


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


def plain_request(head: bytes, cfg, theirs: frozenset[str]) -> tuple[int, str, dict] | None:
    """(bytes of the head, request target, HTTP_* fields) of a plain upgrade head within
    gunicorn's limits, or None for gunicorn's parser to read."""
    line = REQUEST_LINE.match(head)
    if line is None or line.end() - 2 > cfg.limit_request_line:
        return None
    fields = {}
    at = line.end()
    while not head.startswith(b"\r\n", at):
        field = FIELD.match(head, at)
        if field is None or field.end() - at - 2 > cfg.limit_request_field_size:
            return None
        name = field[1].decode().upper()
        key = "HTTP_" + name.replace("-", "_")
        if name in theirs or key in fields or len(fields) == cfg.limit_request_fields:
            return None
        fields[key] = field[2].decode()
        at = field.end()
    return at + 2, line[1].decode(), fields
