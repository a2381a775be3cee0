"""Shared fixtures: fresh settings and database per test (a SQLite file, or a PostgreSQL schema
with TEST_DATABASE=postgres), a real server on a free port, WebSocket clients that speak the
protocol, and a real browser (Debian's chromium)."""

import databases
import pytest
from live_server import LiveServer, make_settings
from ws_client import WsClient

from chat.settings import Settings


def pytest_report_header(config):
    return f"database: {databases.BACKEND}"


def pytest_sessionfinish(session, exitstatus):
    databases.drop_session_database()


@pytest.fixture
def settings(tmp_path):
    return make_settings(tmp_path)


@pytest.fixture
def server_factory(tmp_path):
    started: list[LiveServer] = []

    def start(settings: Settings | None = None, **overrides) -> LiveServer:
        """`settings` of another server make this one share its service and database."""
        live = LiveServer(settings or make_settings(tmp_path, **overrides))
        started.append(live)
        return live

    yield start
    for live in started:
        live.stop()


@pytest.fixture
def server(server_factory):
    return server_factory()


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


@pytest.fixture
def redis_url():
    """The real Redis the multi-worker tests need (`.ci/run` starts one if none answers)."""
    import redis
    from gunicorn_server import REDIS_URL

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        pytest.fail(f"these tests need Redis at {REDIS_URL} ({error}); .ci/run starts one")
    return REDIS_URL


@pytest.fixture
def gunicorn_factory(tmp_path):
    """Real gunicorn serving the app; every server started is stopped after the test."""
    from gunicorn_server import GunicornServer

    started: list[GunicornServer] = []

    def start(workers: int = 3, settings: Settings | None = None, **env) -> GunicornServer:
        """`settings` of another server make this one share its service and SQLite file."""
        env.setdefault("CHANNEL_ACTION_RATE", "0")  # these tests load one channel far past the default limit
        env.setdefault("UNAUTHENTICATED_SOCKETS_PER_ADDRESS", "100000")  # hundreds reconnect at once from 127.0.0.1
        live = GunicornServer(settings or make_settings(tmp_path), tmp_path, workers=workers, **env)
        started.append(live)
        return live

    yield start
    for live in started:
        live.stop()
