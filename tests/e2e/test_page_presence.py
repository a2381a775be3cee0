"""Scope 4: the member list with online dots, the typing line, and the connection banner while
reconnecting, with nothing lost after it."""

from playwright.sync_api import expect


def test_member_list_shows_who_is_online(person):
    alice, bob = person(), person()
    members = alice.page.locator("#members .member")
    bob_row = alice.page.locator(f"#members .member[data-member='{bob.identity}']")
    expect(members).to_have_count(2)
    expect(bob_row.locator(".dot")).to_have_class("dot online")
    expect(bob_row).to_contain_text("online")
    expect(alice.page.locator("#members-count")).to_have_text("2")

    bob.context.close()
    expect(bob_row.locator(".dot")).to_have_class("dot offline")
    expect(bob_row).to_contain_text("offline")


def test_typing_line_names_who_is_typing(person):
    alice, bob, carol = person(), person(), person()
    bob.page.type("#chat-input", "hmm")
    expect(alice.page.locator("#typing")).to_have_text(f"{bob.identity} is typing…")
    carol.page.type("#chat-input", "well")
    expect(alice.page.locator("#typing")).to_have_text(f"{bob.identity} and {carol.identity} are typing…")
    expect(bob.page.locator("#typing")).to_have_text(f"{carol.identity} is typing…")  # never oneself
    bob.page.press("#chat-input", "Enter")
    expect(alice.page.locator("#typing")).to_have_text(f"{carol.identity} is typing…")


def test_connection_banner_while_reconnecting_and_nothing_lost(person, browser, server):
    sockets = []

    def through(ws):
        ws.connect_to_server()
        sockets.append(ws)

    bob = person()
    context = browser.new_context()
    context.route_web_socket("**/ws", through)
    page = context.new_page()
    page.goto(server.url + "/")
    banner = page.locator("#connection")
    expect(page.locator("#chat-input")).to_be_enabled()
    expect(banner).to_be_hidden()

    context.unroute_all()
    context.route_web_socket("**/ws", lambda ws: None)  # the server is unreachable for a while
    sockets[-1].close(code=1006)
    expect(banner).to_be_visible()
    expect(banner).to_contain_text("Reconnecting")
    bob.send("sent while you were away")

    context.unroute_all()
    context.route_web_socket("**/ws", through)
    expect(banner).to_be_hidden(timeout=20_000)  # the next attempt comes after the client's backoff
    expect(page.locator(".message", has_text="sent while you were away")).to_be_visible()
    context.close()
