"""Post-event deliveries: which targets an event goes to, queued in the action's transaction,
and when a failed attempt is tried again."""

import json
import re
import time

from ..hook_events import POST_EVENTS
from ..store import channel_webhooks
from ..store import webhook_deliveries as deliveries
from .params import form

MAX_BACKOFF = 300.0  # seconds; the longest wait between two attempts
# Events a `trigger` channel webhook listens to: new messages whose body holds a keyword.
TRIGGERED_BY = ("onMessageSent", "onMediaMessageSent")


def wanted(filters: list[str], event: str) -> bool:
    """An empty filter list means every event."""
    return not filters or event in filters


def enqueue(db, service_row: dict, common: dict, event: str, params: dict, channel_sid: str | None) -> int:
    """Add one row per target (the service's post-event URL, the channel's webhooks) and return
    how many. Rows carry everything needed to send them, so later configuration changes or a
    deleted channel do not change what was promised."""
    sent = form({**common, **params})
    queued = 0

    def add(url, method, retry_count, extra=None, webhook_sid=None):
        nonlocal queued
        deliveries.add(
            db,
            service_sid=service_row["sid"],
            channel_sid=channel_sid,
            webhook_sid=webhook_sid,
            # Order is kept per target and channel (per target and service for user events).
            queue=f"{url} {channel_sid or service_row['sid']}",
            event=event,
            url=url,
            method=method,
            params={**sent, **(extra or {})},
            max_attempts=1 + max(0, retry_count),
            now=time.time(),
        )
        queued += 1

    url = service_row["post_webhook_url"]
    if url and event in POST_EVENTS and wanted(json.loads(service_row["webhook_filters"]), event):
        add(url, service_row["webhook_method"], service_row["post_webhook_retry_count"])
    if channel_sid:
        for hook in channel_webhooks.of_channel(db, channel_sid):
            if hook["url"] and _fires(hook, event, params):
                extra = {"WebhookSid": hook["sid"], "WebhookType": hook["type"]}
                add(hook["url"], hook["method"], hook["retry_count"], extra, hook["sid"])
    return queued


def _fires(hook: dict, event: str, params: dict) -> bool:
    if hook["type"] == "webhook":
        return event in POST_EVENTS and wanted(hook["filters"], event)
    if hook["type"] == "trigger":
        body = params.get("Body") or ""
        return event in TRIGGERED_BY and any(
            re.search(rf"(?<!\w){re.escape(word)}(?!\w)", body, re.IGNORECASE) for word in hook["triggers"] if word
        )
    return False  # studio: stored for compatibility, there is no Studio here


def backoff(base: float, attempts: int) -> float:
    """Seconds before the next attempt after `attempts` failed ones: base, 2×base, 4×base..."""
    return min(MAX_BACKOFF, base * 2 ** (attempts - 1))
