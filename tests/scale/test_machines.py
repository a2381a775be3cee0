"""Several machines, simulated: gunicorn servers each started from the Procfile in a fresh clone
directory of their own, sharing one PostgreSQL database and one Redis and nothing on disk.
PostgreSQL is what makes several machines possible, so these tests use it on either backend run."""

import os
import subprocess
import sys
import threading
from collections import Counter
from pathlib import Path

import databases
import psycopg
import requests
from gunicorn_server import ROOT, clone, procfile_command
from live_server import make_settings
from test_durability import all_messages
from test_media import PNG
from test_workers import assert_same_streams, close_all, open_members, send_concurrently
from ws_client import Listener

from chat.store import schema


def start_machines(gunicorn_factory, tmp_path, redis_url, count: int):
    settings = make_settings(tmp_path, database_url=databases.url_for(tmp_path))
    machines = []
    for number in range(count):
        machine = clone(tmp_path / f"machine{number}")
        machines.append((machine, sorted(machine.rglob("*"))))
    servers = [gunicorn_factory(workers=1, settings=settings, machine=m, REDIS_URL=redis_url) for m, _ in machines]
    return settings, servers, machines


def test_servers_on_three_machines_share_one_stream_pictures_and_nothing_on_disk(gunicorn_factory, tmp_path, redis_url):
    settings, servers, machines = start_machines(gunicorn_factory, tmp_path, redis_url, 3)
    first, second, third = servers
    listeners, senders = open_members(first, 3)
    listeners += [Listener(live.ws_url, live.token(f"user{n}")) for n, live in enumerate([second, third])]
    try:
        # Senders on every machine at once; every socket, wherever it is, hears one stream.
        bodies = []
        for live in servers:
            bodies += send_concurrently(live, senders if live is first else [], live.url)
        assert_same_streams(listeners, bodies)

        # A client that was on the first machine resumes on the third from the last seq it saw.
        stream, half = listeners[0].stream(len(bodies)), len(bodies) // 2
        resumed = Listener(third.ws_url, third.token("user0"), since=stream[half - 1][0])
        try:
            assert resumed.stream(len(bodies) - half) == stream[half:]
        finally:
            resumed.close()

        # A picture uploaded on one machine is served by the others, with the same headers.
        token = {"Authorization": f"Bearer {first.token('user0')}"}
        sent = requests.post(
            f"{first.url}/media", headers=token, files={"media": ("dot.png", PNG, "image/png")},
            data={"channel": "general"}, timeout=10,
        )  # fmt: skip
        assert sent.status_code == 201, sent.text
        path = f"/media/{sent.json()['media']['sid']}"
        served = [requests.get(live.url + path, headers=token, timeout=10) for live in servers]
        assert [response.content for response in served] == [PNG] * 3
        assert len({(r.headers["Content-Type"], r.headers["Cache-Control"]) for r in served}) == 1
    finally:
        close_all(listeners, senders)
    for live in servers:
        live.stop()
    # Nothing was written into any machine's directory: no database file, no picture.
    for machine, before in machines:
        assert sorted(machine.rglob("*")) == before


def test_a_machine_killed_during_a_rest_burst_and_replaced_by_a_fresh_clone_loses_nothing(
    gunicorn_factory, tmp_path, redis_url
):
    settings, servers, _ = start_machines(gunicorn_factory, tmp_path, redis_url, 3)
    first, doomed, third = servers
    listeners, senders = open_members(first, 2)
    listeners.append(Listener(third.ws_url, third.token("user1")))
    acked: list[str] = []
    lock, enough = threading.Lock(), threading.Event()

    def burst(number: int) -> None:
        for i in range(100_000):
            body = f"burst{number}-{i}"
            try:
                response = doomed.rest("POST", "/Channels/general/Messages", data={"Body": body, "From": "bot"})
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                return  # the machine died before or while answering: not acknowledged
            assert response.status_code == 201, response.text
            with lock:
                acked.append(body)
                if len(acked) >= 100:
                    enough.set()

    try:
        threads = [threading.Thread(target=burst, args=(n,)) for n in range(4)]
        for thread in threads:
            thread.start()
        assert enough.wait(timeout=60), f"only {len(acked)} acknowledged"
        doomed.kill()
        for thread in threads:
            thread.join(timeout=30)
        replacement = gunicorn_factory(
            workers=1, settings=settings, machine=clone(tmp_path / "replacement"), REDIS_URL=redis_url
        )
        after = send_concurrently(replacement, [], "after")

        stored = all_messages(replacement)
        counts = Counter(message["body"] for message in stored)
        assert all(counts[body] == 1 for body in acked) and max(counts.values()) == 1
        assert [message["index"] for message in stored] == list(range(len(stored)))
        # Every socket on the surviving machines heard every stored message, in one order.
        streams = [listener.stream(len(stored)) for listener in listeners]
        assert all(stream == streams[0] for stream in streams)
        assert [body for _, body in streams[0]] == [message["body"] for message in stored]
        assert set(after) <= set(counts)
    finally:
        close_all(listeners, senders)


def test_the_release_phase_migrates_once_even_when_two_run_at_once(tmp_path):
    """The Procfile's `release:` command, run twice at once from two clone directories against
    one empty database (a deploy racing a second one): both succeed, the schema is complete."""
    url = databases.url_for(tmp_path)
    env = {"PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}", "DATABASE_URL": url}
    command = ["sh", "-c", procfile_command(ROOT, "release")]
    runs = [
        subprocess.Popen(command, cwd=clone(tmp_path / f"deploy{n}"), env=env, stdout=subprocess.PIPE, text=True)
        for n in range(2)
    ]
    outputs = [run.communicate(timeout=120)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert all("Schema up to date" in output for output in outputs)
    with psycopg.connect(url) as conn:
        assert conn.execute("SELECT version FROM schema_version").fetchall() == [(len(schema.MIGRATIONS),)]
