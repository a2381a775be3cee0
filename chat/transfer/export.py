"""Write a chat out in the export format (chat/transfer/format.py), service by service: its
settings, roles, users and unsent pictures, then each channel with its webhooks, members,
invites, pictures and messages. Everything is read in the order it was made, so an import makes
the rows again in that order and lists page the same."""

import os
from collections.abc import Callable, Iterator

from ..clock import now_iso
from ..store import Store
from ..store import transfer as rows
from ..version import VERSION
from . import format


def lines(
    store: Store,
    services: list[str] | None = None,
    since: str | None = None,
    media_dir: str | None = None,
    on_message: Callable[[], None] = lambda: None,
) -> Iterator[dict]:
    """Every line of the export, header and end included. `since` (stored date form) keeps
    only the messages (and their pictures) from then on; `media_dir` writes pictures there as
    files instead of base64. `on_message` is called once per message written (progress)."""
    db = store.db()
    yield format.header(now_iso(), f"chat {VERSION}")
    count = 1
    seen_media: set[str] = set()

    def picture(row: dict) -> dict:
        seen_media.add(row["sid"])
        if media_dir is None:
            return format.media_line(row, account_sid)
        path = os.path.join(media_dir, row["sid"])
        with open(path, "wb") as file:
            file.write(row["data"])
        return format.media_line(row, account_sid, file=os.path.join(os.path.basename(media_dir), row["sid"]))

    for service in rows.services(db, services):
        account_sid, sid = service["account_sid"], service["sid"]
        joined = rows.joined_counts(db, sid)
        header = [format.service_line(service)]
        header += [format.role_line(row, account_sid) for row in rows.roles(db, sid)]
        header += [format.user_line(row, account_sid, joined.get(row["identity"], 0)) for row in rows.users(db, sid)]
        header += [picture(row) for row in rows.unsent_media(db, sid)]
        for channel in rows.channels(db, sid):
            header.append(format.channel_line(channel, account_sid))
            header += [format.webhook_line(row, account_sid) for row in rows.webhooks(db, channel["sid"])]
            header += [format.member_line(row, account_sid) for row in rows.members(db, channel["sid"])]
            header += [format.invite_line(row, account_sid) for row in rows.invites(db, channel["sid"])]
            yield from header
            count += len(header)
            header = []
            for message in rows.messages(db, channel["sid"], since):
                media = None
                if message["media_sid"]:
                    media = rows.media(db, message["media_sid"])
                    if media is not None and media["sid"] not in seen_media:
                        yield picture(media)  # before the message that shows it
                        count += 1
                yield format.message_line(message, account_sid, media)
                count += 1
                on_message()
        yield from header  # a service without channels
        count += len(header)
    yield format.end(count)


def message_total(store: Store, services: list[str] | None, since: str | None) -> int:
    """How many messages an export will write (the progress bar's length)."""
    db = store.db()
    return sum(rows.count_messages(db, row["sid"], since) for row in rows.services(db, services))
