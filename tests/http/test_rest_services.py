"""The Service resource through twilio-python: lifecycle, webhook settings, defaults, v1."""

import pytest
import requests
from twilio.base.exceptions import TwilioRestException


@pytest.mark.parametrize("domain", ["chat", "ip_messaging"])
def test_service_lifecycle(client, server, domain):
    services = getattr(client, domain).v2.services
    created = services.create(friendly_name="Support")
    assert created.sid.startswith("IS") and created.friendly_name == "Support"
    roles = {role.friendly_name: role for role in services(created.sid).roles.list()}
    assert created.default_service_role_sid == roles["service user"].sid
    assert created.default_channel_creator_role_sid == roles["channel admin"].sid

    updated = services(created.sid).update(
        friendly_name="Support desk",
        pre_webhook_url="https://bots.example.com/pre",
        post_webhook_url="https://bots.example.com/post",
        webhook_method="GET",
        webhook_filters=["onMessageSend", "onMessageSent"],
        pre_webhook_retry_count=1,
        post_webhook_retry_count=3,
        typing_indicator_timeout=9,
        limits_channel_members=20,
        notifications_new_message_enabled=True,
        notifications_new_message_template="${USER}: ${MESSAGE}",
        default_channel_role_sid=roles["channel admin"].sid,
        media_compatibility_message="Sent a picture",
    )
    assert updated.friendly_name == "Support desk"
    assert (updated.pre_webhook_url, updated.post_webhook_url) == (
        "https://bots.example.com/pre",
        "https://bots.example.com/post",
    )
    assert updated.webhook_method == "GET" and updated.webhook_filters == ["onMessageSend", "onMessageSent"]
    assert (updated.pre_webhook_retry_count, updated.post_webhook_retry_count) == (1, 3)
    assert updated.typing_indicator_timeout == 9 and updated.limits["channel_members"] == 20
    assert updated.notifications["new_message"] == {"enabled": True, "template": "${USER}: ${MESSAGE}"}
    assert updated.default_channel_role_sid == roles["channel admin"].sid
    assert updated.media["compatibility_message"] == "Sent a picture"
    assert services(created.sid).fetch().webhook_filters == ["onMessageSend", "onMessageSent"]

    cleared = services(created.sid).update(pre_webhook_url="")
    assert cleared.pre_webhook_url is None and cleared.post_webhook_url == "https://bots.example.com/post"
    assert created.sid in [s.sid for s in services.list(page_size=1)]  # follows next_page_url
    assert services(created.sid).delete() is True
    with pytest.raises(TwilioRestException) as gone:
        services(created.sid).fetch()
    assert (gone.value.status, gone.value.code) == (404, 20404)


def test_bad_service_settings_change_nothing(client, server):
    svc = client.chat.v2.services(server.settings.service_sid)
    before = svc.fetch()
    cases = [
        ({"webhook_method": "PUT"}, 400),
        ({"pre_webhook_url": "ftp://example.com/hook"}, 400),
        ({"webhook_filters": ["onSomethingElse"]}, 400),
        ({"post_webhook_retry_count": 9}, 50065),
        ({"default_service_role_sid": before.default_channel_role_sid}, 50101),  # a channel role
        ({"limits_user_channels": 0}, 400),
    ]
    for change, expected in cases:
        with pytest.raises(TwilioRestException) as refused:
            svc.update(friendly_name="Should not stick", **change)
        assert refused.value.status == 400 and expected in (400, refused.value.code), change
    after = svc.fetch()
    assert after.friendly_name == before.friendly_name and after.date_updated == before.date_updated


def test_the_servers_own_service_cannot_be_deleted(client, server):
    with pytest.raises(TwilioRestException) as refused:
        client.chat.v2.services(server.settings.service_sid).delete()
    assert refused.value.status == 400
    assert client.chat.v2.services(server.settings.service_sid).fetch().sid == server.settings.service_sid


def test_v1_paths_answer_with_v1_urls_and_webhooks(client, server):
    v1 = client.ip_messaging.v1.services(server.settings.service_sid)
    client.chat.v2.services(server.settings.service_sid).update(post_webhook_url="https://bots.example.com/post")
    fetched = v1.fetch()
    assert fetched.url == f"{server.url}/v1/Services/{server.settings.service_sid}"
    assert fetched.webhooks["on_message_sent"]["url"] == "https://bots.example.com/post"
    assert fetched.webhooks["on_message_send"]["url"] is None
    with pytest.raises(TwilioRestException) as refused:
        v1.update(webhooks_on_message_send_url="https://bots.example.com/old-style")
    assert refused.value.status == 400 and "PreWebhookUrl" in refused.value.msg
    room = v1.channels.create(unique_name="old-code", friendly_name="Old code")
    assert room.url.startswith(f"{server.url}/v1/") and v1.channels("old-code").fetch().sid == room.sid
    v1.channels(room.sid).messages.create(body="still works", from_="alice")
    assert [m.body for m in v1.channels(room.sid).messages.list()] == ["still works"]


def test_openapi_describes_the_routes_that_run(server):
    document = requests.get(f"{server.url}/openapi.json", timeout=5).json()
    assert document["openapi"].startswith("3.")
    channel_item = document["paths"]["/v2/Services/{ServiceSid}/Channels/{Sid}"]
    assert set(channel_item) == {"get", "post", "delete"}
    form = channel_item["post"]["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    assert {"FriendlyName", "UniqueName", "Attributes"} <= set(form["properties"])
    create = document["paths"]["/v2/Services/{ServiceSid}/Channels/{ChannelSid}/Members"]["post"]
    assert create["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]["required"] == ["Identity"]
    # Every documented operation answers (with credentials it would do its work; without, 401, never 404/405).
    for path, item in document["paths"].items():
        concrete = path.replace("{ServiceSid}", server.settings.service_sid)
        for method in item:
            response = requests.request(
                method.upper(), server.url + concrete.replace("{", "").replace("}", ""), timeout=5
            )
            assert response.status_code == 401, (method, path, response.status_code)
