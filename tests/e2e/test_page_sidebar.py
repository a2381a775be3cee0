"""Scope 2: the sidebar: my channels with unread badges, browsing and joining public channels,
creating channels (public or private, unique name optional), invitations, leaving."""

from chatpage import seed_channel, seed_message
from playwright.sync_api import expect


def create_channel(someone, name: str, unique: str = "", private: bool = False) -> None:
    page = someone.page
    page.click("#create-details summary")
    page.fill("#create-name", name)
    page.fill("#create-unique", unique)
    page.set_checked("#create-private", private)
    page.click("#create-form button[type=submit]")
    expect(page.locator("#channel-title")).to_contain_text(name)
    expect(page.locator("#my-channels .channel-link[aria-current=page]")).to_contain_text(name)


def test_create_browse_join_and_unread_badges(person):
    alice, bob = person(), person()
    create_channel(alice, "Book club", unique="books")
    expect(alice.page.locator("#channel-meta")).to_have_text("books")

    bob.page.click("#browse-refresh")
    row = bob.page.locator("#public-channels li", has_text="Book club")
    expect(row).to_be_visible()
    row.get_by_role("button", name="Join Book club").click()
    expect(bob.page.locator("#channel-title")).to_contain_text("Book club")
    expect(bob.page.locator("#public-channels li", has_text="Book club")).to_have_count(0)

    bob.open_channel("General")
    alice.send("chapter one tonight")
    alice.send("bring snacks")
    badge = bob.page.locator("#my-channels .channel-link", has_text="Book club").locator(".badge")
    expect(badge).to_have_text("2")
    expect(badge).to_have_attribute("aria-label", "2 unread")
    bob.open_channel("Book club")
    expect(bob.message("bring snacks")).to_be_visible()
    expect(badge).to_have_count(0)


def test_unread_counts_survive_a_reload(person, server):
    bob = person("bob")
    news = seed_channel(server, unique_name="news", friendly_name="News")
    bob.page.click("#browse-refresh")
    bob.page.get_by_role("button", name="Join News").click()
    expect(bob.page.locator("#channel-title")).to_contain_text("News")
    seed_message(server, news["sid"], "alice", "read me")
    expect(bob.message("read me")).to_be_visible()
    bob.open_channel("General")
    for n in range(3):
        seed_message(server, news["sid"], "alice", f"later {n}")
    badge = bob.page.locator("#my-channels .channel-link", has_text="News").locator(".badge")
    expect(badge).to_have_text("3")
    bob.page.reload()
    expect(badge).to_have_text("3")


def test_private_channel_invites_accept_decline_and_leave(person):
    alice, bob, carol = person(), person(), person()
    create_channel(alice, "Secret plans", private=True)
    bob.page.click("#browse-refresh")
    expect(bob.page.locator("#public-channels li", has_text="Secret plans")).to_have_count(0)

    for invitee in (bob, carol):
        alice.page.fill("#invite-identity", invitee.identity)
        alice.page.click("#invite-form button")
        expect(alice.page.locator("#invite-status")).to_have_text(f"Invited {invitee.identity}")

    invite = bob.page.locator("#invites li", has_text="Secret plans")
    expect(invite).to_be_visible()
    invite.get_by_role("button", name="Accept invitation to Secret plans").click()
    expect(bob.page.locator("#channel-title")).to_contain_text("Secret plans")
    expect(bob.page.locator("#invites-section")).to_be_hidden()
    bob.send("in!")
    expect(alice.message("in!")).to_be_visible()

    carol.page.locator("#invites li", has_text="Secret plans").get_by_role("button", name="Decline").click()
    expect(carol.page.locator("#invites-section")).to_be_hidden()
    carol.page.reload()
    expect(carol.page.locator("#my-channels")).not_to_contain_text("Secret plans")
    expect(carol.page.locator("#invites-section")).to_be_hidden()

    bob.page.click("#leave-button")
    expect(bob.page.locator("#channel-title")).to_contain_text("General")
    expect(bob.page.locator("#my-channels")).not_to_contain_text("Secret plans")
    expect(alice.page.locator("#members li")).to_have_count(1)
