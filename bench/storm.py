"""A reconnect storm: the server restarts under N connected clients, which all resume at once.

N clients (protocol 2, as the JavaScript client speaks it), 1,000 to a channel (a channel's
most members), are members of their channel before they connect; then the server
(gunicorn as the Procfile runs it) is stopped and started again on the same database. While
they reconnect, each with `since` set to the last seq it handled, messages are sent through
REST: some land before a client is back (it gets them in the replay), some after (it gets them
live). Reported, from the moment the new process accepts connections: how long until every client
has resumed and has every message (and the server's CPU time meanwhile), and whether
any client missed a message or got one twice. Runs with the bench environment's Python
(aiohttp): `make bench` calls it; alone, `/tmp/bench-env/py/bin/python bench/storm.py`.
"""

import argparse
import asyncio
import json
import os
import random
import signal
import subprocess
import tempfile
import threading
import time
import urllib.request
from urllib.parse import urlencode

import aiohttp
from chat_adapter import mint
from run import (
    ROOT,
    SERVER_COMMAND,
    basic_auth,
    cpu_seconds,
    credentials,
    free_port,
    load_env,
    prepare_room,
    server_env,
    wait_ready,
)

ROOM_SIZE = 1000  # a channel's most members (Twilio's limit, and ours)


def room_of(number: int) -> str:
    return f"storm{number // ROOM_SIZE}"


class Client:
    def __init__(self, number: int):
        self.identity = f"bench{number}"
        self.room = room_of(number)
        self.last_seq: int | None = None
        self.bodies: list[str] = []  # every message body received, in order
        self.resumed_at: float | None = None
        self.closed = asyncio.Event()

    async def session(self, http: aiohttp.ClientSession, url: str, since) -> None:
        """One socket's life: hello (resuming from `since`), join, then read until it closes."""
        async with http.ws_connect(url, max_msg_size=0, heartbeat=None) as ws:
            await ws.send_str(json.dumps({"id": 1, "cmd": "hello", "args": {
                "token": mint(self.identity), "since": since, "protocol": 2}}))  # fmt: skip
            if since is None:
                await ws.send_str(json.dumps({"id": 2, "cmd": "channel.join", "args": {"channel": self.room}}))
            async for msg in ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    break
                frame = json.loads(msg.data)
                if isinstance(frame, dict):
                    if frame.get("reply") == 1:
                        if "error" in frame:
                            raise RuntimeError(f"hello refused: {frame['error']}")
                        self.resumed_at = time.monotonic()
                        if since is None and self.last_seq is None:
                            self.last_seq = frame["result"]["seq"]
                    continue
                event, seq, data = frame
                if seq is not None:
                    if self.last_seq is not None and seq <= self.last_seq:
                        continue  # already handled (a client drops these, as docs/protocol.md says)
                    self.last_seq = seq
                if event == "messageAdded":
                    self.bodies.append(data[4])

    async def run(self, http, url: str, first: asyncio.Event) -> None:
        """Connect; after the first socket closes, reconnect (with backoff while the server is
        down) and resume from the last seq."""
        await self.session(http, url, None)
        first.set()
        delay = 0.05
        while True:
            try:
                await self.session(http, url, self.last_seq)
                return
            except (aiohttp.ClientError, OSError):
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 1.0)


def rest_sender(port: int, creds: dict, rooms: list[str], bodies: list[str], pause: float) -> None:
    """Send each body to every room through REST, `pause` seconds apart."""
    channels = f"http://127.0.0.1:{port}/v2/Services/{creds['TWILIO_IPM_SERVICE_SID']}/Channels"
    for body in bodies:
        for room in rooms:
            request = urllib.request.Request(
                f"{channels}/{room}/Messages", data=urlencode({"Body": body}).encode(), method="POST"
            )
            request.add_header("Authorization", basic_auth(creds))
            with urllib.request.urlopen(request, timeout=30) as response:
                assert response.status == 201
        time.sleep(pause)


SERVERS: list[subprocess.Popen] = []  # stopped at exit, whatever happened


def start_server(env: dict) -> subprocess.Popen:
    SERVERS.append(subprocess.Popen(SERVER_COMMAND, cwd=ROOT, env=env))
    return SERVERS[-1]


def stop_servers() -> None:
    for server in SERVERS:
        if server.poll() is None:
            server.send_signal(signal.SIGTERM)
            server.wait(timeout=60)


async def storm(args) -> dict:
    creds = credentials()
    port = free_port()
    env = server_env(creds, port, os.path.join(tempfile.mkdtemp(prefix="chat-storm-"), "storm.db"))
    os.environ.update(load_env(creds))
    server = start_server(env)
    wait_ready(port, server)
    rooms = sorted({room_of(number) for number in range(args.n)})
    for number, room in enumerate(rooms):
        prepare_room(port, creds, min(ROOM_SIZE, args.n - number * ROOM_SIZE), room, number * ROOM_SIZE)
    url = f"ws://127.0.0.1:{port}/ws"
    clients = [Client(number) for number in range(args.n)]
    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as http:
        firsts = [asyncio.Event() for _ in clients]
        started = time.monotonic()
        tasks = [asyncio.create_task(c.run(http, url, f)) for c, f in zip(clients, firsts, strict=True)]
        while sum(c.resumed_at is not None for c in clients) < args.n:
            await asyncio.sleep(0.05)
        connected_in = time.monotonic() - started
        before = [f"before {n}" for n in range(args.before)]
        await asyncio.to_thread(rest_sender, port, creds, rooms, before, 0)
        while min(len(c.bodies) for c in clients) < args.before:
            await asyncio.sleep(0.05)

        # The restart: every socket is closed (1001), the new process serves the same database.
        for client in clients:
            client.resumed_at = None
        server.send_signal(signal.SIGTERM)
        await asyncio.to_thread(server.wait, 60)
        stopped = time.monotonic()
        server = start_server(env)
        await asyncio.to_thread(wait_ready, port, server)
        restarted = time.monotonic()  # the new process accepts connections from here on
        cpu_before = cpu_seconds(server.pid)
        during = [f"during {n}" for n in range(args.during)]
        sender = threading.Thread(target=rest_sender, args=(port, creds, rooms, during, args.pause))
        sender.start()
        while sum(c.resumed_at is not None for c in clients) < args.n:
            await asyncio.sleep(0.02)
        resumed_in = time.monotonic() - restarted
        await asyncio.to_thread(sender.join)
        expected = before + during
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and any(len(c.bodies) < len(expected) for c in clients):
            await asyncio.sleep(0.05)
        caught_up_in = time.monotonic() - restarted
        cpu_used = cpu_seconds(server.pid) - cpu_before
        missing = sum(len(set(expected) - set(c.bodies)) for c in clients)
        twice = sum(len(c.bodies) - len(set(c.bodies)) for c in clients)
        in_order = sum(c.bodies == expected for c in clients)
        for task in tasks:
            task.cancel()
    return {
        "label": "storm",
        "clients": args.n,
        "connected_s": round(connected_in, 2),
        "server_start_s": round(restarted - stopped, 2),
        "resumed_s": round(resumed_in, 2),
        "caught_up_s": round(caught_up_in, 2),
        "server_cpu_s_after_restart": round(cpu_used, 2),
        "messages": len(expected),
        "missing": missing,
        "delivered_twice": twice,
        "clients_with_every_message_in_order": in_order,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("-n", type=int, default=2000, help="clients")
    parser.add_argument("--before", type=int, default=5, help="messages before the restart")
    parser.add_argument("--during", type=int, default=40, help="messages sent while clients reconnect")
    parser.add_argument("--pause", type=float, default=0.02, help="seconds between those messages")
    parser.add_argument("--out", help="append the result to this JSON-lines file")
    args = parser.parse_args()
    try:
        result = asyncio.run(storm(args))
    finally:
        stop_servers()
    print(json.dumps(result))
    if args.out:
        with open(args.out, "a") as out:
            out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
