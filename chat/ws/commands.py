"""WebSocket commands: each maps an SDK call onto an action, as the connection's user.

A command gets the connection and its `args` object and returns a JSON-able result, or raises
ChatError (sent back as an error reply). Names are `noun.verb`; docs/protocol.md lists them.
"""

from collections.abc import Callable

from .. import metrics
from ..actions import bindings, channels, direct, members, messages, presence, reactions, search, users
from ..actions.common import UNSET
from ..context import Actor, Chat
from ..errors import bad_request

COMMANDS: dict[str, Callable] = {}
PUBLIC_PAGE = 50
SEARCH_PAGE = 20


def command(name: str):
    def register(fn):
        COMMANDS[name] = fn
        return fn

    return register


def run(conn, name: str, args: dict):
    handler = COMMANDS.get(name)
    if handler is None:
        raise bad_request(f"Unknown command {name}")
    with metrics.command(name):
        return handler(conn, args)


def actor(conn) -> Actor:
    return Actor(conn.identity, "sdk", webhooks=True)


def _text_arg(args: dict, name: str, code: int = 20001) -> str:
    value = args.get(name)
    if not isinstance(value, str) or not value:
        raise bad_request(f"{name} is required", code)
    return value


def _channel_key(args: dict) -> str:
    return _text_arg(args, "channel", 50301)


def _optional(args: dict, name: str):
    """An argument the caller may leave out (UNSET) or set, null included."""
    return args[name] if name in args else UNSET


def channel_view(chat: Chat, row: dict, identity: str) -> dict:
    """A channel as the SDK sees it: Twilio's channel JSON plus the user's own place in it."""
    view = channels.serialize(chat, row)
    member = members.membership(chat, row["sid"], identity)
    if member:
        view["status"] = "joined"
    else:
        view["status"] = "invited" if members.invited(chat, row["sid"], identity) else "notParticipating"
    view["last_consumed_message_index"] = member["last_consumed_message_index"] if member else None
    view["member_sid"] = member["sid"] if member else None
    view["last_message_index"] = row["next_index"] - 1 if row["messages_count"] else None
    view["last_message_date"] = row["last_message_date"]
    return view


# --- session ------------------------------------------------------------------------------
def disconnect(conn) -> None:
    presence.disconnected(conn.chat, conn.service_sid, conn.identity)


def subscribed_channels(chat: Chat, identity: str) -> list[dict]:
    return channels.of_identity(chat, chat.settings.service_sid, identity)


@command("token.update")
def update_token(conn, args):
    return conn.update_token(args.get("token"))


# --- channels -----------------------------------------------------------------------------
@command("channels.subscribed")
def list_subscribed(conn, args):
    return [channel_view(conn.chat, row, conn.identity) for row in subscribed_channels(conn.chat, conn.identity)]


@command("channels.user")
def list_user_channels(conn, args):
    """Channels the user is a member of or invited to."""
    rows = {row["sid"]: row for row in subscribed_channels(conn.chat, conn.identity)}
    for row in channels.invited_to(conn.chat, conn.service_sid, conn.identity):
        rows.setdefault(row["sid"], row)
    return [channel_view(conn.chat, row, conn.identity) for row in rows.values()]


@command("channels.public")
def list_public(conn, args):
    after = args.get("after", 0)
    if not isinstance(after, int) or isinstance(after, bool) or after < 0:
        raise bad_request("after must be a position from a previous page")
    rows = channels.public_page(conn.chat, conn.service_sid, after, PUBLIC_PAGE + 1)
    items = [channel_view(conn.chat, row, conn.identity) for row in rows[:PUBLIC_PAGE]]
    more = len(rows) > PUBLIC_PAGE
    return {"items": items, "next": rows[PUBLIC_PAGE - 1]["_rowid"] if more else None}


@command("channel.create")
def create_channel(conn, args):
    row = channels.create(
        conn.chat,
        actor(conn),
        conn.service_sid,
        friendly_name=args.get("friendlyName"),
        unique_name=args.get("uniqueName"),
        attributes=args.get("attributes"),
        type="private" if args.get("isPrivate") else "public",
    )
    return channel_view(conn.chat, row, conn.identity)


@command("channel.get")
def get_channel(conn, args):
    row = channels.get(conn.chat, actor(conn), conn.service_sid, _channel_key(args))
    return channel_view(conn.chat, row, conn.identity)


@command("channel.update")
def update_channel(conn, args):
    row = channels.update(
        conn.chat,
        actor(conn),
        conn.service_sid,
        _channel_key(args),
        friendly_name=_optional(args, "friendlyName"),
        unique_name=_optional(args, "uniqueName"),
        attributes=_optional(args, "attributes"),
    )
    return channel_view(conn.chat, row, conn.identity)


@command("channel.delete")
def delete_channel(conn, args):
    row = channels.delete(conn.chat, actor(conn), conn.service_sid, _channel_key(args))
    return channels.serialize(conn.chat, row)


@command("channel.join")
def join_channel(conn, args):
    row = members.join(conn.chat, actor(conn), conn.service_sid, _channel_key(args))
    return members.serialize(conn.chat, row)


@command("channel.leave")
def leave_channel(conn, args):
    members.leave(conn.chat, actor(conn), conn.service_sid, _channel_key(args))
    return None


@command("channel.decline")
def decline_invite(conn, args):
    members.decline(conn.chat, actor(conn), conn.service_sid, _channel_key(args))
    return None


@command("channel.invite")
def invite_user(conn, args):
    row = members.invite(conn.chat, actor(conn), conn.service_sid, _channel_key(args), args.get("identity"))
    return members.serialize_invite(conn.chat, row)


@command("channel.add")
def add_member(conn, args):
    row = members.add(conn.chat, actor(conn), conn.service_sid, _channel_key(args), args.get("identity"))
    return members.serialize(conn.chat, row)


@command("channel.removeMember")
def remove_member(conn, args):
    row = members.remove(conn.chat, actor(conn), conn.service_sid, _channel_key(args), _text_arg(args, "member"))
    return members.serialize(conn.chat, row)


@command("channel.members")
def list_members(conn, args):
    rows = members.of_channel(conn.chat, actor(conn), conn.service_sid, _channel_key(args))
    return [members.serialize(conn.chat, row) for row in rows]


@command("channel.direct")
def open_direct(conn, args):
    """Our extension: the private channel of this user and `identity`, created once per pair."""
    row = direct.open_with(conn.chat, actor(conn), conn.service_sid, args.get("identity"))
    return channel_view(conn.chat, row, conn.identity)


@command("channel.typing")
def typing(conn, args):
    presence.typing(conn.chat, actor(conn), conn.service_sid, _channel_key(args))
    return None


@command("channel.readHorizon")
def read_horizon(conn, args):
    """Set (or, with advance, move forward) the read horizon; returns the unread count.
    `all` marks everything read up to the channel's newest message."""
    index = args.get("index")
    if args.get("all"):
        row = channels.get(conn.chat, actor(conn), conn.service_sid, _channel_key(args))
        index = row["next_index"] - 1 if row["messages_count"] else None
    return members.set_read_horizon(
        conn.chat, actor(conn), conn.service_sid, _channel_key(args), index, advance=bool(args.get("advance"))
    )


@command("channel.unreadCount")
def unread_count(conn, args):
    row = members.get(conn.chat, actor(conn), conn.service_sid, _channel_key(args), conn.identity)
    return members.unread_count(conn.chat, row)


# --- messages -----------------------------------------------------------------------------
@command("message.send")
def send_message(conn, args):
    row = messages.send(
        conn.chat,
        actor(conn),
        conn.service_sid,
        _channel_key(args),
        body=args.get("body"),
        attributes=args.get("attributes"),
    )
    return messages.serialize(conn.chat, row)


@command("message.update")
def update_message(conn, args):
    row = messages.update(
        conn.chat,
        actor(conn),
        conn.service_sid,
        _channel_key(args),
        _text_arg(args, "message", 50501),
        body=_optional(args, "body"),
        attributes=_optional(args, "attributes"),
    )
    return messages.serialize(conn.chat, row)


@command("message.remove")
def remove_message(conn, args):
    row = messages.remove(
        conn.chat, actor(conn), conn.service_sid, _channel_key(args), _text_arg(args, "message", 50501)
    )
    return messages.serialize(conn.chat, row)


@command("message.react")
def react_to_message(conn, args):
    """Our extension: the server merges the reaction into the message's attributes."""
    row = reactions.react(
        conn.chat,
        actor(conn),
        conn.service_sid,
        _channel_key(args),
        _text_arg(args, "message", 50501),
        args.get("reaction"),
        action=args.get("action", "toggle"),
    )
    return messages.serialize(conn.chat, row)


@command("messages.page")
def message_page(conn, args):
    items, more = messages.page(
        conn.chat,
        actor(conn),
        conn.service_sid,
        _channel_key(args),
        page_size=args.get("pageSize", 30),
        anchor=args.get("anchor"),
        direction=args.get("direction", "backwards"),
    )
    newer = messages.exists_after(conn.chat, items[-1]) if items else False
    return {"items": [messages.serialize(conn.chat, row) for row in items], "more": more, "newer": newer}


@command("messages.search")
def search_messages(conn, args):
    """Messages containing `query` in the channels the user may read now, newest first, with
    the channels they are in (the SDK builds Channel objects for them); `next` is the position
    the following page starts before."""
    page_size = args.get("pageSize", SEARCH_PAGE)
    if not isinstance(page_size, int) or isinstance(page_size, bool) or not 1 <= page_size <= messages.MAX_PAGE:
        raise bad_request(f"pageSize must be 1 to {messages.MAX_PAGE}")
    rows = search.find(
        conn.chat,
        actor(conn),
        conn.service_sid,
        args.get("query"),
        channel=args.get("channel") or None,
        author=args.get("author") or None,
        before=args.get("before"),
        limit=page_size + 1,
    )
    found = rows[:page_size]
    sids = dict.fromkeys(row["channel_sid"] for row in found)
    rooms = {
        sid: channel_view(conn.chat, channels.get(conn.chat, actor(conn), conn.service_sid, sid), conn.identity)
        for sid in sids
    }
    return {
        "items": [messages.serialize(conn.chat, row) for row in found],
        "channels": rooms,
        "next": found[-1]["search_rowid"] if len(rows) > page_size else None,
    }


# --- users --------------------------------------------------------------------------------
@command("user.get")
def get_user(conn, args):
    row = users.get(conn.chat, conn.service_sid, _text_arg(args, "identity"))
    conn.chat.hub.watch(conn, row["identity"])  # the SDK's User is subscribed: it hears presence
    return users.serialize(conn.chat, row, single=True)


@command("user.unsubscribe")
def unsubscribe_user(conn, args):
    conn.chat.hub.unwatch(conn, _text_arg(args, "identity"))
    return None


@command("user.update")
def update_user(conn, args):
    identity = args.get("identity") or conn.identity
    row = users.update(
        conn.chat,
        actor(conn),
        conn.service_sid,
        identity,
        friendly_name=_optional(args, "friendlyName"),
        attributes=_optional(args, "attributes"),
    )
    return users.serialize(conn.chat, row, single=True)


# --- push ---------------------------------------------------------------------------------
def _endpoint(conn) -> str:
    """The token's endpoint_id names the device; without one, a user has a single endpoint."""
    return conn.grant.endpoint_id or conn.identity


@command("push.register")
def register_push(conn, args):
    row = bindings.register(
        conn.chat,
        conn.service_sid,
        conn.identity,
        _endpoint(conn),
        args.get("type"),
        args.get("address"),
        args.get("credentialSid"),
    )
    return bindings.serialize(conn.chat, row)


@command("push.unregister")
def unregister_push(conn, args):
    bindings.unregister(conn.chat, conn.service_sid, conn.identity, _endpoint(conn), args.get("type"))
    return None
