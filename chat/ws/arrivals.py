"""Sockets that said `hello` and wait to be counted online: counted together, in one write.

Counting a socket is a write (chat/actions/presence.py), and with one command thread
(COMMAND_THREADS on SQLite) every `hello` of a reconnect storm committed alone: about a quarter
of what a connecting socket cost the server (bench/README.md, "What a connection costs"). So a
`hello` leaves its socket here and its connection pauses; the first one queues a count on the
command pool, behind the commands already waiting there, and that count takes every socket left
meanwhile. Each `hello` is answered once its socket counts, as before, and its connection then
goes on with the commands that came after it.
"""

import threading
from collections.abc import Callable

from ..actions import presence
from ..context import Chat

Counted = Callable[[dict | None, BaseException | None], None]  # the user as counted, or why not


class Arrivals:
    def __init__(self, chat: Chat):
        self.chat = chat
        self._lock = threading.Lock()
        self._waiting: list[tuple[tuple[str, str], Counted]] = []

    def add(self, service_sid: str, identity: str, then: Counted) -> None:
        """Count a socket of the user soon; `then` is called on a pool thread once it counts."""
        with self._lock:
            self._waiting.append(((service_sid, identity), then))
            first = len(self._waiting) == 1
        if first:
            self.chat.reactor.submit(self._count)

    def _count(self) -> None:
        with self._lock:
            waiting, self._waiting = self._waiting, []
        try:
            try:
                users = presence.connected_all(self.chat, [key for key, _ in waiting])
            except Exception as error:  # the database is away: every hello waiting fails alike
                for _, then in waiting:
                    then(None, error)
                return
            for (_, then), user in zip(waiting, users, strict=True):
                then(user, None)
        finally:
            self.chat.store.release()  # after the hellos' own reads too (their hub lists, replays)
