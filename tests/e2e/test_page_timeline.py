"""Scope 3: the conversation: grouping, day separators, timestamps, the unread marker, edited
markers, history paging that keeps the scroll position, and the "new messages" pill."""

from datetime import UTC, datetime, timedelta

from chatpage import ACCOUNT, seed_channel, seed_member, seed_message
from playwright.sync_api import expect

from chat.actions import messages as message_actions
from chat.clock import now

BOX = """index => {
  const list = document.getElementById('messages');
  const item = list.querySelector(`.message[data-index="${index}"]`);
  return item.getBoundingClientRect().top - list.getBoundingClientRect().top;
}"""


def test_grouping_day_separators_timestamps_and_edited_marker(person, server):
    general = seed_channel(server)
    start = datetime(2026, 1, 5, 15, 4, tzinfo=UTC)
    for minutes, author, body in (
        (0, "alice", "first"),
        (1, "alice", "second"),
        (16, "alice", "third"),
        (17, "bob", "fourth"),
    ):
        seed_message(server, general["sid"], author, body, start + timedelta(minutes=minutes))
    edited = seed_message(server, general["sid"], "bob", "typo", start + timedelta(days=1))
    chat = server.chat
    message_actions.update(chat, ACCOUNT, chat.settings.service_sid, general["sid"], edited["sid"], body="fixed")

    carol = person(timezone_id="America/New_York", locale="en-US")
    page = carol.page
    expect(carol.message("fourth")).to_be_visible()
    separators = page.locator(".day-separator")
    expect(separators.first).to_have_text("Monday, January 5, 2026")
    expect(separators.nth(1)).to_have_text("Tuesday, January 6, 2026")
    assert "continued" in carol.message("second").get_attribute("class")
    assert "continued" not in carol.message("third").get_attribute("class")  # 15 minutes later
    assert "continued" not in carol.message("fourth").get_attribute("class")  # someone else
    time = carol.message("first").locator("time")
    expect(time).to_have_attribute("datetime", "2026-01-05T15:04:00.000Z")
    expect(time).to_have_text("10:04 AM")  # shown in the reader's own time zone
    expect(carol.message("fixed").locator(".edited")).to_have_text("(edited)")
    expect(carol.message("first").locator(".edited")).to_have_count(0)


def test_scrolling_up_loads_history_page_by_page_and_keeps_the_position(person, server):
    general = seed_channel(server)
    yesterday = now() - timedelta(days=1)
    for n in range(1, 76):
        seed_message(server, general["sid"], "alice", f"message {n}", yesterday if n <= 20 else None)

    bob = person(timezone_id="UTC")
    page = bob.page
    expect(bob.message("message 75")).to_be_in_viewport()
    expect(page.locator(".message")).to_have_count(30)  # one page
    expect(page.locator(".message[data-index='15']")).to_have_count(0)

    before = page.evaluate("i => { document.getElementById('messages').scrollTop = 0; return (" + BOX + ")(i); }", 45)
    expect(page.locator(".message[data-index='15']")).to_be_attached()
    assert abs(page.evaluate(BOX, 45) - before) < 4  # the message read last stays put
    expect(page.locator(".message")).to_have_count(60)

    page.evaluate("document.getElementById('messages').scrollTop = 0")
    expect(page.locator(".message[data-index='0']")).to_be_attached()
    expect(page.locator(".message")).to_have_count(75)
    expect(page.locator("#load-older")).to_be_hidden()
    expect(page.locator(".day-separator")).to_have_text(["Yesterday", "Today"])


def test_unread_marker_sits_at_the_read_horizon(person, server):
    general = seed_channel(server)
    for n in range(10):
        seed_message(server, general["sid"], "alice", f"note {n}")
    seed_member(server, general["sid"], "bob", last_consumed_message_index=5)

    bob = person("bob")
    marker = bob.page.locator(".unread-marker")
    expect(marker).to_have_count(1)
    expect(bob.page.locator(".unread-marker + .message")).to_have_attribute("data-index", "6")


def test_new_messages_scroll_in_only_at_the_bottom_otherwise_a_pill(person, server):
    general = seed_channel(server)
    for n in range(40):
        seed_message(server, general["sid"], "alice", f"old {n}")
    bob = person()
    page = bob.page
    expect(bob.message("old 39")).to_be_in_viewport()

    seed_message(server, general["sid"], "alice", "while at the bottom")
    expect(bob.message("while at the bottom")).to_be_in_viewport()
    expect(page.locator("#new-pill")).to_be_hidden()

    page.evaluate("document.getElementById('messages').scrollTop = 0")
    expect(page.locator(".message[data-index='0']")).to_be_attached()
    page.evaluate("document.getElementById('messages').scrollTop = 0")
    seed_message(server, general["sid"], "alice", "while reading history")
    expect(page.locator("#new-pill")).to_be_visible()
    expect(bob.message("while reading history")).not_to_be_in_viewport()
    expect(bob.message("old 0")).to_be_in_viewport()

    page.click("#new-pill")
    expect(bob.message("while reading history")).to_be_in_viewport()
    expect(page.locator("#new-pill")).to_be_hidden()
