"""PostgreSQL away: at start the server waits for it with one log line per try, never a stack
trace; while running, requests answer 503 in Twilio's shape and nothing acknowledged is lost;
when the database is back the server recovers by itself. The database sits behind a TCP proxy
the test cuts and restores."""

import threading
import time
from urllib.parse import urlsplit, urlunsplit

import databases
import requests
from live_server import make_settings
from tcp_proxy import TcpProxy


def through(proxy: TcpProxy, url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(netloc=f"{parts.username}@127.0.0.1:{proxy.port}"))


def messages_of(live) -> list[str]:
    response = live.rest("GET", "/Channels/general/Messages", params={"PageSize": 100})
    assert response.status_code == 200, response.text
    return [message["body"] for message in response.json()["messages"]]


def test_the_server_waits_for_postgres_answers_503_while_it_is_away_and_recovers(gunicorn_factory, tmp_path):
    direct = databases.url_for(tmp_path)
    target = urlsplit(direct)
    proxy = TcpProxy(target.hostname, target.port)
    settings = make_settings(tmp_path, database_url=through(proxy, direct))

    # Start while the database does not answer; it comes up once the server has said so.
    def start_when_the_server_waits() -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if any("trying again" in log.read_text() for log in tmp_path.glob("gunicorn-*.log")):
                break
            time.sleep(0.1)
        proxy.start()

    threading.Thread(target=start_when_the_server_waits, daemon=True).start()
    live = gunicorn_factory(workers=1, settings=settings)
    log = live.log.read_text()
    assert f"PostgreSQL at 127.0.0.1:{proxy.port}/" in log and "trying again" in log, log[-2000:]
    assert "Traceback" not in log, log[-3000:]

    assert live.rest("POST", "/Channels", data={"UniqueName": "general"}).status_code == 201
    assert live.rest("POST", "/Channels/general/Messages", data={"Body": "before"}).status_code == 201

    proxy.stop()  # the database goes away while the server runs
    for method, data in (("GET", None), ("POST", {"Body": "during"})):
        response = live.rest(method, "/Channels/general/Messages", data=data)
        assert response.status_code == 503, response.text
        error = response.json()
        assert error["status"] == 503 and error["code"] == 20503 and "database" in error["message"]

    proxy.start()  # back: the server recovers without a restart
    deadline = time.monotonic() + 30
    while True:
        try:
            response = live.rest("POST", "/Channels/general/Messages", data={"Body": "after"})
        except requests.ConnectionError:
            response = None
        if response is not None and response.status_code == 201:
            break
        assert time.monotonic() < deadline, response.text if response is not None else "no answer"
        time.sleep(0.5)
    assert messages_of(live) == ["before", "after"]
