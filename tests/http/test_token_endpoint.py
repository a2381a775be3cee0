"""GET /token: the server decides identities. A browser keeps one in a signed cookie; a client
cannot name itself unless ALLOW_CLIENT_IDENTITY (development) says so; real sign-in goes in
front through a trusted proxy header or a Python hook. Also its bad input, its rate limit, and
the headers every page carries."""

from dataclasses import replace

import pytest
import requests

from chat import create_app
from chat.identity import COOKIE, cookie_signer
from chat.tokens import verify


def assert_twilio_error(response, status: int, code: int) -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert body["code"] == code and body["status"] == status and "Traceback" not in body["message"]
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


def identity_of(server, response) -> str:
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"identity", "token"}
    assert verify(server.settings, body["token"]).identity == body["identity"]
    return body["identity"]


def test_a_new_browser_gets_a_random_identity_in_an_httponly_cookie(server):
    response = requests.get(f"{server.url}/token", params={"device": "browser"}, timeout=5)
    identity = identity_of(server, response)
    assert identity.isalnum() and identity[0].isupper() and response.headers["Cache-Control"] == "no-store"
    assert verify(server.settings, response.json()["token"]).endpoint_id.endswith(f":{identity}:browser")
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith(f"{COOKIE}=") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Path=/" in cookie and "Secure" not in cookie  # plain http here; see the proxy tests
    assert identity not in cookie.split(";")[0].split(".")[-1]  # the signature part is not the name


def test_a_cookie_jar_keeps_its_identity_and_another_jar_gets_another(server):
    mine, theirs = requests.Session(), requests.Session()
    first = identity_of(server, mine.get(f"{server.url}/token", timeout=5))
    assert {identity_of(server, mine.get(f"{server.url}/token", timeout=5)) for _ in range(3)} == {first}
    assert identity_of(server, theirs.get(f"{server.url}/token", timeout=5)) != first


def test_the_page_sets_the_cookie_before_its_tabs_ask_for_tokens(server):
    browser = requests.Session()
    page = browser.get(server.url + "/", timeout=5)
    assert COOKIE in page.cookies
    token = browser.get(f"{server.url}/token", timeout=5)
    assert "Set-Cookie" not in token.headers  # the page's cookie was taken as it is
    assert identity_of(server, token) == cookie_signer(server.settings.secret_key).loads(page.cookies[COOKIE])


def test_a_client_chosen_identity_gets_no_token_by_default(server):
    for wanted in ("alice", "admin", "<script>"):
        response = requests.get(f"{server.url}/token", params={"identity": wanted}, timeout=5)
        assert_twilio_error(response, 400, 20001)
        assert "token" not in response.json()


def test_forged_and_tampered_cookies_never_give_the_claimed_identity(server, server_factory):
    other_server = server_factory()
    signer = cookie_signer(server.settings.secret_key)
    genuine = signer.dumps("alice")
    payload, signature = genuine.rsplit(".", 1)
    bob_payload = cookie_signer("x" * 32).dumps("bob").rsplit(".", 1)[0]
    forgeries = [
        cookie_signer(other_server.settings.secret_key).dumps("alice"),  # another server's key
        f"{bob_payload}.{signature}",  # alice's signature on bob's name
        f"{payload}.{signature[:5]}{'B' if signature[5] != 'B' else 'C'}{signature[6:]}",  # a changed signature
        "alice",  # no signature at all
        signer.dumps(["alice"]),  # signed, but not an identity
        signer.dumps("bad identity!"),
    ]
    for value in forgeries:
        response = requests.get(f"{server.url}/token", cookies={COOKIE: value}, timeout=5)
        identity = identity_of(server, response)
        assert identity not in ("alice", "bob", "bad identity!")
        assert response.cookies[COOKIE] != value  # replaced by the new identity's cookie
    assert identity_of(server, requests.get(f"{server.url}/token", cookies={COOKIE: genuine}, timeout=5)) == "alice"


def test_client_chosen_identities_in_development(server_factory, caplog):
    server = server_factory(allow_client_identity=True)
    assert "ALLOW_CLIENT_IDENTITY is on" in caplog.text  # said at start
    body = requests.get(f"{server.url}/token", params={"identity": "alice.smith@example", "device": "x"}, timeout=5)
    assert identity_of(server, body) == "alice.smith@example" and "Set-Cookie" not in body.headers
    for params in ({"identity": "<script>"}, {"identity": "x" * 65}, {"identity": " lead"}):
        assert_twilio_error(requests.get(f"{server.url}/token", params=params, timeout=5), 400, 20001)


def test_bad_device_is_a_400(server):
    assert_twilio_error(requests.get(f"{server.url}/token", params={"device": "a b"}, timeout=5), 400, 20001)


def test_the_proxy_header_is_ignored_unless_configured(server):
    response = requests.get(f"{server.url}/token", headers={"X-Forwarded-User": "admin"}, timeout=5)
    assert identity_of(server, response) != "admin"


def test_the_proxy_header_names_the_user_when_it_comes_from_the_proxy(server_factory):
    server = server_factory(identity_header="X-Forwarded-User")  # IDENTITY_PROXIES: loopback
    response = requests.get(f"{server.url}/token", headers={"X-Forwarded-User": "alice"}, timeout=5)
    assert identity_of(server, response) == "alice" and "Set-Cookie" not in response.headers
    assert_twilio_error(requests.get(f"{server.url}/token", timeout=5), 401, 20003)  # not signed in
    bad = requests.get(f"{server.url}/token", headers={"X-Forwarded-User": "<b>"}, timeout=5)
    assert_twilio_error(bad, 400, 20001)
    signer = cookie_signer(server.settings.secret_key)
    cookie_only = requests.get(f"{server.url}/token", cookies={COOKIE: signer.dumps("alice")}, timeout=5)
    assert_twilio_error(cookie_only, 401, 20003)  # with real sign-in, a cookie is not a login


def test_the_proxy_header_from_anyone_but_the_proxy_is_refused(server_factory):
    # The proxy is at 10.0.0.5; this test connects from 127.0.0.1, even when it claims 10.0.0.5.
    for hops in (0, 1):
        server = server_factory(identity_header="X-Forwarded-User", identity_proxies=("10.0.0.5/32",), proxy_hops=hops)
        headers = {"X-Forwarded-User": "admin", "X-Forwarded-For": "10.0.0.5"}
        assert_twilio_error(requests.get(f"{server.url}/token", headers=headers, timeout=5), 403, 20403)


def test_the_hook_decides(server_factory):
    server = server_factory(identity_hook="identity_hook:identify")
    response = requests.get(f"{server.url}/token", headers={"X-Test-Session": "carol"}, timeout=5)
    assert identity_of(server, response) == "carol"
    assert_twilio_error(requests.get(f"{server.url}/token", timeout=5), 401, 20003)
    banned = requests.get(f"{server.url}/token", headers={"X-Test-Session": "banned"}, timeout=5)
    assert_twilio_error(banned, 403, 20403)
    assert banned.json()["message"] == "This account is suspended"
    asked = requests.get(f"{server.url}/token", params={"identity": "admin"}, headers={"X-Test-Session": "carol"})
    assert_twilio_error(asked, 400, 20001)


def test_a_hook_that_returns_garbage_is_a_logged_500(server_factory):
    server = server_factory(identity_hook="identity_hook:returns_garbage")
    assert_twilio_error(requests.get(f"{server.url}/token", timeout=5), 500, 20500)


def test_a_hook_that_cannot_load_stops_start_up(settings):
    with pytest.raises(SystemExit, match="IDENTITY_HOOK"):
        create_app(replace(settings, identity_hook="no_such_module:identify"))


def test_token_requests_are_rate_limited_per_address(server_factory):
    server = server_factory(token_rate=6, token_burst=3)  # 6 a minute: none comes back during the test
    for _ in range(3):
        assert requests.get(f"{server.url}/token", timeout=5).status_code == 200
    limited = requests.get(f"{server.url}/token", timeout=5)
    assert_twilio_error(limited, 429, 20429)
    assert int(limited.headers["Retry-After"]) >= 1
    spoofed = requests.get(f"{server.url}/token", headers={"X-Forwarded-For": "203.0.113.9"}, timeout=5)
    assert_twilio_error(spoofed, 429, 20429)  # without PROXY_HOPS the header changes nothing


def test_behind_a_proxy_the_limit_sees_each_real_address(server_factory):
    server = server_factory(token_rate=6, token_burst=1, proxy_hops=1)
    first = {"X-Forwarded-For": "203.0.113.1"}
    assert requests.get(f"{server.url}/token", headers=first, timeout=5).status_code == 200
    assert_twilio_error(requests.get(f"{server.url}/token", headers=first, timeout=5), 429, 20429)
    second = {"X-Forwarded-For": "203.0.113.2"}
    assert requests.get(f"{server.url}/token", headers=second, timeout=5).status_code == 200
    # A client that puts its own X-Forwarded-For in front does not get a fresh bucket: the
    # proxy appends the real address, and only that last one is trusted.
    chained = {"X-Forwarded-For": "198.51.100.7, 203.0.113.1"}
    assert_twilio_error(requests.get(f"{server.url}/token", headers=chained, timeout=5), 429, 20429)


def test_behind_an_https_proxy_cookies_urls_and_hsts_follow_the_public_scheme(server_factory):
    server = server_factory(proxy_hops=1)
    https = {"X-Forwarded-Proto": "https"}
    response = requests.get(f"{server.url}/token", headers=https, timeout=5)
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    channel = create_channel(server, https)
    assert channel.json()["url"].startswith("https://")


def create_channel(server, headers: dict) -> requests.Response:
    settings = server.settings
    return requests.post(
        f"{server.url}/v2/Services/{settings.service_sid}/Channels",
        data={"UniqueName": "room"},
        auth=(settings.account_sid, settings.auth_token),
        headers=headers,
        timeout=5,
    )


def test_without_proxy_hops_forwarded_headers_change_nothing(server):
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.1"}
    response = requests.get(f"{server.url}/token", headers=https, timeout=5)
    assert "Secure" not in response.headers["Set-Cookie"]
    assert "Strict-Transport-Security" not in response.headers
    channel = create_channel(server, https)
    assert channel.json()["url"].startswith("http://127.0.0.1")


def test_unknown_paths_and_methods_are_twilio_errors(server):
    assert_twilio_error(requests.get(f"{server.url}/nope", timeout=5), 404, 20404)
    assert_twilio_error(requests.post(f"{server.url}/token", timeout=5), 405, 20405)


def test_page_headers_forbid_inline_scripts_and_sniffing(server):
    response = requests.get(server.url + "/", timeout=5)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.text  # only <script src=...>
