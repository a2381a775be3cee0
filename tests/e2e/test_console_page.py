"""The operator's console in Chromium: signing in, CSRF, a webhook setting, moderating a channel
while a chat page is open, redelivering to a receiver that now answers, and screenshots of the
overview and a channel at desktop and phone sizes with an axe-core check."""

import struct
import zlib
from pathlib import Path

import pytest
import requests
from chatpage import seed_channel, seed_member, seed_message
from playwright.sync_api import expect
from webhook_receiver import Receiver, configure, wait_until

from chat.actions import messages
from chat.context import Actor
from chat.store import messages as message_rows
from chat.store import services
from chat.store import webhook_deliveries as delivery_rows

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
VIEWS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}


@pytest.fixture
def console(browser, server):
    """`console(**context_options)`: a browser tab signed in to the console."""
    contexts = []

    def open_console(sign_in: bool = True, **options):
        options.setdefault("viewport", VIEWS["desktop"])
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        page = context.new_page()
        page.goto(server.url + "/console/")
        if sign_in:
            page.fill("#account", server.settings.account_sid)
            page.fill("#secret", server.settings.auth_token)
            page.click("button[type=submit]")
            expect(page.locator("h1")).to_have_text("Overview")
        return page

    yield open_console
    for context in contexts:
        context.close()


def check_accessibility(page) -> None:
    assert AXE.exists(), "axe-core is missing: run `make test` (it runs npm ci in tests/e2e/axe)"
    page.evaluate(AXE.read_text())
    result = page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    problems = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert problems == [], problems


def test_sign_in_with_a_wrong_then_the_right_secret(console, server):
    page = console(sign_in=False)
    expect(page).to_have_url(server.url + "/console/sign-in?next=/console/")
    page.fill("#account", server.settings.account_sid)
    page.fill("#secret", "not-the-token-" * 3)
    page.click("button[type=submit]")
    expect(page.locator("#sign-in-error")).to_contain_text("do not match")
    expect(page.locator("#account")).to_have_value(server.settings.account_sid)
    page.fill("#secret", server.settings.auth_token)
    page.click("button[type=submit]")
    expect(page.locator("h1")).to_have_text("Overview")
    page.click("text=Sign out")
    expect(page.locator("h1")).to_have_text("Sign in")


def test_a_form_with_a_forged_csrf_token_is_refused(console, server):
    page = console()
    page.goto(server.url + "/console/service")
    page.fill("#friendly_name", "Hijacked")
    page.evaluate("document.querySelector('.settings input[name=csrf_token]').value = 'forged'")
    page.click("text=Save settings")
    expect(page.locator("h1")).to_have_text("Form refused")
    assert services.get(server.chat.store.db(), server.settings.service_sid)["friendly_name"] != "Hijacked"


def test_changing_a_webhook_setting(console, server):
    page = console()
    page.click("nav >> text=Service")
    page.fill("#post_webhook_url", "not a url")
    page.click("text=Save settings")
    expect(page.locator("#service-error")).to_contain_text("must be an absolute http or https URL")
    expect(page.locator("#post_webhook_url")).to_have_value("not a url")  # what was typed stays
    page.fill("#post_webhook_url", "https://bot.example/hooks")
    page.select_option("#webhook_method", "GET")
    page.fill("#post_webhook_retry_count", "3")
    page.check("input[value=onMessageSent]")
    page.click("text=Save settings")
    expect(page.locator(".notice")).to_have_text("Settings saved.")
    auth = (server.settings.account_sid, server.settings.auth_token)
    rest = requests.get(f"{server.url}/v2/Services/{server.settings.service_sid}", auth=auth, timeout=5).json()
    assert rest["post_webhook_url"] == "https://bot.example/hooks"
    assert rest["webhook_method"] == "GET"
    assert rest["post_webhook_retry_count"] == 3
    assert rest["webhook_filters"] == ["onMessageSent"]


def test_a_removed_message_disappears_from_an_open_chat_page(console, person, server):
    general = seed_channel(server)
    seed_member(server, general["sid"], "bob")
    seed_message(server, general["sid"], "bob", "this one is fine")
    seed_message(server, general["sid"], "bob", "this one breaks the rules")
    alice = person("alice")
    expect(alice.message("breaks the rules")).to_be_visible()

    page = console()
    page.click("nav >> text=Channels")
    page.click("text=General Chat Channel")
    doomed = page.locator(".message", has_text="breaks the rules")
    doomed.locator("button", has_text="Remove").click()
    expect(page.locator(".notice")).to_have_text("Message removed.")
    expect(page.locator(".removed-mark")).to_have_text("1 removed message")
    expect(alice.message("breaks the rules")).to_have_count(0)
    expect(alice.message("this one is fine")).to_be_visible()

    page.locator(".people li", has_text="bob").locator("button").click()
    expect(page.locator(".notice")).to_contain_text("bob was removed")
    page.click("text=Delete channel")  # the confirmation box is required: nothing happens yet
    expect(page.locator("h1")).to_have_text("General Chat Channel")
    page.check("input[name=confirm]")
    page.click("text=Delete channel")
    expect(page.locator(".notice")).to_contain_text("deleted")


def test_redelivering_a_failed_delivery_to_a_receiver_that_now_answers(console, server):
    receiver = Receiver()
    try:
        receiver.answer = lambda call: 500
        configure(server, post_webhook_url=receiver.url(), post_webhook_retry_count=0)
        seed_channel(server)
        auth = (server.settings.account_sid, server.settings.auth_token)
        sent = requests.post(
            f"{server.url}/v2/Services/{server.settings.service_sid}/Channels/general/Messages",
            data={"Body": "for the bot"}, auth=auth, headers={"X-Twilio-Webhook-Enabled": "true"}, timeout=5,
        )  # fmt: skip
        assert sent.status_code == 201
        db = server.chat.store.db
        wait_until(lambda: delivery_rows.recent(db(), 10, "failed"), message="the delivery failed")

        page = console()
        expect(page.locator("#deliveries-failed")).to_have_text("1")
        page.click("#deliveries-failed a")
        expect(page.locator("#deliveries tbody tr")).to_have_count(1)
        expect(page.locator("#deliveries")).to_contain_text("HTTP 500")
        page.locator("#deliveries tbody a").first.click()
        expect(page.locator("#delivery-status")).to_have_text("failed")
        expect(page.locator("pre.request")).to_contain_text("X-Twilio-Signature: ")
        expect(page.locator("pre.request")).not_to_contain_text(server.settings.auth_token)
        expect(page.locator("main")).to_contain_text("for the bot")

        receiver.answer = lambda call: 200
        page.click("#redeliver")
        expect(page.locator(".notice")).to_have_text("Queued for redelivery.")
        calls = receiver.wait_for(2)
        assert calls[1].params["Body"] == "for the bot"
        assert calls[1].headers["I-Twilio-Idempotency-Token"] == calls[0].headers["I-Twilio-Idempotency-Token"]

        def delivered() -> bool:
            page.reload()
            return page.locator("#delivery-status").inner_text() == "delivered"

        wait_until(delivered, message="the console shows it delivered")
        expect(page.locator("#delivery-code")).to_have_text("HTTP 200")
    finally:
        receiver.stop()


def picture_png(width: int = 48, height: int = 32) -> bytes:
    """A small striped PNG, built here so the test needs no image file."""
    raw = b"".join(b"\x00" + bytes((40 + x * 4) % 256 for x in range(width * 3)) for _ in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")


def populate(server) -> dict:
    general = seed_channel(server)
    seed_channel(server, unique_name="design", friendly_name="Design reviews")
    for identity in ("alice", "bob", "carol"):
        seed_member(server, general["sid"], identity)
    seed_message(server, general["sid"], "alice", "Morning! The release notes are at https://example.com/notes")
    spam = seed_message(server, general["sid"], "bob", "buy cheap watches")
    seed_message(server, general["sid"], "carol", "Looks good to me.\nShipping after lunch.")
    chat, service_sid = server.chat, server.settings.service_sid
    with chat.store.write() as tx:
        media = message_rows.create_media(tx.db, service_sid, "chart.png", "image/png", picture_png(), "alice")
    account = Actor(None, "rest")
    messages.send(chat, account, service_sid, general["sid"], author="alice", media_sid=media["sid"])
    edited = seed_message(server, general["sid"], "bob", "typo in the first try")
    messages.update(chat, account, service_sid, general["sid"], edited["sid"], body="fixed the typo")
    messages.remove(chat, account, service_sid, general["sid"], spam["sid"])
    return general


@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_screenshots_and_accessibility_of_the_overview_and_a_channel(console, person, server, artifacts, size):
    general = populate(server)
    person("alice")  # online, with a socket
    page = console(viewport=VIEWS[size])
    expect(page.locator("#users-online")).to_have_text("1")
    page.screenshot(path=str(artifacts / f"console-overview-{size}.png"), full_page=True)
    check_accessibility(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWS[size]["width"]

    page.goto(f"{server.url}/console/channels/{general['sid']}")
    expect(page.locator(".people li", has_text="alice").locator(".dot.online")).to_have_count(1)
    expect(page.locator(".thumb")).to_be_visible()
    assert page.evaluate("document.querySelector('.thumb').naturalWidth") == 48
    expect(page.locator(".edited")).to_have_count(1)
    expect(page.locator(".removed-mark")).to_have_text("1 removed message")
    page.screenshot(path=str(artifacts / f"console-channel-{size}.png"), full_page=True)
    check_accessibility(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWS[size]["width"]

    for path in ("/console/service", "/console/webhooks", "/console/users", "/console/roles"):
        page.goto(server.url + path)
        check_accessibility(page)
        assert page.evaluate("document.documentElement.scrollWidth") <= VIEWS[size]["width"], path
