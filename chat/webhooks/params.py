"""What every webhook request carries besides the event's own parameters, and the flat string
form Twilio posts (PascalCase names, every value a string, unset values left out)."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..context import Actor

SOURCES = {"sdk": "SDK", "rest": "API", "cli": "CLI"}


def common(service_row: dict, actor: Actor, event: str) -> dict:
    """`HopCount` is ours: how many webhook round trips led here (1 for a person's action). A bot
    that acts because of a webhook sends it back in `X-Chat-Hop-Count`; see docs/webhooks.md."""
    params = {
        "EventType": event,
        "AccountSid": service_row["account_sid"],
        "InstanceSid": service_row["sid"],
        "Source": SOURCES.get(actor.source, "API"),
        "HopCount": actor.hops + 1,
    }
    if actor.identity is not None:
        params["ClientIdentity"] = actor.identity
    return params


def form(params: dict) -> dict[str, str]:
    flat = {}
    for name, value in params.items():
        if value is None:
            continue
        if isinstance(value, bool):
            value = "true" if value else "false"
        flat[name] = str(value)
    return flat
