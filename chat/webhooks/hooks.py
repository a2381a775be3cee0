"""`Webhooks`, the object behind `chat.webhooks`: what the actions call (chat/actions/common.py)."""

import logging

from . import outbox, pre_event
from .deliverer import Deliverer
from .params import common

log = logging.getLogger(__name__)


class Webhooks:
    def __init__(self, settings, store):
        self.settings = settings
        self.store = store
        self.deliverer = Deliverer(store, settings)

    def start(self) -> None:
        self.deliverer.start()

    def stop(self) -> None:
        self.deliverer.stop()

    def _looping(self, actor, event: str) -> bool:
        """The loop guard: an action `webhook_hop_limit` webhook round trips away from a person
        fires no more webhooks (see docs/webhooks.md)."""
        if actor.hops < self.settings.webhook_hop_limit:
            return False
        log.warning("%s after %d webhook hops fires no webhooks (WEBHOOK_HOP_LIMIT)", event, actor.hops)
        return True

    def pre_event(self, service_row: dict, actor, event: str, params: dict) -> dict:
        """As in Twilio, only SDK actions call the pre-event hook, unless PRE_WEBHOOK_FOR_REST."""
        if not self._calls_pre_event(actor) or self._looping(actor, event):
            return params
        self.store.release()  # no database connection held while the hook answers
        return pre_event.call(self.settings, service_row, actor, event, params)

    def pre_event_wanted(self, service_row: dict, actor, event: str) -> bool:
        """Whether `pre_event` may call out (so an action knows it must read before the hook)."""
        return self._calls_pre_event(actor) and pre_event.configured(service_row, event)

    def _calls_pre_event(self, actor) -> bool:
        return actor.source == "sdk" or (actor.source == "rest" and self.settings.pre_webhook_for_rest)

    def post_event(self, tx, service_row: dict, actor, event: str, params: dict, channel_sid=None) -> None:
        """Queue the deliveries in the caller's transaction; the workers wait for its commit
        (they need the same write lock), so waking them now is safe."""
        if not actor.webhooks or self._looping(actor, event):
            return
        if outbox.enqueue(tx.db, service_row, common(service_row, actor, event), event, params, channel_sid):
            self.deliverer.wake()
