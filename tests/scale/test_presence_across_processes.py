"""Presence across server processes sharing one SQLite file and Redis: a user stays online while
any live process holds one of their sockets, and a process killed with kill -9 stops counting
once its heartbeat is older than PRESENCE_TIMEOUT.

Two single-worker gunicorn servers on different ports (one service, one database) let each test
choose which process holds which socket."""

import time

import websocket
from ws_client import WsClient

from chat.store import open_store
from chat.store import presence as presence_rows


def two_servers(gunicorn_factory, redis_url, **env):
    first = gunicorn_factory(workers=1, REDIS_URL=redis_url, **env)
    second = gunicorn_factory(workers=1, settings=first.settings, REDIS_URL=redis_url, **env)
    return first, second


def connect(live, identity: str) -> WsClient:
    client = WsClient(live.ws_url)
    client.hello = client.call("hello", token=live.token(identity), since=None)
    return client


def sockets_of(live, identity: str) -> int:
    """The user's sockets counted in the database over every server process."""
    store = open_store(live.settings.database_path, live.settings.database_url)
    try:
        return presence_rows.total(store.db(), live.settings.service_sid, identity)
    finally:
        store.close()


def wait_until(condition, what: str, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, f"{what} did not happen within {timeout}s"
        time.sleep(0.02)


def is_online(live, identity: str) -> bool:
    response = live.rest("GET", f"/Users/{identity}")
    assert response.status_code == 200, response.text
    return response.json()["is_online"]


def presence_of(client: WsClient, identity: str) -> list[dict]:
    return [e for e in client.events if e["event"] == "userUpdated" and e["data"]["identity"] == identity]


def test_user_stays_online_until_the_last_socket_in_any_process_closes(gunicorn_factory, redis_url):
    a, b = two_servers(gunicorn_factory, redis_url)
    assert a.rest("POST", "/Users", data={"Identity": "alice"}).status_code == 201
    bob = connect(b, "bob")
    carol = connect(a, "carol")
    opened = [bob, carol]
    try:
        bob.call("user.get", identity="alice")  # bob subscribes to alice's presence
        opened.append(on_a := connect(a, "alice"))
        assert bob.event("userUpdated", identity="alice", is_online=True)["data"]["update_reasons"] == ["online"]
        opened.append(on_b := connect(b, "alice"))
        wait_until(lambda: sockets_of(a, "alice") == 2, "alice's second socket counted")

        on_a.close()  # server A's last socket of alice; she still has one on B
        wait_until(lambda: sockets_of(a, "alice") == 1, "alice's socket on A uncounted")
        assert is_online(a, "alice") is True and is_online(b, "alice") is True
        carol.call("channel.create", uniqueName="barrier")  # leaves A after anything A sent before
        bob.event("channelAdded", unique_name="barrier")
        assert presence_of(bob, "alice") == []

        on_b.close()
        update = bob.event("userUpdated", identity="alice", is_online=False)
        assert update["scope"] == "subscribers" and update["data"]["update_reasons"] == ["online"]
        assert is_online(a, "alice") is False and is_online(b, "alice") is False
        assert sockets_of(a, "alice") == 0
    finally:
        for client in opened:
            client.close()


def test_users_of_a_killed_process_go_offline_after_the_timeout(gunicorn_factory, redis_url):
    # Heartbeat and timeout far below the defaults (5 s and 15 s): the wait below proves they apply.
    a, b = two_servers(gunicorn_factory, redis_url, PRESENCE_HEARTBEAT="0.5", PRESENCE_TIMEOUT="1.5")
    assert a.rest("POST", "/Users", data={"Identity": "alice"}).status_code == 201
    bob = connect(b, "bob")
    opened = [bob]
    try:
        bob.call("user.get", identity="alice")
        opened.append(connect(a, "alice"))
        bob.event("userUpdated", identity="alice", is_online=True)
        assert is_online(b, "alice") is True

        a.kill()  # kill -9: server A removes nothing
        update = bob.event("userUpdated", identity="alice", is_online=False, timeout=8)
        assert update["data"]["update_reasons"] == ["online"]
        assert is_online(b, "alice") is False
        assert sockets_of(b, "alice") == 0
        assert "swept 1 server process" in b.log.read_text()
        bob.call("user.get", identity="bob")
        assert presence_of(bob, "alice") == []  # exactly one offline update
    finally:
        for client in opened:
            client.close()


def test_a_stopping_server_closes_its_sockets_with_1001_and_its_users_go_offline_at_once(gunicorn_factory, redis_url):
    a, b = two_servers(gunicorn_factory, redis_url)  # default timeout: 15 s without heartbeats
    assert a.rest("POST", "/Users", data={"Identity": "alice"}).status_code == 201
    bob = connect(b, "bob")
    alice = connect(a, "alice")
    try:
        bob.call("user.get", identity="alice")
        assert is_online(b, "alice") is True
        a.stop()  # SIGTERM: gunicorn's worker_exit closes the app
        alice.ws.settimeout(10)
        opcode, data = alice.ws.recv_data(control_frame=True)
        assert (opcode, int.from_bytes(data[:2], "big")) == (websocket.ABNF.OPCODE_CLOSE, 1001)
        # Well before the 15 s a sweep would take: the stopping process removed its own sockets.
        bob.event("userUpdated", identity="alice", is_online=False, timeout=5)
        assert is_online(b, "alice") is False
    finally:
        bob.close()
        alice.close()
