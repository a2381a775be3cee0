"""Fan-out of committed events to the sockets of this process.

`Hub` keeps who listens to what and delivers each event in sequence order, filling any gap
from the durable log (a bus may drop or reorder). `LocalBus` hands events straight to the hub;
`RedisBus` (chat/redis_bus.py, several workers) implements the same `publish`/`start`/`stop`.
"""

import logging
import threading
from collections import defaultdict
from collections.abc import Callable

from . import metrics
from .events import CHANNEL, SERVICE, SUBSCRIBERS, USER, Event

log = logging.getLogger(__name__)


class Listener:
    """What the hub needs of a connection."""

    service_sid: str
    identity: str

    def deliver(self, event: Event) -> None:  # must not block
        raise NotImplementedError

    def shut(self, code: int, reason: str) -> None:  # close the connection soon, must not block
        raise NotImplementedError


class Hub:
    def __init__(self, load_between: Callable[[int, int], list[Event]], last_seq: int):
        self._load_between = load_between
        self._last_seq = last_seq
        self._lock = threading.Lock()
        self._emptied = threading.Condition(self._lock)
        self._channels: dict[str, set[Listener]] = defaultdict(set)
        self._identities: dict[tuple[str, str], set[Listener]] = defaultdict(set)
        self._services: dict[str, set[Listener]] = defaultdict(set)
        self._subscriptions: dict[Listener, set[str]] = {}
        self._watchers: dict[tuple[str, str], set[Listener]] = defaultdict(set)  # user -> subscribed sockets

    @property
    def last_seq(self) -> int:
        return self._last_seq

    def attach(self, listener: Listener, channels_of: Callable[[], list[str]]) -> int:
        """Start delivering to `listener`; returns the last sequence number dispatched so far,
        so the caller can replay from the log up to it without gaps or doubles. `channels_of`
        runs under the hub's lock, so no membership change slips between it and the attach."""
        with self._lock:
            channel_sids = channels_of()
            self._services[listener.service_sid].add(listener)
            self._identities[(listener.service_sid, listener.identity)].add(listener)
            if listener not in self._subscriptions:
                metrics.SOCKETS.inc()
            self._subscriptions[listener] = set(channel_sids)
            for sid in channel_sids:
                self._channels[sid].add(listener)
            return self._last_seq

    def watch(self, listener: Listener, identity: str) -> None:
        """Deliver `identity`'s presence changes to `listener` too (it subscribed to the user)."""
        with self._lock:
            if listener in self._subscriptions:
                self._watchers[(listener.service_sid, identity)].add(listener)

    def unwatch(self, listener: Listener, identity: str) -> None:
        with self._lock:
            self._discard(self._watchers, (listener.service_sid, identity), listener)

    def detach(self, listener: Listener) -> None:
        with self._lock:
            for key in [key for key, watching in self._watchers.items() if listener in watching]:
                self._discard(self._watchers, key, listener)
            self._services[listener.service_sid].discard(listener)
            self._identities[(listener.service_sid, listener.identity)].discard(listener)
            if listener in self._subscriptions:
                metrics.SOCKETS.dec()
            for sid in self._subscriptions.pop(listener, ()):
                self._channels[sid].discard(listener)
                if not self._channels[sid]:
                    del self._channels[sid]
            if not self._subscriptions:
                self._emptied.notify_all()

    def shut_all(self, code: int, reason: str, wait: float = 5.0) -> None:
        """Close every connection (server shutdown) and wait until their handlers have
        detached; clients resume elsewhere or after the restart."""
        with self._lock:
            listeners = list(self._subscriptions)
        for listener in listeners:
            listener.shut(code, reason)
        with self._lock:
            self._emptied.wait_for(lambda: not self._subscriptions, timeout=wait)

    def catch_up(self, latest: int) -> None:
        """Deliver from the log everything up to `latest` not dispatched yet: a bus that lost
        the newest events (or was down) has no later event that would reveal the gap."""
        with self._lock:
            if latest > self._last_seq:
                for missed in self._load_between(self._last_seq + 1, latest):
                    self._deliver(missed)
                self._last_seq = latest

    def dispatch(self, events: list[Event]) -> None:
        with self._lock:
            for event in events:
                if event.seq is None:
                    self._deliver(event)
                    continue
                if event.seq <= self._last_seq:
                    continue  # already delivered (a bus may repeat)
                if event.seq > self._last_seq + 1:
                    for missed in self._load_between(self._last_seq + 1, event.seq - 1):
                        self._deliver(missed)
                self._deliver(event)
                self._last_seq = event.seq

    def _deliver(self, event: Event) -> None:
        if event.scope == SERVICE:
            recipients = self._services.get(event.service_sid, ())
        elif event.scope == USER:
            recipients = self._identities.get((event.service_sid, event.target), ())
        elif event.scope == SUBSCRIBERS:
            key = (event.service_sid, event.target)
            recipients = self._identities.get(key, set()) | self._watchers.get(key, set())
        else:
            self._update_subscriptions_before(event)
            recipients = self._channels.get(event.target, ())
        for listener in tuple(recipients):
            listener.deliver(event)
        if event.scope == CHANNEL:
            self._update_subscriptions_after(event)
        elif event.type == "channelRemoved":
            self._drop_channel(event.target)

    # Membership changes move sockets in and out of a channel's audience: a joining user hears
    # its own memberJoined, a leaving user hears its own memberLeft and nothing after.
    def _update_subscriptions_before(self, event: Event) -> None:
        if event.type == "memberJoined":
            identity = event.data()["identity"]
            for listener in self._identities.get((event.service_sid, identity), ()):
                self._channels[event.target].add(listener)
                self._subscriptions[listener].add(event.target)

    def _update_subscriptions_after(self, event: Event) -> None:
        if event.type == "memberLeft":
            identity = event.data()["identity"]
            for listener in self._identities.get((event.service_sid, identity), ()):
                self._channels[event.target].discard(listener)
                self._subscriptions[listener].discard(event.target)
        elif event.type == "channelRemoved":
            self._drop_channel(event.target)

    @staticmethod
    def _discard(index: dict, key, listener: Listener) -> None:
        members = index.get(key)
        if members is not None:
            members.discard(listener)
            if not members:
                del index[key]

    def _drop_channel(self, channel_sid: str) -> None:
        for listener in self._channels.pop(channel_sid, ()):
            self._subscriptions[listener].discard(channel_sid)


class LocalBus:
    """One process: publishing is dispatching."""

    def __init__(self, hub: Hub):
        self.hub = hub

    def publish(self, events: list[Event]) -> None:
        self.hub.dispatch(events)

    def start(self) -> None:
        pass

    def stop(self) -> None:
        pass
