"""Post-event logger: writes every post-event webhook to a JSON-lines file, after checking
its X-Twilio-Signature with twilio-python's RequestValidator.

A request with a bad or missing signature gets 403 and is not logged. Deliveries can be
retried, so each carries an I-Twilio-Idempotency-Token: the logger writes a retried delivery
it already has only once. Works with WebhookMethod POST or GET.

Run: python examples/post_event_logger.py   (reads the chat server's .env; listens on port 5003,
writes webhooks.jsonl)
"""

import json
import logging
import os
import threading
from collections import OrderedDict

from flask import Flask, request
from twilio.request_validator import RequestValidator

REMEMBERED = 10_000  # idempotency tokens kept to spot repeats


def signed_url() -> str:
    """The URL the request was signed for (request.url would decode the query string)."""
    query = request.query_string.decode()
    return request.base_url + ("?" + query if query else "")


def create_app(auth_token: str, log_path: str = "webhooks.jsonl") -> Flask:
    app = Flask(__name__)
    validator = RequestValidator(auth_token)
    seen: OrderedDict[str, None] = OrderedDict()
    lock = threading.Lock()

    @app.route("/post-event", methods=["GET", "POST"])
    def post_event():
        params = request.form if request.method == "POST" else {}
        if not validator.validate(signed_url(), params, request.headers.get("X-Twilio-Signature", "")):
            app.logger.warning("refused a request with a bad signature from %s", request.remote_addr)
            return "bad signature", 403
        fields = (request.form if request.method == "POST" else request.args).to_dict()
        token = request.headers.get("I-Twilio-Idempotency-Token", "")
        with lock:
            if token and token in seen:
                return "", 200  # a retry of something already logged
            if token:
                seen[token] = None
                if len(seen) > REMEMBERED:
                    seen.popitem(last=False)
            with open(log_path, "a", encoding="utf-8") as log:
                log.write(json.dumps({"token": token, **fields}, ensure_ascii=False) + "\n")
        return "", 200

    return app


if __name__ == "__main__":
    from dotenv import load_dotenv

    load_dotenv()
    logging.basicConfig(level=logging.INFO)
    create_app(os.environ["TWILIO_AUTH_TOKEN"], os.environ.get("LOG_PATH", "webhooks.jsonl")).run(
        port=int(os.environ.get("BOT_PORT", "5003"))
    )
