"""Scope 5: the composer (Enter, Shift+Enter, Up to edit), editing and deleting, safe links,
and picture messages with their limits."""

import base64
import re

from chatpage import seed_member
from playwright.sync_api import expect

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def test_enter_sends_and_shift_enter_makes_a_new_line(person):
    alice, bob = person(), person()
    page = alice.page
    page.fill("#chat-input", "first line")
    page.press("#chat-input", "Shift+Enter")
    page.type("#chat-input", "second line")
    expect(page.locator("#chat-input")).to_have_value("first line\nsecond line")
    page.press("#chat-input", "Enter")
    expect(page.locator("#chat-input")).to_have_value("")
    expect(bob.message("first line").locator(".body")).to_have_text("first line\nsecond line")


def test_up_edits_the_last_own_message_and_others_see_the_edit(person):
    alice, bob = person(), person()
    alice.send("helo everyone")
    expect(bob.message("helo everyone")).to_be_visible()
    bob.send("hi")
    expect(alice.message("hi")).to_be_visible()

    alice.page.press("#chat-input", "ArrowUp")
    editor = alice.page.locator(".edit-form textarea")
    expect(editor).to_be_focused()
    expect(editor).to_have_value("helo everyone")
    editor.fill("hello everyone")
    editor.press("Enter")
    for viewer in (alice, bob):
        expect(viewer.message("hello everyone").locator(".edited")).to_have_text("(edited)")
    expect(alice.page.locator("#chat-input")).to_be_focused()


def test_delete_own_message_but_not_others_unless_admin(person, server):
    alice, bob = person(), person()
    alice.send("oops, wrong room")
    bob.send("bob was here")
    expect(alice.message("bob was here")).to_be_visible()
    expect(alice.message("bob was here").get_by_role("button", name="Delete message")).to_have_count(0)

    alice.page.once("dialog", lambda dialog: dialog.accept())
    alice.message("oops, wrong room").hover()
    alice.message("oops, wrong room").get_by_role("button", name="Delete message").click()
    for viewer in (alice, bob):
        expect(viewer.message("oops, wrong room")).to_have_count(0)

    # The creator of a channel is its admin and may delete anyone's message there.
    alice.page.click("#create-details summary")
    alice.page.fill("#create-name", "Ops")
    alice.page.click("#create-form button[type=submit]")
    expect(alice.page.locator("#channel-title")).to_contain_text("Ops")
    ops = server.chat.store.db().execute("SELECT sid FROM channels WHERE friendly_name = 'Ops'").fetchone()[0]
    seed_member(server, ops, bob.identity)
    bob.page.reload()
    bob.open_channel("Ops")
    bob.send("spam")
    message = alice.message("spam")
    expect(message).to_be_visible()
    alice.page.once("dialog", lambda dialog: dialog.accept())
    message.hover()
    message.get_by_role("button", name="Delete message").click()
    expect(bob.message("spam")).to_have_count(0)


def test_urls_become_safe_links_and_nothing_else_does(person):
    alice, bob = person(), person()
    alice.send("see https://example.com/a?b=1, or javascript:alert(1) and <b>bold</b>")
    body = bob.message("see ").locator(".body")
    expect(body).to_have_text("see https://example.com/a?b=1, or javascript:alert(1) and <b>bold</b>")
    links = body.locator("a")
    expect(links).to_have_count(1)
    expect(links).to_have_attribute("href", "https://example.com/a?b=1")
    expect(links).to_have_attribute("rel", "noopener noreferrer")
    assert body.locator("b").count() == 0


def test_pictures_upload_by_button_and_drop_with_clear_limits(person, tmp_path):
    alice, bob = person(), person()
    picture = tmp_path / "dot.png"
    picture.write_bytes(PNG)
    alice.page.set_input_files("#file-input", str(picture))
    for viewer in (alice, bob):
        image = viewer.page.locator(".message .picture img")
        expect(image).to_have_attribute("alt", "Picture: dot.png")
        expect(image).to_have_attribute("src", re.compile(r"^/media/ME[0-9a-f]{32}\?Expires=\d+&Signature="))
        viewer.page.wait_for_function("() => document.querySelector('.picture img').naturalWidth === 1")

    # Drag and drop onto the conversation.
    handle = bob.page.evaluate_handle(
        """bytes => { const dt = new DataTransfer();
          dt.items.add(new File([new Uint8Array(bytes)], 'dropped.png', {type: 'image/png'})); return dt; }""",
        list(PNG),
    )
    bob.page.dispatch_event("#timeline", "drop", {"dataTransfer": handle})
    expect(alice.page.locator(".picture img[alt='Picture: dropped.png']")).to_be_visible()

    text = tmp_path / "notes.txt"
    text.write_text("not a picture")
    alice.page.set_input_files("#file-input", str(text))
    expect(alice.page.locator("#composer-error")).to_have_text("Only pictures can be sent: PNG, JPEG, GIF or WebP.")
    big = tmp_path / "big.png"
    big.write_bytes(PNG + b"\0" * (5 * 1024 * 1024))
    alice.page.set_input_files("#file-input", str(big))
    expect(alice.page.locator("#composer-error")).to_contain_text("larger than 5 MB")
    expect(alice.page.locator(".picture img")).to_have_count(2)
