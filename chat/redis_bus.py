"""The bus between gunicorn workers: Redis pub/sub, with the durable log as the source of truth.

Each worker dispatches its own committed events to its hub at once, and a publisher thread
forwards them to Redis in batches, off the request path. A listener thread dispatches what the
other workers publish. Redis pub/sub is at-most-once (a slow or reconnecting subscriber loses
messages), so nothing relies on it arriving: events carry their global `seq`, the hub fills any
gap from SQLite, and the listener compares the log's newest `seq` with the hub's every
`CATCH_UP_INTERVAL` seconds. While Redis is down the app keeps serving; events from other
workers then arrive through that check, and the listener reconnects with backoff.
"""

import json
import logging
import queue
import threading
import time
import uuid
from collections.abc import Callable

import redis
from redis.backoff import NoBackoff
from redis.retry import Retry

from . import metrics
from .bus import Hub
from .events import Event

log = logging.getLogger(__name__)

CATCH_UP_INTERVAL = 1.0  # seconds between checks of the log for events the bus did not bring
PUBLISH_QUEUE = 100_000  # batches waiting for Redis; beyond that other workers fill from the log
PUBLISH_BATCH = 500  # event batches sent as one Redis message
BACKOFF_FIRST, BACKOFF_MAX = 0.1, 5.0


def encode(origin: str, batches: list[list[Event]]) -> str:
    events = [[e.service_sid, e.scope, e.target, e.type, e.payload, e.seq] for batch in batches for e in batch]
    return json.dumps({"origin": origin, "events": events}, separators=(",", ":"))


def decode(text: bytes) -> tuple[str, list[Event]]:
    message = json.loads(text)
    return message["origin"], [Event(*fields) for fields in message["events"]]


class RedisBus:
    def __init__(self, hub: Hub, url: str, channel: str, latest: Callable[[], int], verify_tls: bool = True):
        self.hub = hub
        self.channel = channel
        self._latest = latest
        self.origin = uuid.uuid4().hex  # this worker: its own messages come back and are skipped
        # Errors surface at once (no retries inside redis-py): the threads below own the backoff.
        # Heroku Redis serves rediss:// with a self-signed certificate: REDIS_TLS_VERIFY=false.
        tls = {} if verify_tls or not url.startswith("rediss://") else {"ssl_cert_reqs": None}
        self._redis = redis.Redis.from_url(
            url, socket_connect_timeout=2, socket_timeout=5, retry=Retry(NoBackoff(), 0), **tls
        )
        self._outbox: queue.Queue = queue.Queue(PUBLISH_QUEUE)
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pubsub = None
        self._catch_up_failing = False

    def publish(self, events: list[Event]) -> None:
        """Deliver to this worker's sockets now; hand the events to the publisher thread."""
        self.hub.dispatch(events)
        try:
            self._outbox.put_nowait(events)
        except queue.Full:
            pass  # Redis is not keeping up: the other workers fill these from the log

    def start(self) -> None:
        for target, name in ((self._listen, "bus-listener"), (self._forward, "bus-publisher")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def stop(self) -> None:
        self._stopping.set()
        self._outbox.put(None)
        for thread in self._threads:
            thread.join(timeout=5)
        self._redis.close()

    # --- publisher ----------------------------------------------------------------------------
    def _forward(self) -> None:
        healthy = True
        while True:
            batches = [self._outbox.get()]
            while len(batches) < PUBLISH_BATCH:
                try:
                    batches.append(self._outbox.get_nowait())
                except queue.Empty:
                    break
            if None in batches:
                return
            try:
                self._redis.publish(self.channel, encode(self.origin, batches))
                if not healthy:
                    log.info("Redis publishing works again")
                healthy = True
            except redis.RedisError as error:
                metrics.REDIS_ERRORS.inc()
                # The events are committed: the other workers find them in the log.
                if healthy:
                    log.warning("Redis publish failed (%s); other workers will read these events from the log", error)
                healthy = False
                self._stopping.wait(BACKOFF_FIRST)

    # --- listener -----------------------------------------------------------------------------
    def _listen(self) -> None:
        backoff = BACKOFF_FIRST
        down = False
        while not self._stopping.is_set():
            pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
            try:
                pubsub.subscribe(self.channel)
                if down:
                    log.info("Redis is back; filling the gap from the log")
                down, backoff = False, BACKOFF_FIRST
                self._receive(pubsub)
            except redis.RedisError as error:
                metrics.REDIS_ERRORS.inc()
                if not down:
                    log.warning("Redis bus lost (%s); reading other workers' events from the log meanwhile", error)
                down = True
                self._wait_catching_up(backoff)
                backoff = min(backoff * 2, BACKOFF_MAX)
            finally:
                try:
                    pubsub.close()
                except (redis.RedisError, OSError):
                    pass

    def _receive(self, pubsub) -> None:
        self._catch_up()  # whatever was committed while this worker was not subscribed
        checked = time.monotonic()
        while not self._stopping.is_set():
            message = pubsub.get_message(timeout=CATCH_UP_INTERVAL)
            if message is not None and message["type"] == "message":
                origin, events = decode(message["data"])
                if origin != self.origin:
                    self.hub.dispatch(events)
            if time.monotonic() - checked >= CATCH_UP_INTERVAL:
                self._catch_up()
                checked = time.monotonic()

    def _wait_catching_up(self, seconds: float) -> None:
        """Wait before reconnecting, still delivering the other workers' events from the log."""
        deadline = time.monotonic() + seconds
        while not self._stopping.is_set():
            self._catch_up()
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return
            self._stopping.wait(min(remaining, CATCH_UP_INTERVAL))

    def _catch_up(self) -> None:
        """Once a second: a database that is away is logged once, not every second."""
        try:
            self.hub.catch_up(self._latest())
        except Exception:
            if not self._catch_up_failing:
                log.exception("catching up from the event log failed; trying again every second")
            self._catch_up_failing = True
        else:
            if self._catch_up_failing:
                log.info("catching up from the event log works again")
            self._catch_up_failing = False
