"""GET /token as the quickstart served it, its bad input, and the headers every page carries."""

import requests

from chat.tokens import verify


def test_token_without_identity_gets_a_random_readable_name(server):
    response = requests.get(f"{server.url}/token", params={"device": "browser"}, timeout=5)
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    body = response.json()
    assert set(body) == {"identity", "token"}
    assert body["identity"].isalnum() and body["identity"][0].isupper()
    grant = verify(server.settings, body["token"])
    assert grant.identity == body["identity"] and grant.endpoint_id.endswith(f":{body['identity']}:browser")
    names = {requests.get(f"{server.url}/token", timeout=5).json()["identity"] for _ in range(5)}
    assert len(names) > 1  # random, not one fixed name


def test_chosen_identity_is_kept(server):
    body = requests.get(
        f"{server.url}/token", params={"identity": "alice.smith@example", "device": "x"}, timeout=5
    ).json()
    assert body["identity"] == "alice.smith@example"


def assert_twilio_error(response, status: int, code: int) -> None:
    assert response.status_code == status
    assert response.headers["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "more_info", "status"}
    assert body["code"] == code and body["status"] == status and "Traceback" not in body["message"]
    assert body["more_info"] == f"https://www.twilio.com/docs/errors/{code}"


def test_bad_identity_or_device_is_a_400(server):
    for params in ({"identity": "<script>"}, {"identity": "x" * 65}, {"identity": " lead"}, {"device": "a b"}):
        assert_twilio_error(requests.get(f"{server.url}/token", params=params, timeout=5), 400, 20001)


def test_client_chosen_identities_can_be_switched_off(server_factory):
    server = server_factory(allow_client_identity=False)
    assert_twilio_error(requests.get(f"{server.url}/token", params={"identity": "alice"}, timeout=5), 400, 20001)
    assert requests.get(f"{server.url}/token", timeout=5).status_code == 200


def test_unknown_paths_and_methods_are_twilio_errors(server):
    assert_twilio_error(requests.get(f"{server.url}/nope", timeout=5), 404, 20404)
    assert_twilio_error(requests.post(f"{server.url}/token", timeout=5), 405, 20405)


def test_page_headers_forbid_inline_scripts_and_sniffing(server):
    response = requests.get(server.url + "/", timeout=5)
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.text  # only <script src=...>
