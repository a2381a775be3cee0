"""The loop guard: bots that answer webhooks by acting through REST cannot loop forever. REST
fires no pre-event hooks, and a hop count (HopCount out, X-Chat-Hop-Count back) ends chains of
post-event hooks, and of pre-event hooks when REST is opted in."""

import requests
from webhook_receiver import configure, deliveries, wait_until


def rest_send(server, body, hops=None, **headers):
    if hops is not None:
        headers["X-Chat-Hop-Count"] = hops
    return requests.post(
        f"{server.url}/v2/Services/{server.settings.service_sid}/Channels/room/Messages",
        data={"Body": body, "From": "bot"},
        auth=(server.settings.account_sid, server.settings.auth_token),
        headers=headers,
        timeout=20,
    )


def bodies(server, client) -> list[str]:
    return [m["body"] for m in client.call("messages.page", channel="room", pageSize=50)["items"]]


def test_a_post_event_bot_that_always_answers_stops_at_the_hop_limit(server, receiver, room):
    alice, _ = room

    def echo(call):
        sent = rest_send(
            server, "echo " + call.form["Body"], call.form["HopCount"], **{"X-Twilio-Webhook-Enabled": "true"}
        )
        sent.raise_for_status()
        return 200

    receiver.answer = echo
    configure(server, post_webhook_url=receiver.url(), webhook_filters=["onMessageSent"])
    alice.call("message.send", channel="room", body="hi")
    wait_until(lambda: len(bodies(server, alice)) == 4, message="three echoes")
    assert bodies(server, alice) == ["hi", "echo hi", "echo echo hi", "echo echo echo hi"]
    assert [c.form["HopCount"] for c in receiver.wait_for(3)] == ["1", "2", "3"]
    # The last echo was stored with its webhooks (none): nothing else is queued or coming.
    wait_until(lambda: all(r["status"] == "delivered" for r in deliveries(server)), message="all delivered")
    assert len(deliveries(server)) == 3 and len(receiver.calls) == 3


def test_a_resending_pre_event_bot_is_called_once_because_rest_fires_no_pre_event(server, receiver, room):
    alice, bob = room

    def resend(call):
        if call.form["Source"] == "SDK":
            rest_send(server, call.form["Body"].upper(), call.form["HopCount"]).raise_for_status()
        return 403

    receiver.answer = resend
    configure(server, pre_webhook_url=receiver.url(), webhook_filters=["onMessageSend"])
    assert alice.request("message.send", channel="room", body="hello")["error"]["code"] == 20403
    assert bodies(server, bob) == ["HELLO"] and len(receiver.calls) == 1


def test_with_rest_opted_in_a_bot_that_rejects_everything_is_stopped_by_the_hop_limit(
    server_factory, receiver, ws_factory
):
    server = server_factory(pre_webhook_for_rest=True)
    alice = ws_factory("alice", live=server)
    alice.call("channel.create", uniqueName="room")
    alice.call("channel.join", channel="room")

    def resend(call):
        rest_send(server, call.form["Body"] + "!", call.form["HopCount"])  # refused (403) until the limit
        return 403

    receiver.answer = resend
    configure(server, pre_webhook_url=receiver.url(), webhook_filters=["onMessageSend"])
    assert alice.request("message.send", channel="room", body="hello")["error"]["code"] == 20403
    assert [c.form["HopCount"] for c in receiver.calls] == ["1", "2", "3"]
    assert bodies(server, alice) == ["hello!!!"]


def test_a_malformed_hop_count_is_refused(server, room):
    assert rest_send(server, "x", "many").status_code == 400
