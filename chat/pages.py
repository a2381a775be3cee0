"""The chat page and the token endpoint of the quickstart."""

import re

from flask import Blueprint, current_app, jsonify, render_template, request

from . import tokens
from .errors import bad_request

bp = Blueprint("pages", __name__)

DEVICE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@bp.get("/")
def index():
    """The page; a new browser gets its identity cookie here, before its tabs ask for tokens."""
    identities = current_app.extensions["chat"].identities
    response = current_app.make_response(render_template("index.html"))
    if identities.uses_cookie:
        who = identities.browser(request)
        if who.remember:
            identities.remember(response, request, who.identity)
    return response


@bp.get("/token")
def token():
    """Mint an access token: `{"identity": ..., "token": ...}` as Twilio's quickstart server did,
    for the identity the server decides (chat/identity.py)."""
    chat = current_app.extensions["chat"]
    chat.token_rate.take(request.remote_addr or "")
    device = request.args.get("device", "browser")
    if not DEVICE.match(device):
        raise bad_request("device must be 1 to 64 letters, digits, '.', '_' or '-'")
    who = chat.identities.for_token(request)
    response = jsonify(identity=who.identity, token=tokens.mint(chat.settings, who.identity, device))
    response.headers["Cache-Control"] = "no-store"
    if who.remember:
        chat.identities.remember(response, request, who.identity)
    return response
