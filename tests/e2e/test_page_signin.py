"""Signing in: the server gives each browser its identity (a signed HttpOnly cookie), the person
picks a display name, every tab of a browser is the same person and another browser is not."""

from playwright.sync_api import expect

from chat.identity import COOKIE


def test_random_identity_then_display_name_that_persists_across_reloads(person):
    alice = person()
    page = alice.page
    expect(page.locator(".info", has_text="You have been assigned a random username of")).to_contain_text(
        alice.identity
    )
    expect(page.locator("#my-name")).to_have_text(alice.identity)
    assert COOKIE not in page.evaluate("document.cookie")  # HttpOnly: no script can read or copy it

    page.fill("#display-name", "Alice Liddell")
    page.click("#profile-form button")
    expect(page.locator("#my-name")).to_have_text("Alice Liddell")

    page.reload()
    expect(page.locator(".info", has_text=f"Welcome back, {alice.identity}")).to_be_visible()
    expect(page.locator("#my-name")).to_have_text("Alice Liddell")
    expect(page.locator("#display-name")).to_have_value("Alice Liddell")
    assert page.evaluate("document.documentElement.dataset.me") == alice.identity

    bob = person()
    alice.send("curiouser and curiouser")
    expect(bob.message("curiouser and curiouser").locator(".author")).to_have_text("Alice Liddell")
    expect(bob.page.locator("#members .member-name", has_text="Alice Liddell")).to_be_visible()


def test_two_tabs_of_one_browser_are_one_person_and_a_private_window_is_another(person, server):
    alice = person()
    second_tab = alice.context.new_page()
    second_tab.goto(server.url + "/")
    expect(second_tab.locator("#chat-input")).to_be_enabled()
    assert second_tab.evaluate("document.documentElement.dataset.me") == alice.identity
    expect(second_tab.locator("#my-name")).to_have_text(alice.identity)

    private = person()  # a new browser context: no cookies, like a private window
    assert private.identity != alice.identity
    private.send("who goes there")
    expect(alice.message("who goes there").locator(".author")).to_have_text(private.identity)
    expect(second_tab.locator("#members .member-name", has_text=alice.identity)).to_have_count(1)


def test_the_page_cannot_pick_its_own_identity(browser, server):
    context = browser.new_context()
    try:
        context.add_init_script(
            "localStorage.setItem('chat.identity', 'admin'); localStorage.setItem('chat.seenIdentity', 'admin')"
        )
        page = context.new_page()
        page.goto(server.url + "/?identity=admin")
        expect(page.locator("#chat-input")).to_be_enabled()
        assert page.evaluate("document.documentElement.dataset.me") != "admin"
        expect(page.locator(".info", has_text="random username")).to_be_visible()
    finally:
        context.close()


def test_a_returning_browser_is_who_its_cookie_says(person):
    dinah = person("dinah")
    assert dinah.identity == "dinah"
    expect(dinah.page.locator("#my-name")).to_have_text("dinah")
