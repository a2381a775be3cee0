"""How fast a client that missed 10,000 events catches up: store 10,000 messages in a channel,
then time a socket that says hello with since=0 until every messageAdded has arrived."""

import json
import os
import sys
import threading
import time

import websocket
from werkzeug.serving import make_server

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from fresh_settings import fresh_settings  # noqa: E402

from chat import create_app, tokens  # noqa: E402
from chat.actions import channels, messages  # noqa: E402
from chat.context import Actor  # noqa: E402

MISSED = 10_000


def main() -> None:
    settings = fresh_settings("replay", send_queue_size=20_000)
    app = create_app(settings)
    chat = app.extensions["chat"]
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    account = Actor(None, "rest")
    channels.create(chat, account, settings.service_sid, unique_name="history")
    token = tokens.mint(settings, "reader")

    ws = websocket.create_connection(f"ws://127.0.0.1:{server.server_port}/ws", timeout=30)
    ws.send(json.dumps({"id": 1, "cmd": "hello", "args": {"token": token, "since": None}}))
    json.loads(ws.recv())
    ws.send(json.dumps({"id": 2, "cmd": "channel.join", "args": {"channel": "history"}}))
    since = None
    while since is None:
        frame = json.loads(ws.recv())
        since = frame.get("seq") if frame.get("event") == "channelJoined" else None
    ws.close()

    started = time.perf_counter()
    for number in range(MISSED):
        messages.send(chat, account, settings.service_sid, "history", body=f"message {number}", author="writer")
    ingest = MISSED / (time.perf_counter() - started)

    ws = websocket.create_connection(f"ws://127.0.0.1:{server.server_port}/ws", timeout=30)
    started = time.perf_counter()
    ws.send(json.dumps({"id": 1, "cmd": "hello", "args": {"token": token, "since": since}}))
    received = 0
    while received < MISSED:
        if '"messageAdded"' in ws.recv():
            received += 1
    replay = time.perf_counter() - started
    ws.close()
    server.shutdown()
    chat.close()
    print(
        f"replay of {MISSED} missed events: {replay:.2f} s ({MISSED / replay:,.0f} events/s); "
        f"sequential acknowledged sends in-process: {ingest:,.0f} messages/s"
    )


if __name__ == "__main__":
    main()
