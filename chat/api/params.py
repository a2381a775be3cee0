"""Form and query parameters as Twilio sends them (PascalCase, `true`/`false`, repeated keys),
parsed into Python values; anything malformed is a 400 in Twilio's shape."""

from flask import request

from ..actions.common import UNSET
from ..clock import iso, parse
from ..context import Actor
from ..errors import bad_request

MAX_PAGE_SIZE = 100


def form() -> dict:
    """The request's form fields; a JSON or other body is refused (Twilio takes forms only)."""
    if request.content_length and request.mimetype != "application/x-www-form-urlencoded":
        raise bad_request("Send parameters form-encoded (application/x-www-form-urlencoded)")
    return request.form


def text(fields, name: str, required: bool = False):
    value = fields.get(name, UNSET)
    if value is UNSET and required:
        raise bad_request(f"Missing required parameter {name}")
    return value


def boolean(fields, name: str):
    value = fields.get(name, UNSET)
    if value is UNSET:
        return UNSET
    if value.lower() not in ("true", "false"):
        raise bad_request(f"{name} must be true or false")
    return value.lower() == "true"


def integer(fields, name: str, nullable: bool = False):
    value = fields.get(name, UNSET)
    if value is UNSET:
        return UNSET
    if nullable and value in ("", "null"):
        return None
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"{name} must be a whole number") from None


def choice(fields, name: str, options: tuple[str, ...]):
    value = fields.get(name, UNSET)
    if value is not UNSET and value not in options:
        raise bad_request(f"{name} must be one of {', '.join(options)}")
    return value


def given(**values) -> dict:
    return {key: value for key, value in values.items() if value is not UNSET}


def actor() -> Actor:
    """The account acting through REST. As in Twilio, REST fires post-event webhooks only when
    asked with X-Twilio-Webhook-Enabled: true, and never pre-event ones."""
    enabled = request.headers.get("X-Twilio-Webhook-Enabled", "").lower() == "true"
    return Actor(None, "rest", webhooks=enabled)


def page_size() -> int:
    size = integer(request.args, "PageSize")
    if size is UNSET:
        return 50
    if not 1 <= size <= MAX_PAGE_SIZE:
        raise bad_request(f"PageSize must be 1 to {MAX_PAGE_SIZE}")
    return size


def page_position() -> tuple[int, int]:
    """(page number, position after which the page starts) from Page and PageToken."""
    number = integer(request.args, "Page")
    token = request.args.get("PageToken", "")
    if token:
        if not token.startswith("PA") or not token[2:].isdigit():
            raise bad_request("PageToken is not one this server issued")
        return (0 if number is UNSET else number), int(token[2:])
    return 0, -1


def date(fields, name: str):
    """A Twilio date (`2015-12-16T22:18:37Z`) in the stored form."""
    value = fields.get(name, UNSET)
    if value is UNSET:
        return UNSET
    try:
        return iso(parse(value))
    except ValueError:
        raise bad_request(f"{name} must be a date like 2015-12-16T22:18:37Z") from None


def base() -> str:
    """Absolute origin for `url` and `links`, from the request's host."""
    return request.host_url.rstrip("/")
