"""Moving a chat from its SQLite file into PostgreSQL with `python -m chat copy-database`: the
server on PostgreSQL answers every REST listing exactly as the one on SQLite did (SIDs, indexes,
dates, read horizons, roles, webhook settings, pictures)."""

import json
import subprocess
import sys
from dataclasses import replace
from hashlib import sha256

import databases
import requests
from gunicorn_server import ROOT
from test_media import PNG

LISTINGS = ["", "/Roles", "/Users", "/Channels"]
PER_CHANNEL = ["", "/Members", "/Messages", "/Invites", "/Webhooks"]


def fill(live) -> None:
    def post(path: str, **data) -> dict:
        response = requests.post(f"{base}{path}", data=data, auth=auth, timeout=10)
        assert response.status_code in (200, 201), response.text
        return response.json()

    base = f"{live.url}/v2/Services/{live.settings.service_sid}"
    auth = (live.settings.account_sid, live.settings.auth_token)
    post("", FriendlyName="Moving house", PostWebhookUrl="https://hooks.example.com/post", ReachabilityEnabled="true")
    post("/Roles", FriendlyName="helper", Type="channel", Permission=["sendMessage", "leaveChannel"])
    post("/Channels", UniqueName="general", FriendlyName="General", Attributes='{"topic": "all"}')
    post("/Channels", UniqueName="secret", Type="private")
    for identity in ("alice", "bob"):
        post("/Channels/general/Members", Identity=identity)
    for number in range(5):
        post("/Channels/general/Messages", Body=f"hello {number}", From="alice", Attributes=json.dumps({"n": number}))
    edited = post("/Channels/general/Messages", Body="typo", From="bob")
    post(f"/Channels/general/Messages/{edited['sid']}", Body="fixed")
    post("/Channels/general/Members/alice", LastConsumedMessageIndex="3")
    post("/Channels/secret/Invites", Identity="carol")
    post("/Channels/general/Webhooks", Type="webhook", **{"Configuration.Url": "https://hooks.example.com/room"})
    token = {"Authorization": f"Bearer {live.token('alice')}"}
    sent = requests.post(
        f"{live.url}/media", headers=token, files={"media": ("dot.png", PNG, "image/png")},
        data={"channel": "general"}, timeout=10,
    )  # fmt: skip
    assert sent.status_code == 201, sent.text


def listings(live) -> dict[str, object]:
    """Every REST listing of the service, with this server's address taken out of the URLs."""
    base = f"/v2/Services/{live.settings.service_sid}"
    auth = (live.settings.account_sid, live.settings.auth_token)

    def get(path: str) -> dict:
        response = requests.get(f"{live.url}{base}{path}", params={"PageSize": 1000}, auth=auth, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    seen = {path: get(path) for path in LISTINGS}
    token = {"Authorization": f"Bearer {live.token('alice')}"}
    for channel in seen["/Channels"]["channels"]:
        for path in PER_CHANNEL:
            seen[f"/Channels/{channel['sid']}{path}"] = get(f"/Channels/{channel['sid']}{path}")
        for message in seen[f"/Channels/{channel['sid']}/Messages"]["messages"]:
            if message.get("media"):
                picture = requests.get(f"{live.url}/media/{message['media']['sid']}", headers=token, timeout=10)
                seen[f"picture {message['media']['sid']}"] = [picture.status_code, sha256(picture.content).hexdigest()]
    return json.loads(json.dumps(seen).replace(live.url, "BASE"))


def copy_database(source: str, target: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "chat", "copy-database", "--from", source, "--to", target]
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=ROOT)


def test_a_chat_moves_from_sqlite_to_postgres_and_answers_the_same(tmp_path, settings_factory, server_factory):
    settings = settings_factory(database_url="")
    on_sqlite = server_factory(settings)
    try:
        fill(on_sqlite)
        before = listings(on_sqlite)
    finally:
        on_sqlite.stop()
    assert any(key.startswith("picture") for key in before), "the listing saw no picture"

    url = databases.url_for(tmp_path)
    done = copy_database(settings.database_path, url)
    assert done.returncode == 0, done.stderr
    assert "Copied" in done.stdout and "messages" in done.stdout

    on_postgres = server_factory(replace(settings, database_url=url))
    try:
        assert listings(on_postgres) == before
    finally:
        on_postgres.stop()

    again = copy_database(settings.database_path, url)  # never mixes two chats
    assert again.returncode != 0 and "empty database" in again.stderr
