"""What every action shares: lookups that raise Twilio's errors, permission checks,
validation of common parameters, and recording events inside the transaction."""

import json
import re

from ..context import Actor, Chat
from ..errors import ChatError, bad_request, forbidden, not_found
from ..events import CHANNEL, Event, dumps
from ..ids import is_sid
from ..store import Tx
from ..store import channels as channel_rows
from ..store import events as event_log
from ..store import members as member_rows
from ..store import services as service_rows
from ..store import users as user_rows

# Marks a parameter the caller did not pass (None is a real value: "set to null").
UNSET = object()

MAX_ATTRIBUTES = 16 * 1024
MAX_NAME = 256
IDENTITY = re.compile(r"^[^\x00-\x1f\x7f]{1,256}$")


def service(chat: Chat, db, service_sid: str) -> dict:
    return found_service(service_rows.get(db, service_sid), service_sid)


def batch_service(chat: Chat, tx: Tx, service_sid: str) -> dict:
    """The service's row for a body that keeps the batch's rows (`tx.keeps_rows`): as an earlier
    body of this transaction read it, or read now and kept for the next ones. Not to be changed."""
    row = tx.services.get(service_sid)
    if row is None:
        row = tx.services[service_sid] = service(chat, tx.db, service_sid)
    return row


def found_service(row: dict | None, service_sid: str) -> dict:
    """The service's row, or 50050 if there is none."""
    if row is None:
        raise ChatError(404, 50050, f"Service instance {service_sid} not found")
    return row


def channel(db, service_sid: str, key: str) -> dict:
    row = channel_rows.get(db, service_sid, key)
    if row is None:
        raise not_found(f"Channel {key} not found", 50300)
    return row


def member_of(db, channel_sid: str, identity: str) -> dict | None:
    return member_rows.get(db, channel_sid, identity)


def role(db, service_sid: str, sid, kind: str) -> str:
    """A role SID that exists in the service and has the right type ('channel' or 'deployment')."""
    row = service_rows.get_role(db, service_sid, sid) if isinstance(sid, str) else None
    if row is None or row["type"] != kind:
        raise bad_request(f"Role {sid} is not a {kind} role of this service", 50101)
    return row["sid"]


def given(**values) -> dict:
    """The keyword arguments that were actually passed (not UNSET)."""
    return {key: value for key, value in values.items() if value is not UNSET}


def is_own(actor: Actor, author: str | None) -> bool:
    return actor.identity is not None and actor.identity == author


def attributes(value, field: str = "Attributes") -> str:
    """Attributes arrive as a JSON string (REST) or a JSON value (SDK); stored as JSON text."""
    if value is None:
        return "{}"
    if not isinstance(value, str):
        value = dumps(value)
    if len(value.encode()) > MAX_ATTRIBUTES:
        raise bad_request(f"{field} is longer than {MAX_ATTRIBUTES} bytes", 50303)
    try:
        json.loads(value)
    except ValueError:
        raise bad_request(f"{field} is not valid JSON", 50304) from None
    return value


def text(value, field: str, limit: int = MAX_NAME, code: int = 20001) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str):
        raise bad_request(f"{field} must be a string", code)
    if len(value) > limit:
        raise bad_request(f"{field} is longer than {limit} characters", code)
    return value


def identity(value, field: str = "Identity") -> str:
    if not isinstance(value, str) or not value:
        raise bad_request(f"{field} is required", 50204)
    if not IDENTITY.match(value):
        raise bad_request(f"{field} must be 1 to 256 characters without control characters", 20001)
    if is_sid(value, "US"):
        raise bad_request(f"{field} must not look like a User SID", 50206)
    return value


def ensure_user(chat: Chat, tx: Tx, service_row: dict, name: str) -> dict:
    """The user row for `name`, created with the service's default role on first sight."""
    row = user_rows.get(tx.db, service_row["sid"], name)
    if row is None:
        row = user_rows.create(tx.db, service_row["sid"], identity(name), service_row["default_service_role_sid"])
    return row


def membership(db, service_row: dict, actor: Actor, channel_sid: str | None) -> tuple[set[str] | None, bool]:
    """The actor's permissions (service role plus channel role; None means unrestricted) and
    whether they are a member of `channel_sid`, in one read."""
    if actor.identity is None:
        return None, False
    read = service_rows.granted(
        db, service_row["sid"], service_row["default_service_role_sid"], [actor.identity], channel_sid
    )
    return read[actor.identity]


def batch_membership(tx: Tx, service_row: dict, actor: Actor, channel_row: dict) -> tuple[set[str] | None, bool]:
    """`membership` for a send's body that keeps the batch's rows (`tx.keeps_rows`): as read for
    the batch's earlier bodies, or read now for this sender and for every user queued to send to
    the same channel (their `send_intent`), in one statement, and kept for their bodies."""
    if actor.identity is None:
        return None, False
    service_sid, channel_sid = service_row["sid"], channel_row["sid"]
    found = tx.members.get((service_sid, channel_sid, actor.identity))
    if found is not None:
        return found
    keys = {(service_sid, channel_sid), (service_sid, channel_row["unique_name"])}
    identities = {actor.identity}
    for service, channel, identity in tx.waiting():
        if (service, channel) in keys and (service_sid, channel_sid, identity) not in tx.members:
            identities.add(identity)
    read = service_rows.granted(
        tx.db, service_sid, service_row["default_service_role_sid"], sorted(identities), channel_sid
    )
    for identity, granted in read.items():
        tx.members[(service_sid, channel_sid, identity)] = granted
    return read[actor.identity]


def send_intent(actor: Actor, service_sid: str, channel_key: str) -> tuple[str, str, str] | None:
    """What a user's send tells the writers ahead of it (Store.write's `intent`), so that the
    first to read memberships reads theirs too (`batch_membership`)."""
    return None if actor.identity is None else (service_sid, channel_key, actor.identity)


def permissions(db, service_row: dict, actor: Actor, channel_sid: str | None) -> set[str] | None:
    """The actor's permissions (service role plus channel role); None means unrestricted."""
    return membership(db, service_row, actor, channel_sid)[0]


def require(db, service_row: dict, actor: Actor, permission: str, channel_sid: str | None = None) -> None:
    check(permissions(db, service_row, actor, channel_sid), actor, permission)


def check(granted: set[str] | None, actor: Actor, permission: str) -> None:
    """403 unless `granted` (None: unrestricted) includes `permission`."""
    if granted is None or permission in granted:
        return
    # A permission over anyone's things covers one's own (channel admins have only the "Any" ones).
    if "Own" in permission and permission.replace("Own", "Any", 1) in granted:
        return
    raise forbidden(f"User {actor.identity} lacks the {permission} permission")


def can_read(db, actor: Actor, channel_row: dict) -> bool:
    """Private channels are visible to their members and invitees only."""
    if actor.identity is None or channel_row["type"] == "public":
        return True
    return bool(
        member_rows.get(db, channel_row["sid"], actor.identity)
        or member_rows.get_invite(db, channel_row["sid"], actor.identity)
    )


def record(
    tx: Tx, service_sid: str, scope: str, target: str | None, type: str, data: dict, first: list | None = None
) -> None:
    """Store an event in the log (same transaction) and queue it for publishing after commit.
    `first`: writes (SQL and its dict, each) to run just before, in the same statement. The
    event goes to the database with the write's next statement (chat/store/events.py: append)."""
    payload = dumps(data)

    def stored(seq: int) -> None:
        tx.events.append(Event(service_sid, scope, target, type, payload, seq))

    event_log.append(tx.db, service_sid, scope, target, type, payload, stored, first)


def ephemeral(service_sid: str, scope: str, target: str, type: str, data: dict) -> Event:
    """An event published without storing (typing, presence): nothing to replay after a reconnect."""
    return Event(service_sid, scope, target, type, dumps(data))


def channel_scope(channel_row: dict) -> tuple[str, str]:
    return CHANNEL, channel_row["sid"]


def pre_event(chat: Chat, actor: Actor, service_row: dict, event: str, params: dict) -> dict:
    """Run the pre-event webhook (before any write; it may be slow). Returns the parameters the
    hook allowed, possibly changed; raises ChatError when the hook rejects the action."""
    if chat.webhooks is None:
        return params
    return chat.webhooks.pre_event(service_row, actor, event, params)


def pre_event_wanted(chat: Chat, actor: Actor, service_row: dict, event: str) -> bool:
    return chat.webhooks is not None and chat.webhooks.pre_event_wanted(service_row, actor, event)


def post_event(tx: Tx, chat: Chat, actor: Actor, service_row: dict, event: str, params: dict, channel_sid=None) -> None:
    """Queue post-event webhook deliveries in the same transaction as the change (outbox)."""
    if chat.webhooks is not None:
        chat.webhooks.post_event(tx, service_row, actor, event, params, channel_sid)
