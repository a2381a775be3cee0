"""Presence: who is online (reachability) and who is typing. These events are ephemeral:
published to the sockets connected now, never stored or replayed."""

import logging
import threading
import time
import uuid
from collections import Counter

from ..context import Actor, Chat
from ..errors import forbidden
from ..events import SUBSCRIBERS
from ..store import ERRORS, Tx
from ..store import presence as presence_rows
from ..store import services as service_rows
from ..store import users as user_rows
from . import channels, common, users

log = logging.getLogger(__name__)

TYPING_THROTTLE = 1.0  # seconds between two typingStarted of one member

UserKey = tuple[str, str]  # (service_sid, identity)


def connected(chat: Chat, service_sid: str, identity: str) -> dict:
    """Count a socket of `identity`, creating the user on first sight; the user goes online when
    it is their first socket in any process. Returns the user as a single fetch shows it now."""
    return connected_all(chat, [(service_sid, identity)])[0]


def connected_all(chat: Chat, keys: list["UserKey"]) -> list[dict]:
    """`connected` for several sockets (service_sid, identity) in one transaction: sockets that
    connect at once share its COMMIT (chat/ws/arrivals.py)."""
    views = _count(chat, [(key, +1) for key in keys])
    return [
        view or users.serialize(chat, users.ensure(chat, *key), single=True)
        for key, view in zip(keys, views, strict=True)
    ]


def disconnected(chat: Chat, service_sid: str, identity: str) -> None:
    """Uncount a socket; the user goes offline when no live process holds one any more."""
    _count(chat, [((service_sid, identity), -1)])


class Presence:
    """This process's share of presence: its sockets per user, kept in the database next to every other
    process's (chat/store/presence.py), and a heartbeat thread that also sweeps dead processes.

    The counter in memory is the truth for this process; the rows follow it. When a write fails
    (the database stayed locked) or another process swept this one (it missed heartbeats, e.g.
    while suspended), the next heartbeat rewrites all of this process's rows from the counter.

    Counts change inside write bodies, which run one at a time in commit order, and the
    userUpdated events ride on the transaction: so this process's rows and presence events keep
    the order of its counts (an online overtaken by the matching offline would stick) without a
    lock of their own, and concurrent connects share a COMMIT.
    """

    def __init__(self, chat: Chat):
        self.chat = chat
        self.process_id = uuid.uuid4().hex
        self.sockets_of: Counter = Counter()
        self.resync = True  # rewrite every row at the next beat
        self.closed = False
        self._lock = threading.Lock()  # over sockets_of, for a count whose write never started
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="presence-heartbeat", daemon=True)

    def step(self, key: "UserKey", step: int) -> int:
        """Add `step` sockets of a user; returns how many this process holds now."""
        with self._lock:
            count = max(0, self.sockets_of[key] + step)
            if count:
                self.sockets_of[key] = count
            else:
                self.sockets_of.pop(key, None)
            return count

    def snapshot(self) -> dict:
        with self._lock:
            return dict(self.sockets_of)

    def start(self) -> None:
        """Register, sweep what dead processes left, and heartbeat from now on."""
        _beat(self.chat, first=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop heartbeating and remove this process's rows: users only here go offline."""
        self._stopping.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)
        chat = self.chat
        try:
            with chat.write() as tx:
                self.closed = True  # counts after this one stay in memory
                keys = set(presence_rows.users_of(tx.db, [self.process_id]))
                presence_rows.remove(tx.db, [self.process_id])
                _settle(chat, tx, keys)
        except ERRORS:
            self.closed = True
            log.exception("presence: could not remove this process's rows; others will sweep them")

    def _run(self) -> None:
        interval = self.chat.settings.presence_heartbeat
        while not self._stopping.wait(interval):
            try:
                _beat(self.chat)
            except ERRORS:
                log.exception("presence heartbeat failed; trying again in %g s", interval)
            finally:
                self.chat.store.release()


def _count(chat: Chat, changes: list[tuple["UserKey", int]]) -> list[dict | None]:
    """Once the sockets count (`changes`: +1 or -1 socket of a user each): for each that adds a
    socket, the user as a single fetch shows it (None for one that removes a socket, and for all
    if the database could not be written)."""
    state = chat.presence
    counted = 0
    try:
        with chat.write() as tx:
            tx.keeps_rows = True  # presence writes no service or channel: the batch's rows stay as they are
            services: dict[str, dict] = {}
            known: dict[UserKey, dict] = {}
            rows: list[dict | None] = []
            keys: set[UserKey] = set()
            for key, step in changes:
                service_sid, identity = key
                if service_sid not in services:
                    services[service_sid] = common.batch_service(chat, tx, service_sid)
                user = common.ensure_user(chat, tx, services[service_sid], identity) if step > 0 else None
                rows.append(user)
                count = state.step(key, step)
                counted += 1
                if state.closed:
                    continue
                if user is not None:
                    known[key] = user
                keys.add(key)
                if not presence_rows.set_count(tx.db, state.process_id, service_sid, identity, count) or state.resync:
                    state.resync = False  # a failed COMMIT sets it again
                    keys |= _register(chat, tx.db)
            views = {} if state.closed else _settle(chat, tx, keys, services, known)
            return [
                user and (views.get(key) or users.serialize(chat, user, single=True, service_row=services[key[0]]))
                for (key, _), user in zip(changes, rows, strict=True)
            ]
    except ERRORS:
        # The sockets still count in memory; the next heartbeat writes them.
        for key, step in changes[counted:]:
            state.step(key, step)
        state.resync = True
        log.exception("presence: could not record %d socket change(s); the next heartbeat will", len(changes))
        return [None] * len(changes)


def _beat(chat: Chat, first: bool = False) -> None:
    """Heartbeat; rewrite this process's rows if needed; sweep processes whose heartbeat is older
    than PRESENCE_TIMEOUT, taking offline the users nobody else holds a socket of."""
    state = chat.presence
    try:
        with chat.write() as tx:
            if state.closed:
                return
            now = time.time()
            keys: set[UserKey] = set()
            if _needs_register(state, tx.db, now):
                keys |= _register(chat, tx.db)
            dead = presence_rows.stale(tx.db, now - chat.settings.presence_stale_after)
            if dead:
                keys |= set(presence_rows.users_of(tx.db, dead))
                presence_rows.remove(tx.db, dead)
                log.info("presence: swept %d server process(es) that stopped heartbeating", len(dead))
            if first:
                keys |= set(presence_rows.online_without_sockets(tx.db))
            _settle(chat, tx, keys)
    except ERRORS:
        state.resync = True
        raise


def _needs_register(state: Presence, db, now: float) -> bool:
    """Whether this process's rows must be rewritten (after a failed write, or when it was swept);
    a live row gets its heartbeat. Clears the flag: a failed COMMIT sets it again."""
    resync, state.resync = state.resync, False
    return not presence_rows.beat(db, state.process_id, now) or resync


def _register(chat: Chat, db) -> set[UserKey]:
    state = chat.presence
    return presence_rows.register(db, state.process_id, time.time(), state.snapshot())


def _settle(
    chat: Chat, tx: Tx, keys: set[UserKey], services: dict | None = None, known: dict | None = None
) -> dict[UserKey, dict]:
    """Make `is_online` say whether any process holds a socket of each user, and queue a
    userUpdated for each change on the transaction; returns the users that changed, as a single
    fetch shows them now. Services without reachability are left alone, as Twilio does.
    `services` and `known` hold the service and user rows already read in this transaction."""
    services = {} if services is None else services
    known = known or {}
    state = chat.presence
    changed = {}
    for key in sorted(keys):
        service_sid, identity = key
        if service_sid not in services:
            services[service_sid] = service_rows.get(tx.db, service_sid)
        service_row = services[service_sid]
        if not (service_row and service_row["reachability_enabled"]):
            continue
        row = known.get(key) or user_rows.get(tx.db, service_sid, identity)
        # A socket this process holds is one (no need to ask the database) until it closes.
        holds = not state.closed and state.sockets_of.get(key, 0) > 0
        online = holds or presence_rows.total(tx.db, service_sid, identity) > 0
        if row is None or bool(row["is_online"]) == online:
            continue
        row = {**row, **user_rows.update(tx.db, row["sid"], {"is_online": int(online)})}
        changed[key] = view = users.serialize(chat, row, single=True, service_row=service_row)
        # Only the user's own sockets and those subscribed to the user hear it (as in Twilio): a
        # service-wide broadcast would make N sockets connecting cost N x N deliveries.
        data = {**view, "update_reasons": ["online"]}
        tx.events.append(common.ephemeral(service_sid, SUBSCRIBERS, identity, "userUpdated", data))
    return changed


def typing(chat: Chat, actor: Actor, service_sid: str, channel_key: str) -> None:
    """Tell the channel that `actor` is typing; receivers end it after the service's typing
    timeout (+1 s of slack, as Twilio's SDK does) unless another typingStarted arrives."""
    channel_row = channels.get(chat, actor, service_sid, channel_key)
    member = common.member_of(chat.store.db(), channel_row["sid"], actor.identity)
    if member is None:
        raise forbidden(f"User {actor.identity} is not a member of channel {channel_key}", 50400)
    now = time.monotonic()
    key = (channel_row["sid"], actor.identity)
    with chat.presence_lock:
        if now - chat.last_typing.get(key, 0.0) < TYPING_THROTTLE:
            return
        chat.last_typing[key] = now
    service_row = common.service(chat, chat.store.db(), service_sid)
    data = {
        "channel_sid": channel_row["sid"],
        "identity": actor.identity,
        "member_sid": member["sid"],
        "timeout": service_row["typing_indicator_timeout"] + 1,
    }
    scope, target = common.channel_scope(channel_row)
    chat.bus.publish([common.ephemeral(service_sid, scope, target, "typingStarted", data)])
