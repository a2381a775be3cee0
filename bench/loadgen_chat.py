"""The shared load generator with our protocol's adapter registered (run with the bench env's
Python: it needs aiohttp, orjson and psutil)."""

import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SHARED = os.environ.get("SHARED_BENCH", os.path.join(HERE, "..", "..", "shared", "bench"))
sys.path[:0] = [HERE, os.path.join(SHARED, "loadgen")]

import adapters  # noqa: E402  (the shared generator's adapter table)
from chat_adapter import ChatWs  # noqa: E402

adapters.ADAPTERS[ChatWs.name] = ChatWs()

import loadgen  # noqa: E402

if __name__ == "__main__":
    loadgen.main(sys.argv[1:])
