"""The `person` fixture: someone opening the chat page in a browser context of their own."""

import json

import pytest
from chatpage import Person
from playwright.sync_api import BrowserContext, expect


@pytest.fixture
def person(browser, server):
    """`person(identity=None, **context_options)` opens the page as a (new or returning) user
    and waits until #general is open."""
    contexts: list[BrowserContext] = []

    def open_page(identity: str | None = None, **options) -> Person:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        if identity:
            context.add_init_script(f"localStorage.setItem('chat.identity', {json.dumps(identity)})")
        page = context.new_page()
        page.goto(server.url + "/")
        expect(page.locator("#channel-title")).to_contain_text("General")
        expect(page.locator("#chat-input")).to_be_enabled()
        signed_in = page.evaluate("localStorage.getItem('chat.identity')")
        return Person(page, context, signed_in)

    yield open_page
    for context in contexts:
        context.close()
