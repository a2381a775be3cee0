"""The pre-event call: synchronous, before anything is written. The hook may allow the action
(2xx), change it (200 with a JSON object) or reject it (any other status)."""

import json
import logging

from ..errors import ChatError
from ..ws.pool import blocking
from . import transport
from .outbox import wanted
from .params import common, form

log = logging.getLogger(__name__)

REJECTED = 20403  # Twilio's "Forbidden": the hook said no
UNREACHABLE = 11200  # Twilio's "HTTP retrieval failure": no usable answer, and failing closed
RETRY_ON = (429, 503, 504)  # as Twilio; also no answer at all (timeout, refused)
# Keys a hook may answer with that are not simply the parameter's name in camelCase.
ALIASES = {"author": "From", "from": "From"}


def configured(service_row: dict, event: str) -> bool:
    return bool(service_row["pre_webhook_url"]) and wanted(json.loads(service_row["webhook_filters"]), event)


def call(settings, service_row: dict, actor, event: str, params: dict) -> dict:
    """Returns `params`, with the hook's changes applied, or raises ChatError."""
    url = service_row["pre_webhook_url"]
    if not configured(service_row, event):
        return params
    sent = form({**common(service_row, actor, event), **params})
    attempts = 1 + max(0, service_row["pre_webhook_retry_count"])
    for attempt in range(attempts):
        with blocking():  # up to WEBHOOK_TIMEOUT: other sockets' commands go on meanwhile
            reply = transport.send(
                service_row["webhook_method"],
                url,
                {**sent, "RetryCount": str(attempt)},
                settings.auth_token,
                settings.webhook_timeout,
            )
        log.info("pre-event %s to %s: %s in %d ms", event, url, reply.describe(), reply.latency_ms)
        if reply.status is not None and reply.status not in RETRY_ON:
            break
    if reply.status is None:
        if settings.pre_webhook_fail_open:
            return params
        raise ChatError(502, UNREACHABLE, f"The pre-event webhook for {event} failed: {reply.error}")
    if not reply.ok:
        raise ChatError(403, REJECTED, f"The pre-event webhook rejected {event} (HTTP {reply.status})")
    return {**params, **changes(reply.body, params)}


def changes(body: bytes, params: dict) -> dict:
    """What a 200 answer asks to change: a JSON object whose keys name parameters in PascalCase
    or camelCase (`body`, `attributes`, `author`/`from`, `friendlyName`...). Attributes may be
    given as JSON values. Anything else (empty, not JSON) allows the action unchanged."""
    try:
        answer = json.loads(body or b"null")
    except ValueError:
        return {}
    if not isinstance(answer, dict):
        return {}
    result = {}
    for key, value in answer.items():
        name = ALIASES.get(key.lower(), key[:1].upper() + key[1:])
        if name not in params:
            continue
        if name == "Attributes" and not isinstance(value, str):
            value = json.dumps(value, separators=(",", ":"))
        result[name] = value
    return result
