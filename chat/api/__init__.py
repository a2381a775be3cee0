"""Twilio Chat's REST API v2 (docs/api.md): the same paths, form parameters, JSON and errors,
so twilio-python pointed at this server works. Every change goes through chat/actions, so REST
changes reach connected sockets at once."""

from flask import Blueprint

from . import auth

bp = Blueprint("api", __name__, url_prefix="/v2")
bp.before_request(auth.require_account)

from . import channels, members, messages  # noqa: E402,F401  (routes register on bp)
