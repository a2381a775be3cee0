"""REST benchmark (`make bench-rest`): persisted message creates per second through gunicorn, and
the newest page of 50 from a channel holding 1,000,000 messages.

Creates: P client processes x T keep-alive connections post messages into one channel for D
seconds; every 201 counts, and the channel's messages_count must equal the count afterwards.
History: the server is stopped, 1,000,000 messages are bulk-loaded into the channel with SQL,
the server restarts, and `GET …/Messages?Order=desc&PageSize=50` is timed on a warm connection
(round trip over loopback, so an upper bound of the server time).
"""

import argparse
import http.client
import json
import multiprocessing
import os
import signal
import sqlite3
import subprocess
import tempfile
import threading
import time
import uuid
from urllib.parse import urlencode

from run import ROOT, VENV, basic_auth, credentials, free_port, wait_ready


def start_server(env: dict) -> subprocess.Popen:
    server = subprocess.Popen(
        [os.path.join(VENV, "gunicorn"), "-c", "gunicorn.conf.py", "--log-level", "warning", "app:app"],
        cwd=ROOT,
        env={**os.environ, **env, "GUNICORN_CMD_ARGS": "--access-logfile /dev/null"},
    )
    wait_ready(int(env["PORT"]), server)
    return server


def stop_server(server: subprocess.Popen) -> None:
    server.send_signal(signal.SIGTERM)
    server.wait(timeout=30)


class Api:
    """One keep-alive connection with Basic auth."""

    def __init__(self, port: int, creds: dict):
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"Authorization": basic_auth(creds)}
        self.service = f"/v2/Services/{creds['TWILIO_IPM_SERVICE_SID']}"

    def call(self, method: str, path: str, form: dict | None = None) -> tuple[int, dict]:
        headers = dict(self.headers)
        body = None
        if form is not None:
            body = urlencode(form)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        self.conn.request(method, self.service + path, body=body, headers=headers)
        response = self.conn.getresponse()
        return response.status, json.loads(response.read() or b"{}")


def _sender(port: int, creds: dict, connections: int, seconds: float, results) -> None:
    counts, latencies = [0] * connections, []
    stop_at = time.monotonic() + seconds

    def run(slot: int) -> None:
        api = Api(port, creds)
        number = 0
        while time.monotonic() < stop_at:
            started = time.perf_counter()
            status, _ = api.call("POST", "/Channels/bench/Messages", {"Body": f"m{slot}-{number}", "From": "bot"})
            if status == 201:
                counts[slot] += 1
                latencies.append(time.perf_counter() - started)
            number += 1

    threads = [threading.Thread(target=run, args=(slot,)) for slot in range(connections)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    results.put((sum(counts), latencies))


def creates(port: int, creds: dict, processes: int, connections: int, seconds: float) -> dict:
    results = multiprocessing.Queue()
    workers = [
        multiprocessing.Process(target=_sender, args=(port, creds, connections, seconds, results))
        for _ in range(processes)
    ]
    started = time.monotonic()
    for worker in workers:
        worker.start()
    total, latencies = 0, []
    for _ in workers:
        count, times = results.get()
        total += count
        latencies += times
    elapsed = time.monotonic() - started
    for worker in workers:
        worker.join()
    _, channel = Api(port, creds).call("GET", "/Channels/bench")
    latencies.sort()
    return {
        "creates": total,
        "per_second": round(total / elapsed),
        "p50_ms": round(latencies[len(latencies) // 2] * 1000, 2),
        "p99_ms": round(latencies[int(len(latencies) * 0.99)] * 1000, 2),
        "stored": channel["messages_count"],
    }


def bulk_load(env: dict, count: int) -> None:
    """Append `count` messages to the `bench` channel directly, as the server would store them."""
    if env.get("DATABASE_URL"):
        return _bulk_load_postgres(env["DATABASE_URL"], count)
    db = sqlite3.connect(env["DATABASE_PATH"])
    service_sid, channel_sid, first = db.execute(
        "SELECT service_sid, sid, next_index FROM channels WHERE unique_name = 'bench'"
    ).fetchone()
    stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
    rows = (
        ("IM" + uuid.uuid4().hex, service_sid, channel_sid, first + i, "bot", f"message {first + i}", stamp, stamp)
        for i in range(count)
    )
    with db:
        db.executemany(
            "INSERT INTO messages (sid, service_sid, channel_sid, idx, author, body, date_created, date_updated)"
            " VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        db.execute(
            "UPDATE channels SET next_index = next_index + ?, messages_count = messages_count + ? WHERE sid = ?",
            [count, count, channel_sid],
        )
    db.close()


def _bulk_load_postgres(url: str, count: int) -> None:
    import psycopg

    with psycopg.connect(url) as db:
        service_sid, channel_sid, first = db.execute(
            "SELECT service_sid, sid, next_index FROM channels WHERE unique_name = 'bench'"
        ).fetchone()
        stamp = time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())
        columns = "sid, service_sid, channel_sid, idx, author, body, date_created, date_updated"
        with db.cursor().copy(f"COPY messages ({columns}) FROM STDIN") as copy:
            for i in range(count):
                copy.write_row(
                    (
                        "IM" + uuid.uuid4().hex,
                        service_sid,
                        channel_sid,
                        first + i,
                        "bot",
                        f"message {first + i}",
                        stamp,
                        stamp,
                    )
                )
        db.execute(
            "UPDATE channels SET next_index = next_index + %s, messages_count = messages_count + %s WHERE sid = %s",
            [count, count, channel_sid],
        )
        db.execute("ANALYZE messages")


def newest_page(port: int, creds: dict, rounds: int) -> dict:
    api = Api(port, creds)
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        status, page = api.call("GET", "/Channels/bench/Messages?Order=desc&PageSize=50")
        times.append(time.perf_counter() - started)
        assert status == 200 and len(page["messages"]) == 50
    times.sort()
    return {
        "newest": page["messages"][0]["index"],
        "p50_ms": round(times[len(times) // 2] * 1000, 2),
        "p99_ms": round(times[int(len(times) * 0.99)] * 1000, 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--processes", type=int, default=4, help="client processes")
    parser.add_argument("--connections", type=int, default=8, help="keep-alive connections per process")
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--messages", type=int, default=1_000_000, help="history size for the page test")
    parser.add_argument(
        "--workers", type=int, default=1, help="gunicorn workers (more than one share events through Redis)"
    )
    parser.add_argument("--redis-url", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    parser.add_argument("--database", choices=["sqlite", "postgres"], default="sqlite", help="the storage backend")
    args = parser.parse_args()

    creds = credentials()
    folder = tempfile.mkdtemp(prefix="chat-bench-rest-")
    env = {
        **creds,
        "PORT": str(free_port()),
        "DATABASE_PATH": os.path.join(folder, "bench.db"),
        "CHANNEL_ACTION_RATE": "0",  # the benchmark measures the server, not the limiter
        "WEB_CONCURRENCY": str(args.workers),
    }
    if args.workers > 1:
        env["REDIS_URL"] = args.redis_url
    if args.database == "postgres":
        from postgres_db import fresh_database_url

        env["DATABASE_URL"] = fresh_database_url("rest")
    print(f"backend: {args.database}", flush=True)
    port = int(env["PORT"])
    server = start_server(env)
    try:
        Api(port, creds).call("POST", "/Channels", {"UniqueName": "bench"})
        result = creates(port, creds, args.processes, args.connections, args.seconds)
        print(f"creates: {json.dumps(result)}", flush=True)
    finally:
        stop_server(server)
    started = time.monotonic()
    bulk_load(env, args.messages)
    print(f"loaded {args.messages} messages in {time.monotonic() - started:.1f} s", flush=True)
    server = start_server(env)
    try:
        print(f"newest page of 50: {json.dumps(newest_page(port, creds, 500))}", flush=True)
    finally:
        stop_server(server)


if __name__ == "__main__":
    main()
