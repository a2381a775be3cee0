"""`GET /healthz`: 200 when the database (and Redis, when configured) answer, 503 naming the
part that failed. No credentials needed and nothing secret in the answer; one small query and
one PING, so a load balancer may call it every second."""

import logging

import redis
from flask import Flask, current_app, jsonify

from . import metrics

log = logging.getLogger(__name__)
REDIS_TIMEOUT = 1.0  # seconds; a health check must answer quickly even when Redis does not


class Health:
    def __init__(self, store, redis_url: str):
        self.store = store
        self.redis = (
            redis.Redis.from_url(redis_url, socket_connect_timeout=REDIS_TIMEOUT, socket_timeout=REDIS_TIMEOUT)
            if redis_url
            else None
        )

    def check(self) -> dict[str, str]:
        parts = {"database": self._database()}
        if self.redis is not None:
            parts["redis"] = self._redis()
        return parts

    def _database(self) -> str:
        try:
            self.store.backend.ping()
        except Exception as error:  # any failure means "not healthy"; the log keeps the detail
            metrics.DATABASE_ERRORS.inc()
            log.warning("health check: database failed: %s", error)
            return "failing"
        return "ok"

    def _redis(self) -> str:
        try:
            self.redis.ping()
        except redis.RedisError as error:
            metrics.REDIS_ERRORS.inc()
            log.warning("health check: Redis failed: %s", error)
            return "failing"
        return "ok"


def init_app(app: Flask) -> None:
    chat = app.extensions["chat"]
    app.extensions["health"] = Health(chat.store, chat.settings.redis_url)
    app.add_url_rule("/healthz", "healthz", healthz)


def healthz():
    parts = current_app.extensions["health"].check()
    healthy = all(state == "ok" for state in parts.values())
    response = jsonify(status="ok" if healthy else "failing", **parts)
    response.status_code = 200 if healthy else 503
    response.headers["Cache-Control"] = "no-store"
    return response
