"""The one clock. Times are UTC; the store keeps ISO 8601 strings with milliseconds."""

from datetime import UTC, datetime


def now() -> datetime:
    return datetime.now(UTC)


def iso(moment: datetime) -> str:
    """Storage form: sortable, millisecond precision, always UTC."""
    # isoformat, not strftime: strftime goes through the C library's time zone code on every call,
    # which was a fifth of the interpreter's time when several threads send messages.
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").removesuffix("+00:00") + "Z"


def now_iso() -> str:
    return iso(now())


def twilio_date(stored: str | None) -> str | None:
    """REST form: Twilio's `2015-12-16T22:18:37Z` (twilio-python parses only this)."""
    return None if stored is None else stored[:19] + "Z"


def parse(value: str) -> datetime:
    """Accept Twilio's REST form and ISO 8601 with offset; raise ValueError otherwise."""
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("a time zone is required")
    return moment.astimezone(UTC)
