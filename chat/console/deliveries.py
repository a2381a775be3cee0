"""Webhook deliveries: the log with filters, one delivery's request and last answer, and
redelivery of one or of every failed one."""

import json
from datetime import timedelta
from urllib.parse import urlencode

from flask import abort, request

from ..actions import deliveries as delivery_actions
from ..clock import iso, now
from ..store import stats
from ..webhooks.signing import signature
from ..webhooks.transport import USER_AGENT
from .blueprint import bp, chat, done, page

PAGE = 50
STATUSES = ("pending", "delivered", "failed")
PERIODS = {"hour": timedelta(hours=1), "day": timedelta(days=1), "week": timedelta(days=7)}


@bp.get("/webhooks")
def delivery_list():
    status = request.args.get("status", "")
    status = status if status in STATUSES else ""
    target = request.args.get("target", "").strip()[:200]
    period = request.args.get("period", "")
    period = period if period in PERIODS else ""
    since = iso(now() - PERIODS[period]) if period else None
    number = request.args.get("page", "1")
    number = max(1, int(number)) if number.isdigit() else 1
    found = stats.deliveries(
        chat().store.db(), status=status or None, target=target or None, since_iso=since,
        limit=PAGE + 1, offset=(number - 1) * PAGE,
    )  # fmt: skip
    return page(
        "console/deliveries.html", deliveries=found[:PAGE], status=status, target=target, period=period,
        number=number, more=len(found) > PAGE, statuses=STATUSES, periods=PERIODS,
    )  # fmt: skip


def request_sent(row: dict, auth_token: str) -> dict:
    """The request of the last attempt as the deliverer built it (chat/webhooks/deliverer.py and
    transport.py): its headers, with the signature recomputed, and its signed parameters."""
    params = {**json.loads(row["params"]), "RetryCount": str(max(0, row["attempts"] - 1))}
    url = row["url"]
    if row["method"] == "GET":
        url = url + ("&" if "?" in url else "?") + urlencode(params)
        signed = signature(auth_token, url, {})
    else:
        signed = signature(auth_token, url, params)
    headers = {"User-Agent": USER_AGENT, "I-Twilio-Idempotency-Token": row["sid"], "X-Twilio-Signature": signed}
    if row["method"] == "POST":
        headers["Content-Type"] = "application/x-www-form-urlencoded"
    return {"method": row["method"], "url": url, "headers": headers, "params": params}


@bp.get("/webhooks/<int:id>")
def delivery_detail(id: int):
    row = stats.delivery(chat().store.db(), id)
    if row is None:
        abort(404)
    return page("console/delivery.html", delivery=row, sent=request_sent(row, chat().settings.auth_token))


@bp.post("/webhooks/<int:id>/redeliver")
def redeliver_one(id: int):
    count = delivery_actions.redeliver(chat(), [id])
    message = "Queued for redelivery." if count else "It is being attempted right now; nothing queued."
    return done(message, "console.delivery_detail", id=id)


@bp.post("/webhooks/redeliver-failed")
def redeliver_failed():
    count = delivery_actions.redeliver(chat(), None)
    return done(f"Queued {count} failed deliveries for redelivery.", "console.delivery_list")
