"""Webhook parts without a server: Twilio's signature, reading a pre-event answer, backoff."""

import pytest
from twilio.request_validator import RequestValidator

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
