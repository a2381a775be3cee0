"""kill -9 of the whole server (master and every worker) while clients send over REST and
WebSocket: after a restart every acknowledged message is stored exactly once with dense indexes,
and a client that resumes from its last `seq` gets every message it missed, once."""

import threading
from collections import Counter

import pytest
import requests
import websocket
from ws_client import Listener, WsClient

REST_SENDERS = 3
WS_SENDERS = 3
ACKED_BEFORE_KILL = 150


def all_messages(live) -> list[dict]:
    items, url = [], None
    response = live.rest("GET", "/Channels/general/Messages", params={"PageSize": 100})
    while True:
        response.raise_for_status()
        page = response.json()
        items += page["messages"]
        url = page["meta"]["next_page_url"]
        if not url:
            return items
        response = requests.get(url, auth=(live.settings.account_sid, live.settings.auth_token), timeout=30)


@pytest.mark.parametrize("workers", [1, 3])
def test_acknowledged_messages_survive_kill_9_exactly_once_and_clients_resume(gunicorn_factory, redis_url, workers):
    live = gunicorn_factory(workers=workers, **({"REDIS_URL": redis_url} if workers > 1 else {}))
    assert live.rest("POST", "/Channels", data={"UniqueName": "general"}).status_code == 201
    for identity in ["watcher"] + [f"ws{n}" for n in range(WS_SENDERS)]:
        assert live.rest("POST", "/Channels/general/Members", data={"Identity": identity}).status_code == 201
    watcher = Listener(live.ws_url, live.token("watcher"))

    acked: list[str] = []
    lock = threading.Lock()
    enough = threading.Event()

    def acknowledge(body: str) -> None:
        with lock:
            acked.append(body)
            if len(acked) >= ACKED_BEFORE_KILL:
                enough.set()

    def rest_sender(number: int) -> None:
        for i in range(100_000):
            body = f"rest{number}-{i}"
            try:
                response = live.rest("POST", "/Channels/general/Messages", data={"Body": body, "From": "bot"})
            except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError):
                return  # the server died under us, before or while answering: not acknowledged
            assert response.status_code == 201, response.text
            acknowledge(body)

    def ws_sender(number: int) -> None:
        client = WsClient(live.ws_url)
        try:
            client.call("hello", token=live.token(f"ws{number}"), since=None)
            for i in range(100_000):
                body = f"ws{number}-{i}"
                try:
                    reply = client.request("message.send", channel="general", body=body)
                except (websocket.WebSocketException, OSError):
                    return
                assert "result" in reply, reply
                client.events.clear()
                acknowledge(body)
        finally:
            client.ws.shutdown()

    senders = [threading.Thread(target=rest_sender, args=(n,)) for n in range(REST_SENDERS)]
    senders += [threading.Thread(target=ws_sender, args=(n,)) for n in range(WS_SENDERS)]
    for sender in senders:
        sender.start()
    assert enough.wait(timeout=60), f"only {len(acked)} messages acknowledged"
    live.kill()
    for sender in senders:
        sender.join(timeout=30)
    watcher.close()
    seen_before = list(watcher.messages)

    live.start()  # same port, same SQLite file
    stored = all_messages(live)
    counts = Counter(message["body"] for message in stored)
    assert all(counts[body] == 1 for body in acked), [b for b in acked if counts[b] != 1]
    assert max(counts.values()) == 1  # nothing stored twice, acknowledged or not
    assert [message["index"] for message in stored] == list(range(len(stored)))

    # The watcher resumes from the last seq it saw and gets exactly what it missed.
    last_seq = seen_before[-1][0] if seen_before else 0
    resumed = Listener(live.ws_url, live.token("watcher"), since=last_seq)
    try:
        missed = resumed.stream(len(stored) - len(seen_before))
        assert [body for _, body in seen_before + missed] == [m["body"] for m in stored]
        assert all(seq > last_seq for seq, _ in missed)
    finally:
        resumed.close()
