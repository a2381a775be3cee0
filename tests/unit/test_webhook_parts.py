"""Webhook parts without a server: Twilio's signature, reading a pre-event answer, backoff,
and the webhook settings."""

import pytest
from twilio.request_validator import RequestValidator

from chat import settings
from chat.webhooks import outbox, pre_event
from chat.webhooks.signing import signature

TOKEN = "12345"


def test_the_signature_matches_twilios_check_value():
    params = {"Body": "hello", "ChannelSid": "CH" + "a" * 32, "EventType": "onMessageSend", "From": "alice"}
    assert signature(TOKEN, "https://example.com/chat/pre-event", params) == "pgGnnUPck5POcNmrR3RNK2gYbz4="


@pytest.mark.parametrize(
    "url, params",
    [
        ("https://bots.example.com/hook", {"Body": "日本語 & more", "Attributes": '{"a": 1}', "EventType": "x"}),
        ("https://bots.example.com/hook?tenant=a%20b&EventType=onMessageSent", {}),
        ("http://127.0.0.1:8080/hook", {"Z": "last", "A": "first", "Index": "0"}),
    ],
)
def test_twilio_python_accepts_our_signatures(url, params):
    assert RequestValidator(TOKEN).validate(url, params, signature(TOKEN, url, params))
    assert not RequestValidator("another token").validate(url, params, signature(TOKEN, url, params))


def test_a_pre_event_answer_names_what_changes():
    params = {"Body": "hi", "Attributes": "{}", "From": "alice", "ChannelSid": "CH1"}
    assert pre_event.changes(b"", params) == {}
    assert pre_event.changes(b"not json", params) == {}
    assert pre_event.changes(b"[1, 2]", params) == {}
    answer = b'{"body": "HI", "attributes": {"k": [1]}, "author": "bot", "unknown": 1, "ChannelSid": "CH1"}'
    assert pre_event.changes(answer, params) == {
        "Body": "HI",
        "Attributes": '{"k":[1]}',
        "From": "bot",
        "ChannelSid": "CH1",
    }
    assert pre_event.changes(b'{"From": "carol", "Attributes": "{\\"x\\": 2}"}', params) == {
        "From": "carol",
        "Attributes": '{"x": 2}',
    }


def test_backoff_doubles_up_to_five_minutes():
    assert [outbox.backoff(1, attempt) for attempt in (1, 2, 3, 4)] == [1, 2, 4, 8]
    assert outbox.backoff(1, 30) == 300


GOOD = {
    "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
    "TWILIO_AUTH_TOKEN": "t" * 32,
    "TWILIO_API_KEY": "SK" + "b" * 32,
    "TWILIO_API_SECRET": "s" * 32,
    "TWILIO_IPM_SERVICE_SID": "IS" + "c" * 32,
}


def test_webhook_settings():
    loaded = settings.load(GOOD)
    assert (loaded.webhook_timeout, loaded.pre_webhook_fail_open, loaded.pre_webhook_for_rest) == (5.0, False, False)
    assert (loaded.webhook_hop_limit, loaded.webhook_retry_backoff, loaded.webhook_workers) == (3, 1.0, 4)
    custom = settings.load(
        {
            **GOOD,
            "WEBHOOK_TIMEOUT": "0.5",
            "PRE_WEBHOOK_FAIL_OPEN": "true",
            "PRE_WEBHOOK_FOR_REST": "yes",
            "WEBHOOK_HOP_LIMIT": "5",
            "WEBHOOK_RETRY_BACKOFF": "0.25",
            "WEBHOOK_WORKERS": "2",
        }
    )
    assert (custom.webhook_timeout, custom.pre_webhook_fail_open, custom.pre_webhook_for_rest) == (0.5, True, True)
    assert (custom.webhook_hop_limit, custom.webhook_retry_backoff, custom.webhook_workers) == (5, 0.25, 2)
    with pytest.raises(settings.SettingsError, match="WEBHOOK_TIMEOUT is invalid: expected a number of seconds"):
        settings.load({**GOOD, "WEBHOOK_TIMEOUT": "soon"})
    with pytest.raises(settings.SettingsError, match="WEBHOOK_TIMEOUT"):
        settings.load({**GOOD, "WEBHOOK_TIMEOUT": "120"})
