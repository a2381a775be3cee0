"""Link bot: a pre-event webhook that rewrites messages by answering 200 with JSON.

- Bare web addresses get a scheme: "see example.com/docs" → "see https://example.com/docs".
- Issue references become links when ISSUES_URL is set: "#12" → "https://tracker.example/issues/12".
- Image shortcodes insert a picture: ":shipit:" becomes the image's URL in the body, and the URL
  is listed in the message attributes under "images" for clients that show them inline.

The answer names only what changes ({"body": ..., "attributes": {...}}); an empty 200 lets the
message through as it is. Edits (onMessageUpdate) are rewritten the same way.

Run: python examples/link_bot.py   (reads the chat server's .env; listens on port 5002)
"""

import json
import os
import re

from flask import Flask, abort, jsonify, request
from twilio.request_validator import RequestValidator

IMAGES = {
    "shipit": "https://octodex.github.com/images/shipit.png",
    "tada": "https://github.githubassets.com/images/icons/emoji/unicode/1f389.png",
}
BARE_ADDRESS = re.compile(r"(?<![\w/@.:])((?:[a-z0-9-]+\.)+(?:com|org|net|io|dev|jp|app)(?:/[^\s]*)?)", re.IGNORECASE)
ISSUE = re.compile(r"(?<![\w&/])#(\d+)\b")
SHORTCODE = re.compile(r":([a-z0-9_+-]+):")


def rewrite(body: str, issues_url: str | None = None) -> tuple[str, list[str]]:
    """The rewritten body and the images it now holds."""
    images: list[str] = []

    def image(match: re.Match) -> str:
        url = IMAGES.get(match[1])
        if url is None:
            return match[0]
        images.append(url)
        return url

    body = BARE_ADDRESS.sub(lambda m: "https://" + m[1], body)
    if issues_url:
        body = ISSUE.sub(lambda m: f"{issues_url.rstrip('/')}/{m[1]}", body)
    body = SHORTCODE.sub(image, body)
    return body, images


def signed_url() -> str:
    query = request.query_string.decode()
    return request.base_url + ("?" + query if query else "")


def create_app(auth_token: str, issues_url: str | None = None) -> Flask:
    app = Flask(__name__)
    validator = RequestValidator(auth_token)

    @app.post("/pre-event")
    def pre_event():
        if not validator.validate(signed_url(), request.form, request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        form = request.form
        if form.get("EventType") not in ("onMessageSend", "onMessageUpdate") or "Body" not in form:
            return "", 200
        body, images = rewrite(form["Body"], issues_url)
        if body == form["Body"]:
            return "", 200
        answer = {"body": body}
        if images:
            attributes = json.loads(form.get("Attributes") or "{}")
            attributes["images"] = images
            answer["attributes"] = attributes
        return jsonify(answer)

    return app


if __name__ == "__main__":
    from dotenv import load_dotenv

    load_dotenv()
    create_app(os.environ["TWILIO_AUTH_TOKEN"], os.environ.get("ISSUES_URL")).run(
        port=int(os.environ.get("BOT_PORT", "5002"))
    )
