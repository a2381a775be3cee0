"""Scope 1: the random name on first visit, a display name that sticks, and the same identity
after a reload."""

from playwright.sync_api import expect


def test_random_name_then_display_name_that_persists_across_reloads(person):
    alice = person()
    page = alice.page
    expect(page.locator(".info", has_text="You have been assigned a random username of")).to_contain_text(
        alice.identity
    )
    expect(page.locator("#my-name")).to_have_text(alice.identity)

    page.fill("#display-name", "Alice Liddell")
    page.click("#profile-form button")
    expect(page.locator("#my-name")).to_have_text("Alice Liddell")

    page.reload()
    expect(page.locator(".info", has_text="Welcome back")).to_be_visible()
    expect(page.locator("#my-name")).to_have_text("Alice Liddell")
    expect(page.locator("#display-name")).to_have_value("Alice Liddell")
    assert page.evaluate("localStorage.getItem('chat.identity')") == alice.identity

    bob = person()
    alice.send("curiouser and curiouser")
    expect(bob.message("curiouser and curiouser").locator(".author")).to_have_text("Alice Liddell")
    expect(bob.page.locator("#members .member-name", has_text="Alice Liddell")).to_be_visible()


def test_identity_comes_back_from_the_browser(person):
    first = person("dinah")
    assert first.identity == "dinah"
    expect(first.page.locator(".info", has_text="Welcome back, dinah")).to_be_visible()
    expect(first.page.locator(".info", has_text="random username")).to_have_count(0)
