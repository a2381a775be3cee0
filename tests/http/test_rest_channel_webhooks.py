"""Channel webhooks through twilio-python: the resource, and the deliveries it causes."""

import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.request_validator import RequestValidator
from twilio_client import service
from webhook_receiver import Receiver, deliveries


@pytest.fixture
def receiver():
    started = Receiver()
    yield started
    started.stop()


def test_webhook_lifecycle(client, server):
    room = service(client, server).channels.create(unique_name="room")
    hooks = service(client, server).channels("room").webhooks
    hook = hooks.create(
        type="webhook",
        configuration_url="https://bots.example.com/events",
        configuration_method="GET",
        configuration_filters=["onMessageSent", "onMemberAdded"],
        configuration_retry_count=2,
    )
    assert hook.sid.startswith("WH") and hook.channel_sid == room.sid and hook.type == "webhook"
    assert hook.configuration["url"] == "https://bots.example.com/events"
    assert hook.configuration["filters"] == ["onMessageSent", "onMemberAdded"]
    assert (hook.configuration["method"], hook.configuration["retry_count"]) == ("GET", 2)
    assert hook.url.endswith(f"/Channels/{room.sid}/Webhooks/{hook.sid}") and hook.date_created is not None
    trigger = hooks.create(
        type="trigger", configuration_url="https://bots.example.com/t", configuration_triggers=["help", "urgent"]
    )
    assert trigger.configuration["triggers"] == ["help", "urgent"]
    studio = hooks.create(type="studio", configuration_flow_sid="FW" + "a" * 32)
    assert studio.configuration["flow_sid"] == "FW" + "a" * 32
    assert [h.sid for h in hooks.list()] == [hook.sid, trigger.sid, studio.sid]
    assert hooks(hook.sid).fetch().configuration["method"] == "GET"
    updated = hooks(hook.sid).update(configuration_method="POST", configuration_filters=["onMessageRemoved"])
    assert updated.configuration["method"] == "POST" and updated.configuration["filters"] == ["onMessageRemoved"]
    assert updated.configuration["url"] == "https://bots.example.com/events"
    assert hooks(studio.sid).delete() is True
    assert [h.sid for h in hooks.list()] == [hook.sid, trigger.sid]
    with pytest.raises(TwilioRestException) as missing:
        hooks(studio.sid).fetch()
    assert (missing.value.status, missing.value.code) == (404, 20404)


@pytest.mark.parametrize(
    "params, code",
    [
        ({"type": "webhook"}, 20001),
        ({"type": "webhook", "configuration_url": "ftp://x"}, 20001),
        ({"type": "webhook", "configuration_url": "https://x.example", "configuration_retry_count": 4}, 50065),
        ({"type": "trigger", "configuration_url": "https://x.example"}, 50326),
        ({"type": "webhook", "configuration_url": "https://x.example", "configuration_filters": ["onNothing"]}, 20001),
    ],
)
def test_invalid_webhooks_are_refused(client, server, params, code):
    service(client, server).channels.create(unique_name="room")
    with pytest.raises(TwilioRestException) as refused:
        service(client, server).channels("room").webhooks.create(**params)
    assert (refused.value.status, refused.value.code) == (400, code)


def test_a_channel_has_at_most_five(client, server):
    hooks = service(client, server).channels.create(unique_name="room").webhooks
    for number in range(5):
        hooks.create(type="webhook", configuration_url=f"https://x.example/{number}")
    with pytest.raises(TwilioRestException) as refused:
        hooks.create(type="webhook", configuration_url="https://x.example/6")
    assert refused.value.status == 400


def test_channel_webhooks_get_their_channels_events(client, server, receiver):
    channels = service(client, server).channels
    room, other = channels.create(unique_name="room"), channels.create(unique_name="other")
    hook = room.webhooks.create(
        type="webhook", configuration_url=receiver.url("/all"), configuration_filters=["onMessageSent"]
    )
    room.webhooks.create(type="trigger", configuration_url=receiver.url("/help"), configuration_triggers=["help"])
    for channel in (other, room):
        for body in ("hello", "I need HELP!", "helpful"):
            channel.messages.create(body=body, from_="alice", x_twilio_webhook_enabled="true")
    calls = receiver.wait_for(4)
    assert len(deliveries(server)) == 4  # all queued with their messages: nothing more will come
    assert [(c.path, c.form["Body"]) for c in calls if c.path == "/all"] == [
        ("/all", "hello"),
        ("/all", "I need HELP!"),
        ("/all", "helpful"),
    ]
    (triggered,) = [c for c in calls if c.path == "/help"]
    assert triggered.form["Body"] == "I need HELP!" and triggered.form["WebhookType"] == "trigger"
    first = next(c for c in calls if c.path == "/all").form  # targets are delivered independently
    assert first["WebhookSid"] == hook.sid and first["WebhookType"] == "webhook" and first["ChannelSid"] == room.sid
    validator = RequestValidator(server.settings.auth_token)
    assert all(validator.validate(c.url, c.form, c.headers["X-Twilio-Signature"]) for c in calls)


def test_v1_has_no_channel_webhooks(client, server):
    service(client, server).channels.create(unique_name="room")
    answer = client.request("GET", f"{server.url}/v1/Services/{server.settings.service_sid}/Channels/room/Webhooks")
    assert answer.status_code == 404


def test_a_channel_webhook_hears_its_channel_destroyed(client, server, receiver):
    room = service(client, server).channels.create(unique_name="room")
    room.webhooks.create(type="webhook", configuration_url=receiver.url(), configuration_filters=["onChannelDestroyed"])
    # twilio-python 9.13's channel delete drops its x_twilio_webhook_enabled header: send it by hand.
    answer = client.request(
        "DELETE",
        f"{server.url}/v2/Services/{server.settings.service_sid}/Channels/room",
        headers={"X-Twilio-Webhook-Enabled": "true"},
    )
    assert answer.status_code == 204
    (call,) = receiver.wait_for(1)
    assert call.form["EventType"] == "onChannelDestroyed" and call.form["ChannelSid"] == room.sid
