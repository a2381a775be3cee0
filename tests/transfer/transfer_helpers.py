"""A chat with every kind of object, and `python -m chat` run as an operator runs it: a process
reading DATABASE_PATH or DATABASE_URL from its environment."""

import json
import os
import subprocess
import sys

import requests
from gunicorn_server import ROOT
from test_media import PNG

JAPANESE = "こんにちは、世界。今日は良い天気ですね 🌸"


def fill(live, prefix: str = "") -> None:
    """Settings and webhooks, a custom role, users, a public and a private channel, members with
    read horizons, an invite, channel webhooks, edited messages, Japanese text and a picture."""

    def post(path: str, **data) -> dict:
        response = requests.post(f"{base}{path}", data=data, auth=auth, timeout=10)
        assert response.status_code in (200, 201), response.text
        return response.json()

    base = f"{live.url}/v2/Services/{live.settings.service_sid}"
    auth = (live.settings.account_sid, live.settings.auth_token)
    post(
        "",
        FriendlyName="Moving house",
        PostWebhookUrl="https://hooks.example.com/post",
        WebhookFilters=["onMessageSent"],
    )
    helper = post("/Roles", FriendlyName="helper", Type="channel", Permission=["sendMessage", "leaveChannel"])
    post("/Users", Identity="alice", FriendlyName="Alice 愛", Attributes='{"city": "東京"}')
    post("/Users", Identity="bob")
    post("/Channels", UniqueName=f"{prefix}general", FriendlyName="一般", Attributes='{"topic": "all"}')
    post("/Channels", UniqueName=f"{prefix}secret", Type="private", CreatedBy="alice")
    for identity in ("alice", "bob"):
        post(f"/Channels/{prefix}general/Members", Identity=identity)
    post(f"/Channels/{prefix}secret/Members", Identity="alice", RoleSid=helper["sid"])
    for number in range(5):
        post(
            f"/Channels/{prefix}general/Messages",
            Body=f"{JAPANESE} {number}",
            From="alice",
            Attributes=json.dumps({"n": number}),
        )
    edited = post(f"/Channels/{prefix}general/Messages", Body="typo", From="bob")
    post(f"/Channels/{prefix}general/Messages/{edited['sid']}", Body="fixed")
    post(f"/Channels/{prefix}secret/Messages", Body="秘密", From="alice")
    post(f"/Channels/{prefix}general/Members/alice", LastConsumedMessageIndex="3")
    post(f"/Channels/{prefix}secret/Invites", Identity="carol")
    post(
        f"/Channels/{prefix}general/Webhooks", Type="webhook", **{"Configuration.Url": "https://hooks.example.com/room"}
    )
    token = {"Authorization": f"Bearer {live.token('alice')}"}
    sent = requests.post(
        f"{live.url}/media", headers=token, files={"media": ("dot.png", PNG, "image/png")},
        data={"channel": f"{prefix}general"}, timeout=10,
    )  # fmt: skip
    assert sent.status_code == 201, sent.text


def database_env(path: str = "", url: str = "") -> dict:
    env = {key: value for key, value in os.environ.items() if key not in ("DATABASE_PATH", "DATABASE_URL")}
    if url:
        env["DATABASE_URL"] = url
    else:
        env["DATABASE_PATH"] = path
    return env


def chat(*args: str, path: str = "", url: str = "", stdin: str | None = None, timeout: int = 300):
    """`python -m chat ARGS` on the database at `path` (SQLite) or `url` (PostgreSQL)."""
    command = [sys.executable, "-m", "chat", *args]
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=database_env(path, url), input=stdin
    )


def settings_db(settings) -> dict:
    return {"path": settings.database_path, "url": settings.database_url}


def export(**db) -> list[str]:
    """The export's lines, header left out (it carries the time of the export)."""
    done = chat("export", **db)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert json.loads(lines[0])["format"] == "twilio-chat-export"
    return lines[1:]


def listings(live) -> dict:
    """What REST and the picture route show of the service, without the server's address."""
    base = f"/v2/Services/{live.settings.service_sid}"
    auth = (live.settings.account_sid, live.settings.auth_token)

    def get(path: str) -> dict:
        response = requests.get(f"{live.url}{base}{path}", params={"PageSize": 1000}, auth=auth, timeout=10)
        assert response.status_code == 200, response.text
        return response.json()

    seen = {path: get(path) for path in ("", "/Roles", "/Users", "/Channels")}
    for channel in seen["/Channels"]["channels"]:
        for path in ("/Members", "/Messages", "/Invites", "/Webhooks"):
            seen[f"{channel['sid']}{path}"] = get(f"/Channels/{channel['sid']}{path}")
    token = {"Authorization": f"Bearer {live.token('alice')}"}
    for user in seen["/Users"]["users"]:
        seen[user["identity"]] = get(f"/Users/{user['sid']}/Channels")
    for message in seen[f"{seen['/Channels']['channels'][0]['sid']}/Messages"]["messages"]:
        if message["media"]:
            picture = requests.get(f"{live.url}/media/{message['media']['sid']}", headers=token, timeout=10)
            seen[message["media"]["sid"]] = [picture.status_code, picture.content.hex()]
    return json.loads(json.dumps(seen).replace(live.url, "BASE"))
