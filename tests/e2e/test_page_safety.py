"""Scope 7: user text is only ever text; a strict Content-Security-Policy; no inline script or
style in the page."""

import re

import requests
from chatpage import seed_channel, seed_message
from playwright.sync_api import expect

PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>'


def test_page_has_a_strict_csp_and_no_inline_code(server):
    response = requests.get(server.url + "/", timeout=5)
    policy = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy
    assert "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    html = response.text
    assert not re.search(r"<script(?![^>]*\bsrc=)", html), "inline <script>"
    assert not re.search(r"\son[a-z]+\s*=", html, re.I), "inline event handler"
    assert not re.search(r"\sstyle\s*=|<style", html, re.I), "inline style"


def test_user_text_everywhere_is_rendered_as_text(person, server):
    general = seed_channel(server)
    seed_channel(server, unique_name="x", friendly_name=PAYLOAD)
    seed_message(server, general["sid"], PAYLOAD, PAYLOAD)
    alice = person()
    page = alice.page
    expect(page.locator(".message .body").first).to_have_text(PAYLOAD)
    expect(page.locator(".message .author").first).to_have_text(PAYLOAD)
    page.click("#browse-refresh")
    expect(page.locator("#public-channels")).to_contain_text(PAYLOAD)
    page.fill("#display-name", PAYLOAD)
    page.click("#profile-form button")
    alice.send(PAYLOAD)
    expect(page.locator(".message .body")).to_have_count(2)
    assert page.locator("#message-list img, #message-list script, #public-channels img").count() == 0
    assert page.evaluate("window.__pwned") is None
