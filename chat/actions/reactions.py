"""Emoji reactions on a message, merged on the server (our extension; docs/api.md).

Reactions live in the message's attributes, `{"reactions": {"👍": ["alice", "bob"]}}`, so REST
readers, webhooks and Twilio SDKs see them. A client that rewrote the attributes it read earlier
would drop a reaction made meanwhile by someone else; here the read and the write happen in one
write turn, so two people reacting at the same moment both count.
"""

import json
import unicodedata
from dataclasses import replace

from ..context import Actor, Chat
from ..errors import bad_request, not_found
from ..store import messages as message_rows
from . import common, hook_params, messages

ACTIONS = ("toggle", "add", "remove")
MAX_REACTION = 16  # characters: an emoji with its modifiers and joiners, or a short :name:
MAX_KINDS = 20  # different reactions on one message


def reaction_text(value) -> str:
    """A reaction is a short string without spaces or control characters (an emoji, usually)."""
    if not isinstance(value, str) or not value:
        raise bad_request("Reaction is required", 20001)
    if len(value) > MAX_REACTION:
        raise bad_request(f"Reaction is longer than {MAX_REACTION} characters", 20001)
    if any(char.isspace() or unicodedata.category(char) == "Cc" for char in value):
        raise bad_request("Reaction must not contain spaces or control characters", 20001)
    return value


def merged(attributes: str, reaction: str, identity: str, action: str) -> tuple[str, bool]:
    """The attributes with `identity`'s reaction added, removed or toggled, and whether it is on."""
    try:
        attrs = json.loads(attributes or "{}")
    except ValueError:
        attrs = {}
    if not isinstance(attrs, dict):  # a message whose attributes are a list or a number
        raise bad_request("This message's attributes are not an object, so it cannot hold reactions", 50304)
    reactions = attrs.get("reactions")
    if not isinstance(reactions, dict):
        reactions = {}
    who = [name for name in reactions.get(reaction, []) if isinstance(name, str)]
    on = identity not in who if action == "toggle" else action == "add"
    if on and identity not in who:
        if reaction not in reactions and len(reactions) >= MAX_KINDS:
            raise bad_request(f"A message holds at most {MAX_KINDS} different reactions", 20001)
        who.append(identity)
    if not on:
        who = [name for name in who if name != identity]
    if who:
        reactions[reaction] = who
    else:
        reactions.pop(reaction, None)
    attrs["reactions"] = reactions
    return json.dumps(attrs, ensure_ascii=False, separators=(",", ":")), on


def react(
    chat: Chat,
    actor: Actor,
    service_sid: str,
    channel_key: str,
    sid: str,
    reaction,
    *,
    action: str = "toggle",
    identity=None,
) -> dict:
    """Add, remove or toggle one person's reaction. SDK users react as themselves and need to be
    members who may send messages; the account (REST) names the `identity`, who must be a member.
    Fires the onMessageUpdate pre-event hook (which may refuse it) and onMessageUpdated."""
    reaction = reaction_text(reaction)
    if action not in ACTIONS:
        raise bad_request(f"Action must be one of {', '.join(ACTIONS)}", 20001)
    who = actor.identity or common.identity(identity)
    row = messages.get(chat, actor, service_sid, channel_key, sid)
    db = chat.store.db()
    service_row = common.service(chat, db, service_sid)
    # One read: whether `who` is a member, and what they may do there (the account needs nothing).
    granted, member = common.membership(db, service_row, replace(actor, identity=who), row["channel_sid"])
    if not member:
        raise bad_request(f"User {who} is not a member of channel {row['channel_sid']}", 50400)
    if actor.identity is not None:
        common.check(granted, actor, "sendMessage")
    chat.channel_rate.take(row["channel_sid"])
    planned, _ = merged(row["attributes"], reaction, who, action)
    params = {**hook_params.message(row), "Attributes": planned, "ModifiedBy": who}
    common.pre_event(chat, actor, service_row, "onMessageUpdate", params)  # may refuse; changes are not taken
    with chat.write() as tx:
        # Read again inside the write turn: whatever was merged meanwhile is kept.
        current = message_rows.get(tx.db, row["channel_sid"], sid)
        if current is None:
            raise not_found(f"Message {sid} not found", 50500)
        attributes, _ = merged(current["attributes"], reaction, who, action)
        attributes = common.attributes(attributes)
        message_rows.update(tx.db, sid, {"attributes": attributes, "last_updated_by": who})
        row = message_rows.get(tx.db, row["channel_sid"], sid)
        channel_row = common.channel(tx.db, service_sid, row["channel_sid"])
        scope, target = common.channel_scope(channel_row)
        common.record(tx, service_sid, scope, target, "messageUpdated", messages.serialize(chat, row))
        params = {**hook_params.message(row), "ModifiedBy": who, "DateUpdated": row["date_updated"]}
        common.post_event(tx, chat, actor, service_row, "onMessageUpdated", params, row["channel_sid"])
    return row
