"""Access tokens built claim by claim, for tests that need unusual ones (short-lived, expired,
forged): the server's own minter only makes valid tokens."""

import time

import jwt


def claims_for(settings, identity: str = "alice", lifetime: int = 600, **overrides) -> dict:
    now = int(time.time())
    claims = {
        "jti": f"{settings.api_key}-{now}",
        "iss": settings.api_key,
        "sub": settings.account_sid,
        "nbf": now,
        "exp": now + lifetime,
        "grants": {"identity": identity, "chat": {"service_sid": settings.service_sid}},
    }
    claims.update(overrides)
    return claims


def sign(settings, claims: dict, key: str | None = None, algorithm: str = "HS256") -> str:
    return jwt.encode(claims, key or settings.api_secret, algorithm=algorithm, headers={"cty": "twilio-fpa;v=1"})


def token(settings, identity: str = "alice", lifetime: int = 600, **overrides) -> str:
    return sign(settings, claims_for(settings, identity, lifetime, **overrides))
