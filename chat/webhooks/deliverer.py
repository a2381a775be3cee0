"""The background deliverer: a few threads per process that send the outbox's rows.

Any number of processes may share the database: a row is claimed with a lease inside a write
transaction, so exactly one worker sends each attempt, and only the row at the head of its
queue can be claimed, so one target sees one channel's events in order. Rows written by this
process wake the workers at once; rows from other processes and retries that come due are
found by polling.
"""

import logging
import threading
import time
import uuid

from .. import metrics
from ..store import webhook_deliveries as deliveries
from . import outbox, transport

log = logging.getLogger(__name__)

POLL_SECONDS = 1.0
LEASE_MARGIN = 30.0  # seconds a lease outlives the attempt's timeout


class Deliverer:
    def __init__(self, store, settings):
        self.store = store
        self.settings = settings
        self.name = uuid.uuid4().hex[:12]  # this process; each worker thread leases as name-number
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._threads: list[threading.Thread] = []

    def start(self) -> None:
        for number in range(self.settings.webhook_workers):
            owner = f"{self.name}-{number}"
            thread = threading.Thread(target=self._run, args=(owner,), name=f"webhooks-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Let attempts in flight finish (each is bounded by the timeout). A thread still stuck
        after that keeps its lease, which expires: its row is never sent twice at once."""
        self._stopping.set()
        self._wake.set()
        for thread in self._threads:
            thread.join(timeout=self.settings.webhook_timeout + 5)
        self._threads.clear()

    def _run(self, owner: str) -> None:
        while not self._stopping.is_set():
            try:
                row = self._claim(owner)
                if row is not None:
                    self._wake.set()  # another worker may find more work meanwhile
                    self.store.release()  # no connection held while the target answers
                    self._deliver(row, owner)
                    continue
                idle = self._idle_seconds()
                self.store.release()  # nor while idle
                self._wake.wait(idle)
                self._wake.clear()
            except self.store.unavailable as error:  # the database is away: try again, quietly
                log.warning("webhook deliverer: the database is not answering (%s)", type(error).__name__)
                self.store.release()
                self._stopping.wait(POLL_SECONDS)
            except Exception:  # a closing database must not end delivery for good
                log.exception("webhook deliverer")
                self.store.release()
                self._stopping.wait(POLL_SECONDS)

    def _claim(self, owner: str) -> dict | None:
        lease = self.settings.webhook_timeout + LEASE_MARGIN
        with self.store.write() as tx:
            return deliveries.claim(tx.db, owner, time.time(), lease)

    def _idle_seconds(self) -> float:
        due = deliveries.next_due(self.store.db())
        if due is None:
            return POLL_SECONDS
        return min(POLL_SECONDS, max(0.01, due - time.time()))

    def _deliver(self, row: dict, owner: str) -> None:
        params = {**row["params"], "RetryCount": str(row["attempts"] - 1)}
        reply = transport.send(
            row["method"],
            row["url"],
            params,
            self.settings.auth_token,
            self.settings.webhook_timeout,
            headers={"I-Twilio-Idempotency-Token": row["sid"]},
        )
        later = time.time()
        if reply.ok:
            status = "delivered"
        elif reply.retryable and row["attempts"] < row["max_attempts"]:
            status = "pending"
            later += outbox.backoff(self.settings.webhook_retry_backoff, row["attempts"])
        else:
            status = "failed"
        metrics.WEBHOOK_ATTEMPTS.labels("retrying" if status == "pending" else status).inc()
        log.info(
            "post-event %s #%d to %s, attempt %d/%d: %s in %d ms",
            row["event"], row["id"], row["url"], row["attempts"], row["max_attempts"], reply.describe(),
            reply.latency_ms,
        )  # fmt: skip
        with self.store.write() as tx:
            kept = deliveries.finish(
                tx.db,
                row["id"],
                owner,
                status=status,
                next_attempt_at=later,
                status_code=reply.status,
                latency_ms=reply.latency_ms,
                error=None if reply.ok else reply.describe(),
            )
        if not kept:
            log.warning("post-event #%d: lease lost during the attempt; another worker owns it now", row["id"])
