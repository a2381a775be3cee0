"""Several gunicorn workers sharing events through a real Redis: every socket, whichever worker
holds it, sees the same events in the same order, also while Redis is away."""

import shutil
import subprocess
import threading
import time

import pytest
from gunicorn_server import free_port
from ws_client import Listener, WsClient

SOCKETS = 30
SENDERS = 6
PER_SENDER = 20


def open_members(live, count: int) -> tuple[list[Listener], list[WsClient]]:
    """`count` listening sockets and `SENDERS // 2` sending ones, of distinct members of `general`."""
    assert live.rest("POST", "/Channels", data={"UniqueName": "general"}).status_code == 201
    for identity in [f"user{n}" for n in range(count)] + [f"sender{n}" for n in range(SENDERS // 2)]:
        assert live.rest("POST", "/Channels/general/Members", data={"Identity": identity}).status_code == 201
    listeners = [Listener(live.ws_url, live.token(f"user{n}")) for n in range(count)]
    senders = []
    for number in range(SENDERS // 2):
        sender = WsClient(live.ws_url)
        sender.call("hello", token=live.token(f"sender{number}"), since=None)
        senders.append(sender)
    return listeners, senders


def send_concurrently(live, senders: list[WsClient], label: str) -> list[str]:
    """Senders on several workers at once, half over WebSocket and half over REST."""
    bodies: list[str] = []
    lock = threading.Lock()

    def ws_sender(client: WsClient, number: int) -> None:
        for i in range(PER_SENDER):
            body = f"{label}-ws{number}-{i}"
            assert "result" in client.request("message.send", channel="general", body=body)
            client.events.clear()
            with lock:
                bodies.append(body)

    def rest_sender(number: int) -> None:
        for i in range(PER_SENDER):
            body = f"{label}-rest{number}-{i}"
            response = live.rest("POST", "/Channels/general/Messages", data={"Body": body, "From": "bot"})
            assert response.status_code == 201, response.text
            with lock:
                bodies.append(body)

    threads = [threading.Thread(target=ws_sender, args=(c, n)) for n, c in enumerate(senders)]
    threads += [threading.Thread(target=rest_sender, args=(n,)) for n in range(SENDERS - len(senders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert len(bodies) == SENDERS * PER_SENDER
    return bodies


def assert_same_streams(listeners: list[Listener], bodies: list[str]) -> None:
    streams = [listener.stream(len(bodies)) for listener in listeners]
    first = streams[0]
    assert sorted(body for _, body in first) == sorted(bodies)  # all there, none twice
    assert [seq for seq, _ in first] == sorted(seq for seq, _ in first)  # in sequence order
    for stream in streams[1:]:
        assert stream == first


def close_all(listeners: list[Listener], senders: list[WsClient]) -> None:
    for listener in listeners:
        listener.close()
    for sender in senders:
        sender.close()


def test_sockets_on_different_workers_see_identical_event_streams(gunicorn_factory, redis_url):
    live = gunicorn_factory(workers=3, REDIS_URL=redis_url)
    listeners, senders = open_members(live, SOCKETS)
    try:
        workers = {live.worker_of(listener.client.ws.sock.getsockname()[1]) for listener in listeners}
        assert len(workers) >= 2, "all sockets landed on one worker; the test proves nothing"
        bodies = send_concurrently(live, senders, "shared")
        assert_same_streams(listeners, bodies)
    finally:
        close_all(listeners, senders)


@pytest.fixture
def own_redis(tmp_path):
    """A Redis of this test's own, which it may stop and start again (never the shared one)."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is needed (.ci/run installs it)")
    port = free_port()
    args = [server, "--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(tmp_path)]

    class OwnRedis:
        url = f"redis://127.0.0.1:{port}/0"
        proc: subprocess.Popen | None = None

        def start(self):
            self.proc = subprocess.Popen(args, stdout=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while subprocess.run(["redis-cli", "-p", str(port), "ping"], capture_output=True).stdout != b"PONG\n":
                assert time.monotonic() < deadline, "redis-server did not start"
                time.sleep(0.05)

        def stop(self):
            self.proc.kill()
            self.proc.wait(timeout=10)

    own = OwnRedis()
    own.start()
    yield own
    if own.proc.poll() is None:
        own.stop()


def test_workers_keep_serving_while_redis_is_away_and_lose_nothing(gunicorn_factory, own_redis):
    live = gunicorn_factory(workers=3, REDIS_URL=own_redis.url)
    listeners, senders = open_members(live, SOCKETS)
    try:
        before = send_concurrently(live, senders, "before")
        own_redis.stop()
        during = send_concurrently(live, senders, "during")  # requests still succeed
        own_redis.start()
        back = send_concurrently(live, senders, "back")
        assert_same_streams(listeners, before + during + back)
        deadline = time.monotonic() + 30  # the listener retries with backoff
        while "Redis is back" not in live.log.read_text():
            assert time.monotonic() < deadline, live.log.read_text()[-3000:]
            time.sleep(0.1)
        assert "Redis bus lost" in live.log.read_text()
    finally:
        close_all(listeners, senders)
