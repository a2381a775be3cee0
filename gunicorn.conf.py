"""gunicorn settings for `make serve` and the Procfile, read from the same env/.env as the app.

The worker class is gthread's (chat/ws/worker.py: WebSocket upgrades are served on its accepting
thread): requests are served by a pool of threads, and keep-alive connections wait on
gunicorn's poller. A WebSocket holds no thread: after its handshake the socket belongs to the
app's reactor (chat/ws/reactor.py). Several workers share events through
Redis (`REDIS_URL`); without it each worker would be an island.
"""

import ctypes
import ctypes.util
import os
import tempfile

# /metrics adds up every worker's values only if each writes them to files in one folder, named
# before anything imports prometheus_client (chat.metrics); a fresh folder per start.
os.environ.setdefault("PROMETHEUS_MULTIPROC_DIR", tempfile.mkdtemp(prefix="chat-metrics-"))

from chat import settings as chat_settings  # noqa: E402

# Threads would otherwise get glibc malloc arenas of their own (up to 8 per core), memory that
# stays with the process. Set here, before the workers fork.
M_ARENA_MAX = -8
_libc = ctypes.CDLL(ctypes.util.find_library("c"))
_libc.mallopt(M_ARENA_MAX, 2)

_settings = chat_settings.load()

if _settings.workers > 1 and not _settings.redis_url:
    raise SystemExit(
        "WEB_CONCURRENCY > 1 needs REDIS_URL: each worker has its own sockets, and without a bus "
        "shared through Redis, users on different workers would not see each other's messages. "
        "Set REDIS_URL=redis://HOST:6379/0, or run one worker (it holds thousands of sockets)."
    )

if not _settings.secret_key:
    raise SystemExit(
        "SECRET_KEY is missing: it signs each browser's identity cookie. Set it to a random value of at least"
        " 32 characters (`make run` writes one into .env; e.g. python -c 'import secrets; print(secrets.token_urlsafe(32))')."
    )

bind = f"0.0.0.0:{_settings.port}"
worker_class = "chat.ws.worker.Worker"
workers = _settings.workers
threads = _settings.threads
worker_connections = 1000  # HTTP connections at once (keep-alive included; WebSockets not)
timeout = 60
graceful_timeout = 10
accesslog = "-"


def worker_exit(server, worker):
    """Close every WebSocket with 1001 (going away) so clients reconnect and resume at once."""
    app = getattr(worker, "wsgi", None)
    if app is not None:
        app.extensions["chat"].close()


def child_exit(server, worker):
    """A dead worker's open-sockets gauge no longer counts (prometheus_client multiprocess mode)."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)
