"""Translate bot: a pre-event webhook that stops English messages and re-sends them in Japanese.

Alice types "Good morning"; the bot answers the pre-event call with 403 (so her original is never
stored) after sending the translation through the REST API as Alice. Everyone sees
"おはようございます" from Alice. REST actions fire no pre-event webhooks, so the re-sent message
does not come back to the bot.

The demo translator is a tiny offline phrase table. Plug in a real one with
`create_app(..., translate=my_function)`, or `TRANSLATOR=package.module:function` when run as a
script; it takes the text and returns the translation, or None to let the message through.

Run: python examples/translate_bot.py   (reads the chat server's .env; listens on port 5001)
"""

import importlib
import json
import os
import re
from collections.abc import Callable

from flask import Flask, abort, request
from twilio.request_validator import RequestValidator
from twilio.rest import Client

PHRASES = {
    "hello": "こんにちは",
    "hi": "やあ",
    "good morning": "おはようございます",
    "good evening": "こんばんは",
    "good night": "おやすみなさい",
    "goodbye": "さようなら",
    "see you tomorrow": "また明日",
    "thank you": "ありがとうございます",
    "thanks": "ありがとう",
    "how are you": "お元気ですか",
    "nice to meet you": "はじめまして",
    "excuse me": "すみません",
    "i am hungry": "お腹が空きました",
    "where is the station": "駅はどこですか",
    "yes": "はい",
    "no": "いいえ",
}
PUNCTUATION = {"?": "？", "!": "！", ".": "。"}


def phrasebook(text: str) -> str | None:
    """English → Japanese for the phrases above (case and end punctuation ignored)."""
    match = re.fullmatch(r"\s*(.*?)\s*([?!.]?)\s*", text, re.DOTALL)
    phrase = re.sub(r"\s+", " ", match[1]).lower().rstrip(",")
    translated = PHRASES.get(phrase)
    return None if translated is None else translated + PUNCTUATION.get(match[2], "")


def signed_url() -> str:
    """The URL the request was signed for (request.url would decode the query string)."""
    query = request.query_string.decode()
    return request.base_url + ("?" + query if query else "")


def create_app(
    chat_url: str, account_sid: str, auth_token: str, service_sid: str, translate: Callable = phrasebook
) -> Flask:
    app = Flask(__name__)
    validator = RequestValidator(auth_token)
    client = Client(account_sid, auth_token)
    client.chat.base_url = chat_url.rstrip("/")  # this server instead of chat.twilio.com
    service = client.chat.v2.services(service_sid)

    @app.post("/pre-event")
    def pre_event():
        if not validator.validate(signed_url(), request.form, request.headers.get("X-Twilio-Signature", "")):
            abort(403)  # not from our chat server
        form = request.form
        if form.get("EventType") != "onMessageSend" or form.get("Source") != "SDK":
            return "", 200
        translated = translate(form["Body"])
        if not translated or translated == form["Body"]:
            return "", 200  # nothing to translate: let it through unchanged
        attributes = json.loads(form.get("Attributes") or "{}")
        attributes["translation"] = {"from": "en", "to": "ja", "original": form["Body"]}
        service.channels(form["ChannelSid"]).messages.create(
            body=translated,
            from_=form["From"],  # as Alice: the account may send on anyone's behalf
            attributes=json.dumps(attributes),
            x_twilio_webhook_enabled="true",  # post-event hooks (a logger, say) see the translation
        )
        return "", 403  # and the English original is not stored

    return app


def _translator() -> Callable:
    spec = os.environ.get("TRANSLATOR")
    if not spec:
        return phrasebook
    module, _, name = spec.partition(":")
    return getattr(importlib.import_module(module), name)


if __name__ == "__main__":
    from dotenv import load_dotenv

    load_dotenv()
    create_app(
        os.environ.get("CHAT_URL", "http://127.0.0.1:5000"),
        os.environ["TWILIO_ACCOUNT_SID"],
        os.environ["TWILIO_AUTH_TOKEN"],
        os.environ.get("TWILIO_IPM_SERVICE_SID") or os.environ["TWILIO_CHAT_SERVICE_SID"],
        _translator(),
    ).run(port=int(os.environ.get("BOT_PORT", "5001")))
