"""A client of the /ws protocol for tests, over websocket-client."""

import json
import threading
import time

import websocket


class WsClient:
    """A protocol client over websocket-client: `call` waits for the matching reply and keeps
    events that arrive meanwhile for `event`."""

    def __init__(self, url: str, **options):
        self.ws = websocket.create_connection(url, timeout=10, **options)
        self.next_id = 0
        self.events: list[dict] = []
        self.replies: dict = {}

    def send_raw(self, text: str) -> None:
        self.ws.send(text)

    def read(self, timeout: float = 10) -> dict:
        self.ws.settimeout(timeout)
        text = self.ws.recv()
        frame = json.loads(text)
        if isinstance(frame, list):  # protocol 2's event frame, kept with its size on the wire
            frame = {"event": frame[0], "seq": frame[1], "data": frame[2], "text_bytes": len(text.encode())}
        if "reply" in frame:
            self.replies[frame["reply"]] = frame
        else:
            self.events.append(frame)
        return frame

    def request(self, cmd: str, **args) -> dict:
        self.next_id += 1
        ident = self.next_id
        self.ws.send(json.dumps({"id": ident, "cmd": cmd, "args": args}))
        deadline = time.monotonic() + 10
        while ident not in self.replies:
            self.read(max(0.1, deadline - time.monotonic()))
        return self.replies.pop(ident)

    def call(self, cmd: str, **args):
        frame = self.request(cmd, **args)
        assert "error" not in frame, frame
        return frame["result"]

    def event(self, name: str, timeout: float = 10, **match) -> dict:
        """The first unconsumed event called `name` whose data has the `match` items."""
        deadline = time.monotonic() + timeout
        while True:
            for frame in self.events:
                if frame["event"] == name and all(frame["data"].get(k) == v for k, v in match.items()):
                    self.events.remove(frame)
                    return frame
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    f"no {name} event {match} within {timeout}s; have {[e['event'] for e in self.events]}"
                )
            self.read(remaining)

    def close(self) -> None:
        self.ws.close(timeout=1)
        self.ws.shutdown()  # close() skips the socket when the server already ended the connection


class Listener:
    """A socket read continuously on its own thread, as a live client does (a socket nobody
    reads stalls in TCP flow control), keeping the messageAdded events as (seq, body)."""

    def __init__(self, url: str, token: str, since: int | None = None):
        self.client = WsClient(url)
        self.hello = self.client.call("hello", token=token, since=since)
        self.messages: list[tuple[int, str]] = []
        self._arrived = threading.Condition()
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        # Frames that arrived with the hello reply were kept by call().
        for frame in self.client.events:
            self._keep(frame)
        while True:
            try:
                frame = json.loads(self.client.ws.recv())
            except (websocket.WebSocketException, OSError, ValueError):
                return
            self._keep(frame)

    def _keep(self, frame: dict) -> None:
        if frame.get("event") == "messageAdded":
            with self._arrived:
                self.messages.append((frame["seq"], frame["data"]["body"]))
                self._arrived.notify_all()

    def stream(self, count: int, timeout: float = 30) -> list[tuple[int, str]]:
        """The messages so far, once there are `count` (or the timeout passed)."""
        with self._arrived:
            self._arrived.wait_for(lambda: len(self.messages) >= count, timeout=timeout)
            return list(self.messages)

    def close(self) -> None:
        self.client.close()
        self._reader.join(timeout=5)


def close_code(client: WsClient, timeout: float = 10) -> int | None:
    """Read until the server closes (ignoring replies and pings); its close code, or None if the
    connection just ended."""
    client.ws.settimeout(timeout)
    while True:
        try:
            opcode, data = client.ws.recv_data(control_frame=True)
        except (websocket.WebSocketConnectionClosedException, ConnectionError):
            return None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            return int.from_bytes(data[:2], "big")
