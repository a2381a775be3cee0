"""Access tokens: ours are Twilio's format; twilio-python's are accepted; every bad one refused."""

import base64
import hashlib
import hmac
import time
from dataclasses import replace

import jwt
import pytest
from token_factory import claims_for, sign
from twilio.jwt.access_token import AccessToken
from twilio.jwt.access_token.grants import ChatGrant

from chat import tokens
from chat.errors import ChatError
from chat.ids import new_sid


def refused(settings, token) -> int:
    with pytest.raises(ChatError) as caught:
        tokens.verify(settings, token)
    assert caught.value.status == 401
    return caught.value.code


def test_minted_token_has_twilio_header_and_claims(settings):
    before = int(time.time())
    token = tokens.mint(replace(settings, token_ttl=1800, app_name="Demo"), "alice", "laptop")
    assert jwt.get_unverified_header(token) == {"alg": "HS256", "cty": "twilio-fpa;v=1", "typ": "JWT"}
    claims = jwt.decode(token, settings.api_secret, algorithms=["HS256"])
    assert claims["iss"] == settings.api_key and claims["sub"] == settings.account_sid
    assert claims["jti"].startswith(settings.api_key + "-")
    assert before + 1800 <= claims["exp"] <= int(time.time()) + 1800
    assert claims["grants"] == {
        "identity": "alice",
        "chat": {"service_sid": settings.service_sid, "endpoint_id": "Demo:alice:laptop"},
    }
    grant = tokens.verify(settings, token)
    assert (grant.identity, grant.service_sid, grant.endpoint_id) == (
        "alice",
        settings.service_sid,
        "Demo:alice:laptop",
    )


def test_twilio_python_tokens_are_accepted(settings):
    modern = AccessToken(settings.account_sid, settings.api_key, settings.api_secret, identity="bob", ttl=600)
    modern.add_grant(ChatGrant(service_sid=settings.service_sid, endpoint_id="app:bob:web"))
    assert tokens.verify(settings, modern.to_jwt()).identity == "bob"
    # twilio-python dropped IpMessagingGrant; tokens it minted carried the grant as `ip_messaging`.
    legacy = claims_for(settings, grants={"identity": "carol", "ip_messaging": {"service_sid": settings.service_sid}})
    del legacy["nbf"]  # the IpMessagingGrant era did not set nbf
    assert tokens.verify(settings, sign(settings, legacy)).identity == "carol"


def test_alg_none_and_other_algorithms_are_refused(settings):
    unsigned = jwt.encode(claims_for(settings), None, algorithm="none")
    assert refused(settings, unsigned) == 20101
    assert refused(settings, sign(settings, claims_for(settings), key="k" * 64, algorithm="HS512")) == 20101


@pytest.mark.parametrize(
    "change",
    [
        "wrong key",
        "unknown api key",
        "wrong account",
        "wrong service",
        "no identity",
        "no grants",
        "nbf in future",
        "tampered",
        "garbage",
        "empty",
    ],
)
def test_invalid_tokens_are_refused_with_20101(settings, change):
    claims = claims_for(settings)
    key = None
    if change == "wrong key":
        key = "another secret that is long enough for HS256"
    elif change == "unknown api key":
        claims["iss"] = new_sid("SK")
    elif change == "wrong account":
        claims["sub"] = new_sid("AC")
    elif change == "wrong service":
        claims["grants"]["chat"]["service_sid"] = new_sid("IS")
    elif change == "no identity":
        del claims["grants"]["identity"]
    elif change == "no grants":
        del claims["grants"]
    elif change == "nbf in future":
        claims["nbf"] = int(time.time()) + 3600
    token = sign(settings, claims, key)
    if change == "tampered":
        header, payload, signature = token.split(".")
        other = sign(settings, claims_for(settings, grants={"identity": "mallory", "chat": claims["grants"]["chat"]}))
        token = ".".join([header, other.split(".")[1], signature])
    elif change == "garbage":
        token = "not.a.jwt"
    elif change == "empty":
        token = ""
    assert refused(settings, token) == 20101


def test_expired_token_is_refused_with_20104_after_the_leeway(settings):
    now = int(time.time())
    just_expired = sign(settings, claims_for(settings, nbf=now - 100, exp=now - 5))
    assert tokens.verify(settings, just_expired).identity == "alice"  # within the clock-skew leeway
    long_expired = sign(settings, claims_for(settings, nbf=now - 1000, exp=now - tokens.LEEWAY - 1))
    assert refused(settings, long_expired) == 20104


def test_lifetime_over_24_hours_is_refused_with_20157(settings):
    now = int(time.time())
    assert refused(settings, sign(settings, claims_for(settings, exp=now + 2 * 86400))) == 20157
    assert tokens.mint(replace(settings, token_ttl=86400), "alice")  # exactly 24 h is fine


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.mark.parametrize(
    "header, payload, message",
    [
        (b'{"alg":"HS256"}', b"[]", "malformed"),  # claims must be an object
        (b'{"alg":"HS256"}', b"[" * 100_000, "malformed"),  # nested past the parser's depth
        (b'{"alg":"HS256"}', b"\xff", "malformed"),
        (b"{}", b"{}", "unsupported algorithm"),
        (b'{"alg":"HS256"}', b'{"iss":"SK1","sub":"AC1"}', 'Token is missing the "exp" claim'),
    ],
)
def test_malformed_tokens_get_20101_and_say_why(settings, header, payload, message):
    signed = f"{b64(header)}.{b64(payload)}"
    signature = b64(hmac.new(settings.api_secret.encode(), signed.encode(), hashlib.sha256).digest())
    with pytest.raises(ChatError) as caught:
        tokens.verify(settings, f"{signed}.{signature}")
    assert (caught.value.code, caught.value.message) == (20101, f"Invalid Access Token: {message}")


def test_tokens_with_extra_segments_or_characters_outside_base64url_are_malformed(settings):
    good = tokens.mint(settings, "alice")
    for bad in (good + ".x", good.replace(".", "!.", 1), "é" + good, good[:-2] + "+/"):
        with pytest.raises(ChatError) as caught:
            tokens.verify(settings, bad)
        assert caught.value.message in (
            "Invalid Access Token: malformed",
            "Invalid Access Token: signature does not match",
        )
