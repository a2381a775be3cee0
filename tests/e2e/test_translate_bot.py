"""The translate bot end to end: Alice types English in her browser, the pre-event webhook
stops it, the bot re-sends it through REST as Alice, and Bob's page shows the Japanese."""

import json

import pytest
from playwright.sync_api import expect
from webhook_receiver import Served, configure, example


@pytest.fixture
def translate_bot(server):
    settings = server.settings
    bot = Served(
        example("translate_bot").create_app(server.url, settings.account_sid, settings.auth_token, settings.service_sid)
    )
    configure(server, pre_webhook_url=bot.url + "/pre-event", webhook_filters=["onMessageSend"])
    yield bot
    bot.stop()


def test_bob_sees_alices_english_in_japanese(person, server, translate_bot, artifacts):
    alice, bob = person("alice"), person("bob")
    alice.send("Good morning!")
    translated = bob.message("おはようございます！")
    expect(translated).to_be_visible()
    expect(translated.locator(".author")).to_have_text("alice")
    expect(alice.message("おはようございます！")).to_be_visible()
    expect(bob.message("Good morning")).to_have_count(0)
    expect(alice.page.locator("#composer-note")).to_contain_text("replaced your message")  # a quiet note
    expect(alice.page.locator("#composer-error")).to_be_empty()  # the SDK promise rejected, but that is no error
    expect(alice.page.locator("#chat-input")).to_have_value("")  # refused: not put back to be sent again
    bob.page.screenshot(path=str(artifacts / "translate-bot-bob.png"))
    alice.page.screenshot(path=str(artifacts / "translate-bot-alice.png"))
    stored = server.chat.store.db().execute("SELECT author, body, attributes FROM messages").fetchall()
    assert [(row["author"], row["body"]) for row in stored] == [("alice", "おはようございます！")]
    assert json.loads(stored[0]["attributes"])["translation"]["original"] == "Good morning!"
