"""The per-app registry (`app.extensions["chat"]`) and who performs an action."""

import threading
from dataclasses import dataclass

from . import metrics
from .admission import Admission
from .bus import Hub, LocalBus
from .events import Event
from .identity import Identities
from .ratelimit import AddressRate, ChannelRate
from .redis_bus import RedisBus
from .settings import Settings
from .store import events as event_log
from .store import open_store, services
from .webhooks import Webhooks
from .ws.pool import Pool
from .ws.reactor import Reactor


@dataclass(frozen=True)
class Actor:
    """Who acts. `identity` None means the account itself (REST/CLI with account credentials),
    which Twilio does not role-check. `webhooks` says whether post-event webhooks fire."""

    identity: str | None
    source: str  # "sdk", "rest" or "cli"
    webhooks: bool = False
    hops: int = 0

    @property
    def name(self) -> str:
        return self.identity or "system"


SYSTEM = Actor(None, "cli")


class Chat:
    """Settings, storage and fan-out of one app; created once in create_app."""

    def __init__(self, settings: Settings):
        self.settings = settings
        # Who asks for tokens (first: a bad IDENTITY_HOOK stops start-up), and how often one address may.
        self.identities = Identities(settings)
        self.token_rate = AddressRate(settings.token_rate, settings.token_burst)
        self.store = open_store(
            settings.database_path, settings.database_url, settings.threads, settings.sqlite_synchronous
        )
        db = self.store.db()
        with self.store.write():
            services.ensure(self.store.db(), settings.account_sid, settings.service_sid)
        # Every WebSocket, read and written; commands on a pool that can grow to WEB_THREADS.
        self.reactor = Reactor(Pool(settings.commands_at_once, settings.threads))
        self.admission = Admission(settings.max_sockets, settings.unauthenticated_per_address)
        self.hub = Hub(self._events_between, event_log.latest(db))
        self.channel_rate = ChannelRate(settings.channel_action_rate, settings.channel_action_burst)
        if settings.redis_url:
            # One channel per service: deployments (and tests) sharing a Redis stay apart.
            channel = f"chat:{settings.service_sid}:events"
            self.bus = RedisBus(
                self.hub,
                settings.redis_url,
                channel,
                lambda: event_log.latest(self.store.db()),
                verify_tls=settings.redis_tls_verify,
            )
        else:
            self.bus = LocalBus(self.hub)
        self.bus.start()
        # Pre-event calls and the post-event outbox with its background deliverer.
        self.webhooks = Webhooks(settings, self.store)
        self.webhooks.start()
        # Events carry relative URLs unless PUBLIC_URL says where the server is reached.
        self.base_url = settings.public_url.rstrip("/")
        self.api_base = f"{self.base_url}/v2"
        # Typing throttle, and presence: this process's sockets per user, shared with the other
        # processes through the database, with a heartbeat thread (chat/actions/presence.py).
        self.presence_lock = threading.Lock()
        self.last_typing: dict[tuple[str, str], float] = {}
        from .actions.presence import Presence  # here: chat.actions imports this module

        self.presence = Presence(self)
        self.presence.start()
        from .ws.arrivals import Arrivals  # here: it imports chat.actions, which imports this module

        self.arrivals = Arrivals(self)
        # SQLite's search index catches up with new messages in the background (issue 15).
        from .actions.search import Indexer

        self.search_indexer = Indexer(self)
        self.search_indexer.start()

    def _events_between(self, first: int, last: int) -> list[Event]:
        return [Event.from_row(row) for row in event_log.between(self.store.db(), first, last)]

    def write(self, carries: bool = False, intent=None):
        """A write transaction whose events are published after it commits (`carries`, `intent`:
        see Store.write)."""
        return self.store.write(after_commit=self._publish, carries=carries, intent=intent)

    def _publish(self, events: list[Event]) -> None:
        metrics.published(events)  # here, so each event is counted once, by the process that wrote it
        self.bus.publish(events)

    def close(self) -> None:
        self.hub.shut_all(1001, "server shutting down")  # 1001: going away
        self.presence.stop()  # before the bus: users only here go offline, and others hear it
        self.webhooks.stop()
        self.reactor.stop()
        self.bus.stop()
        self.search_indexer.stop()
        self.store.close()
