"""Twilio Chat's REST API (docs/api.md): the same paths, form parameters, JSON and errors, so
twilio-python pointed at this server works. The blueprint answers under /v2 and, for code
written against the first version, /v1. Every change goes through chat/actions, so REST changes
reach connected sockets at once."""

from flask import Blueprint, jsonify, request

from ..errors import ChatError
from . import auth

bp = Blueprint("api", __name__)
bp.before_request(auth.require_account)


@bp.errorhandler(ChatError)
def twilio_error(error: ChatError):
    """Twilio's REST API answers every missing resource with 20404 and the resource's path, and
    back ends test `e.code == 20404` before creating what is missing. The resource-specific codes
    (50300 channel, 50200 user, ...) stay with the SDK, which is where Twilio uses them."""
    if error.status == 404:
        error = ChatError(404, 20404, not_found_message(request.path))
    return jsonify(error.to_dict()), error.status


def not_found_message(path: str) -> str:
    """Twilio's wording, with the path below the version (`/Services/IS…/Channels/CH…`)."""
    for prefix in ("/v1/", "/v2/"):
        if path.startswith(prefix):
            path = path[len(prefix) - 1 :]
    return f"The requested resource {path} was not found"


def init_app(app) -> None:
    app.register_blueprint(bp, url_prefix="/v2")
    app.register_blueprint(bp, url_prefix="/v1", name="api_v1")
    openapi.init_app(app)


# Importing the resource modules registers their routes on bp.
from . import (  # noqa: E402
    bindings,
    channel_webhooks,
    channels,
    credentials,
    invites,
    members,
    messages,
    openapi,
    reactions,
    roles,
    search,
    services,
    user_channels,
    users,
)

__all__ = [
    "bp",
    "init_app",
    "bindings",
    "channel_webhooks",
    "channels",
    "credentials",
    "invites",
    "members",
    "messages",
    "reactions",
    "roles",
    "search",
    "services",
    "user_channels",
    "users",
]
