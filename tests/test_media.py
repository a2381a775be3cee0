"""Picture upload and download over HTTP with the user's access token."""

import base64

import requests

from chat import media

PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def auth(server, identity):
    return {"Authorization": f"Bearer {server.token(identity)}"}


def general(ws_factory, identity):
    ws = ws_factory(identity)
    channel = ws.call("channel.create", uniqueName="pics", friendlyName="Pics")
    ws.call("channel.join", channel=channel["sid"])
    return ws, channel


def test_upload_sends_a_media_message_that_members_can_fetch(server, ws_factory):
    ws, channel = general(ws_factory, "alice")
    sent = requests.post(
        server.url + "/media",
        headers=auth(server, "alice"),
        files={"media": ("dot.png", PNG, "image/png")},
        data={"channel": channel["sid"]},
        timeout=5,
    )
    assert sent.status_code == 201, sent.text
    message = sent.json()
    assert message["type"] == "media"
    assert message["media"] == {
        "sid": message["media"]["sid"],
        "filename": "dot.png",
        "content_type": "image/png",
        "size": len(PNG),
    }
    assert ws.event("messageAdded", sid=message["sid"])["data"]["media"]["sid"] == message["media"]["sid"]

    got = requests.get(f"{server.url}/media/{message['media']['sid']}", headers=auth(server, "alice"), timeout=5)
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["Content-Type"] == "image/png"
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    assert got.headers["Content-Disposition"] == "inline"


def test_private_channel_media_is_refused_to_outsiders(server, ws_factory):
    ws = ws_factory("alice")
    secret = ws.call("channel.create", friendlyName="Secret", isPrivate=True)
    ws.call("channel.join", channel=secret["sid"])
    sent = requests.post(
        f"{server.url}/media?channel={secret['sid']}&filename=a.png", headers=auth(server, "alice"), data=PNG, timeout=5
    )
    assert sent.status_code == 201, sent.text
    sid = sent.json()["media"]["sid"]
    refused = requests.get(f"{server.url}/media/{sid}", headers=auth(server, "mallory"), timeout=5)
    assert refused.status_code == 403
    assert refused.json()["code"] == 20403


def test_non_pictures_and_oversized_files_are_refused_with_a_clear_message(server, ws_factory):
    html = b"<html><script>alert(1)</script></html>"
    refused = requests.post(
        server.url + "/media", headers=auth(server, "alice"), files={"media": ("x.png", html, "image/png")}, timeout=5
    )
    assert refused.status_code == 415
    assert refused.json()["code"] == 20415
    assert "PNG, JPEG, GIF or WebP" in refused.json()["message"]

    big = PNG + b"\0" * media.MAX_BYTES
    refused = requests.post(
        server.url + "/media", headers=auth(server, "alice"), files={"media": ("big.png", big, "image/png")}, timeout=10
    )
    assert refused.status_code == 413
    assert "larger than 5 MB" in refused.json()["message"]
    assert server.chat.store.db().execute("SELECT count(*) FROM media").fetchone()[0] == 0


def test_upload_needs_a_valid_token_and_membership(server, ws_factory):
    assert requests.post(server.url + "/media", data=PNG, timeout=5).status_code == 401
    bad = requests.post(server.url + "/media", data=PNG, headers={"Authorization": "Bearer nope"}, timeout=5)
    assert bad.status_code == 401
    assert bad.json()["code"] == 20101
    ws, channel = general(ws_factory, "alice")
    outsider = requests.post(
        f"{server.url}/media?channel={channel['sid']}", headers=auth(server, "bob"), data=PNG, timeout=5
    )
    assert outsider.status_code == 403
    assert server.chat.store.db().execute("SELECT count(*) FROM media").fetchone()[0] == 0
    missing = requests.get(f"{server.url}/media/ME{'0' * 32}", headers=auth(server, "alice"), timeout=5)
    assert missing.status_code == 404


def test_temporary_url_serves_without_a_token_until_it_expires(server, ws_factory):
    ws = ws_factory("alice")
    channel = ws.call("channel.create", friendlyName="Secret", isPrivate=True)
    ws.call("channel.join", channel=channel["sid"])
    sent = requests.post(
        f"{server.url}/media?channel={channel['sid']}", headers=auth(server, "alice"), data=PNG, timeout=5
    ).json()
    sid = sent["media"]["sid"]
    assert requests.get(f"{server.url}/media/{sid}/url", headers=auth(server, "mallory"), timeout=5).status_code == 403
    answer = requests.get(f"{server.url}/media/{sid}/url", headers=auth(server, "alice"), timeout=5).json()
    got = requests.get(server.url + answer["url"], timeout=5)
    assert got.status_code == 200
    assert got.content == PNG
    assert got.headers["X-Content-Type-Options"] == "nosniff"
    forged = requests.get(server.url + answer["url"].replace("Expires=", "Expires=9"), timeout=5)
    assert forged.status_code == 403
    expired = answer["url"].split("?")[0] + "?Expires=1&Signature=" + _sign(server, sid, 1)
    assert requests.get(server.url + expired, timeout=5).json()["message"].endswith("ask for a new one")


def _sign(server, sid, expires):
    import hashlib
    import hmac

    key = server.settings.api_secret.encode()
    return hmac.new(key, f"media:{sid}:{expires}".encode(), hashlib.sha256).hexdigest()
