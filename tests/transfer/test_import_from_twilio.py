"""`python -m chat import-from-twilio` against a second live instance of this server (it speaks
Twilio's wire format), through a proxy that can answer 429 or go away mid-way."""

import json

import pytest
from flaky_proxy import FlakyProxy
from live_server import LiveServer, make_settings
from test_export_import import fresh_db
from transfer_helpers import chat, export, fill, settings_db


@pytest.fixture
def source(tmp_path):
    folder = tmp_path / "source"
    folder.mkdir()
    live = LiveServer(make_settings(folder))
    fill(live)
    for number in range(4):  # more channels, so that a run can stop between two
        fill_more(live, number)
    proxy = FlakyProxy(live.url)
    yield live, proxy
    proxy.stop()
    live.stop()


def fill_more(live, number: int) -> None:
    import requests

    base = f"{live.url}/v2/Services/{live.settings.service_sid}"
    auth = (live.settings.account_sid, live.settings.auth_token)
    requests.post(f"{base}/Channels", data={"UniqueName": f"room{number}"}, auth=auth, timeout=10)
    for index in range(3):
        requests.post(
            f"{base}/Channels/room{number}/Messages", data={"Body": f"{number}.{index}"}, auth=auth, timeout=10
        )


def from_twilio(live, url: str, target: dict, token: str | None = None):
    return chat(
        "import-from-twilio", "--account-sid", live.settings.account_sid, "--auth-token", token or live.settings.auth_token,
        "--service", live.settings.service_sid, "--base-url", url, "--pace", "200", **target,
    )  # fmt: skip


def comparable(lines: list[str]) -> list[dict]:
    """An export with what Twilio's JSON cannot carry taken out: milliseconds of dates, users'
    channel counts, picture bytes (a Twilio-compatible media service is not part of this server)."""
    kept = []
    for text in lines:
        line = json.loads(text)
        if line["type"] in ("end", "media"):
            continue
        data = line["data"]
        for key, value in list(data.items()):
            if key.startswith("date_") or key == "last_consumption_timestamp":
                data[key] = value and value[:19]
        line.pop("extra", None)
        if line["type"] == "message" and data.get("media"):
            data["media"] = data["media"]["sid"]
        kept.append(line)
    return kept


def test_a_service_comes_over_whole(source, tmp_path):
    live, proxy = source
    target = fresh_db(tmp_path, "target")
    done = from_twilio(live, proxy.url, target)
    assert done.returncode == 0, done.stderr
    assert "6 channels" in done.stdout and "20 messages" in done.stdout
    assert comparable(export(**target)) == comparable(export(**settings_db(live.settings)))
    again = from_twilio(live, proxy.url, target)  # nothing new: nothing written
    assert again.returncode == 0 and again.stdout.startswith("Created nothing."), again.stdout


def test_an_interrupted_run_goes_on_where_it_stopped(source, tmp_path):
    live, proxy = source
    target = fresh_db(tmp_path, "target")
    proxy.fail_after = 14  # the source goes away after the service, roles, users and a few channels
    cut = from_twilio(live, proxy.url, target)
    assert (
        cut.returncode == 1 and "the source answered HTTP 503" in cut.stderr and "running again goes on" in cut.stderr
    )
    halfway = [json.loads(line) for line in export(**target)]
    assert 0 < sum(line["type"] == "channel" for line in halfway) < 6
    proxy.fail_after = None
    done = from_twilio(live, proxy.url, target)
    assert done.returncode == 0, done.stderr
    assert comparable(export(**target)) == comparable(export(**settings_db(live.settings)))


def test_a_source_answering_429_is_waited_out(source, tmp_path):
    live, proxy = source
    target = fresh_db(tmp_path, "target")
    proxy.too_many = 3
    done = from_twilio(live, proxy.url, target)
    assert done.returncode == 0, done.stderr
    assert done.stderr.count("(429): waiting 1 s") == 3
    assert comparable(export(**target)) == comparable(export(**settings_db(live.settings)))


def test_wrong_credentials_write_nothing(source, tmp_path):
    live, proxy = source
    target = fresh_db(tmp_path, "target")
    done = from_twilio(live, proxy.url, target, token="wrong")
    assert done.returncode == 1 and "the source refused the credentials (401)" in done.stderr
    assert export(**target) == ['{"type":"end","lines":1}']
