"""A reconnect storm: 500 sockets drop at once, messages keep coming, and all of them reconnect
at once with the last `seq` they saw. Each gets every message exactly once, in order."""

import asyncio
import json
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from websockets.asyncio.client import connect

SOCKETS = 500
BATCH = 20  # messages before the drop, while the sockets are away, and during the reconnect


class Member:
    """One user's socket; keeps the messageAdded bodies and the last seq seen."""

    def __init__(self, url: str, token: str):
        self.url = url
        self.token = token
        self.bodies: list[str] = []
        self.last_seq: int | None = None
        self.ws = None
        self.reader: asyncio.Task | None = None

    async def open(self) -> None:
        self.ws = await connect(self.url, open_timeout=60, ping_interval=None, max_size=None)
        await self.ws.send(json.dumps({"id": 1, "cmd": "hello", "args": {"token": self.token, "since": self.last_seq}}))
        while True:
            frame = json.loads(await self.ws.recv())
            if frame.get("reply") == 1:
                assert "result" in frame, frame
                if self.last_seq is None:
                    self.last_seq = frame["result"]["seq"]
                break
            self.keep(frame)
        self.reader = asyncio.create_task(self.read())

    async def read(self) -> None:
        async for text in self.ws:
            self.keep(json.loads(text))

    def keep(self, frame: dict) -> None:
        if frame.get("seq") is not None:
            assert frame["seq"] > self.last_seq, "an event arrived twice or out of order"
            self.last_seq = frame["seq"]
        if frame.get("event") == "messageAdded":
            self.bodies.append(frame["data"]["body"])

    def drop(self) -> None:
        """Cut the TCP connection without a closing handshake, as a network failure does."""
        self.reader.cancel()
        self.ws.transport.abort()


async def until(condition, timeout: float = 45) -> None:
    async with asyncio.timeout(timeout):
        while not condition():
            await asyncio.sleep(0.05)


def send(live, label: str, count: int = BATCH) -> list[str]:
    bodies = [f"{label}-{i}" for i in range(count)]
    for body in bodies:
        response = live.rest("POST", "/Channels/general/Messages", data={"Body": body, "From": "bot"})
        assert response.status_code == 201, response.text
    return bodies


@pytest.mark.parametrize("workers", [1, 3])
def test_500_sockets_dropped_at_once_recover_every_missed_message_once(gunicorn_factory, redis_url, workers):
    live = gunicorn_factory(workers=workers, threads=SOCKETS + 100, **({"REDIS_URL": redis_url} if workers > 1 else {}))
    assert live.rest("POST", "/Channels", data={"UniqueName": "general"}).status_code == 201
    identities = [f"user{n}" for n in range(SOCKETS)]
    for identity in identities:
        assert live.rest("POST", "/Channels/general/Members", data={"Identity": identity}).status_code == 201
    members = [Member(live.ws_url, live.token(identity)) for identity in identities]

    async def storm() -> None:
        await asyncio.gather(*(member.open() for member in members))
        expected = await asyncio.to_thread(send, live, "before")
        await until(lambda: all(len(m.bodies) == len(expected) for m in members))

        for member in members:
            member.drop()
        expected += await asyncio.to_thread(send, live, "away")

        # Everyone reconnects at once while messages keep coming.
        during: list[str] = []
        sender = threading.Thread(target=lambda: during.extend(send(live, "during")))
        sender.start()
        await asyncio.gather(*(member.open() for member in members))
        await asyncio.to_thread(sender.join, 60)
        expected += during
        await until(lambda: all(len(m.bodies) >= len(expected) for m in members))
        for member in members:
            assert member.bodies == expected
        for member in members:
            member.drop()  # the server's shutdown would close them anyway

    # A thread of its own: Playwright (browser tests in the same session) keeps a loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, storm()).result()
