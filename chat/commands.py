"""WebSocket commands: each maps an SDK call onto an action, as the connection's user.

A command gets the connection and its `args` object and returns a JSON-able result, or raises
ChatError (sent back as an error reply). Names are `noun.verb`; docs/protocol.md lists them.
"""

from collections.abc import Callable

from .actions import channels, members, messages, users
from .context import Actor, Chat
from .errors import bad_request

COMMANDS: dict[str, Callable] = {}


def command(name: str):
    def register(fn):
        COMMANDS[name] = fn
        return fn

    return register


def run(conn, name: str, args: dict):
    handler = COMMANDS.get(name)
    if handler is None:
        raise bad_request(f"Unknown command {name}")
    return handler(conn, args)


def actor(conn) -> Actor:
    return Actor(conn.identity, "sdk", webhooks=True)


def _channel_key(args: dict) -> str:
    key = args.get("channel")
    if not isinstance(key, str) or not key:
        raise bad_request("channel (a SID or unique name) is required", 50301)
    return key


def channel_view(chat: Chat, row: dict, identity: str) -> dict:
    """A channel as the SDK sees it: Twilio's channel JSON plus the user's own status in it."""
    view = channels.serialize(chat, row)
    member = members.membership(chat, row["sid"], identity)
    view["status"] = (
        "joined" if member else ("invited" if members.invited(chat, row["sid"], identity) else "notParticipating")
    )
    view["last_consumed_message_index"] = member["last_consumed_message_index"] if member else None
    view["member_sid"] = member["sid"] if member else None
    return view


# --- session ------------------------------------------------------------------------------
def connect(conn) -> dict:
    return users.serialize(conn.chat, users.ensure(conn.chat, conn.service_sid, conn.identity), single=True)


def disconnect(conn) -> None:
    """Hook for presence; nothing to release yet."""


def subscribed_channels(chat: Chat, identity: str) -> list[dict]:
    return channels.of_identity(chat, chat.settings.service_sid, identity)


@command("hello")
def hello(conn, args):
    return conn.hello(args)


@command("token.update")
def update_token(conn, args):
    return conn.update_token(args.get("token"))


# --- channels -----------------------------------------------------------------------------
@command("channels.subscribed")
def list_subscribed(conn, args):
    return [channel_view(conn.chat, row, conn.identity) for row in subscribed_channels(conn.chat, conn.identity)]


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


@command("channel.join")
def join_channel(conn, args):
    row = members.join(conn.chat, actor(conn), conn.service_sid, _channel_key(args))
    return members.serialize(conn.chat, row)


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
    return {"items": [messages.serialize(conn.chat, row) for row in items], "more": more}
