"""Pre-event webhooks: called before SDK actions, they reject, change or allow them."""

import json

import pytest
import requests
from twilio.request_validator import RequestValidator
from webhook_receiver import configure


def messages(client, channel="room") -> list[dict]:
    return client.call("messages.page", channel=channel, pageSize=50)["items"]


def test_a_403_rejects_the_message_and_the_sdk_call_fails(server, receiver, room):
    alice, bob = room
    receiver.answer = lambda call: 403
    configure(server, pre_webhook_url=receiver.url())
    reply = alice.request("message.send", channel="room", body="spam")
    assert reply["error"]["status"] == 403 and reply["error"]["code"] == 20403
    assert messages(bob) == []
    (call,) = receiver.wait_for(1)
    params = call.form
    assert params["EventType"] == "onMessageSend" and params["Body"] == "spam" and params["From"] == "alice"
    assert params["ClientIdentity"] == "alice" and params["Source"] == "SDK" and params["RetryCount"] == "0"
    assert params["InstanceSid"] == server.settings.service_sid and params["AccountSid"] == server.settings.account_sid
    assert params["ChannelSid"].startswith("CH") and params["HopCount"] == "1"
    validator = RequestValidator(server.settings.auth_token)
    assert validator.validate(call.url, call.form, call.headers["X-Twilio-Signature"])


@pytest.mark.parametrize("status", [400, 404, 500])
def test_any_non_2xx_answer_rejects(server, receiver, room, status):
    alice, _ = room
    receiver.answer = lambda call: status
    configure(server, pre_webhook_url=receiver.url())
    assert alice.request("message.send", channel="room", body="x")["error"]["code"] == 20403


def test_a_200_json_answer_changes_what_is_stored_and_sent(server, receiver, room):
    alice, bob = room
    answer = {"body": "HELLO", "attributes": {"checked": True}}
    receiver.answer = lambda call: (json.dumps(answer), 200, {"Content-Type": "application/json"})
    configure(server, pre_webhook_url=receiver.url())
    sent = alice.call("message.send", channel="room", body="hello")
    assert sent["body"] == "HELLO" and json.loads(sent["attributes"]) == {"checked": True}
    added = bob.event("messageAdded")
    assert added["data"]["body"] == "HELLO" and added["data"]["from"] == "alice"
    assert [m["body"] for m in messages(bob)] == ["HELLO"]


def test_pascal_case_answers_and_other_actions_can_be_changed(server, receiver, room):
    alice, _ = room
    receiver.answer = lambda call: (json.dumps({"FriendlyName": "Renamed by the hook"}), 200)
    configure(server, pre_webhook_url=receiver.url())
    assert alice.call("channel.update", channel="room", friendlyName="Mine")["friendly_name"] == "Renamed by the hook"
    assert receiver.wait_for(1)[0].form["EventType"] == "onChannelUpdate"


def test_an_empty_200_or_other_2xx_allows_unchanged(server, receiver, room):
    alice, _ = room
    statuses = iter([200, 204])
    receiver.answer = lambda call: next(statuses)
    configure(server, pre_webhook_url=receiver.url())
    assert alice.call("message.send", channel="room", body="one")["body"] == "one"
    assert alice.call("message.send", channel="room", body="two")["body"] == "two"


def test_a_timeout_rejects_when_failing_closed(server_factory, receiver_factory, ws_factory):
    server = server_factory(webhook_timeout=0.3)
    receiver = receiver_factory()
    alice = ws_factory("alice", live=server)
    alice.call("channel.create", uniqueName="room")
    alice.call("channel.join", channel="room")
    configure(server, pre_webhook_url=receiver.url())
    receiver.hold()
    reply = alice.request("message.send", channel="room", body="slow")
    receiver.release()
    assert reply["error"]["code"] == 11200 and "timed out" in reply["error"]["message"]
    assert messages(alice) == []


def test_a_timeout_allows_unchanged_when_failing_open(server_factory, receiver_factory, ws_factory):
    server = server_factory(webhook_timeout=0.3, pre_webhook_fail_open=True)
    receiver = receiver_factory()
    alice = ws_factory("alice", live=server)
    alice.call("channel.create", uniqueName="room")
    alice.call("channel.join", channel="room")
    configure(server, pre_webhook_url=receiver.url())
    receiver.hold()
    assert alice.call("message.send", channel="room", body="slow")["body"] == "slow"
    receiver.release()
    assert [m["body"] for m in messages(alice)] == ["slow"]


def test_a_slow_hook_holds_up_only_the_command_waiting_for_it(server_factory, receiver_factory, ws_factory):
    """Even with one command thread, a send waiting for its hook steps aside: other sockets'
    commands are answered meanwhile."""
    server = server_factory(command_threads=1, webhook_timeout=5)
    receiver = receiver_factory()
    alice, bob = ws_factory("alice", live=server), ws_factory("bob", live=server)
    alice.call("channel.create", uniqueName="room")
    alice.call("channel.join", channel="room")
    configure(server, pre_webhook_url=receiver.url())
    receiver.hold()
    alice.send_raw(json.dumps({"id": 1, "cmd": "message.send", "args": {"channel": "room", "body": "slow"}}))
    receiver.wait_arrived(1)
    assert bob.call("channel.get", channel="room")["unique_name"] == "room"
    assert 1 not in alice.replies  # still waiting for the hook
    receiver.release()
    assert alice.request("messages.page", channel="room")["result"]["items"][0]["body"] == "slow"
    assert alice.replies.pop(1)["result"]["body"] == "slow"


def test_a_receiver_that_is_down_counts_as_a_failure(server, receiver, room):
    alice, _ = room
    configure(server, pre_webhook_url=receiver.url())
    receiver.stop()
    assert alice.request("message.send", channel="room", body="x")["error"]["code"] == 11200
    receiver.start()


def test_retries_on_503_up_to_the_retry_count(server, receiver, room):
    alice, _ = room
    statuses = iter([503, 503, 200])
    receiver.answer = lambda call: next(statuses)
    configure(server, pre_webhook_url=receiver.url(), pre_webhook_retry_count=2)
    assert alice.call("message.send", channel="room", body="third time")["body"] == "third time"
    assert [c.form["RetryCount"] for c in receiver.wait_for(3)] == ["0", "1", "2"]


def test_filters_choose_the_events(server, receiver, room):
    alice, _ = room
    receiver.answer = lambda call: 403
    configure(server, pre_webhook_url=receiver.url(), webhook_filters=["onChannelUpdate"])
    assert alice.call("message.send", channel="room", body="not filtered")["body"] == "not filtered"
    assert alice.request("channel.update", channel="room", friendlyName="x")["error"]["code"] == 20403
    assert [c.form["EventType"] for c in receiver.calls] == ["onChannelUpdate"]


def test_get_hooks_carry_the_parameters_in_a_signed_query_string(server, receiver, room):
    alice, _ = room
    configure(server, pre_webhook_url=receiver.url("/hook?tenant=a%20b"), webhook_method="GET")
    alice.call("message.send", channel="room", body="über & more")
    (call,) = receiver.wait_for(1)
    assert call.method == "GET" and call.args["Body"] == "über & more" and call.args["tenant"] == "a b"
    assert RequestValidator(server.settings.auth_token).validate(call.url, {}, call.headers["X-Twilio-Signature"])


def rest_send(server, body, **headers):
    response = requests.post(
        f"{server.url}/v2/Services/{server.settings.service_sid}/Channels/room/Messages",
        data={"Body": body, "From": "alice"},
        auth=(server.settings.account_sid, server.settings.auth_token),
        headers=headers,
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


def test_rest_actions_never_call_the_pre_event_hook(server, receiver, room):
    receiver.answer = lambda call: 403
    configure(server, pre_webhook_url=receiver.url())
    assert rest_send(server, "from a bot", **{"X-Twilio-Webhook-Enabled": "true"})["body"] == "from a bot"
    assert receiver.calls == []


def test_rest_actions_call_it_when_the_server_opts_in(server_factory, receiver_factory, ws_factory):
    server = server_factory(pre_webhook_for_rest=True)
    receiver = receiver_factory()
    alice = ws_factory("alice", live=server)
    alice.call("channel.create", uniqueName="room")
    receiver.answer = lambda call: (json.dumps({"body": "checked"}), 200)
    configure(server, pre_webhook_url=receiver.url())
    assert rest_send(server, "from a bot")["body"] == "checked"
    assert receiver.wait_for(1)[0].form["Source"] == "API"
