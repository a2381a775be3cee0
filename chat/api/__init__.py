"""Twilio Chat's REST API (docs/api.md): the same paths, form parameters, JSON and errors, so
twilio-python pointed at this server works. The blueprint answers under /v2 and, for code
written against the first version, /v1. Every change goes through chat/actions, so REST changes
reach connected sockets at once."""

from flask import Blueprint

from . import auth

bp = Blueprint("api", __name__)
bp.before_request(auth.require_account)


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
    roles,
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
    "roles",
    "services",
    "user_channels",
    "users",
]
