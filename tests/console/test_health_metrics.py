"""GET /healthz and GET /metrics against real servers: the database and Redis up and down,
Prometheus text parsed with prometheus_client's own parser, counters moving as messages go."""

import os
import secrets
from contextlib import contextmanager

import databases
import pytest
import requests
from chatpage import seed_channel
from gunicorn_server import free_port
from prometheus_client.parser import text_string_to_metric_families
from webhook_receiver import wait_until


def samples(text: str) -> dict[tuple[str, tuple], float]:
    """Every sample as {(name, sorted labels): value}."""
    found = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            found[(sample.name, tuple(sorted(sample.labels.items())))] = sample.value
    return found


def scrape(server, **kwargs) -> dict:
    response = requests.get(server.url + "/metrics", timeout=10, **kwargs)
    assert response.status_code == 200, response.text
    assert response.headers["Content-Type"].startswith("text/plain")
    return samples(response.text)


def account(server) -> tuple[str, str]:
    return server.settings.account_sid, server.settings.auth_token


@contextmanager
def database_away(server, tmp_path):
    """The SQLite file moved away, or the test's PostgreSQL schema renamed."""
    if server.settings.database_url:
        schema = databases.schema_for(tmp_path)
        databases.rename_schema(schema, f"{schema}_away")
        try:
            yield
        finally:
            databases.rename_schema(f"{schema}_away", schema)
        return
    path = server.settings.database_path
    os.rename(path, path + ".away")
    try:
        yield
    finally:
        os.rename(path + ".away", path)


def test_healthz_answers_200_while_the_database_answers_and_503_naming_it_when_not(server, tmp_path):
    response = requests.get(server.url + "/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}

    with database_away(server, tmp_path):
        response = requests.get(server.url + "/healthz", timeout=5)
        assert response.status_code == 503
        assert response.json() == {"status": "failing", "database": "failing"}
    assert requests.get(server.url + "/healthz", timeout=5).status_code == 200


def test_healthz_checks_redis_when_configured(server_factory, redis_url):
    up = server_factory(redis_url=redis_url)
    response = requests.get(up.url + "/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok", "redis": "ok"}

    down = server_factory(redis_url=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    response = requests.get(down.url + "/healthz", timeout=5)
    assert response.status_code == 503
    assert response.json() == {"status": "failing", "database": "ok", "redis": "failing"}
    errors = scrape(down, auth=account(down))[("chat_redis_errors_total", ())]
    assert errors >= 1


def test_metrics_need_the_account_credentials_or_the_metrics_token(server_factory):
    token = secrets.token_hex(20)
    server = server_factory(metrics_token=token)
    assert requests.get(server.url + "/metrics", timeout=5).status_code == 401
    assert (
        requests.get(server.url + "/metrics", auth=(server.settings.account_sid, "wrong" * 8), timeout=5).status_code
        == 401
    )
    wrong_bearer = {"Authorization": "Bearer " + "x" * 40}
    assert requests.get(server.url + "/metrics", headers=wrong_bearer, timeout=5).status_code == 401
    scrape(server, headers={"Authorization": f"Bearer {token}"})
    scrape(server, auth=account(server))
    scrape(server, auth=(server.settings.api_key, server.settings.api_secret))


def test_metrics_move_when_messages_are_sent_over_rest(server):
    seed_channel(server)
    before = scrape(server, auth=account(server))
    path = f"/v2/Services/{server.settings.service_sid}/Channels/general/Messages"
    for number in range(3):
        response = requests.post(server.url + path, data={"Body": f"hello {number}"}, auth=account(server), timeout=5)
        assert response.status_code == 201
    after = scrape(server, auth=account(server))

    def moved(name, labels=()):
        key = (name, tuple(sorted(labels)))
        return after.get(key, 0) - before.get(key, 0)

    assert moved("chat_messages_sent_total") == 3
    assert moved("chat_events_published_total", [("type", "messageAdded")]) == 3
    created = [("method", "POST"), ("operation", "create_message"), ("status", "201")]
    assert moved("chat_rest_requests_total", created) == 3
    assert moved("chat_rest_request_seconds_count", [("operation", "create_message")]) == 3


def test_sockets_and_commands_are_counted(server, ws_factory):
    seed_channel(server)
    before = scrape(server, auth=account(server))
    alice = ws_factory("alice")
    alice.call("channel.join", channel="general")
    alice.call("message.send", channel="general", body="hi")
    during = scrape(server, auth=account(server))
    assert during[("chat_sockets_open", ())] == before[("chat_sockets_open", ())] + 1
    sent = ("chat_commands_total", (("command", "message.send"), ("status", "ok")))
    assert during[sent] - before.get(sent, 0) == 1
    alice.close()
    wait_until(
        lambda: scrape(server, auth=account(server))[("chat_sockets_open", ())] == before[("chat_sockets_open", ())]
    )


@pytest.mark.timeout(120)
def test_metrics_add_up_over_several_gunicorn_workers(gunicorn_factory, redis_url):
    """prometheus_client's multiprocess mode: whichever worker answers the scrape, the counts
    are those of all workers together."""
    live = gunicorn_factory(workers=2, REDIS_URL=redis_url)
    auth = (live.settings.account_sid, live.settings.auth_token)
    service = f"{live.url}/v2/Services/{live.settings.service_sid}"
    assert (
        requests.post(f"{service}/Channels", data={"UniqueName": "general"}, auth=auth, timeout=10).status_code == 201
    )
    for number in range(10):  # new connections each time: they spread over the workers
        with requests.Session() as fresh:
            sent = fresh.post(
                f"{service}/Channels/general/Messages", data={"Body": f"m{number}"}, auth=auth, timeout=10
            )
            assert sent.status_code == 201
    for _ in range(4):
        with requests.Session() as fresh:
            text = fresh.get(live.url + "/metrics", auth=auth, timeout=10).text
        assert samples(text)[("chat_messages_sent_total", ())] == 10
