"""Helpers for the chat page tests: people in separate browser contexts, and data seeded
through the same actions the REST API uses."""

from dataclasses import dataclass
from datetime import datetime

from playwright.sync_api import BrowserContext, Page, expect

from chat.actions import channels, members, messages
from chat.clock import iso
from chat.context import Actor

ACCOUNT = Actor(None, "rest")


@dataclass
class Person:
    """One person's tab: the page, its browser context and the identity it signed in as."""

    page: Page
    context: BrowserContext
    identity: str

    def send(self, text: str) -> None:
        self.page.fill("#chat-input", text)
        self.page.press("#chat-input", "Enter")

    def message(self, text: str):
        """The message whose body shows `text` (author names are random and must not match)."""
        return self.page.locator(".message").filter(has=self.page.locator(".body", has_text=text))

    def open_channel(self, name: str) -> None:
        self.page.locator("#my-channels .channel-link", has_text=name).click()
        expect(self.page.locator("#channel-title")).to_contain_text(name)


def seed_channel(server, unique_name: str = "general", friendly_name: str = "General Chat Channel", **fields) -> dict:
    """A channel created by the account, as an admin would through REST."""
    chat = server.chat
    return channels.create(
        chat, ACCOUNT, chat.settings.service_sid, unique_name=unique_name, friendly_name=friendly_name, **fields
    )


def seed_member(server, channel: str, identity: str, **fields) -> dict:
    chat = server.chat
    return members.add(chat, ACCOUNT, chat.settings.service_sid, channel, identity, **fields)


def seed_message(server, channel: str, author: str, body: str, when: datetime | None = None) -> dict:
    chat = server.chat
    return messages.send(
        chat,
        ACCOUNT,
        chat.settings.service_sid,
        channel,
        body=body,
        author=author,
        date_created=iso(when) if when else None,
    )
