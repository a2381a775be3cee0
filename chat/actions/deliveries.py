"""Post-event webhook deliveries, as the operator handles them (the console; the CLI in
chat/webhooks/cli.py does the same against the database directly)."""

import time

from ..context import Chat
from ..errors import not_found
from ..store import webhook_deliveries as delivery_rows


def redeliver(chat: Chat, ids: list[int] | None) -> int:
    """Queue deliveries again as a new series of attempts (None: every failed one); returns how
    many. A delivery in the middle of an attempt is left to finish."""
    with chat.write() as tx:
        if ids is not None:
            for id in ids:
                if delivery_rows.get(tx.db, id) is None:
                    raise not_found(f"Delivery {id} not found")
        count = delivery_rows.redeliver(tx.db, ids, time.time())
    if count and chat.webhooks is not None:
        chat.webhooks.deliverer.wake()
    return count
