"""Message actions: send, read, edit, remove, and history pages."""

from .. import serializers
from ..clock import now_iso
from ..context import Actor, Chat
from ..errors import ChatError, bad_request, forbidden, not_found
from ..store import channels as channel_rows
from ..store import messages as message_rows
from . import channels, common, hook_params
from .common import UNSET

MAX_BODY = 32 * 1024
MAX_PAGE = 100


def serialize(chat: Chat, row: dict, media: dict | None = None, base: str | None = None) -> dict:
    """Twilio's message JSON; `base` overrides the origin of `url` (REST uses the request's)."""
    if media is None and row["media_sid"]:
        media = message_rows.get_media(chat.store.db(), row["service_sid"], row["media_sid"])
    return serializers.message(row, chat.api_base if base is None else base, chat.settings.account_sid, media)


def _require_member(db, actor: Actor, channel_row: dict) -> None:
    """50400 unless the actor is a member of the channel (the account needs not be)."""
    if actor.identity is not None and common.member_of(db, channel_row["sid"], actor.identity) is None:
        raise _not_a_member(actor, channel_row)


def _sender_permissions(read: tuple[set[str] | None, bool], actor: Actor, channel_row: dict) -> set[str] | None:
    """The sender's permissions in the channel (None for the account, which needs none), given
    what `common.membership` read; 50400 if they are not a member."""
    granted, member = read
    if actor.identity is not None and not member:
        raise _not_a_member(actor, channel_row)
    return granted


def _not_a_member(actor: Actor, channel_row: dict) -> ChatError:
    return forbidden(f"User {actor.identity} is not a member of channel {channel_row['sid']}", 50400)


class _HookFirst(Exception):
    def __init__(self, service_row: dict):
        self.service_row = service_row


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
    """Store a message with the channel's next index and announce it to the channel. SDK users
    speak only as themselves; the account (REST) may set `From` and defaults to 'system'."""
    body = common.text(body, "Body", MAX_BODY)
    attrs = common.attributes(attributes)
    if actor.identity is not None:
        author = actor.identity
        if not body and not media_sid:
            raise bad_request("Message body is required", 50503)
    author = common.text(author, "From") or "system"
    event = "onMediaMessageSend" if media_sid else "onMessageSend"

    def checked(
        db, service_row: dict, channel_row: dict | None = None, tx=None
    ) -> tuple[dict, dict | None, set | None]:
        """The channel (read here unless given), media and the sender's permissions there, once
        the sender is a member and may send there (404/403/429 otherwise). With `tx`, a body
        that keeps the batch's rows: the membership is read with the queued senders'."""
        if channel_row is None:
            channel_row = common.channel(db, service_sid, channel_key)
        if tx is None:
            read = common.membership(db, service_row, actor, channel_row["sid"])
        else:
            read = common.batch_membership(tx, service_row, actor, channel_row)
        granted = _sender_permissions(read, actor, channel_row)
        chat.channel_rate.take(channel_row["sid"])
        media = None
        if media_sid:
            media = message_rows.get_media(db, service_sid, media_sid)
            if media is None:
                raise bad_request(f"Media {media_sid} not found", 20001)
        return channel_row, media, granted

    def write(
        tx,
        service_row: dict,
        channel_row: dict,
        media: dict | None,
        granted: set | None,
        index=None,
        stamp=None,
        taking=(),
    ) -> dict:
        """`granted`: the sender's permissions as read in this transaction; None to read them
        here (after the hook's wait). `index` already handed out in this transaction at `stamp`,
        and `taking` the statements still to run to take it; None to take it here."""
        channel_sid = channel_row["sid"]
        if index is None:
            stamp = date_created or now_iso()
            index = channel_rows.take_index(tx.db, channel_sid, stamp)
            if index is None:  # removed since it was looked up
                raise not_found(f"Channel {channel_sid} not found", 50300)
        if actor.identity is not None:  # membership and roles may have changed too
            if granted is None:
                granted = _sender_permissions(
                    common.membership(tx.db, service_row, actor, channel_sid), actor, channel_row
                )
            common.check(granted, actor, "sendMediaMessage" if media else "sendMessage")
        row = message_rows.new_row(service_sid, channel_sid, index, author, body or "", attrs, media_sid, stamp)
        scope, target = common.channel_scope(channel_row)
        inserted = [*taking, message_rows.insert_statement(row)]  # in the same round trip as the event's
        common.record(tx, service_sid, scope, target, "messageAdded", serialize(chat, row, media), inserted)
        sent = "onMediaMessageSent" if media else "onMessageSent"
        common.post_event(tx, chat, actor, service_row, sent, hook_params.message(row, media), channel_sid)
        return row

    # Without a pre-event hook to wait for, every read happens in the write's turn: concurrent
    # senders then queue for the turn instead of taking the GIL from the writer (bench/README.md).
    # The channel's index is handed out before any check (message_rows.open_send: at most one
    # round trip on PostgreSQL, none for a batch's next send to the channel); every check after
    # that raises, so the body's rollback gives the index back.
    try:
        with chat.write(carries=True, intent=common.send_intent(actor, service_sid, channel_key)) as tx:
            tx.keeps_rows = True  # the service's and channel's rows serve the batch's next sends
            stamp = date_created or now_iso()
            opened = message_rows.open_send(tx, service_sid, channel_key, stamp)
            service_row = dict(common.found_service(opened.service, service_sid))  # the batch's copy stays as read
            if common.pre_event_wanted(chat, actor, service_row, event):
                raise _HookFirst(service_row)  # rolled back: leave the turn for the hook
            if opened.channel is None:
                raise not_found(f"Channel {channel_key} not found", 50300)
            return write(
                tx, service_row, *checked(tx.db, service_row, opened.channel, tx), opened.index, stamp, opened.taking
            )
    except _HookFirst as first:
        service_row = first.service_row
    channel_row, media, _ = checked(chat.store.db(), service_row)
    params = {"ChannelSid": channel_row["sid"], "Body": body or "", "Attributes": attrs, "From": author}
    answer = common.pre_event(chat, actor, service_row, event, params)
    changed = hook_params.pick(answer, params, {"Body": "body", "Attributes": "attributes", "From": "author"})
    if changed:
        body = common.text(changed.get("body", body), "Body", MAX_BODY)
        attrs = common.attributes(changed.get("attributes", attrs))
        author = common.text(changed.get("author", author), "From") or author
    with chat.write(carries=True) as tx:
        row = write(tx, service_row, channel_row, media, None)
    return row


def get(chat: Chat, actor: Actor, service_sid: str, channel_key: str, sid: str) -> dict:
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    db = chat.store.db()
    if channel_row["type"] == "private":
        _require_member(db, actor, channel_row)
    row = message_rows.get(db, channel_row["sid"], sid)
    if row is None:
        raise not_found(f"Message {sid} not found", 50500)
    return row


def update(
    chat: Chat,
    actor: Actor,
    service_sid: str,
    channel_key: str,
    sid: str,
    *,
    body=UNSET,
    attributes=UNSET,
    author=UNSET,
    date_created=UNSET,
    date_updated=UNSET,
    last_updated_by=UNSET,
) -> dict:
    """Edit a message. SDK users need editOwnMessage(Attributes) for their own messages and
    editAnyMessage(Attributes) for others'; only the account may change author or dates."""
    changes = common.given(body=body, attributes=attributes)
    if "body" in changes:
        changes["body"] = common.text(body, "Body", MAX_BODY) or ""
    if "attributes" in changes:
        changes["attributes"] = common.attributes(attributes)
    if actor.identity is None:
        account_only = common.given(
            author=author, date_created=date_created, date_updated=date_updated, last_updated_by=last_updated_by
        )
        if "author" in account_only:
            account_only["author"] = common.text(author, "From") or "system"
        if "last_updated_by" in account_only:
            account_only["last_updated_by"] = common.text(last_updated_by, "LastUpdatedBy", 256, 50505)
        changes.update(account_only)
    else:
        changes["last_updated_by"] = actor.identity
    row = get(chat, actor, service_sid, channel_key, sid)
    db = chat.store.db()
    service_row = common.service(chat, db, service_sid)
    if actor.identity is not None:
        own = common.is_own(actor, row["author"])
        if "body" in changes:
            common.require(db, service_row, actor, "editOwnMessage" if own else "editAnyMessage", row["channel_sid"])
        if "attributes" in changes:
            needed = "editOwnMessageAttributes" if own else "editAnyMessageAttributes"
            common.require(db, service_row, actor, needed, row["channel_sid"])
    chat.channel_rate.take(row["channel_sid"])
    params = {**hook_params.message(row), "ModifiedBy": actor.name}
    if "body" in changes:
        params["Body"] = changes["body"]
    if "attributes" in changes:
        params["Attributes"] = changes["attributes"]
    answer = common.pre_event(chat, actor, service_row, "onMessageUpdate", params)
    for argument, value in hook_params.pick(answer, params, {"Body": "body", "Attributes": "attributes"}).items():
        changes[argument] = common.text(value, "Body", MAX_BODY) if argument == "body" else common.attributes(value)
    if "body" in changes and changes["body"] != row["body"]:
        changes["was_edited"] = 1
    with chat.write() as tx:
        if message_rows.get(tx.db, row["channel_sid"], sid) is None:
            raise not_found(f"Message {sid} not found", 50500)
        message_rows.update(tx.db, sid, changes)
        row = message_rows.get(tx.db, row["channel_sid"], sid)
        channel_row = common.channel(tx.db, service_sid, row["channel_sid"])
        scope, target = common.channel_scope(channel_row)
        common.record(tx, service_sid, scope, target, "messageUpdated", serialize(chat, row))
        params = {**hook_params.message(row), "ModifiedBy": actor.name, "DateUpdated": row["date_updated"]}
        common.post_event(tx, chat, actor, service_row, "onMessageUpdated", params, row["channel_sid"])
    return row


def remove(chat: Chat, actor: Actor, service_sid: str, channel_key: str, sid: str) -> dict:
    """Delete a message (deleteOwnMessage / deleteAnyMessage for SDK users). Indexes of other
    messages never change; the removed one leaves a hole."""
    row = get(chat, actor, service_sid, channel_key, sid)
    db = chat.store.db()
    service_row = common.service(chat, db, service_sid)
    if actor.identity is not None:
        own = common.is_own(actor, row["author"])
        common.require(db, service_row, actor, "deleteOwnMessage" if own else "deleteAnyMessage", row["channel_sid"])
    chat.channel_rate.take(row["channel_sid"])
    params = {**hook_params.message(row), "RemovedBy": actor.name}
    common.pre_event(chat, actor, service_row, "onMessageRemove", params)
    with chat.write() as tx:
        if message_rows.get(tx.db, row["channel_sid"], sid) is None:
            raise not_found(f"Message {sid} not found", 50500)
        message_rows.delete(tx.db, sid)
        channel_rows.adjust_count(tx.db, row["channel_sid"], "messages_count", -1)
        channel_row = common.channel(tx.db, service_sid, row["channel_sid"])
        scope, target = common.channel_scope(channel_row)
        common.record(tx, service_sid, scope, target, "messageRemoved", serialize(chat, row))
        params = {**hook_params.message(row), "RemovedBy": actor.name, "DateRemoved": now_iso()}
        common.post_event(tx, chat, actor, service_row, "onMessageRemoved", params, row["channel_sid"])
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
    if not isinstance(page_size, int) or isinstance(page_size, bool) or not 1 <= page_size <= MAX_PAGE:
        raise bad_request(f"pageSize must be 1 to {MAX_PAGE}")
    if anchor is not None and (not isinstance(anchor, int) or isinstance(anchor, bool)):
        raise bad_request("anchor must be a message index")
    if direction not in ("backwards", "forward"):
        raise bad_request("direction must be backwards or forward")
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    db = chat.store.db()
    if channel_row["type"] == "private":
        _require_member(db, actor, channel_row)
    if direction == "forward":
        after = None if anchor is None else anchor - 1
        found = message_rows.page(db, channel_row["sid"], after=after, limit=page_size + 1, descending=False)
        return found[:page_size], len(found) > page_size
    before = None if anchor is None else anchor + 1
    found = message_rows.page(db, channel_row["sid"], before=before, limit=page_size + 1, descending=True)
    return list(reversed(found[:page_size])), len(found) > page_size


def exists_after(chat: Chat, row: dict) -> bool:
    """Whether the channel has a message newer than `row` (for paginators' hasNextPage)."""
    return bool(message_rows.page(chat.store.db(), row["channel_sid"], after=row["idx"], limit=1, descending=False))


def rest_page(
    chat: Chat, actor: Actor, service_sid: str, channel_key: str, *, after: int | None, limit: int, descending: bool
) -> list[dict]:
    """Messages in index order (or reversed) after a position, as Twilio's REST list pages them."""
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    db = chat.store.db()
    if descending:
        return message_rows.page(db, channel_row["sid"], before=after, limit=limit, descending=True)
    return message_rows.page(db, channel_row["sid"], after=after, limit=limit, descending=False)
