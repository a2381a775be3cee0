"""The page's search box (issue 15) in a real browser: Ctrl+K or "/" opens it, results show
channel, author, time and the text with the match marked (as text), and picking one opens its
channel at that message with the messages around it, briefly highlighted."""

import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

from chatpage import seed_channel, seed_member, seed_message
from playwright.sync_api import expect

AXE = Path(__file__).resolve().parent / "axe" / "node_modules" / "axe-core" / "axe.min.js"
FOUND = re.compile(r"\bfound\b")
PAYLOAD = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>京タワー'


def test_search_finds_japanese_and_opens_the_channel_at_the_message(person, server, artifacts):
    seed_channel(server)
    seed_channel(server, unique_name="travel", friendly_name="Travel")
    start = datetime.now(UTC) - timedelta(days=2)
    for number in range(60):  # enough history that the found message is not on the newest page
        body = "東京タワーに行こう" if number == 10 else f"filler message {number}"
        seed_message(server, "travel", "carol", body, start + timedelta(minutes=number))
    seed_message(server, "general", "dave", "京タワーの夜景がきれい", start + timedelta(hours=3))
    alice = person()
    page = alice.page
    seed_member(server, "travel", alice.identity)

    page.keyboard.press("Control+k")
    expect(page.locator("#search-dialog")).to_be_visible()
    page.fill("#search-input", "京タワ")
    results = page.locator("#search-results .search-result")
    expect(results).to_have_count(2)
    expect(results.nth(0).locator(".result-channel")).to_have_text("#General Chat Channel")  # newest first
    expect(results.nth(1).locator(".result-channel")).to_have_text("#Travel")
    expect(results.nth(1).locator(".result-author")).to_have_text("carol")
    expect(results.nth(1).locator("mark")).to_have_text("京タワ")
    expect(results.nth(1).locator(".result-text")).to_have_text("東京タワーに行こう")
    page.screenshot(path=str(artifacts / "search-japanese.png"))
    page.evaluate(AXE.read_text())  # the open dialog and its results pass axe-core's WCAG 2 A/AA rules
    result = page.evaluate("axe.run(document, {runOnly: ['wcag2a', 'wcag2aa']})")
    problems = [(v["id"], v["help"], [n["target"] for n in v["nodes"]][:3]) for v in result["violations"]]
    assert problems == [], problems

    results.nth(1).click()
    expect(page.locator("#search-dialog")).to_be_hidden()
    expect(page.locator("#channel-title")).to_contain_text("Travel")
    found = alice.message("東京タワーに行こう")
    expect(found).to_have_class(FOUND)
    expect(found).to_be_in_viewport()
    expect(alice.message("filler message 11")).to_have_count(1)  # the messages around it
    expect(alice.message("filler message 9")).to_have_count(1)
    expect(alice.message("filler message 59")).to_have_count(0)  # not yet: it loads by scrolling down
    page.screenshot(path=str(artifacts / "search-opened-at-message.png"))
    expect(found).not_to_have_class(FOUND, timeout=5000)  # the highlight fades

    # Scrolling down loads the newer pages, one at a time, up to the newest message.
    newest = "document.querySelector('#message-list .message:last-child').dataset.index"
    for _ in range(5):
        last = page.evaluate(newest)
        if last == "59":
            break
        page.locator("#messages").evaluate("node => { node.scrollTop = node.scrollHeight; }")
        page.wait_for_function(f"last => {newest} !== last", arg=last)
    expect(alice.message("filler message 59")).to_have_count(1)


def test_slash_opens_search_and_results_show_markup_as_text(person, server):
    seed_channel(server)
    seed_message(server, "general", "mallory", PAYLOAD)
    alice = person()
    page = alice.page
    page.locator("#messages").focus()
    page.keyboard.press("/")
    expect(page.locator("#search-input")).to_be_focused()
    page.keyboard.type("script")
    result = page.locator("#search-results .search-result")
    expect(result).to_have_count(1)
    expect(result.locator(".result-text")).to_have_text(PAYLOAD)
    expect(result.locator("mark")).to_have_text("script")
    assert page.locator("#search-results img, #search-results script").count() == 0
    assert page.evaluate("window.__pwned") is None
    page.fill("#search-input", "no such words anywhere")
    expect(page.locator("#search-status")).to_contain_text("No messages contain")
    page.keyboard.press("Escape")
    expect(page.locator("#search-dialog")).to_be_hidden()


def test_more_results_load_as_the_list_scrolls(person, server):
    seed_channel(server)
    for number in range(70):
        seed_message(server, "general", "carol", f"weekly report {number}")
    alice = person()
    page = alice.page
    page.click("#search-open")
    page.fill("#search-input", "report")
    results = page.locator("#search-results .search-result")
    expect(results.first).to_contain_text("weekly report 69")  # newest first
    for _ in range(5):
        if results.count() == 70:
            break
        shown = results.count()
        page.locator("#search-results").evaluate("node => { node.scrollTop = node.scrollHeight; }")
        page.wait_for_function("n => document.querySelectorAll('#search-results .search-result').length > n", arg=shown)
    expect(results).to_have_count(70)
    expect(results.last).to_contain_text("weekly report 0")
    expect(page.locator("#search-status")).to_have_text("70 messages")
