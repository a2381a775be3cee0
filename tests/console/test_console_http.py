"""The console over plain HTTP against a real server: sign-in, lock-out, CSRF, redirects after
sign-in, the same validation as REST, and user text kept as text."""

import requests
from chatpage import seed_channel, seed_member, seed_message

from chat.console.session import FREE_FAILURES
from chat.store import messages as message_rows
from chat.store import services, stats
from chat.store import users as user_rows


def test_pages_need_signing_in_and_come_back_after_it(operator):
    anonymous = operator(signed_in=False)
    response = anonymous.get("/console/channels?q=x", allow_redirects=False)
    assert response.status_code == 302
    assert response.headers["Location"] == "/console/sign-in?next=/console/channels?q%3Dx"
    signed = anonymous.sign_in(next="/console/channels?q=x")
    assert signed.status_code == 302 and signed.headers["Location"] == "/console/channels?q=x"


def test_the_session_cookie_is_httponly_samesite_and_scoped(operator, server):
    who = operator(signed_in=False)
    response = who.sign_in()
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain http here
    behind_https = requests.Session()
    page = behind_https.get(server.url + "/console/sign-in", headers={"X-Forwarded-Proto": "https"}, timeout=5)
    assert "Secure" in page.headers["Set-Cookie"]


def test_signing_in_starts_a_fresh_session(operator):
    """Nothing chosen before sign-in (a planted cookie, its CSRF token) survives it."""
    who = operator(signed_in=False)
    who.get("/console/sign-in")
    cookie_before, csrf_before = who.http.cookies.get("chat_console"), who.csrf
    who.sign_in()
    who.get("/console/")
    assert who.http.cookies.get("chat_console") != cookie_before
    assert who.csrf != csrf_before


def test_wrong_password_is_refused_and_repeated_ones_lock_out(operator, server):
    who = operator(signed_in=False)
    for _ in range(FREE_FAILURES):
        response = who.sign_in(secret="x" * 32)
        assert response.status_code == 401
        assert "do not match" in response.text
    locked = who.sign_in()  # even the right password must wait now
    assert locked.status_code == 429
    assert int(locked.headers["Retry-After"]) >= 1
    assert "Too many wrong passwords" in locked.text
    assert who.get("/console/", allow_redirects=False).status_code == 302  # still signed out


def test_api_key_and_secret_sign_in_too(operator, server):
    who = operator(signed_in=False)
    response = who.sign_in(account=server.settings.api_key, secret=server.settings.api_secret)
    assert response.status_code == 302


def test_no_redirect_to_another_site_after_sign_in(operator):
    for target in ("https://evil.example/", "//evil.example/console", "/\\evil.example", "/elsewhere", "javascript:x"):
        who = operator(signed_in=False)
        response = who.sign_in(next=target)
        assert response.status_code == 302
        assert response.headers["Location"] == "/console/", target


def test_forms_without_the_csrf_token_change_nothing(operator, server):
    seed_channel(server)
    message = seed_message(server, "general", "alice", "keep me")
    who = operator()
    path = f"/console/channels/general/messages/{message['sid']}/remove"
    for data, headers in (
        ({}, {}),
        ({"csrf_token": "forged"}, {}),
        ({"csrf_token": who.csrf}, {"Origin": "https://evil.example"}),
    ):
        response = who.post(path, data, csrf=False, headers=headers)
        assert response.status_code == 400
        assert "Form refused" in response.text
    assert (
        requests.Session().post(server.url + "/console/sign-out", timeout=5, allow_redirects=False).status_code == 302
    )
    assert message_rows.get(server.chat.store.db(), message["channel_sid"], message["sid"]) is not None
    assert who.post(path).status_code == 302
    assert message_rows.get(server.chat.store.db(), message["channel_sid"], message["sid"]) is None


def test_sign_out_ends_the_session(operator):
    who = operator()
    assert who.post("/console/sign-out").status_code == 302
    assert who.get("/console/", allow_redirects=False).status_code == 302


def test_service_settings_use_rest_validation_and_change_nothing_when_invalid(operator, server):
    who = operator()
    who.get("/console/service")
    row = services.get(server.chat.store.db(), server.settings.service_sid)
    form = {
        "friendly_name": "Renamed", "typing_indicator_timeout": "abc", "consumption_report_interval": "10",
        "limits_channel_members": "100", "limits_user_channels": "100", "pre_webhook_url": "",
        "post_webhook_url": "https://hooks.example/post", "webhook_method": "POST",
        "pre_webhook_retry_count": "0", "post_webhook_retry_count": "2",
        "default_service_role_sid": row["default_service_role_sid"],
        "default_channel_role_sid": row["default_channel_role_sid"],
        "default_channel_creator_role_sid": row["default_channel_creator_role_sid"],
    }  # fmt: skip
    refused = who.post("/console/service", form)
    assert refused.status_code == 400
    assert "TypingIndicatorTimeout must be a whole number" in refused.text
    refused = who.post("/console/service", {**form, "typing_indicator_timeout": "5", "post_webhook_url": "ftp://x"})
    assert refused.status_code == 400 and "must be an absolute http or https URL" in refused.text
    refused = who.post("/console/service", {**form, "typing_indicator_timeout": "5", "post_webhook_retry_count": "9"})
    assert refused.status_code == 400 and "Webhook retry counts are 0 to 3" in refused.text
    assert services.get(server.chat.store.db(), server.settings.service_sid)["friendly_name"] == row["friendly_name"]

    saved = who.post(
        "/console/service", {**form, "typing_indicator_timeout": "7", "webhook_filters": ["onMessageSent"]}
    )
    assert saved.status_code == 302
    rest = requests.get(
        f"{server.url}/v2/Services/{server.settings.service_sid}",
        auth=(server.settings.account_sid, server.settings.auth_token), timeout=5,
    ).json()  # fmt: skip
    assert rest["friendly_name"] == "Renamed"
    assert rest["typing_indicator_timeout"] == 7
    assert rest["post_webhook_url"] == "https://hooks.example/post"
    assert rest["webhook_filters"] == ["onMessageSent"]


def test_user_text_is_shown_as_text(operator, server):
    evil = '<img src=x onerror="alert(1)">'
    channel = seed_channel(server, unique_name="x", friendly_name=evil)
    seed_member(server, channel["sid"], "mallory")
    seed_message(server, channel["sid"], "mallory", evil)
    who = operator()
    for path in ("/console/channels", f"/console/channels/{channel['sid']}", "/console/users?q=mall"):
        text = who.get(path).text
        assert evil not in text
        if path != "/console/users?q=mall":
            assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in text


def test_channel_search_finds_by_either_name_and_takes_like_characters_literally(operator, server):
    seed_channel(server, unique_name="ops-room", friendly_name="Operations")
    seed_channel(server, unique_name="100pct", friendly_name="Fully 100%")
    who = operator()
    assert "Operations" in who.get("/console/channels?q=OPS").text
    found = who.get("/console/channels?q=%25").text
    assert "Fully 100%" in found and "Operations" not in found


def test_user_role_change_and_roles(operator, server):
    seed_channel(server)
    seed_member(server, "general", "alice")
    who = operator()
    db = server.chat.store.db()
    alice = user_rows.get(db, server.settings.service_sid, "alice")
    roles = stats.roles_of_service(db, server.settings.service_sid)
    admin = next(role for role in roles if role["friendly_name"] == "service admin")
    who.get(f"/console/users/{alice['sid']}")
    assert who.post(f"/console/users/{alice['sid']}/role", {"role_sid": admin["sid"]}).status_code == 302
    assert user_rows.get(db, server.settings.service_sid, "alice")["role_sid"] == admin["sid"]
    bad = who.post(f"/console/users/{alice['sid']}/role", {"role_sid": "RL" + "0" * 32})
    assert bad.status_code == 400 and "is not a deployment role" in bad.text

    who.get("/console/roles")
    created = who.post(
        "/console/roles",
        {"friendly_name": "moderator", "type": "channel", "permission": ["deleteAnyMessage", "removeMember"]},
    )
    assert created.status_code == 302
    refused = who.post("/console/roles", {"friendly_name": "odd", "type": "deployment", "permission": ["sendMessage"]})
    assert refused.status_code == 400 and "Not permissions of a deployment role" in refused.text
