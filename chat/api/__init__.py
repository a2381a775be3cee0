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


# Routes register on bp when their modules are imported.
from . import channel_webhooks, channels, members, messages, openapi, roles, services, users  # noqa: E402

__all__ = ["bp", "init_app", "channel_webhooks", "channels", "members", "messages", "roles", "services", "users"]
