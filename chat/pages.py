"""The chat page and the token endpoint of the quickstart."""

import re

from flask import Blueprint, current_app, jsonify, render_template, request

from . import tokens
from .errors import bad_request
from .names import random_name

bp = Blueprint("pages", __name__)

IDENTITY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$")
DEVICE = re.compile(r"^[A-Za-z0-9_.-]{1,64}$")


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/token")
def token():
    """Mint an access token: `{"identity": ..., "token": ...}` as Twilio's quickstart server did."""
    settings = current_app.extensions["chat"].settings
    device = request.args.get("device", "browser")
    if not DEVICE.match(device):
        raise bad_request("device must be 1 to 64 letters, digits, '.', '_' or '-'")
    identity = request.args.get("identity")
    if identity is None or identity == "":
        identity = random_name()
    elif not settings.allow_client_identity:
        raise bad_request("This server assigns identities; do not send one", 20001)
    elif not IDENTITY.match(identity):
        raise bad_request("identity must be 1 to 64 letters, digits or _ . @ + - and start with a letter or digit")
    response = jsonify(identity=identity, token=tokens.mint(settings, identity, device))
    response.headers["Cache-Control"] = "no-store"
    return response
