"""The `person` fixture: someone opening the chat page in a browser context of their own."""

import pytest
from chatpage import Person
from playwright.sync_api import BrowserContext, expect

from chat.identity import COOKIE, cookie_signer


@pytest.fixture
def person(browser, server):
    """`person(identity=None, **context_options)` opens the page in a browser of its own and
    waits until #general is open. With `identity`, the browser comes back with the signed
    cookie the server gave it on an earlier visit as that identity."""
    contexts: list[BrowserContext] = []

    def open_page(identity: str | None = None, **options) -> Person:
        options.setdefault("viewport", {"width": 1280, "height": 800})
        context = browser.new_context(**options)
        context.set_default_timeout(10_000)
        contexts.append(context)
        if identity:
            context.add_cookies([{"name": COOKIE, "value": returning(identity), "url": server.url}])
        page = context.new_page()
        page.goto(server.url + "/")
        expect(page.locator("#channel-title")).to_contain_text("General")
        expect(page.locator("#chat-input")).to_be_enabled()
        return Person(page, context, page.evaluate("document.documentElement.dataset.me"))

    def returning(identity: str) -> str:
        return cookie_signer(server.settings.secret_key).dumps(identity)

    yield open_page
    for context in contexts:
        context.close()
