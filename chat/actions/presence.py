"""Presence: who is online (reachability) and who is typing. These events are ephemeral:
published to the sockets connected now, never stored or replayed."""

import logging
import sqlite3
import threading
import time
import uuid
from collections import Counter

from ..context import Actor, Chat
from ..errors import forbidden
from ..events import SUBSCRIBERS
from ..store import presence as presence_rows
from ..store import services as service_rows
from ..store import users as user_rows
from . import channels, common, users

log = logging.getLogger(__name__)

TYPING_THROTTLE = 1.0  # seconds between two typingStarted of one member

UserKey = tuple[str, str]  # (service_sid, identity)


def connected(chat: Chat, service_sid: str, identity: str) -> None:
    """Count a socket of `identity`; the user goes online when it is their first in any process."""
    _count(chat, service_sid, identity, +1)


def disconnected(chat: Chat, service_sid: str, identity: str) -> None:
    """Uncount a socket; the user goes offline when no live process holds one any more."""
    _count(chat, service_sid, identity, -1)


class Presence:
    """This process's share of presence: its sockets per user, kept in SQLite next to every other
    process's (chat/store/presence.py), and a heartbeat thread that also sweeps dead processes.

    The counter in memory is the truth for this process; the rows follow it. When a write fails
    (the database stayed locked) or another process swept this one (it missed heartbeats, e.g.
    while suspended), the next heartbeat rewrites all of this process's rows from the counter.
    """

    def __init__(self, chat: Chat):
        self.chat = chat
        self.process_id = uuid.uuid4().hex
        self.sockets_of: Counter = Counter()
        self.resync = True  # rewrite every row at the next beat
        self.closed = False
        # One lock over a count, its write and its publish: this process's presence events leave
        # in the order of its commits (an online overtaken by the matching offline would stick).
        self.lock = threading.Lock()
        self._stopping = threading.Event()
        self._thread = threading.Thread(target=self._run, name="presence-heartbeat", daemon=True)

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
        with self.lock:
            self.closed = True
            try:
                with chat.write() as tx:
                    keys = set(presence_rows.users_of(tx.db, [self.process_id]))
                    presence_rows.remove(tx.db, [self.process_id])
                    changed = _settle(chat, tx.db, keys)
            except sqlite3.Error:
                log.exception("presence: could not remove this process's rows; others will sweep them")
                return
            _announce(chat, changed)

    def _run(self) -> None:
        interval = self.chat.settings.presence_heartbeat
        while not self._stopping.wait(interval):
            try:
                _beat(self.chat)
            except sqlite3.Error:
                log.exception("presence heartbeat failed; trying again in %g s", interval)
            finally:
                self.chat.store.release()


def _count(chat: Chat, service_sid: str, identity: str, step: int) -> None:
    key = (service_sid, identity)
    state = chat.presence
    with state.lock:
        count = max(0, state.sockets_of[key] + step)
        if count:
            state.sockets_of[key] = count
        else:
            state.sockets_of.pop(key, None)
        if state.closed:
            return
        try:
            with chat.write() as tx:
                if state.resync or not presence_rows.beat(tx.db, state.process_id, time.time()):
                    keys = _register(chat, tx.db)
                else:
                    presence_rows.set_count(tx.db, state.process_id, service_sid, identity, count)
                    keys = {key}
                changed = _settle(chat, tx.db, keys)
        except sqlite3.Error:
            # The socket still counts in memory; the next heartbeat writes it.
            state.resync = True
            log.exception("presence: could not record a socket of %s; the next heartbeat will", identity)
            return
        state.resync = False
        _announce(chat, changed)


def _beat(chat: Chat, first: bool = False) -> None:
    """Heartbeat; rewrite this process's rows if needed; sweep processes whose heartbeat is older
    than PRESENCE_TIMEOUT, taking offline the users nobody else holds a socket of."""
    state = chat.presence
    with state.lock:
        if state.closed:
            return
        with chat.write() as tx:
            now = time.time()
            keys: set[UserKey] = set()
            if state.resync or not presence_rows.beat(tx.db, state.process_id, now):
                keys |= _register(chat, tx.db)
            dead = presence_rows.stale(tx.db, now - chat.settings.presence_stale_after)
            if dead:
                keys |= set(presence_rows.users_of(tx.db, dead))
                presence_rows.remove(tx.db, dead)
                log.info("presence: swept %d server process(es) that stopped heartbeating", len(dead))
            if first:
                keys |= set(presence_rows.online_without_sockets(tx.db))
            changed = _settle(chat, tx.db, keys)
        state.resync = False
        _announce(chat, changed)


def _register(chat: Chat, db) -> set[UserKey]:
    state = chat.presence
    return presence_rows.register(db, state.process_id, time.time(), dict(state.sockets_of))


def _settle(chat: Chat, db, keys: set[UserKey]) -> list[dict]:
    """Make `is_online` say whether any process holds a socket of each user; returns the rows
    that changed. Services without reachability are left alone, as Twilio does."""
    reachable: dict[str, bool] = {}
    changed = []
    for service_sid, identity in sorted(keys):
        if service_sid not in reachable:
            service_row = service_rows.get(db, service_sid)
            reachable[service_sid] = bool(service_row and service_row["reachability_enabled"])
        if not reachable[service_sid]:
            continue
        row = user_rows.get(db, service_sid, identity)
        online = presence_rows.total(db, service_sid, identity) > 0
        if row is None or bool(row["is_online"]) == online:
            continue
        user_rows.update(db, row["sid"], {"is_online": int(online)})
        changed.append(user_rows.get(db, service_sid, identity))
    return changed


def _announce(chat: Chat, rows: list[dict]) -> None:
    for row in rows:
        data = {**users.serialize(chat, row, single=True), "update_reasons": ["online"]}
        # Only the user's own sockets and those subscribed to the user hear it (as in Twilio): a
        # service-wide broadcast would make N sockets connecting cost N x N deliveries.
        common.ephemeral(chat, row["service_sid"], SUBSCRIBERS, row["identity"], "userUpdated", data)


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
    common.ephemeral(chat, service_sid, scope, target, "typingStarted", data)
