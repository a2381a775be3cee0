"""The quickstart in a real browser: two people open the page and chat in #general."""

import re

from playwright.sync_api import expect


def open_page(browser, server, **context_options):
    context = browser.new_context(**context_options)
    page = context.new_page()
    page.goto(server.url + "/")
    expect(page.locator(".info", has_text="You have been assigned a random username of")).to_be_visible()
    expect(page.locator(".info", has_text="Joined channel as")).to_be_visible()
    welcome = page.locator(".info", has_text="random username of").inner_text()
    name = re.search(r"username of (\S+)", welcome).group(1)
    return page, name


def test_two_tabs_chat_in_general(browser, server, artifacts):
    alice, alice_name = open_page(browser, server)
    bob, bob_name = open_page(browser, server)
    assert alice_name != bob_name

    alice.fill("#chat-input", "Hello from the first tab")
    alice.press("#chat-input", "Enter")
    bob.fill("#chat-input", "And hello back")
    bob.press("#chat-input", "Enter")

    for page in (alice, bob):
        expect(page.locator(".message", has_text="Hello from the first tab").locator(".author")).to_have_text(
            alice_name
        )
        expect(page.locator(".message", has_text="And hello back").locator(".author")).to_have_text(bob_name)
    expect(alice.locator("#chat-input")).to_have_value("")
    alice.screenshot(path=str(artifacts / "quickstart-desktop.png"))


def test_general_is_created_once(browser, server):
    open_page(browser, server)
    open_page(browser, server)
    db = server.chat.store.db()
    assert db.execute("SELECT count(*) FROM channels WHERE unique_name = 'general'").fetchone()[0] == 1


def test_user_text_is_shown_as_text(browser, server):
    page, _ = open_page(browser, server)
    payload = '<img src=x onerror="window.__pwned=1">'
    page.fill("#chat-input", payload)
    page.press("#chat-input", "Enter")
    expect(page.locator(".message .body", has_text=payload)).to_have_text(payload)
    assert page.locator(".messages img").count() == 0
    assert page.evaluate("window.__pwned") is None
