"""gunicorn settings for `make serve` and the Procfile, read from the same env/.env as the app.

The worker class is gthread: a WebSocket holds its thread for as long as it is open, so the sync
worker (one request at a time per process) would let a single browser tab block a worker. Threads
are started on demand, so a large pool costs nothing until sockets arrive. Several workers share
events through Redis (`REDIS_URL`); without it each worker would be an island.
"""

import ctypes
import ctypes.util

from chat import settings as chat_settings

# Every socket's threads would otherwise get glibc malloc arenas of their own (up to 8 per
# core), most of the memory an idle socket costs. Set here, before the workers fork.
M_ARENA_MAX = -8
_libc = ctypes.CDLL(ctypes.util.find_library("c"))
_libc.mallopt(M_ARENA_MAX, 2)

_settings = chat_settings.load()

if _settings.workers > 1 and not _settings.redis_url:
    raise SystemExit(
        "WEB_CONCURRENCY > 1 needs REDIS_URL: each worker has its own sockets, and without a bus "
        "shared through Redis, users on different workers would not see each other's messages. "
        "Set REDIS_URL=redis://HOST:6379/0, or run one worker (it holds thousands of sockets with WEB_THREADS)."
    )

bind = f"0.0.0.0:{_settings.port}"
worker_class = "gthread"
workers = _settings.workers
threads = _settings.threads
worker_connections = _settings.threads + 100
timeout = 60
graceful_timeout = 10
accesslog = "-"
