"""`python -m chat.webhooks`: the delivery log and re-delivery, run as a separate process next
to a running server, as an admin would."""

import json
import subprocess
import sys

from webhook_receiver import configure, deliveries, wait_until


def run(server, *args) -> str:
    settings = server.settings
    database = (
        ["--database-url", settings.database_url] if settings.database_url else ["--database", settings.database_path]
    )
    done = subprocess.run(
        [sys.executable, "-m", "chat.webhooks", *database, *args],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def test_the_log_shows_failures_and_redeliver_sends_them_again(server, receiver, room):
    alice, _ = room
    receiver.answer = lambda call: 500
    configure(server, post_webhook_url=receiver.url(), webhook_filters=["onMessageSent"])
    alice.call("message.send", channel="room", body="hello")
    wait_until(lambda: deliveries(server)[0]["status"] == "failed", message="failed")
    (line,) = [line for line in run(server, "log").splitlines() if "onMessageSent" in line]
    assert "failed" in line and "1/1" in line and "500" in line and receiver.url() in line and "HTTP 500" in line
    (row,) = [json.loads(line) for line in run(server, "log", "--json", "--status", "failed").splitlines()]
    assert row["params"]["Body"] == "hello" and row["attempts"] == 1
    receiver.answer = lambda call: 200
    assert "Queued 1" in run(server, "redeliver", str(row["id"]))
    wait_until(lambda: deliveries(server)[0]["status"] == "delivered", message="redelivered")
    first, second = receiver.wait_for(2)
    assert first.headers["I-Twilio-Idempotency-Token"] == second.headers["I-Twilio-Idempotency-Token"]
    assert "delivered" in run(server, "log", "--status", "delivered")
    assert "Queued 0" in run(server, "redeliver", "--failed")
    assert "Deleted 0" in run(server, "prune", "--days", "1")
    assert "Deleted 1" in run(server, "prune", "--days", "0")
    assert deliveries(server) == []


def test_a_missing_database_is_an_error_not_a_new_file(tmp_path):
    done = subprocess.run(
        [sys.executable, "-m", "chat.webhooks", "--database", str(tmp_path / "nope.db"), "log"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2 and "No database" in done.stderr and not (tmp_path / "nope.db").exists()
