"""`python -m chat export` and `import`: a round trip keeps everything (SIDs, indexes, dates, read
horizons, pictures), a second import changes nothing, an import goes into a chat in use without
webhooks or new-message events, and bad files are refused with the line named."""

import json
from dataclasses import replace

import databases
import pytest
import requests
from live_server import LiveServer, make_settings
from transfer_helpers import JAPANESE, chat, export, fill, listings, settings_db
from webhook_receiver import Receiver


def fresh_db(tmp_path, name: str) -> dict:
    """Another database on the backend the suite runs on."""
    if databases.BACKEND == "postgres":
        return {"url": databases.url_for(tmp_path / name)}
    return {"path": str(tmp_path / f"{name}.db")}


@pytest.fixture
def filled(tmp_path):
    """A stopped server's database holding a chat with every kind of object."""
    settings = make_settings(tmp_path)
    live = LiveServer(settings)
    try:
        fill(live)
    finally:
        live.stop()
    return settings


def test_export_then_import_then_export_gives_the_same_file(filled, tmp_path):
    first = export(**settings_db(filled))
    kinds = {json.loads(line)["type"] for line in first}
    assert kinds == {"service", "role", "user", "channel", "webhook", "member", "invite", "media", "message", "end"}
    assert any(JAPANESE in line for line in first)  # written as text, not \u escapes
    done = chat("export", "-o", str(tmp_path / "chat-export.jsonl"), **settings_db(filled))
    assert done.returncode == 0, done.stderr

    target = fresh_db(tmp_path, "copy")
    chat("migrate", **target)
    imported = chat("import", str(tmp_path / "chat-export.jsonl"), **target)
    assert imported.returncode == 0, imported.stderr
    assert "2 channels" in imported.stdout and "8 messages" in imported.stdout and "1 media" in imported.stdout
    assert export(**target) == first

    again = chat("import", str(tmp_path / "chat-export.jsonl"), **target)  # idempotent
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith("Created nothing.")
    assert export(**target) == first


def test_the_imported_chat_answers_as_the_original_did(filled, tmp_path):
    original = LiveServer(filled)
    try:
        before = listings(original)
    finally:
        original.stop()
    (tmp_path / "out.jsonl").write_text(chat("export", **settings_db(filled)).stdout)
    target = fresh_db(tmp_path, "copy")
    assert chat("import", str(tmp_path / "out.jsonl"), **target).returncode == 0
    settings = replace(
        filled, database_path=target.get("path", filled.database_path), database_url=target.get("url", "")
    )
    restored = LiveServer(settings)
    try:
        assert listings(restored) == before
    finally:
        restored.stop()


def test_import_into_a_chat_in_use_fires_no_webhooks_and_sends_no_messages(filled, tmp_path, ws_factory):
    (tmp_path / "out.jsonl").write_text(chat("export", **settings_db(filled)).stdout)
    receiver = Receiver()
    try:
        # The instance that takes the chat in serves the same service SID, and has a channel of its own.
        folder = tmp_path / "target"
        folder.mkdir()
        settings = make_settings(folder, service_sid=filled.service_sid, account_sid=filled.account_sid)
        target = LiveServer(settings)
        try:
            auth = (settings.account_sid, settings.auth_token)
            base = f"{target.url}/v2/Services/{settings.service_sid}"
            hooked = requests.post(base, data={"PostWebhookUrl": receiver.url()}, auth=auth, timeout=10)
            assert hooked.status_code == 200
            requests.post(f"{base}/Channels", data={"UniqueName": "lobby"}, auth=auth, timeout=10)
            requests.post(f"{base}/Channels/lobby/Members", data={"Identity": "alice"}, auth=auth, timeout=10)
            alice = ws_factory("alice", live=target)

            done = chat("import", str(tmp_path / "out.jsonl"), **settings_db(settings))
            assert done.returncode == 0, done.stderr
            assert "service user" in done.stdout  # its default roles stand in for the file's

            # Something new in the lobby: the hub reads the log up to it, imported events included.
            hooks = {"X-Twilio-Webhook-Enabled": "true"}
            requests.post(
                f"{base}/Channels/lobby/Messages",
                data={"Body": "after", "From": "alice"},
                auth=auth,
                headers=hooks,
                timeout=10,
            )
            alice.event("messageAdded", body="after")
            assert alice.event("channelAdded", unique_name="general")
            assert alice.event("channelJoined", unique_name="secret")
            assert not [event for event in alice.events if event["event"] == "messageAdded"]

            mine = requests.get(f"{base}/Users/alice/Channels", auth=auth, timeout=10).json()["channels"]
            assert len(mine) == 3
            history = requests.get(f"{base}/Channels/general/Messages", auth=auth, timeout=10).json()["messages"]
            assert [message["index"] for message in history] == list(range(7))
            sent = receiver.wait_for(1, event="onMessageSent")
            assert [call.params["Body"] for call in sent] == ["after"]  # none for the imported history
        finally:
            target.stop()
    finally:
        receiver.stop()


def test_a_file_from_sqlite_imports_into_postgres_and_back(filled, tmp_path):
    on_sqlite = {"path": str(tmp_path / "from.db")}
    original = export(**settings_db(filled))
    header = chat("export", **settings_db(filled)).stdout.splitlines()[0]
    (tmp_path / "a.jsonl").write_text("\n".join([header, *original]) + "\n")
    on_postgres = {"url": databases.url_for(tmp_path / "pg")}
    assert chat("import", str(tmp_path / "a.jsonl"), **on_postgres).returncode == 0
    assert export(**on_postgres) == original
    (tmp_path / "b.jsonl").write_text("\n".join([header, *export(**on_postgres)]) + "\n")
    assert chat("import", str(tmp_path / "b.jsonl"), **on_sqlite).returncode == 0
    assert export(**on_sqlite) == original


def test_pictures_can_travel_as_files_beside_the_export(filled, tmp_path):
    out = tmp_path / "side" / "chat.jsonl"
    out.parent.mkdir()
    done = chat("export", "-o", str(out), "--media-dir", "pictures", **settings_db(filled))
    assert done.returncode == 0, done.stderr
    media = [json.loads(line) for line in out.read_text().splitlines() if '"type":"media"' in line]
    assert media and media[0]["file"].startswith("pictures/") and "content" not in media[0]
    target = fresh_db(tmp_path, "copy")
    assert chat("import", str(out), **target).returncode == 0
    assert export(**target) == export(**settings_db(filled))


def bad(tmp_path, lines: list[str], name: str = "bad.jsonl") -> str:
    (tmp_path / name).write_text("\n".join(lines) + "\n")
    return str(tmp_path / name)


def test_bad_files_are_refused_naming_the_line_and_half_channels_are_not_written(filled, tmp_path):
    good = chat("export", **settings_db(filled)).stdout.splitlines()
    messages = [number for number, line in enumerate(good) if '"type":"message"' in line]
    target = fresh_db(tmp_path, "copy")

    def run(lines, name="bad.jsonl"):
        return chat("import", bad(tmp_path, lines, name), **target)

    cut = run(good[: messages[3]] + [good[messages[3]][:40]])  # cut in the middle of a line
    assert cut.returncode == 1 and f"line {messages[3] + 1}: not JSON" in cut.stderr
    assert "general" not in export(**target).__str__()  # the channel it was cut in is not there

    short = run(good[: messages[3]])  # cut at the end of a line
    assert short.returncode == 1 and "without its end line" in short.stderr

    version = run([good[0].replace('"version":1', '"version":7'), *good[1:]])
    assert version.returncode == 1 and "line 1: format version 7" in version.stderr

    not_export = run(['{"hello": "world"}'])
    assert not_export.returncode == 1 and "line 1: the first line must name the format" in not_export.stderr

    wrong = json.loads(good[messages[1]])
    wrong["data"]["index"] = "three"
    shape = run([*good[: messages[1]], json.dumps(wrong), *good[messages[1] + 1 :]])
    assert shape.returncode == 1 and f"line {messages[1] + 1}: index must be a number" in shape.stderr

    unknown = run([*good[:2], '{"type": "emoji", "data": {}}', *good[2:]])
    assert unknown.returncode == 1 and "line 3: unknown type 'emoji'" in unknown.stderr

    # A message SID already stored for another message: that channel is refused, whole.
    assert chat("import", bad(tmp_path, good, "good.jsonl"), **target).returncode == 0
    before = export(**target)
    clash = json.loads(good[messages[0]])
    parsed = [json.loads(line) for line in good]
    channel_line = next(line for line in parsed if line.get("type") == "channel")
    service_line = next(line for line in parsed if line.get("type") == "service")
    channel_line["data"].update(sid="CH" + "0" * 32, unique_name="another")
    clash["data"].update(channel_sid="CH" + "0" * 32)
    lines = [good[0], json.dumps(service_line), json.dumps(channel_line), json.dumps(clash)]
    refused = run([*lines, json.dumps({"type": "end", "lines": 4})])
    assert refused.returncode == 1, refused.stderr
    assert "Refused line 4: a message of line 4 clashes with one stored already" in refused.stdout
    assert "channel CH00000000000000000000000000000000 left out" in refused.stdout
    assert export(**target) == before  # nothing of the refused channel
