"""The curl walk-through in docs/api.md, run as written against a live server."""

import json
import os
import re
import subprocess
from pathlib import Path

API_DOC = Path(__file__).resolve().parents[2] / "docs" / "api.md"


def test_every_curl_example_in_the_api_doc_succeeds(server):
    blocks = re.findall(r"```sh\n(.*?)```", API_DOC.read_text(), re.S)
    assert len(blocks) >= 5
    settings = server.settings
    env = {
        **os.environ,
        "BASE": server.url,
        "TWILIO_ACCOUNT_SID": settings.account_sid,
        "TWILIO_AUTH_TOKEN": settings.auth_token,
        "TWILIO_API_KEY": settings.api_key,
        "TWILIO_API_SECRET": settings.api_secret,
        "TWILIO_IPM_SERVICE_SID": settings.service_sid,
    }
    outputs = []
    for block in blocks:
        # --fail-with-body makes an HTTP error fail the command; the examples stay as a reader types them.
        script = "set -e\n" + block.replace("curl ", "curl -sS --fail-with-body ")
        done = subprocess.run(["bash", "-c", script], env=env, capture_output=True, text=True, timeout=30)
        assert done.returncode == 0, (block, done.stdout, done.stderr)
        outputs.append(done.stdout)
    newest = json.loads(outputs[1])["messages"][0]
    assert (newest["body"], newest["from"], json.loads(newest["attributes"])) == (
        "Hello from curl",
        "alice",
        {"importance": "high"},
    )
    assert json.loads(outputs[2])["last_consumed_message_index"] == 0
