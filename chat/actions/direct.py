"""Direct messages: one private channel per pair of people, found again rather than duplicated.

The channel's unique name is derived from the pair (`dm:` and a hash of both identities, sorted),
so whoever opens it first creates it, in one write turn, and everyone after finds the same one,
even when both people click at the same moment. Its attributes say who it is for:
`{"direct": ["alice", "bob"]}` (docs/protocol.md). Both are plain members (the service's default
channel role): neither can add a third person, so it stays a conversation between two.
"""

import hashlib
import json

from ..context import Actor, Chat
from ..errors import ChatError, bad_request, conflict, not_found
from ..events import USER
from ..store import channels as channel_rows
from ..store import members as member_rows
from ..store import users as user_rows
from . import channels, common, hook_params, members

PREFIX = "dm:"


def unique_name(a: str, b: str) -> str:
    """Deterministic for the pair, whatever the order, and short whatever the identities' length."""
    first, second = sorted((a, b))
    return PREFIX + hashlib.sha256(f"{first}\n{second}".encode()).hexdigest()[:40]


def pair_of(row: dict) -> list[str] | None:
    """The two identities of a direct channel's row, or None for any other channel."""
    try:
        attrs = json.loads(row["attributes"] or "{}")
    except ValueError:
        return None
    pair = attrs.get("direct") if isinstance(attrs, dict) else None
    if isinstance(pair, list) and len(pair) == 2 and all(isinstance(name, str) for name in pair):
        return pair
    return None


def open_with(chat: Chat, actor: Actor, service_sid: str, other) -> dict:
    """The actor's direct channel with `other`, created (with both as members) if new; if one of
    them left it, they are members again. `other` must be a user of the service."""
    if actor.identity is None:
        raise bad_request("Only a user can open a direct conversation", 20001)
    other = common.identity(other)
    if other == actor.identity:
        raise bad_request("A direct conversation needs another person", 20001)
    pair = sorted((actor.identity, other))
    name = unique_name(*pair)
    db = chat.store.db()
    service_row = common.service(chat, db, service_sid)
    if user_rows.get(db, service_sid, other) is None:
        raise not_found(f"User {other} not found", 50200)
    existing = channel_rows.get(db, service_sid, name)
    if existing is None:
        common.require(db, service_row, actor, "createChannel")
        params = {"ChannelType": "private", "UniqueName": name, "FriendlyName": ", ".join(pair)}
        params["Attributes"] = json.dumps({"direct": pair})
        params["CreatedBy"] = actor.identity
        common.pre_event(chat, actor, service_row, "onChannelAdd", params)  # may refuse; changes not taken
    with chat.write() as tx:
        row = channel_rows.get(tx.db, service_sid, name)
        if row is None:
            row = channel_rows.create(
                tx.db,
                service_sid,
                unique_name=name,
                friendly_name=", ".join(pair),
                attributes=json.dumps({"direct": pair}),
                type="private",
                created_by=actor.identity,
            )
            common.record(tx, service_sid, USER, actor.identity, "channelAdded", channels.serialize(chat, row))
            common.post_event(tx, chat, actor, service_row, "onChannelAdded", hook_params.channel(row), row["sid"])
        elif pair_of(row) != pair or row["type"] != "private":
            raise conflict(f"Channel with unique name {name} already exists and is not this pair's", 50307)
        for identity in pair:
            if member_rows.get(tx.db, row["sid"], identity) is None:
                _add_member(chat, tx, actor, service_row, row, identity)
        row = channel_rows.get(tx.db, service_sid, name)
    return row


def _add_member(chat: Chat, tx, actor: Actor, service_row: dict, row: dict, identity: str) -> None:
    service_sid = service_row["sid"]
    common.ensure_user(chat, tx, service_row, identity)
    if member_rows.count_of_identity(tx.db, service_sid, identity) >= service_row["limits_user_channels"]:
        raise ChatError(403, 50213, "User channel limit reached")
    member = member_rows.create(tx.db, service_sid, row["sid"], identity, service_row["default_channel_role_sid"])
    channel_rows.adjust_count(tx.db, row["sid"], "members_count", 1)
    fresh = channel_rows.get(tx.db, service_sid, row["sid"])
    scope, target = common.channel_scope(fresh)
    common.record(tx, service_sid, scope, target, "memberJoined", members.serialize(chat, member))
    common.record(tx, service_sid, USER, identity, "channelJoined", channels.serialize(chat, fresh))
    params = {**hook_params.member(member), "Reason": "ADDED"}
    common.post_event(tx, chat, actor, service_row, "onMemberAdded", params, row["sid"])
