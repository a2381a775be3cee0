"""Issue 18 on the page: formatting (safe), replies, reactions, direct messages, mentions,
notifications and the installable shell, with two or three people in their own browsers."""

import json
from pathlib import Path

import pytest
from chatpage import ACCOUNT, seed_channel, seed_member, seed_message
from playwright.sync_api import expect

from chat.actions import messages

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"width": 360, "height": 740}

XSS = '<img src=x onerror="window.__xss=1">'
PAYLOADS = {
    "bold": f"*{XSS}*",
    "italic": f"_{XSS}_",
    "code": f"`{XSS}`",
    "fence": f"```\n{XSS}\n<script>window.__xss=2</script>\n```",
    "link": 'https://example.com/?q="><script>window.__xss=3</script>',
    "mention": f"@{XSS}",
}

# Records what the page shows, so a test can see notifications a headless browser never draws.
RECORD_NOTIFICATIONS = """
window.__notes = [];
const Real = window.Notification;
window.Notification = class extends Real {
  constructor(title, options) { super(title, options); window.__notes.push({title, body: options && options.body}); }
};
"""


def stored_attributes(server, body: str) -> dict:
    row = server.chat.store.db().execute("SELECT attributes FROM messages WHERE body = ?", [body]).fetchone()
    return json.loads(row["attributes"])


def test_formatting_renders_nodes_and_never_html(person, server):
    seed_channel(server)
    alice, bob = person("alice"), person("bob")
    bob.send("*bold* and _italic_ and `code` and https://example.com/a_b_c done")
    body = alice.message("done").locator(".body")
    expect(body.locator("strong")).to_have_text("bold")
    expect(body.locator("em")).to_have_text("italic")
    expect(body.locator("code")).to_have_text("code")
    expect(body.locator("a")).to_have_attribute("href", "https://example.com/a_b_c")
    bob.page.fill("#chat-input", "```\nfor x in y:\n    print(x)\n```")
    bob.page.press("#chat-input", "Enter")
    expect(alice.page.locator(".body pre code")).to_have_text("for x in y:\n    print(x)")
    expect(alice.page.locator(".body pre code")).to_be_visible()
    assert alice.page.evaluate("getComputedStyle(document.querySelector('.body pre')).whiteSpace") == "pre"
    bob.send("snake_case_names and 2*3*4 stay plain")
    expect(alice.message("stay plain").locator("em, strong")).to_have_count(0)


@pytest.mark.parametrize("form", sorted(PAYLOADS))
def test_markup_inside_every_form_is_shown_as_text(person, server, form):
    seed_channel(server)
    alice, bob = person("alice"), person("bob")
    payload = PAYLOADS[form]
    bob.page.fill("#chat-input", payload + " end-" + form)
    bob.page.press("#chat-input", "Enter")
    shown = alice.message("end-" + form)
    expect(shown).to_be_visible()
    assert "<" in shown.locator(".body").inner_text()  # the markup is there, as text
    for page in (alice.page, bob.page):
        assert page.evaluate("window.__xss") is None
        assert page.locator(".message-list img, .message-list script, .message-list [onerror]").count() == 0
        links = page.locator(".message-list a")
        for i in range(links.count()):
            assert links.nth(i).get_attribute("href").startswith("https://")


def test_reply_quotes_and_jumps_to_an_original_not_loaded_yet(person, server):
    general = seed_channel(server)
    seed_member(server, general["sid"], "bob")
    first = seed_message(server, general["sid"], "bob", "the very first message")
    for n in range(45):
        seed_message(server, general["sid"], "bob", f"filler {n}")
    reply_to = {"sid": first["sid"], "index": first["idx"], "author": "bob", "snippet": "the very first message"}
    chat = server.chat
    messages.send(
        chat, ACCOUNT, chat.settings.service_sid, general["sid"], body="answering that", author="bob",
        attributes=json.dumps({"reply_to": reply_to}),
    )  # fmt: skip
    alice = person("alice")
    quote = alice.message("answering that").locator(".reply-quote")
    expect(quote).to_contain_text("the very first message")
    expect(alice.message("the very first message")).to_have_count(0)  # beyond the first page
    quote.click()
    original = alice.message("the very first message")
    expect(original).to_be_in_viewport()
    expect(original).to_be_focused()

    # Replying from the page stores the quote in the attributes.
    alice.message("filler 44").hover()
    alice.message("filler 44").get_by_role("button", name="Reply to bob").click()
    expect(alice.page.locator("#reply-bar")).to_contain_text("filler 44")
    alice.send("yes, that one")
    expect(alice.message("yes, that one").locator(".reply-quote")).to_contain_text("filler 44")
    assert stored_attributes(server, "yes, that one")["reply_to"]["snippet"] == "filler 44"


def test_reactions_from_two_pages_at_once_both_count(person, server):
    seed_channel(server)
    alice, bob = person("alice"), person("bob")
    alice.send("pizza tonight?")
    for who in (alice, bob):
        message = who.message("pizza tonight?")
        message.hover()
        message.get_by_role("button", name="Add a reaction").click()
        expect(who.page.locator(".reaction-picker")).to_be_visible()
    # Both click 👍 as close together as two pages allow: the clicks are queued in both pages
    # first, then each page's click runs on its own.
    click = "document.querySelector('.reaction-picker .reaction-choice').click()"
    for who in (alice, bob):
        who.page.evaluate(f"() => {{ window.__react = () => {click}; }}")
    for who in (alice, bob):
        who.page.evaluate("() => { setTimeout(window.__react, 50); }")
    for who in (alice, bob):
        reaction = who.message("pizza tonight?").locator(".reaction", has_text="👍")
        expect(reaction.locator(".reaction-count")).to_have_text("2")
        expect(reaction).to_have_attribute("aria-pressed", "true")
        title = reaction.get_attribute("title")
        assert "alice" in title and "bob" in title
    assert sorted(stored_attributes(server, "pizza tonight?")["reactions"]["👍"]) == ["alice", "bob"]
    bob.message("pizza tonight?").locator(".reaction", has_text="👍").click()  # a second click takes it back
    expect(alice.message("pizza tonight?").locator(".reaction .reaction-count")).to_have_text("1")
    expect(bob.message("pizza tonight?").locator(".reaction")).to_have_attribute("aria-pressed", "false")


def test_an_open_reaction_picker_survives_another_persons_reaction(person, server):
    seed_channel(server)
    alice, bob = person("alice"), person("bob")
    alice.send("movie night?")
    bob.message("movie night?").hover()
    bob.message("movie night?").get_by_role("button", name="Add a reaction").click()
    alice.message("movie night?").hover()
    alice.message("movie night?").get_by_role("button", name="Add a reaction").click()
    alice.page.get_by_role("button", name="React with 👍").click()
    expect(bob.message("movie night?").locator(".reaction .reaction-count")).to_have_text("1")
    picker = bob.page.locator(".reaction-picker")
    expect(picker).to_be_visible()  # redrawn with alice's 👍, bob's choice still open under his pointer
    expect(bob.message("movie night?").get_by_role("button", name="Add a reaction")).to_have_attribute(
        "aria-expanded", "true"
    )
    picker.get_by_role("button", name="React with 👍").click()
    expect(alice.message("movie night?").locator(".reaction .reaction-count")).to_have_text("2")
    expect(bob.page.locator(".reaction-picker")).to_have_count(0)


def test_direct_messages_from_the_member_list_and_a_name(person, server):
    seed_channel(server)
    alice, bob, carol = person("alice"), person("bob"), person("carol")
    bob.send("hi all")
    alice.page.get_by_role("button", name="Message bob directly").click()
    expect(alice.page.locator("#channel-title")).to_contain_text("bob")
    alice.send("just between us")
    dm = bob.page.locator("#direct-channels .channel-link", has_text="alice")
    expect(dm).to_be_visible()
    expect(dm.locator(".badge")).to_have_text("1")
    expect(dm.locator(".dot")).to_have_class("dot online")
    # Bob opens it from alice's name in #general: the same channel, not a new one.
    bob.send("ping")
    alice.page.locator("#my-channels .channel-link", has_text="General").click()
    expect(bob.message("hi all")).to_be_visible()
    bob.page.locator("#my-channels .channel-link", has_text="General").click()
    alice.send("from general")
    bob.message("from general").locator(".author-button").click()
    expect(bob.message("just between us")).to_be_visible()
    expect(bob.page.locator("#direct-channels .channel-link")).to_have_count(1)
    expect(carol.page.locator("#direct-channels .channel-link")).to_have_count(0)
    rows = server.chat.store.db().execute("SELECT count(*) FROM channels WHERE unique_name LIKE 'dm:%'").fetchone()
    assert rows[0] == 1


def test_mentions_picker_highlight_and_separate_count(person, server):
    seed_channel(server)
    seed_channel(server, unique_name="random", friendly_name="Random")
    alice, bob = person("alice"), person("bob")
    # Bob joins #random through the browse list and stays there, away from #general.
    bob.page.click("#browse-refresh")
    bob.page.get_by_role("button", name="Join Random").click()
    expect(bob.page.locator("#channel-title")).to_contain_text("Random")

    alice.page.locator("#chat-input").type("thanks @b")
    options = alice.page.locator("#mention-list [role=option]")
    expect(options).to_have_count(1)
    expect(options.first).to_contain_text("bob")
    expect(alice.page.locator("#mention-list")).to_be_visible()
    alice.page.keyboard.press("Enter")  # picks, does not send
    expect(alice.page.locator("#chat-input")).to_have_value("thanks @bob ")
    alice.page.keyboard.type("for the *review*")
    alice.page.keyboard.press("Enter")
    expect(alice.message("for the").locator(".mention")).to_have_text("@bob")
    assert stored_attributes(server, "thanks @bob for the *review*")["mentions"] == ["bob"]

    general = bob.page.locator("#my-channels .channel-link", has_text="General")
    expect(general.locator(".mention-badge")).to_have_text("@1")
    expect(general.locator(".badge:not(.mention-badge)")).to_have_text("1")
    alice.send("no mention here")
    expect(general.locator(".badge:not(.mention-badge)")).to_have_text("2")
    expect(general.locator(".mention-badge")).to_have_text("@1")
    expect(bob.page).to_have_title("(2) Random · Chat")
    general.click()
    expect(bob.message("for the").locator(".mention-me")).to_have_text("@bob")
    expect(bob.message("for the")).to_have_class("message mentions-me")
    # The mouse works too.
    bob.page.locator("#chat-input").type("@al")
    bob.page.locator("#mention-list [role=option]", has_text="alice").click()
    expect(bob.page.locator("#chat-input")).to_have_value("@alice ")


def test_a_hidden_page_notifies_of_a_direct_message(person, server, browser):
    seed_channel(server)
    alice = person("alice")
    bob = person("bob", permissions=["notifications"])
    bob.page.add_init_script(RECORD_NOTIFICATIONS)
    bob.page.reload()
    expect(bob.page.locator("#chat-input")).to_be_enabled()
    expect(bob.page.locator("#notify-button")).to_be_hidden()  # granted already: nothing to ask
    expect(bob.page.locator("#notify-status")).to_contain_text("on")
    bob.page.evaluate(
        """() => {
      Object.defineProperty(document, 'hidden', {configurable: true, get: () => true});
      Object.defineProperty(document, 'visibilityState', {configurable: true, get: () => 'hidden'});
      document.dispatchEvent(new Event('visibilitychange'));
    }"""
    )
    alice.send("general chatter")  # #general notifies only of mentions by default
    alice.page.get_by_role("button", name="Message bob directly").click()
    expect(bob.page.locator("#direct-channels")).to_contain_text("alice")  # bob's page knows the conversation
    alice.send("are you there?")
    bob.page.wait_for_function("() => window.__notes.length >= 1")
    notes = bob.page.evaluate("window.__notes")
    assert notes == [{"title": "alice", "body": "are you there?"}]
    expect(bob.page).to_have_title("(2) General Chat Channel · Chat")


def test_the_notification_permission_is_asked_only_from_the_button(person, server):
    seed_channel(server)
    alice = person("alice")
    assert alice.page.evaluate("Notification.permission") == "default"  # nothing asked on load
    expect(alice.page.locator("#notify-button")).to_be_visible()
    alice.page.select_option("#notify-level", "all")
    row = None
    for _ in range(50):
        row = server.chat.store.db().execute("SELECT attributes FROM users WHERE identity = 'alice'").fetchone()
        if "notify" in row["attributes"]:
            break
        alice.page.wait_for_timeout(100)
    channel_sid = server.chat.store.db().execute("SELECT sid FROM channels WHERE unique_name='general'").fetchone()[0]
    assert json.loads(row["attributes"])["notify"] == {channel_sid: "all"}
    alice.page.reload()
    expect(alice.page.locator("#notify-level")).to_have_value("all")


def test_installable_manifest_worker_and_offline_shell(person, server):
    import requests

    seed_channel(server)
    manifest = requests.get(server.url + "/manifest.webmanifest", timeout=10)
    assert manifest.headers["Content-Type"].startswith("application/manifest+json")
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest.json()["icons"]}
    worker = requests.get(server.url + "/sw.js", timeout=10)
    assert worker.headers["Content-Type"].startswith("text/javascript")
    assert worker.headers["Service-Worker-Allowed"] == "/" and worker.headers["Cache-Control"] == "no-cache"

    alice = person("alice")
    page = alice.page
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == server.url + "/"
    page.reload()  # the first load was before the worker: from now on it controls the page
    page.wait_for_function("() => navigator.serviceWorker.controller !== null")
    expect(page.locator("#chat-input")).to_be_enabled()
    alice.context.set_offline(True)
    page.reload()
    expect(page.locator("#connection")).to_contain_text("offline")
    expect(page.locator("#composer")).to_be_visible()  # the shell, from the worker's cache
    alice.context.set_offline(False)
    expect(page.locator("#connection")).to_be_hidden(timeout=40000)
    expect(page.locator("#chat-input")).to_be_enabled()


@pytest.mark.parametrize(
    "size, scheme", [("desktop", "light"), ("desktop", "dark"), ("phone", "light"), ("phone", "dark")]
)
def test_conversation_features_are_accessible(person, server, artifacts, size, scheme):
    general = seed_channel(server)
    seed_member(server, general["sid"], "bob")
    seed_message(server, general["sid"], "bob", "Deploy with `make serve` and read *the notes*:\n```\nmake serve\n```")
    viewport = PHONE if size == "phone" else {"width": 1280, "height": 800}
    alice = person("alice", viewport=viewport, color_scheme=scheme)
    page = alice.page
    alice.message("Deploy with").locator(".body").click()
    message = alice.message("Deploy with")
    message.get_by_role("button", name="Add a reaction").click()
    page.locator(".reaction-picker .reaction-choice").first.click()
    expect(message.locator(".reaction")).to_be_visible()
    message.locator(".body").click()
    message.get_by_role("button", name="Reply to bob").click()
    page.keyboard.type("thanks @b")
    expect(page.locator("#mention-list [role=option]")).to_have_count(1)
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")
    expect(alice.message("thanks @bob").locator(".reply-quote")).to_be_visible()
    page.screenshot(path=str(artifacts / f"conversation-{size}-{scheme}.png"))
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    if size == "phone":
        small = page.evaluate(
            """() => [...document.querySelectorAll('.composer button, .topbar button, .reaction')]
              .filter(b => b.offsetParent && b.getBoundingClientRect().height < 44).map(b => b.id || b.className)"""
        )
        assert small == []
    page.evaluate(AXE.read_text())
    result = page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    problems = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert problems == [], problems
