"""The account's credentials: the account SID + auth token, or the API key + secret."""

import hmac

from .settings import Settings


def is_account(settings: Settings, user: str, password: str) -> bool:
    """Compared in constant time, both pairs every time, so timing says nothing about which
    part was wrong."""
    pairs = ((settings.account_sid, settings.auth_token), (settings.api_key, settings.api_secret))
    results = [_same(user, name) & _same(password, secret) for name, secret in pairs]
    return any(results)


def _same(given: str, expected: str) -> bool:
    return hmac.compare_digest(given.encode(), expected.encode())
