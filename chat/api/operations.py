"""Each REST operation is declared once: method, path, parameters and response. The declaration
registers the Flask route, parses and validates the request (form fields for POST, query string
for GET) and is what /openapi.json is built from, so the document cannot drift from the code."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from flask import current_app, request

from ..actions.common import UNSET
from ..clock import iso, parse
from ..context import Actor, Chat
from ..errors import ChatError, bad_request, not_found
from . import bp, paging

VERSIONS = ("v1", "v2")
MAX_FORM_BYTES = 256 * 1024  # the largest legal form (body + attributes) is far below this
TRUE_FALSE = ("true", "false")


@dataclass(frozen=True)
class Param:
    """One Twilio parameter (PascalCase, dotted for nested ones like `Configuration.Url`).
    `key` is the keyword the view receives (snake_case of the name unless given)."""

    name: str
    type: str = "string"  # string | boolean | integer | date | array
    required: bool = False
    enum: tuple[str, ...] = ()
    nullable: bool = False  # "" or "null" clears the value
    key: str = ""
    description: str = ""

    @property
    def keyword(self) -> str:
        return self.key or snake(self.name)

    def read(self, fields):
        """The parsed value, or UNSET when the parameter is absent; a malformed value is a 400."""
        if self.type == "array":
            values = fields.getlist(self.name)
            for value in values:
                self._check_enum(value)
            return values if values else self._missing()
        value = fields.get(self.name, UNSET)
        if value is UNSET:
            return self._missing()
        if self.nullable and value in ("", "null"):
            return None
        self._check_enum(value)
        return self._convert(value)

    def _missing(self):
        if self.required:
            raise bad_request(f"Missing required parameter {self.name} in the post body")
        return UNSET

    def _check_enum(self, value: str) -> None:
        if self.enum and value not in self.enum:
            raise bad_request(f"{self.name} must be one of {', '.join(self.enum)}")

    def _convert(self, value: str):
        if self.type == "boolean":
            if value.lower() not in TRUE_FALSE:
                raise bad_request(f"{self.name} must be true or false")
            return value.lower() == "true"
        if self.type == "integer":
            try:
                return int(value)
            except ValueError:
                raise bad_request(f"{self.name} must be a whole number") from None
        if self.type == "date":
            try:
                return iso(parse(value))
            except ValueError:
                raise bad_request(f"{self.name} must be a date like 2015-12-16T22:18:37Z") from None
        return value


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # Twilio's form, e.g. /Services/{ServiceSid}/Channels/{Sid}
    summary: str
    params: tuple[Param, ...]
    returns: str | None  # resource name in serializers.SCHEMAS; None for 204
    status: int
    listing: str | None  # the list key of a paged list, e.g. "channels"
    versions: tuple[str, ...]
    view: Callable = field(compare=False)

    @property
    def name(self) -> str:
        return self.view.__name__


OPERATIONS: list[Operation] = []


def operation(
    method: str,
    path: str,
    summary: str,
    params: tuple[Param, ...] = (),
    returns: str | None = None,
    status: int = 200,
    listing: str | None = None,
    versions: tuple[str, ...] = VERSIONS,
):
    """Declare and register a route. The view gets the path's slots (snake_case), `args` (the
    parameters that were given, by keyword) and, for lists, `page` (paging.Page)."""

    def register(view: Callable) -> Callable:
        op = Operation(method, path, summary, tuple(params), returns, status, listing, versions, view)
        OPERATIONS.append(op)
        bp.add_url_rule(_flask_rule(path), op.name, _handler(op), methods=[method])
        return view

    return register


def _handler(op: Operation) -> Callable:
    def handle(**slots):
        if version() not in op.versions:
            raise not_found(f"{request.path} is not part of API {version()}")
        fields = _form() if op.method == "POST" else request.args
        args = {}
        for param in op.params:
            value = param.read(fields)
            if value is not UNSET:
                args[param.keyword] = value
        if op.listing:
            slots["page"] = paging.Page.from_request(op.listing)
        result = op.view(**slots, args=args)
        return ("", 204) if result is None else (result, op.status)

    handle.__name__ = op.name
    return handle


def _form():
    """The request's form fields; a JSON or other body is refused (Twilio takes forms only)."""
    if request.content_length and request.mimetype != "application/x-www-form-urlencoded":
        raise bad_request("Send parameters form-encoded (application/x-www-form-urlencoded)")
    if (request.content_length or 0) > MAX_FORM_BYTES:
        raise ChatError(413, 20413, f"The request body is larger than {MAX_FORM_BYTES // 1024} KB")
    return request.form


def _flask_rule(path: str) -> str:
    return re.sub(r"\{(\w+)\}", lambda m: f"<{snake(m[1])}>", path)


def snake(name: str) -> str:
    """`FriendlyName` -> `friendly_name`, `Configuration.Url` -> `configuration_url`."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", name.replace(".", "_")).lower().replace("__", "_")


def chat() -> Chat:
    return current_app.extensions["chat"]


def version() -> str:
    return "v1" if request.blueprint == "api_v1" else "v2"


def base() -> str:
    """The versioned API root for `url` and `links`, from the request's host."""
    return f"{request.host_url.rstrip('/')}/{version()}"


HOP_HEADER = "X-Chat-Hop-Count"


def actor() -> Actor:
    """The account acting through REST. As in Twilio, REST fires post-event webhooks only when
    asked with X-Twilio-Webhook-Enabled: true, and never pre-event ones. A bot acting on a
    webhook passes its `HopCount` back in X-Chat-Hop-Count, so loops end (docs/webhooks.md)."""
    enabled = request.headers.get("X-Twilio-Webhook-Enabled", "").lower() == "true"
    hops = request.headers.get(HOP_HEADER, "0")
    if not hops.isdigit():
        raise bad_request(f"{HOP_HEADER} must be a whole number")
    return Actor(None, "rest", webhooks=enabled, hops=int(hops))
