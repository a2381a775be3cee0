"""GET /v2/Services/{ServiceSid}/MessageSearch (our extension) against the live server: Twilio's
message JSON newest first, Twilio's paging and error shapes, the account sees every channel."""

import pytest
import requests
from twilio_client import service


@pytest.fixture
def search(server):
    auth = (server.settings.account_sid, server.settings.auth_token)
    url = f"{server.url}/v2/Services/{server.settings.service_sid}/MessageSearch"

    def get(url=url, **params):
        return requests.get(url, params=params, auth=auth, timeout=10)

    return get


def test_results_are_twilio_messages_newest_first_with_paging(client, server, search):
    svc = service(client, server)
    lobby = svc.channels.create(unique_name="lobby")
    secret = svc.channels.create(unique_name="secret", type="private")
    svc.channels(lobby.sid).messages.create(body="東京タワーに行こう", from_="alice")
    svc.channels(secret.sid).messages.create(body="京タワー again", from_="bob")
    svc.channels(lobby.sid).messages.create(body="unrelated", from_="alice")
    svc.channels(lobby.sid).messages.create(body="京タワーの夜", from_="carol")

    first = search(Query="京タワ", PageSize=2)
    assert first.status_code == 200
    page = first.json()
    assert [m["body"] for m in page["messages"]] == ["京タワーの夜", "京タワー again"]  # private too: the account
    message = page["messages"][0]
    assert message["sid"].startswith("IM") and message["channel_sid"] == lobby.sid and message["from"] == "carol"
    assert message["index"] == 2 and message["url"].endswith(f"/Channels/{lobby.sid}/Messages/{message['sid']}")
    assert page["meta"]["key"] == "messages" and page["meta"]["page_size"] == 2
    second = search(url=page["meta"]["next_page_url"]).json()
    assert [m["body"] for m in second["messages"]] == ["東京タワーに行こう"]
    assert second["meta"]["next_page_url"] is None

    by_channel = search(Query="京タワ", ChannelSid="lobby").json()["messages"]
    assert [m["body"] for m in by_channel] == ["京タワーの夜", "東京タワーに行こう"]
    by_author = search(Query="タワ", Author="bob").json()["messages"]
    assert [m["body"] for m in by_author] == ["京タワー again"]
    assert search(Query="タワ", DateCreatedBefore="2000-01-01T00:00:00Z").json()["messages"] == []


def test_twilio_python_http_client_reaches_the_extension(client, server):
    service(client, server).channels.create(unique_name="general")
    service(client, server).channels("general").messages.create(body="Hello World", from_="alice")
    response = client.request(
        "GET",
        f"{server.url}/v2/Services/{server.settings.service_sid}/MessageSearch",
        params={"Query": "hello"},
    )
    assert response.status_code == 200
    import json

    assert [m["body"] for m in json.loads(response.text)["messages"]] == ["Hello World"]


@pytest.mark.parametrize(
    "params, status, code",
    [
        ({}, 400, 20001),
        ({"Query": ""}, 400, 20001),
        ({"Query": "   "}, 400, 20001),
        ({"Query": "x" * 300}, 400, 20001),
        ({"Query": "hi", "PageSize": "0"}, 400, 20001),
        ({"Query": "hi", "PageToken": "nonsense"}, 400, 20001),
        ({"Query": "hi", "PageToken": "PA" + "9" * 40}, 400, 20001),
        ({"Query": "hi", "DateCreatedAfter": "yesterday"}, 400, 20001),
        ({"Query": "hi", "ChannelSid": "nowhere"}, 404, 20404),
    ],
)
def test_bad_input_gets_twilio_errors(server, search, params, status, code):
    response = search(**params)
    assert response.status_code == status
    error = response.json()
    assert (error["status"], error["code"]) == (status, code)
    assert error["message"] and error["more_info"].endswith(str(code))


def test_search_syntax_is_plain_text_never_a_500(client, server, search):
    service(client, server).channels.create(unique_name="general")
    service(client, server).channels("general").messages.create(body='a "b" (c) NEAR * d', from_="x")
    for query in ['"', '"b"', "(c)", "NEAR", "*", ")(", "%", "_", "\\", "NEAR(a b)", "a OR"]:
        response = search(Query=query)
        assert response.status_code == 200, query
        expected = 0 if query in ("NEAR(a b)", "a OR", ")(", "%", "_", "\\") else 1
        assert len(response.json()["messages"]) == expected, query


def test_credentials_are_required(server):
    url = f"{server.url}/v2/Services/{server.settings.service_sid}/MessageSearch"
    response = requests.get(url, params={"Query": "hi"}, timeout=10)
    assert response.status_code == 401 and response.json()["code"] == 20003
