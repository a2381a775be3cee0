"""The example bots in examples/, run as real servers against a real chat server."""

import json

import pytest
import requests
from webhook_receiver import Served, configure, example, wait_until


@pytest.fixture
def serve():
    started: list[Served] = []

    def start(app) -> Served:
        served = Served(app)
        started.append(served)
        return served

    yield start
    for served in started:
        served.stop()


def test_the_link_bot_rewrites_messages_through_its_200_json_answer(server, room, serve):
    alice, bob = room
    bot = serve(example("link_bot").create_app(server.settings.auth_token, "https://tracker.example/issues"))
    configure(server, pre_webhook_url=bot.url + "/pre-event", webhook_filters=["onMessageSend", "onMessageUpdate"])
    sent = alice.call("message.send", channel="room", body="see example.com/docs about #7 :shipit:")
    image = "https://octodex.github.com/images/shipit.png"
    assert sent["body"] == f"see https://example.com/docs about https://tracker.example/issues/7 {image}"
    assert json.loads(sent["attributes"]) == {"images": [image]}
    assert bob.event("messageAdded")["data"]["body"] == sent["body"]
    plain = alice.call("message.send", channel="room", body="nothing to change")
    assert plain["body"] == "nothing to change" and json.loads(plain["attributes"]) == {}


def test_the_link_bot_refuses_unsigned_requests(server, serve):
    bot = serve(example("link_bot").create_app(server.settings.auth_token))
    forged = requests.post(bot.url + "/pre-event", data={"EventType": "onMessageSend", "Body": "x"}, timeout=5)
    assert forged.status_code == 403


def test_the_translate_bot_falls_through_for_what_it_cannot_translate(server, room, serve):
    alice, bob = room
    settings = server.settings
    bot = example("translate_bot").create_app(
        server.url, settings.account_sid, settings.auth_token, settings.service_sid
    )
    configure(server, pre_webhook_url=serve(bot).url + "/pre-event", webhook_filters=["onMessageSend"])
    assert alice.call("message.send", channel="room", body="Quantum chromodynamics")["body"] == "Quantum chromodynamics"
    assert alice.request("message.send", channel="room", body="Thank you!")["error"]["code"] == 20403
    translated = bob.event("messageAdded", body="ありがとうございます！")["data"]
    assert translated["from"] == "alice"
    assert json.loads(translated["attributes"])["translation"] == {"from": "en", "to": "ja", "original": "Thank you!"}


def test_a_real_translator_plugs_in_as_a_function(server, room, serve):
    alice, bob = room
    settings = server.settings
    bot = example("translate_bot").create_app(
        server.url, settings.account_sid, settings.auth_token, settings.service_sid, translate=lambda text: text[::-1]
    )
    configure(server, pre_webhook_url=serve(bot).url + "/pre-event")
    alice.request("message.send", channel="room", body="stressed")
    assert bob.event("messageAdded")["data"]["body"] == "desserts"


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_the_logger_verifies_signatures_and_logs_events(server, room, serve, tmp_path, method):
    alice, _ = room
    log_path = tmp_path / "hooks.jsonl"
    logger = serve(example("post_event_logger").create_app(server.settings.auth_token, str(log_path)))
    configure(server, post_webhook_url=logger.url + "/post-event", webhook_method=method)
    alice.call("message.send", channel="room", body="für alle & jeden")
    alice.call("channel.update", channel="room", friendlyName="Renamed")

    def logged():
        lines = log_path.read_text().splitlines() if log_path.exists() else []
        return [json.loads(line) for line in lines] if len(lines) >= 2 else None

    first, second = wait_until(logged, message="two logged events")
    assert (first["EventType"], first["Body"]) == ("onMessageSent", "für alle & jeden")
    assert (second["EventType"], second["FriendlyName"]) == ("onChannelUpdated", "Renamed")
    forged = requests.post(logger.url + "/post-event", data={"EventType": "onMessageSent"}, timeout=5)
    assert forged.status_code == 403
