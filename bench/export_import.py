"""Export and import timing: a chat of `--messages` messages (in `--channels` channels, with
Japanese text and attributes) is exported to a file, then imported into an empty database of the
same backend, in-process through the same code as `python -m chat export` / `import`.

    .venv/bin/python bench/export_import.py --messages 1000000 [--backend postgres]
"""

import argparse
import os
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from chat.clock import now_iso  # noqa: E402
from chat.ids import new_sid  # noqa: E402
from chat.store import open_store, services  # noqa: E402
from chat.store import transfer as rows  # noqa: E402
from chat.transfer import export, format, load  # noqa: E402


def open_fresh(backend: str, folder: str, name: str):
    if backend == "postgres":
        from postgres_db import fresh_database_url

        return open_store(url=fresh_database_url(name), threads=2)
    return open_store(os.path.join(folder, f"{name}.db"))


def fill(store, messages: int, channels: int) -> None:
    service_sid = new_sid("IS")
    with store.write() as tx:
        services.create(tx.db, new_sid("AC"), "bench", sid=service_sid)
    per_channel = messages // channels
    for number in range(channels):
        stamp = now_iso()
        channel = {
            "sid": new_sid("CH"), "service_sid": service_sid, "unique_name": f"room{number}", "friendly_name": "部屋",
            "attributes": "{}", "type": "public", "created_by": "system", "members_count": 0,
            "messages_count": per_channel, "next_index": per_channel, "last_message_date": stamp,
            "date_created": stamp, "date_updated": stamp,
        }  # fmt: skip
        with store.write() as tx:
            rows.insert(tx.db, "channels", channel)
            for start in range(0, per_channel, 500):
                batch = [
                    {
                        "sid": new_sid("IM"),
                        "service_sid": service_sid,
                        "channel_sid": channel["sid"],
                        "idx": index,
                        "author": "alice",
                        "body": f"こんにちは {index}",
                        "attributes": '{"n": 1}',
                        "type": "text",
                        "media_sid": None,
                        "last_updated_by": None,
                        "was_edited": 0,
                        "date_created": stamp,
                        "date_updated": stamp,
                    }  # fmt: skip
                    for index in range(start, min(start + 500, per_channel))
                ]
                rows.insert_many(tx.db, "messages", batch)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--channels", type=int, default=100)
    parser.add_argument("--backend", choices=("sqlite", "postgres"), default="sqlite")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        source = open_fresh(args.backend, folder, "export-source")
        started = time.perf_counter()
        fill(source, args.messages, args.channels)
        print(f"filled {args.messages} messages in {time.perf_counter() - started:.1f} s", flush=True)

        path = os.path.join(folder, "chat.jsonl")
        started = time.perf_counter()
        with open(path, "w", encoding="utf-8") as file:
            for line in export.lines(source):
                file.write(format.dumps(line) + "\n")
        exported = time.perf_counter() - started
        size = os.path.getsize(path) / 1e6
        print(f"export: {exported:.1f} s, {args.messages / exported:,.0f} messages/s, {size:.0f} MB", flush=True)
        source.close()

        target = open_fresh(args.backend, folder, "export-target")
        started = time.perf_counter()
        with open(path, encoding="utf-8") as file:
            report = load.load(target, load.texts_of(file))
        imported = time.perf_counter() - started
        assert report.created["message"] == args.messages, report.summary()
        print(f"import: {imported:.1f} s, {args.messages / imported:,.0f} messages/s", flush=True)
        target.close()


if __name__ == "__main__":
    main()
