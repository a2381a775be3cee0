"""Prometheus metrics (`GET /metrics`, docs/console.md).

prometheus_client keeps metrics in module-level objects by design; in multiprocess mode (several
gunicorn workers, `PROMETHEUS_MULTIPROC_DIR` set before this module is imported, which
gunicorn.conf.py does) each worker writes its values to files in that folder and a scrape adds
them up, whichever worker answers it. Names follow Prometheus' conventions (`_total`, `_seconds`).
"""

import collections
import hmac
import os
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, Response, current_app, g, got_request_exception, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

from . import store
from .account import is_account
from .errors import ChatError

SOCKETS = Gauge("chat_sockets_open", "WebSockets open (attached to the hub)", multiprocess_mode="livesum")
COMMANDS = Counter("chat_commands_total", "WebSocket commands by name and outcome", ["command", "status"])
COMMAND_SECONDS = Histogram("chat_command_seconds", "WebSocket command latency", ["command"])
REST = Counter("chat_rest_requests_total", "REST requests by operation and status", ["operation", "method", "status"])
REST_SECONDS = Histogram("chat_rest_request_seconds", "REST request latency", ["operation"])
MESSAGES = Counter("chat_messages_sent_total", "Messages stored (REST, WebSocket, console)")
EVENTS = Counter("chat_events_published_total", "Committed events published to the bus, by type", ["type"])
WEBHOOK_ATTEMPTS = Counter(
    "chat_webhook_attempts_total", "Post-event webhook attempts by outcome (delivered, retrying, failed)", ["outcome"]
)
SLOW_CONSUMER_CLOSES = Counter("chat_slow_consumer_closes_total", "Sockets closed with 4008 (reader too slow)")
DATABASE_ERRORS = Counter("chat_database_errors_total", "Database errors seen by requests, commands and health checks")
REDIS_ERRORS = Counter("chat_redis_errors_total", "Redis errors seen by the bus and health checks")

UNKNOWN = "unknown"


def is_database_error(error: BaseException) -> bool:
    return isinstance(error, store.ERRORS)


@contextmanager
def command(name: str) -> Iterator[None]:
    """Count and time one WebSocket command; the status is "ok" or the error's HTTP status."""
    started = time.perf_counter()
    status = "ok"
    try:
        yield
    except ChatError as error:
        status = str(error.status)
        raise
    except BaseException as error:
        status = "500"
        if is_database_error(error):
            DATABASE_ERRORS.inc()
        raise
    finally:
        COMMANDS.labels(name, status).inc()
        COMMAND_SECONDS.labels(name).observe(time.perf_counter() - started)


def published(events: list) -> None:
    """Count committed events as they go to the bus (counted once, by the process that wrote them):
    one increment per type, not per event (a storm of connects publishes hundreds at once)."""
    for type, count in collections.Counter(event.type for event in events).items():
        EVENTS.labels(type).inc(count)
        if type == "messageAdded":
            MESSAGES.inc(count)


def init_app(app: Flask) -> None:
    app.before_request(_start_timer)
    app.after_request(_count_rest)
    got_request_exception.connect(_count_exception, app)
    app.add_url_rule("/metrics", "metrics", scrape)


def _start_timer() -> None:
    g.metrics_started = time.perf_counter()


def _count_rest(response):
    if request.blueprint in ("api", "api_v1"):
        operation = (request.endpoint or UNKNOWN).rpartition(".")[2]
        REST.labels(operation, request.method, str(response.status_code)).inc()
        started = g.get("metrics_started")
        if started is not None:
            REST_SECONDS.labels(operation).observe(time.perf_counter() - started)
    return response


def _count_exception(sender, exception, **extra) -> None:
    if is_database_error(exception):
        DATABASE_ERRORS.inc()


def _authorised() -> bool:
    """The account's credentials (HTTP Basic, as REST), or `Authorization: Bearer METRICS_TOKEN`."""
    settings = current_app.extensions["chat"].settings
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and settings.metrics_token:
        return hmac.compare_digest(token.strip().encode(), settings.metrics_token.encode())
    credentials = request.authorization
    return bool(
        credentials
        and credentials.type == "basic"
        and is_account(settings, credentials.username or "", credentials.password or "")
    )


def scrape():
    if not _authorised():
        return Response(
            "Authenticate with the account credentials or METRICS_TOKEN\n",
            401,
            {"WWW-Authenticate": 'Basic realm="metrics"', "Content-Type": "text/plain; charset=utf-8"},
        )
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)
    else:
        registry = REGISTRY
    return Response(generate_latest(registry), 200, {"Content-Type": CONTENT_TYPE_LATEST, "Cache-Control": "no-store"})
