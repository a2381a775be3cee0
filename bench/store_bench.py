"""Storage figures, in-process (no sockets): persisted ingest, acknowledged after commit, from
several sending threads; and the newest page of 50 from a channel with `--messages` messages,
through the same action and serializer as the WebSocket `messages.page` command."""

import argparse
import json
import os
import statistics
import sys
import threading
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fresh_settings import fresh_settings  # noqa: E402

from chat.actions import channels, members, messages  # noqa: E402
from chat.clock import now_iso  # noqa: E402
from chat.context import Actor, Chat  # noqa: E402
from chat.store import channels as channel_rows  # noqa: E402
from chat.store import messages as message_rows  # noqa: E402

ACCOUNT = Actor(None, "rest")
FILL_BATCH = 20_000


def fresh_chat(backend: str, synchronous: str = "NORMAL") -> Chat:
    return Chat(fresh_settings("store-bench", backend, sqlite_synchronous=synchronous))


def ingest(backend: str, synchronous: str, threads: int, per_thread: int, as_members: bool = False) -> float:
    """Acknowledged messages/s: each send returns only after its transaction committed."""
    chat = fresh_chat(backend, synchronous)
    return send_rate(chat, threads, per_thread, lambda number, i: f"message {number}-{i}", as_members)


def send_rate(
    chat: Chat, threads: int, per_thread: int, body: Callable[[int, int], str], as_members: bool = False
) -> float:
    """Messages/s sent into a new channel by `threads` threads at once, `body(thread, i)` each;
    closes `chat` afterwards. The account sends (as REST does), or with `as_members` each
    thread is an SDK user who is a member of the channel (their membership and role are
    checked on every send, as a WebSocket client's are)."""
    sid = chat.settings.service_sid
    channels.create(chat, ACCOUNT, sid, unique_name="ingest")
    senders = [ACCOUNT] * threads
    if as_members:
        senders = [Actor(f"user{number}", "sdk") for number in range(threads)]
        for actor in senders:
            members.add(chat, ACCOUNT, sid, "ingest", actor.identity)
    start = threading.Barrier(threads + 1)

    def sender(number: int) -> None:
        start.wait()
        for i in range(per_thread):
            messages.send(chat, senders[number], sid, "ingest", body=body(number, i), author=f"user{number}")

    workers = [threading.Thread(target=sender, args=(n,)) for n in range(threads)]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    rate = threads * per_thread / (time.perf_counter() - began)
    chat.close()
    return rate


def history(count: int, pages: int = 200) -> dict:
    """Fill a channel with `count` messages (bulk, no events), then time the newest page of 50."""
    chat = fresh_chat("sqlite")
    sid = chat.settings.service_sid
    channel = channels.create(chat, ACCOUNT, sid, unique_name="history")
    began = time.perf_counter()
    for first in range(0, count, FILL_BATCH):
        with chat.store.write() as tx:
            stamp = now_iso()
            for i in range(first, min(count, first + FILL_BATCH)):
                index = channel_rows.take_index(tx.db, channel["sid"], stamp)
                message_rows.insert(
                    tx.db, message_rows.new_row(sid, channel["sid"], index, "writer", f"message {i}", "{}", None, stamp)
                )
    fill = time.perf_counter() - began
    timings = []
    for _ in range(pages):
        began = time.perf_counter()
        rows, _more = messages.page(chat, ACCOUNT, sid, "history", page_size=50)
        [messages.serialize(chat, row) for row in rows]
        timings.append((time.perf_counter() - began) * 1000)
    timings.sort()
    chat.close()
    return {
        "messages": count,
        "fill_s": round(fill, 1),
        "page50_p50_ms": round(statistics.median(timings), 2),
        "page50_p99_ms": round(timings[int(0.99 * len(timings)) - 1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--messages", type=int, default=1_000_000, help="0 skips the history figure")
    parser.add_argument("--threads", default="1,8,32", help="comma-separated counts of sending threads")
    parser.add_argument("--per-thread", type=int, default=2_000, help="per thread at 8 threads (scaled for others)")
    parser.add_argument("--synchronous", default="NORMAL,FULL", help="comma-separated SQLite modes")
    parser.add_argument(
        "--postgres", action=argparse.BooleanOptionalAction, default=True, help="ingest on PostgreSQL too"
    )
    parser.add_argument(
        "--senders",
        default="account,members",
        help="comma-separated: the account (sends as REST does) and/or members (SDK users who are members, their"
        " checks included)",
    )
    parser.add_argument("--out", help="append the results to this JSON-lines file")
    args = parser.parse_args()
    result = {"label": "store", "mode": "store"}
    runs = [("sqlite", mode, mode.lower()) for mode in args.synchronous.upper().split(",") if mode]
    if args.postgres:
        runs.append(("postgres", "NORMAL", "postgres"))
    kinds = args.senders.split(",")
    if not set(kinds) <= {"account", "members"}:
        parser.error(f"--senders: account and/or members, not {args.senders!r}")
    for senders in kinds:
        prefix = "ingest_" if senders == "account" else "ingest_members_"
        for backend, synchronous, name in runs:
            for threads in [int(count) for count in args.threads.split(",")]:
                # the same number of messages whatever the thread count, so that runs are comparable
                per_thread = max(1, args.per_thread * 8 // threads)
                rate = ingest(backend, synchronous, threads, per_thread, senders == "members")
                result[f"{prefix}{name}_{threads}t_per_s"] = round(rate)
    if args.messages:
        result.update(history(args.messages))
    print(json.dumps(result), flush=True)
    if args.out:
        with open(args.out, "a") as out:
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
