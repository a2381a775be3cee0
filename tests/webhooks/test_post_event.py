"""Post-event webhooks: queued with the change, delivered signed and in order by the background
deliverer, retried, kept across restarts, delivered once even with two processes."""

import multiprocessing
import os
import signal
from collections import Counter
from dataclasses import asdict

import requests
from twilio.request_validator import RequestValidator
from webhook_receiver import configure, deliveries, wait_until

from chat.actions import channels, messages
from chat.context import Actor, Chat
from chat.settings import Settings
from chat.store import services as service_rows


def rest_send(server, body, channel="room", **headers):
    response = requests.post(
        f"{server.url}/v2/Services/{server.settings.service_sid}/Channels/{channel}/Messages",
        data={"Body": body, "From": "bot"},
        auth=(server.settings.account_sid, server.settings.auth_token),
        headers=headers,
        timeout=10,
    )
    response.raise_for_status()
    return response.json()


ENABLED = {"X-Twilio-Webhook-Enabled": "true"}


def test_an_sdk_message_is_posted_signed_after_it_is_stored(server, receiver, room):
    alice, _ = room
    configure(server, post_webhook_url=receiver.url())
    sent = alice.call("message.send", channel="room", body="hello")
    (call,) = receiver.wait_for(1, event="onMessageSent")
    params = call.form
    assert params["MessageSid"] == sent["sid"] and params["Index"] == "0" and params["Body"] == "hello"
    assert params["From"] == "alice" and params["ClientIdentity"] == "alice" and params["Source"] == "SDK"
    assert params["DateCreated"].endswith("Z") and params["RetryCount"] == "0"
    assert RequestValidator(server.settings.auth_token).validate(
        call.url, call.form, call.headers["X-Twilio-Signature"]
    )
    assert call.headers["I-Twilio-Idempotency-Token"]
    row = wait_until(lambda: [r for r in deliveries(server) if r["status"] == "delivered"], message="delivered")[0]
    assert (row["event"], row["attempts"], row["status_code"], row["last_error"]) == ("onMessageSent", 1, 200, None)
    assert row["latency_ms"] is not None


def test_rest_actions_post_only_with_the_header(server, receiver, room):
    configure(server, post_webhook_url=receiver.url())
    rest_send(server, "quiet")
    rest_send(server, "announced", **ENABLED)
    (call,) = receiver.wait_for(1)  # one queue per target and channel: "quiet" would have come first
    assert call.form["Body"] == "announced" and call.form["Source"] == "API" and "ClientIdentity" not in call.form
    assert [r["event"] for r in deliveries(server)] == ["onMessageSent"]


def test_filters_choose_the_events(server, receiver, room):
    alice, _ = room
    configure(server, post_webhook_url=receiver.url(), webhook_filters=["onMessageSent", "onMessageRemoved"])
    sent = alice.call("message.send", channel="room", body="x")
    alice.call("message.update", channel="room", message=sent["sid"], body="y")
    alice.call("message.remove", channel="room", message=sent["sid"])
    assert [c.form["EventType"] for c in receiver.wait_for(2)] == ["onMessageSent", "onMessageRemoved"]
    assert len(deliveries(server)) == 2


def test_a_failing_receiver_is_retried_with_backoff_until_it_recovers(server_factory, receiver, ws_factory):
    server = server_factory(webhook_retry_backoff=0.05)
    alice = ws_factory("alice", live=server)
    alice.call("channel.create", uniqueName="room")
    statuses = iter([503, 500, 200])
    receiver.answer = lambda call: next(statuses)
    configure(server, post_webhook_url=receiver.url(), post_webhook_retry_count=3, webhook_filters=["onMemberAdded"])
    alice.call("channel.join", channel="room")
    calls = receiver.wait_for(3)
    assert [c.form["RetryCount"] for c in calls] == ["0", "1", "2"]
    assert len({c.headers["I-Twilio-Idempotency-Token"] for c in calls}) == 1
    row = wait_until(lambda: [r for r in deliveries(server) if r["status"] == "delivered"], message="delivered")[0]
    assert row["attempts"] == 3 and row["status_code"] == 200


def test_a_delivery_that_runs_out_of_attempts_is_failed_and_can_be_redelivered(server_factory, receiver, ws_factory):
    from chat.store import webhook_deliveries

    server = server_factory(webhook_retry_backoff=0.05)
    alice = ws_factory("alice", live=server)
    alice.call("channel.create", uniqueName="room")
    receiver.answer = lambda call: 500
    configure(server, post_webhook_url=receiver.url(), post_webhook_retry_count=1, webhook_filters=["onMemberAdded"])
    alice.call("channel.join", channel="room")
    row = wait_until(lambda: [r for r in deliveries(server) if r["status"] == "failed"], message="failed")[0]
    assert (row["attempts"], row["status_code"], row["last_error"]) == (2, 500, "HTTP 500")
    receiver.answer = lambda call: 200
    with server.chat.store.write() as tx:
        assert webhook_deliveries.redeliver(tx.db, None, 0) == 1
    server.chat.webhooks.deliverer.wake()
    row = wait_until(lambda: [r for r in deliveries(server) if r["status"] == "delivered"], message="redelivered")[0]
    assert row["series"] == 2 and row["attempts"] == 1
    assert [c.form["RetryCount"] for c in receiver.wait_for(3)] == ["0", "1", "0"]


def test_a_4xx_answer_is_not_retried(server, receiver, room):
    alice, _ = room
    receiver.answer = lambda call: 404
    configure(server, post_webhook_url=receiver.url(), post_webhook_retry_count=3)
    alice.call("message.send", channel="room", body="x")
    row = wait_until(lambda: [r for r in deliveries(server) if r["status"] == "failed"], message="failed")[0]
    assert row["attempts"] == 1 and row["status_code"] == 404


def test_one_channels_events_arrive_in_order_even_when_the_first_is_retried(server_factory, receiver, ws_factory):
    server = server_factory(webhook_retry_backoff=0.05)
    alice = ws_factory("alice", live=server)
    alice.call("channel.create", uniqueName="room")
    alice.call("channel.join", channel="room")
    first = {"failed": False}

    def answer(call):
        if call.form["Index"] == "0" and not first["failed"]:
            first["failed"] = True
            return 503
        return 200

    receiver.answer = answer
    configure(server, post_webhook_url=receiver.url(), post_webhook_retry_count=2, webhook_filters=["onMessageSent"])
    for number in range(6):
        alice.call("message.send", channel="room", body=f"m{number}")
    calls = receiver.wait_for(7)
    assert [c.form["Index"] for c in calls] == ["0", "0", "1", "2", "3", "4", "5"]


def test_deliveries_survive_a_restart_while_the_receiver_is_down(server_factory, receiver, ws_factory):
    server = server_factory(webhook_retry_backoff=0.05)
    alice = ws_factory("alice", live=server)
    alice.call("channel.create", uniqueName="room")
    alice.call("channel.join", channel="room")
    configure(server, post_webhook_url=receiver.url(), post_webhook_retry_count=10, webhook_filters=["onMessageSent"])
    receiver.stop()
    for number in range(3):
        alice.call("message.send", channel="room", body=f"m{number}")
    wait_until(lambda: deliveries(server)[0]["attempts"] >= 2, message="the first delivery was attempted")
    alice.close()
    server.restart()
    # Every row survived, still to deliver (the new process may already hold a lease on one).
    assert [r["status"] for r in deliveries(server)] == ["pending"] * 3
    receiver.start()
    calls = receiver.wait_for(3, timeout=30)
    assert [c.form["Body"] for c in calls] == ["m0", "m1", "m2"]
    tokens = Counter(c.headers["I-Twilio-Idempotency-Token"] for c in calls)
    assert len(tokens) == 3 and set(tokens.values()) == {1}
    wait_until(lambda: all(r["status"] == "delivered" for r in deliveries(server)), message="all delivered")
    assert len(receiver.calls) == 3


def test_two_processes_on_one_database_deliver_each_row_once(server_factory, receiver):
    first = server_factory(webhook_workers=2)
    second = server_factory(**asdict(first.settings))
    configure(first, post_webhook_url=receiver.url(), webhook_filters=["onMessageSent"])
    for channel in ("a", "b", "c"):
        requests.post(
            f"{first.url}/v2/Services/{first.settings.service_sid}/Channels",
            data={"UniqueName": channel},
            auth=(first.settings.account_sid, first.settings.auth_token),
            timeout=10,
        ).raise_for_status()
    for number in range(10):
        for channel, server in (("a", first), ("b", second), ("c", first)):
            rest_send(server, f"{channel}{number}", channel=channel, **ENABLED)
    calls = receiver.wait_for(30, timeout=30)
    tokens = Counter(c.headers["I-Twilio-Idempotency-Token"] for c in calls)
    assert len(tokens) == 30 and set(tokens.values()) == {1}
    for channel in ("a", "b", "c"):
        assert [c.form["Body"] for c in calls if c.form["Body"][0] == channel] == [f"{channel}{n}" for n in range(10)]
    wait_until(lambda: all(r["status"] == "delivered" for r in deliveries(first)), message="all delivered")
    assert len(receiver.calls) == 30


def _write_then_crash(settings: Settings, url: str) -> None:
    """A process that commits three messages with their deliveries, then dies before sending any."""
    chat = Chat(settings)
    chat.webhooks.stop()  # so that nothing is sent before the crash
    configure_row = {"post_webhook_url": url, "webhook_filters": '["onMessageSent"]'}
    with chat.store.write() as tx:
        service_rows.update(tx.db, settings.service_sid, configure_row)
    account = Actor(None, "rest", webhooks=True)
    channels.create(chat, account, settings.service_sid, unique_name="room")
    for number in range(3):
        messages.send(chat, account, settings.service_sid, "room", body=f"m{number}", author="bot")
    os.kill(os.getpid(), signal.SIGKILL)


def test_deliveries_committed_by_a_process_that_crashed_are_sent_by_the_next(settings, server_factory, receiver):
    crashing = multiprocessing.get_context("spawn").Process(target=_write_then_crash, args=(settings, receiver.url()))
    crashing.start()
    crashing.join(timeout=60)
    assert crashing.exitcode == -signal.SIGKILL
    assert receiver.calls == []
    server = server_factory(**asdict(settings))
    calls = receiver.wait_for(3)
    assert [c.form["Body"] for c in calls] == ["m0", "m1", "m2"]
    wait_until(lambda: all(r["status"] == "delivered" for r in deliveries(server)), message="all delivered")
