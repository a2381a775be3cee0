"""Scope 6: labels, keyboard-only use, aria-live, visible focus, 360 px to desktop, light and
dark; screenshots of each saved for people to look at, and an axe-core check."""

from pathlib import Path

import pytest
from chatpage import seed_channel, seed_member, seed_message
from playwright.sync_api import expect

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
VIEWS = {"desktop": {"width": 1280, "height": 800}, "phone": {"width": 360, "height": 740}}


def populate(server) -> None:
    general = seed_channel(server)
    seed_channel(server, unique_name="design", friendly_name="Design reviews")
    seed_member(server, general["sid"], "alice")
    for author, body in (
        ("alice", "Morning! The release notes are at https://example.com/notes"),
        ("alice", "Shout if anything looks off."),
        ("bob", "Looks good to me.\nShipping after lunch."),
    ):
        seed_message(server, general["sid"], author, body)


@pytest.mark.parametrize("scheme", ["light", "dark"])
@pytest.mark.parametrize("size", ["desktop", "phone"])
def test_screenshots_and_accessibility(person, server, artifacts, size, scheme):
    populate(server)
    carol = person("carol", viewport=VIEWS[size], color_scheme=scheme)
    page = carol.page
    carol.send("Hello all, first day here!")
    expect(carol.message("first day here")).to_be_visible()
    page.screenshot(path=str(artifacts / f"page-{size}-{scheme}.png"))
    if size == "phone":
        page.click("#sidebar-toggle")
        page.wait_for_function("() => document.getElementById('sidebar').getBoundingClientRect().left === 0")
        page.screenshot(path=str(artifacts / f"page-{size}-{scheme}-sidebar.png"))
        page.keyboard.press("Escape")
        expect(page.locator("#sidebar")).to_be_hidden()
    assert page.evaluate("document.documentElement.scrollWidth") <= VIEWS[size]["width"]  # no sideways scroll

    assert AXE.exists(), "axe-core is missing: run `make test` (it runs npm ci in tests/e2e/axe)"
    page.evaluate(AXE.read_text())  # evaluated by the test harness, so the page's CSP stays on
    result = page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    problems = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert problems == [], problems


def test_keyboard_only_on_a_phone(person):
    alice = person(viewport=VIEWS["phone"])
    page = alice.page
    page.locator(".skip-link").focus()
    expect(page.locator(".skip-link")).to_be_in_viewport()
    page.keyboard.press("Enter")
    expect(page.locator("#chat-input")).to_be_focused()
    assert page.evaluate("getComputedStyle(document.activeElement).outlineStyle") == "solid"

    expect(page.locator("#sidebar")).to_be_hidden()
    page.focus("#sidebar-toggle")
    page.keyboard.press("Enter")
    expect(page.locator("#sidebar")).to_be_visible()
    expect(page.locator("#sidebar-toggle")).to_have_attribute("aria-expanded", "true")
    expect(page.locator("#display-name")).to_be_focused()
    page.keyboard.press("Escape")
    expect(page.locator("#sidebar")).to_be_hidden()
    expect(page.locator("#sidebar-toggle")).to_be_focused()


def test_keyboard_only_creates_and_switches_channels(person):
    alice = person()
    page = alice.page
    page.focus("#create-details summary")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    expect(page.locator("#create-name")).to_be_focused()
    page.keyboard.type("Kitchen")
    page.keyboard.press("Enter")
    expect(page.locator("#channel-title")).to_contain_text("Kitchen")
    page.locator("#my-channels .channel-link", has_text="General").focus()
    page.keyboard.press("Enter")
    expect(page.locator("#channel-title")).to_contain_text("General")
    for field in (
        "#display-name",
        "#create-name",
        "#create-unique",
        "#create-private",
        "#chat-input",
        "#invite-identity",
    ):
        label = page.evaluate(f"document.querySelector('{field}').labels.length")
        assert label >= 1, f"{field} has no label"


def test_incoming_messages_are_announced(person):
    alice, bob = person(), person()
    expect(alice.page.locator("#announcer")).to_have_attribute("aria-live", "polite")
    bob.send("can anyone hear me?")
    expect(alice.page.locator("#announcer")).to_contain_text(f"{bob.identity}: can anyone hear me?")
    expect(bob.page.locator("#announcer")).not_to_contain_text("can anyone hear me?")  # not one's own
