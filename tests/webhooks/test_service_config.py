"""Webhooks configured the way users do it: the Service resource, through twilio-python."""

import json

from twilio.rest import Client


def test_hooks_set_through_the_service_resource_take_effect(server, receiver_factory, room):
    alice, bob = room
    pre, post = receiver_factory(), receiver_factory()
    pre.answer = lambda call: (json.dumps({"body": call.form["Body"] + " (checked)"}), 200)
    client = Client(server.settings.account_sid, server.settings.auth_token)
    client.chat.base_url = server.url
    service = client.chat.v2.services(server.settings.service_sid).update(
        pre_webhook_url=pre.url("/pre"),
        post_webhook_url=post.url("/post"),
        webhook_filters=["onMessageSend", "onMessageSent"],
        post_webhook_retry_count=2,
    )
    assert service.webhook_filters == ["onMessageSend", "onMessageSent"]
    assert alice.call("message.send", channel="room", body="hello")["body"] == "hello (checked)"
    (delivered,) = post.wait_for(1)
    assert delivered.path == "/post" and delivered.form["Body"] == "hello (checked)"
    client.chat.v2.services(server.settings.service_sid).update(pre_webhook_url="", post_webhook_url="")
    assert alice.call("message.send", channel="room", body="plain")["body"] == "plain"
    assert len(pre.calls) == 1
