"""Twilio access tokens (JWT): mint them for our users, verify them for REST and the WebSocket.

The format is Twilio's (header cty `twilio-fpa;v=1`, HS256 with the API key secret, iss = API
key SID, sub = account SID, grants.identity + grants.chat), so tokens minted by twilio-python's
AccessToken with the same credentials are accepted too, including the legacy `ip_messaging` grant.

pyjwt mints them. Verifying is done here: HS256 is the only algorithm accepted, so checking a
token is a base64 decode, one HMAC and two small JSON documents, about a quarter of what pyjwt's
general decoder spends, on the path every connecting socket takes.
"""

import base64
import binascii
import hashlib
import hmac
import json
import time
from dataclasses import dataclass

import jwt

from .errors import EXPIRED_TOKEN, INVALID_TOKEN, TOKEN_TOO_LONG, ChatError
from .settings import Settings

LEEWAY = 30  # seconds of clock skew forgiven on exp and nbf
MAX_LIFETIME = 86400  # Twilio refuses tokens valid for more than 24 h


@dataclass(frozen=True)
class Grant:
    identity: str
    service_sid: str
    endpoint_id: str | None
    expires_at: int


def mint(settings: Settings, identity: str, device: str = "browser", ttl: int | None = None) -> str:
    issued = int(time.time())
    lifetime = min(ttl or settings.token_ttl, MAX_LIFETIME)
    payload = {
        "jti": f"{settings.api_key}-{issued}",
        "grants": {
            "identity": identity,
            "chat": {
                "service_sid": settings.service_sid,
                "endpoint_id": f"{settings.app_name}:{identity}:{device}",
            },
        },
        "iss": settings.api_key,
        "sub": settings.account_sid,
        "nbf": issued,
        "exp": issued + lifetime,
    }
    headers = {"cty": "twilio-fpa;v=1", "typ": "JWT"}
    return jwt.encode(payload, settings.api_secret, algorithm="HS256", headers=headers)


def _invalid(why: str) -> ChatError:
    return ChatError(401, INVALID_TOKEN, f"Invalid Access Token: {why}")


def _is_our_key(settings: Settings, issuer) -> bool:
    return isinstance(issuer, str) and hmac.compare_digest(issuer.encode(), settings.api_key.encode())


def _base64url(part: str) -> bytes:
    return base64.b64decode(part + "=" * (-len(part) % 4), altchars=b"-_", validate=True)


def _claims(settings: Settings, token: str) -> dict:
    """The claims of a compact HS256 JWS signed with our API secret (any other is refused)."""
    try:
        header_part, payload_part, signature_part = token.split(".")
        header, claims = json.loads(_base64url(header_part)), json.loads(_base64url(payload_part))
        signature, signed = _base64url(signature_part), f"{header_part}.{payload_part}".encode("ascii")
    except (ValueError, binascii.Error, RecursionError):  # json's and ascii's errors are ValueErrors
        raise _invalid("malformed") from None
    if not (isinstance(header, dict) and isinstance(claims, dict)):
        raise _invalid("malformed")
    if header.get("alg") != "HS256":
        raise _invalid("unsupported algorithm")
    expected = hmac.new(settings.api_secret.encode(), signed, hashlib.sha256).digest()
    if not hmac.compare_digest(signature, expected):
        # A token minted for another API key says so.
        raise _invalid("signature does not match" if _is_our_key(settings, claims.get("iss")) else "unknown API key")
    for name in ("exp", "iss", "sub"):
        if name not in claims:
            raise _invalid(f'Token is missing the "{name}" claim')
    return claims


def verify(settings: Settings, token: str, now: float | None = None) -> Grant:
    """Return the token's grant, or raise ChatError 20101 (invalid) / 20104 (expired) / 20157."""
    if not isinstance(token, str) or not token:
        raise _invalid("no token")
    claims = _claims(settings, token)
    if not _is_our_key(settings, claims.get("iss")):
        raise _invalid("unknown API key")
    moment = time.time() if now is None else now
    exp, nbf = claims.get("exp"), claims.get("nbf")
    if not isinstance(exp, int | float) or exp + LEEWAY < moment:
        raise ChatError(401, EXPIRED_TOKEN, "Access Token expired or expiration date invalid")
    if nbf is not None and (not isinstance(nbf, int | float) or nbf - LEEWAY > moment):
        raise _invalid("not valid yet (nbf)")
    start = nbf if nbf is not None else claims.get("iat", moment)
    if not isinstance(start, int | float) or exp - start > MAX_LIFETIME + LEEWAY:
        raise ChatError(401, TOKEN_TOO_LONG, "Access Token ttl exceeds the 24 hour maximum")
    if claims["sub"] != settings.account_sid:
        raise _invalid("wrong account")
    grants = claims.get("grants")
    if not isinstance(grants, dict):
        raise _invalid("no grants")
    identity = grants.get("identity")
    if not isinstance(identity, str) or not identity:
        raise _invalid("no identity")
    chat = grants.get("chat") or grants.get("ip_messaging")
    if not isinstance(chat, dict) or chat.get("service_sid") != settings.service_sid:
        raise _invalid("no chat grant for this service")
    endpoint = chat.get("endpoint_id")
    return Grant(identity, settings.service_sid, endpoint if isinstance(endpoint, str) else None, int(exp))
