"""Twilio-style SIDs: a two-letter prefix and 32 lowercase hex digits."""

import re
import uuid

PREFIXES = {
    "account": "AC",
    "api_key": "SK",
    "service": "IS",
    "channel": "CH",
    "member": "MB",
    "message": "IM",
    "user": "US",
    "role": "RL",
    "credential": "CR",
    "binding": "BS",
    "invite": "IN",
    "webhook": "WH",
    "media": "ME",
}

_SID = re.compile(r"^[A-Z]{2}[0-9a-fA-F]{32}$")


def new_sid(prefix: str) -> str:
    """A fresh SID; uuid4 gives 122 random bits, so SIDs are unguessable."""
    return prefix + uuid.uuid4().hex


def is_sid(value: str, prefix: str | None = None) -> bool:
    """True when `value` has the shape of a SID (with the given prefix, if any)."""
    if not isinstance(value, str) or not _SID.match(value):
        return False
    return prefix is None or value[:2] == prefix
