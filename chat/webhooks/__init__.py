"""Webhooks: Twilio-compatible pre-event and post-event hooks.

Pre-event hooks are called synchronously before an SDK action and may reject it or change what
gets stored. Post-event hooks are queued in an outbox in the same transaction as the change and
delivered, signed and retried, by a background deliverer in each process. docs/webhooks.md
says what users can do with them.
"""

from .hooks import Webhooks

__all__ = ["Webhooks"]
