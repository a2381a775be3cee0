"""Shared fixtures: fresh settings and SQLite file per test, a real server on a free port,
WebSocket clients that speak the protocol, and a real browser (Debian's chromium)."""

import json
import secrets
import threading
import time
from dataclasses import replace

import pytest
import requests
from werkzeug.serving import make_server

from chat import create_app
from chat.ids import new_sid
from chat.settings import Settings


def make_settings(tmp_path, **overrides) -> Settings:
    base = Settings(
        account_sid=new_sid("AC"),
        auth_token=secrets.token_hex(16),
        api_key=new_sid("SK"),
        api_secret=secrets.token_urlsafe(32),
        service_sid=new_sid("IS"),
        database_path=str(tmp_path / "chat.db"),
    )
    return replace(base, **overrides)


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


class LiveServer:
    """create_app served by werkzeug's threaded server in a background thread."""

    def __init__(self, settings: Settings, port: int = 0):
        self.settings = settings
        self.app = create_app(settings)
        self.chat = self.app.extensions["chat"]
        self._server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def token(self, identity: str | None = None, **params) -> str:
        query = {"device": "test", **params}
        if identity:
            query["identity"] = identity
        response = requests.get(f"{self.url}/token", params=query, timeout=5)
        response.raise_for_status()
        return response.json()["token"]

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.chat.close()

    def restart(self) -> None:
        """Stop, then serve a new app on the same port and SQLite file (a process restart)."""
        self.stop()
        self.__init__(self.settings, self.port)


@pytest.fixture
def server_factory(tmp_path):
    started: list[LiveServer] = []

    def start(**overrides) -> LiveServer:
        live = LiveServer(make_settings(tmp_path, **overrides))
        started.append(live)
        return live

    yield start
    for live in started:
        live.stop()


@pytest.fixture
def server(server_factory):
    return server_factory()


class WsClient:
    """A protocol client over websocket-client: `call` waits for the matching reply and keeps
    events that arrive meanwhile for `event`."""

    def __init__(self, url: str, **options):
        import websocket

        self.ws = websocket.create_connection(url, timeout=10, **options)
        self.next_id = 0
        self.events: list[dict] = []
        self.replies: dict = {}

    def send_raw(self, text: str) -> None:
        self.ws.send(text)

    def read(self, timeout: float = 10) -> dict:
        self.ws.settimeout(timeout)
        frame = json.loads(self.ws.recv())
        if "reply" in frame:
            self.replies[frame["reply"]] = frame
        else:
            self.events.append(frame)
        return frame

    def request(self, cmd: str, **args) -> dict:
        self.next_id += 1
        ident = self.next_id
        self.ws.send(json.dumps({"id": ident, "cmd": cmd, "args": args}))
        deadline = time.monotonic() + 10
        while ident not in self.replies:
            self.read(max(0.1, deadline - time.monotonic()))
        return self.replies.pop(ident)

    def call(self, cmd: str, **args):
        frame = self.request(cmd, **args)
        assert "error" not in frame, frame
        return frame["result"]

    def event(self, name: str, timeout: float = 10, **match) -> dict:
        """The first unconsumed event called `name` whose data has the `match` items."""
        deadline = time.monotonic() + timeout
        while True:
            for frame in self.events:
                if frame["event"] == name and all(frame["data"].get(k) == v for k, v in match.items()):
                    self.events.remove(frame)
                    return frame
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no {name} event {match} within {timeout}s; have {[e['event'] for e in self.events]}"
                )
            self.read(remaining)

    def close(self) -> None:
        self.ws.close()


@pytest.fixture
def ws_factory(server):
    opened: list[WsClient] = []

    def connect(identity: str | None = None, hello: bool = True, since=None, live: LiveServer | None = None, **options):
        target = live or server
        client = WsClient(target.ws_url, **options)
        opened.append(client)
        if hello:
            client.hello = client.call("hello", token=target.token(identity), since=since)
        return client

    yield connect
    for client in opened:
        client.close()


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(
            executable_path="/usr/bin/chromium",
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield instance
        instance.close()


@pytest.fixture
def artifacts(request):
    """Where a test saves screenshots (kept for people to look at)."""
    from pathlib import Path

    folder = Path(__file__).resolve().parent.parent / "test-artifacts"
    folder.mkdir(exist_ok=True)
    return folder
