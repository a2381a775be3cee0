"""HTTP Basic with the account SID + auth token, or an API key + secret, compared in constant time."""

import hmac

from flask import current_app, jsonify, request

from ..errors import AUTHENTICATE, ChatError


def _matches(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())


def require_account():
    settings = current_app.extensions["chat"].settings
    credentials = request.authorization
    if credentials and credentials.type == "basic":
        user, password = credentials.username or "", credentials.password or ""
        pairs = ((settings.account_sid, settings.auth_token), (settings.api_key, settings.api_secret))
        # Check both pairs every time, so timing says nothing about which part was wrong.
        results = [_matches(user, name) & _matches(password, secret) for name, secret in pairs]
        if any(results):
            return None
    response = jsonify(ChatError(401, AUTHENTICATE, "Authenticate").to_dict())
    response.status_code = 401
    response.headers["WWW-Authenticate"] = 'Basic realm="Twilio API"'
    return response
