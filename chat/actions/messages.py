"""Message actions: send and read history."""

from .. import serializers
from ..clock import now_iso
from ..context import Actor, Chat
from ..errors import bad_request, forbidden
from ..store import channels as channel_rows
from ..store import messages as message_rows
from . import channels, common

MAX_BODY = 32 * 1024
MAX_PAGE = 100


def serialize(chat: Chat, row: dict, media: dict | None = None) -> dict:
    if media is None and row["media_sid"]:
        media = message_rows.get_media(chat.store.db(), row["service_sid"], row["media_sid"])
    return serializers.message(row, chat.base_url, chat.settings.account_sid, media)


def send(
    chat: Chat,
    actor: Actor,
    service_sid: str,
    channel_key: str,
    *,
    body=None,
    attributes=None,
    author=None,
    media_sid=None,
    date_created=None,
) -> dict:
    """Store a message with the channel's next index and announce it to the channel."""
    body = common.text(body, "Body", MAX_BODY)
    attrs = common.attributes(attributes)
    if actor.identity is not None:
        author = actor.identity  # SDK users speak only as themselves
        if not body and not media_sid:
            raise bad_request("Message body is required", 50503)
    author = common.text(author, "From") or "system"
    with chat.write() as tx:
        service_row = common.service(chat, tx.db, service_sid)
        channel_row = common.channel(tx.db, service_sid, channel_key)
        if actor.identity is not None:
            if not common.member_of(tx.db, channel_row["sid"], actor.identity):
                raise forbidden(f"User {actor.identity} is not a member of channel {channel_key}", 50400)
            common.require(
                tx.db, service_row, actor, "sendMediaMessage" if media_sid else "sendMessage", channel_row["sid"]
            )
        media = None
        if media_sid:
            media = message_rows.get_media(tx.db, service_sid, media_sid)
            if media is None:
                raise bad_request(f"Media {media_sid} not found", 20001)
        stamp = date_created or now_iso()
        index = channel_rows.take_index(tx.db, channel_row["sid"], stamp)
        row = message_rows.new_row(service_sid, channel_row["sid"], index, author, body or "", attrs, media_sid, stamp)
        message_rows.insert(tx.db, row)
        scope, target = common.channel_scope(channel_row)
        common.record(tx, service_sid, scope, target, "messageAdded", serialize(chat, row, media))
    return row


def page(
    chat: Chat,
    actor: Actor,
    service_sid: str,
    channel_key: str,
    *,
    page_size: int = 30,
    anchor: int | None = None,
    direction: str = "backwards",
) -> tuple[list[dict], bool]:
    """SDK-style history: up to `page_size` messages ending at `anchor` (backwards) or starting
    at it (forward), returned oldest first, with whether more exist beyond the page."""
    if not isinstance(page_size, int) or not 1 <= page_size <= MAX_PAGE:
        raise bad_request(f"pageSize must be 1 to {MAX_PAGE}")
    if anchor is not None and not isinstance(anchor, int):
        raise bad_request("anchor must be a message index")
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    db = chat.store.db()
    if actor.identity is not None and channel_row["type"] == "private":
        if not common.member_of(db, channel_row["sid"], actor.identity):
            raise forbidden(f"User {actor.identity} is not a member of channel {channel_key}", 50400)
    if direction == "forward":
        after = None if anchor is None else anchor - 1
        found = message_rows.page(db, channel_row["sid"], after=after, limit=page_size + 1, descending=False)
        return found[:page_size], len(found) > page_size
    before = None if anchor is None else anchor + 1
    found = message_rows.page(db, channel_row["sid"], before=before, limit=page_size + 1, descending=True)
    return list(reversed(found[:page_size])), len(found) > page_size
