"""Our /ws protocol as an adapter for the shared load generator (../shared/bench/loadgen).

Each connection authenticates with its own access token (minted here with the server's
credentials, in Twilio's format), joins the room channel and sends through `message.send`; the
generator's payload travels in the message body and comes back in `messageAdded`.
"""

import base64
import hashlib
import hmac
import itertools
import json
import os
import time

try:  # the shared adapters decode with orjson when the bench environment has it: so do we
    from orjson import loads
except ImportError:  # pragma: no cover
    from json import loads

MSG = 1
PROTOCOL = int(os.environ.get("BENCH_PROTOCOL", "2"))  # 2: lean event frames (docs/protocol.md)
BODY_KEY = '"body":'
STRING = json.JSONDecoder()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def mint(identity: str) -> str:
    """An access token for `identity` from the BENCH_* credentials the runner exported."""
    now = int(time.time())
    header = {"alg": "HS256", "cty": "twilio-fpa;v=1", "typ": "JWT"}
    claims = {
        "jti": f"{os.environ['BENCH_API_KEY']}-{now}",
        "iss": os.environ["BENCH_API_KEY"],
        "sub": os.environ["BENCH_ACCOUNT_SID"],
        "nbf": now,
        "exp": now + 3600,
        "grants": {"identity": identity, "chat": {"service_sid": os.environ["BENCH_SERVICE_SID"]}},
    }
    signing_input = _b64(json.dumps(header).encode()) + "." + _b64(json.dumps(claims).encode())
    signature = hmac.new(os.environ["BENCH_API_SECRET"].encode(), signing_input.encode(), hashlib.sha256).digest()
    return signing_input + "." + _b64(signature)


class ChatWs:
    name = "twiliochat"
    echo_to_sender = True

    def __init__(self):
        self._numbers = itertools.count()

    def url(self, base):
        return base.rstrip("/") + "/ws"

    async def handshake(self, conn, room):
        """Upgrade, hello, join. The room and its members exist (bench/run.py makes them first).
        `join` is sent right behind `hello`, as a client may (a socket's commands run in order):
        one round trip, as socket.io's join takes."""
        token = mint(f"bench{next(self._numbers)}")
        hello = {"id": 1, "cmd": "hello", "args": {"token": token, "since": None, "protocol": PROTOCOL}}
        join = {"id": 2, "cmd": "channel.join", "args": {"channel": room}}
        await conn.send(json.dumps(hello))
        await conn.send(json.dumps(join))
        while True:
            frame = loads(await conn.recv())
            if isinstance(frame, dict) and "error" in frame:
                raise RuntimeError(f"{'hello' if frame.get('reply') == 1 else 'join'} failed: {frame['error']}")
            if isinstance(frame, dict) and frame.get("reply") == 2:
                return

    def encode(self, room, payload):
        body = json.dumps(payload, separators=(",", ":"))
        return json.dumps({"id": 0, "cmd": "message.send", "args": {"channel": room, "body": body}})

    def decode(self, text):
        """The payload from a messageAdded frame: protocol 2's
        `["messageAdded", seq, [sid, channel, index, from, body, ...]]`, or protocol 1's object
        (BENCH_PROTOCOL=1), of which only the body is decoded: the generator shares two cores
        with the server, and decoding every field of a large frame would measure the generator."""
        if PROTOCOL == 2:
            if not text.startswith('["messageAdded"'):
                return None
            return MSG, loads(loads(text)[2][4])
        if '"event":"messageAdded"' not in text:
            return None
        at = text.find(BODY_KEY)  # the message's body: JSON strings inside escape their quotes
        body, _ = STRING.raw_decode(text, at + len(BODY_KEY))
        return MSG, loads(body)
