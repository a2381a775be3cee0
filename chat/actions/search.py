"""Message search (issue 15; our extension, not Twilio's): messages whose text contains a query,
from the channels the actor may read at the time of the search, newest first."""

import logging
import threading

from ..context import Actor, Chat
from ..errors import bad_request, forbidden
from ..store import ERRORS
from ..store import search as search_rows
from . import channels, common

log = logging.getLogger(__name__)
CATCH_UP_INTERVAL = 1.0  # seconds between moves of the SQLite queue into FTS5
MAX_QUERY = 256  # characters
MAX_PAGE = 1000  # as REST lists (chat/api/paging.py)
QUERY_ERROR = 20001  # Twilio's "invalid parameter"


def query_text(query) -> str:
    """The query as it is searched: trimmed; empty, oversized or non-text is a 400."""
    if not isinstance(query, str) or not query.strip():
        raise bad_request("Query is required: the text to search for", QUERY_ERROR)
    query = query.strip()
    if len(query) > MAX_QUERY:
        raise bad_request(f"Query must be at most {MAX_QUERY} characters, got {len(query)}", QUERY_ERROR)
    if "\x00" in query:
        raise bad_request("Query must not contain NUL characters", QUERY_ERROR)
    return query


def find(
    chat: Chat,
    actor: Actor,
    service_sid: str,
    query,
    *,
    channel=None,
    author=None,
    created_after: str | None = None,
    created_before: str | None = None,
    before: int | None = None,
    limit: int = 30,
) -> list[dict]:
    """Up to `limit` messages matching `query`, newest first, each with its `search_rowid` (the
    position a next page starts `before`). `channel` (SID or unique name) narrows to one channel
    the actor may read; SDK users see public channels and private ones they belong to, the
    account sees all."""
    query = query_text(query)
    if not isinstance(limit, int) or isinstance(limit, bool) or not 1 <= limit <= MAX_PAGE + 1:
        raise bad_request(f"pageSize must be 1 to {MAX_PAGE}")
    if before is not None and (not isinstance(before, int) or isinstance(before, bool) or not 0 <= before < 2**63):
        raise bad_request("The page position must be one a previous page gave")
    for name, value in (("author", author), ("channel", channel)):
        if value is not None and not isinstance(value, str):
            raise bad_request(f"{name} must be text")
    db = chat.store.db()
    channel_sid = None
    if channel:
        channel_row = channels.get(chat, actor, service_sid, channel)  # 404 if the actor may not see it
        if (
            actor.identity
            and channel_row["type"] == "private"
            and not common.member_of(db, channel_row["sid"], actor.identity)
        ):
            raise forbidden(f"User {actor.identity} is not a member of channel {channel_row['sid']}", 50400)
        channel_sid = channel_row["sid"]
    else:
        common.service(chat, db, service_sid)
    return search_rows.find(
        db,
        chat.store.name,
        service_sid,
        query,
        reader=actor.identity,
        channel_sid=channel_sid,
        author=author or None,
        created_after=created_after,
        created_before=created_before,
        before=before,
        limit=limit,
    )


class Indexer:
    """On SQLite, moves the messages written since the last step into FTS5 about once a second,
    in one write body per batch (why: chat/store/search_schema.py). Searches find queued
    messages meanwhile, so nothing waits for it. Every process sharing the file runs one; they
    take turns for the write lock like any writer. PostgreSQL needs none."""

    def __init__(self, chat: Chat, interval: float = CATCH_UP_INTERVAL):
        self.chat = chat
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="search-indexer", daemon=True)

    def start(self) -> None:
        if self.chat.store.name == "sqlite":
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join(timeout=10)

    def step(self) -> int:
        """Move everything queued now; how many messages moved."""
        store, moved = self.chat.store, 0
        while True:
            with store.write() as tx:
                count = search_rows.catch_up(tx.db, store.name)
            moved += count
            if count < search_rows.CATCH_UP_BATCH or self._stop.is_set():
                return moved

    def _run(self) -> None:
        try:
            while not self._stop.wait(self.interval):
                try:
                    self.step()
                except ERRORS as error:  # busy past the timeout, disk full: next time
                    log.warning("Search index catch-up failed, trying again: %s", error)
        finally:
            self.chat.store.release()
