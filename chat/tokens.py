"""Twilio access tokens (JWT): mint them for our users, verify them for REST and the WebSocket.

The format is Twilio's (header cty `twilio-fpa;v=1`, HS256 with the API key secret, iss = API
key SID, sub = account SID, grants.identity + grants.chat), so tokens minted by twilio-python's
AccessToken with the same credentials are accepted too, including the legacy `ip_messaging` grant.
"""

import hmac
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


def _signature_refusal(settings: Settings, token: str) -> str:
    """Why a signature does not match: a token minted for another API key says so."""
    claims = jwt.decode(token, options={"verify_signature": False})
    return "signature does not match" if _is_our_key(settings, claims.get("iss")) else "unknown API key"


def verify(settings: Settings, token: str, now: float | None = None) -> Grant:
    """Return the token's grant, or raise ChatError 20101 (invalid) / 20104 (expired) / 20157."""
    if not isinstance(token, str) or not token:
        raise _invalid("no token")
    try:  # one decode: the header and claims, signature checked (the common case is a good token)
        claims = jwt.decode_complete(
            token,
            settings.api_secret,
            algorithms=["HS256"],
            options={"require": ["exp", "iss", "sub"], "verify_exp": False, "verify_nbf": False},
        )["payload"]
    except jwt.InvalidAlgorithmError:
        raise _invalid("unsupported algorithm") from None
    except jwt.InvalidSignatureError:
        raise _invalid(_signature_refusal(settings, token)) from None
    except (jwt.DecodeError, jwt.InvalidKeyError):
        raise _invalid("malformed") from None
    except jwt.PyJWTError as exc:
        raise _invalid(str(exc)) from None
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
