"""Read a Chat service through Twilio's REST API (twilio-python, Chat v2) as export lines, for
chat/transfer/load.py to import.

Paced: requests are spaced (`pace` per second at most), and a 429 is waited out (Retry-After, or
a doubling pause) and asked again, so a long import stays within the source's limits. Resumable:
the import keeps what is stored and each channel is all or nothing, so running again goes on where
an interrupted run stopped; a channel stored already with as many members and messages as the
source says is not read again. Each channel is read whole before it is written, so no write
transaction waits on the network."""

import base64
import json
import time
from collections.abc import Callable, Iterator
from datetime import datetime

import requests
from twilio.base.exceptions import TwilioException, TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from ..clock import now_iso
from ..version import VERSION
from . import format

TWILIO_HOSTS = ("https://chat.twilio.com", "https://ip-messaging.twilio.com", "https://mcs.us1.twilio.com")
PAGE_SIZE = 100
MAX_WAIT = 600.0  # seconds of 429s in a row before giving up


class SourceError(Exception):
    """The source refused (credentials, a missing service) or could not be read."""


class PacedHttpClient(TwilioHttpClient):
    """twilio-python's HTTP client, sent to `base_url` instead of Twilio's hosts when given,
    spacing requests and waiting out 429s."""

    def __init__(self, base_url: str | None, pace: float, on_wait: Callable[[float], None] = lambda seconds: None):
        super().__init__(timeout=60)
        self.base_url = base_url.rstrip("/") if base_url else None
        self.interval = 1.0 / pace if pace > 0 else 0.0
        self.on_wait = on_wait
        self._last = 0.0

    def request(
        self, method, url, params=None, data=None, headers=None, auth=None, timeout=None, allow_redirects=False
    ):
        if self.base_url:
            for host in TWILIO_HOSTS:
                if url.startswith(host):
                    url = self.base_url + url[len(host) :]
        pause, waited = 1.0, 0.0
        while True:
            time.sleep(max(0.0, self._last + self.interval - time.monotonic()))
            self._last = time.monotonic()
            response = super().request(method, url, params, data, headers, auth, timeout, allow_redirects)
            if response.status_code != 429:
                return response
            retry_after = (getattr(response, "headers", None) or {}).get("Retry-After")
            seconds = float(retry_after) if retry_after and retry_after.isdigit() else pause
            if waited + seconds > MAX_WAIT:
                return response
            self.on_wait(seconds)
            time.sleep(seconds)
            waited, pause = waited + seconds, min(pause * 2, 30.0)


def _json(instance) -> dict:
    """A twilio-python resource instance back as Twilio's JSON (dates as ISO 8601 text)."""
    data = {}
    for key, value in vars(instance).items():
        if key in ("_version", "_solution", "_context"):
            continue
        key = key.removeprefix("_")  # `from` is `_from` in Python
        data[key] = value.strftime("%Y-%m-%dT%H:%M:%SZ") if isinstance(value, datetime) else value
    return data


def _all(page) -> Iterator:
    while page is not None:
        yield from page
        page = page.next_page()


class TwilioSource:
    def __init__(
        self,
        account_sid: str,
        username: str,
        password: str,
        service_sid: str,
        base_url: str | None = None,
        pace: float = 20.0,
        on_wait: Callable[[float], None] = lambda seconds: None,
    ):
        self.http = PacedHttpClient(base_url, pace, on_wait)
        self.client = Client(username, password, account_sid=account_sid, http_client=self.http)
        self.service_sid = service_sid
        self.service = self.client.chat.v2.services(service_sid)

    def _call(self, what: str, action: Callable):
        try:
            return action()
        except TwilioRestException as error:
            if error.status in (401, 403):
                raise SourceError(f"the source refused the credentials ({error.status}): check them") from None
            if error.status == 404:
                raise SourceError(f"{what} was not found at the source: {error.msg}") from None
            if error.status == 429:
                raise SourceError(f"the source kept answering 429 for {MAX_WAIT:.0f} s while reading {what}") from None
            raise SourceError(f"the source answered {error.status} reading {what}: {error.msg}") from None
        except TwilioException as error:  # a page that did not come (twilio-python's words, then the answer)
            raise SourceError(f"the source answered {' '.join(map(str, error.args[1:]))} reading {what}") from None
        except requests.RequestException as error:
            raise SourceError(f"the source could not be reached reading {what} ({error})") from None

    def _list(self, what: str, make_page: Callable) -> list:
        return self._call(what, lambda: list(_all(make_page())))

    def texts(self, stored_channel: Callable[[str], dict | None], on_message: Callable[[], None]) -> Iterator[str]:
        """Export lines (as JSON text) of the service. `stored_channel(sid)` says what the target
        holds already, to leave out channels that are complete there."""
        count = 0

        def emit(line: dict) -> str:
            nonlocal count
            count += 1
            return format.dumps(line)

        yield emit(format.header(now_iso(), f"chat {VERSION} import-from-twilio"))
        service = _json(self._call(f"service {self.service_sid}", self.service.fetch))
        yield emit({"type": "service", "data": service})
        for kind, resource in (("role", self.service.roles), ("user", self.service.users)):
            for item in self._list(f"{kind}s", lambda resource=resource: resource.page(page_size=PAGE_SIZE)):
                yield emit({"type": kind, "data": _json(item)})
        channels = self._list(
            "channels", lambda: self.service.channels.page(type=["public", "private"], page_size=PAGE_SIZE)
        )
        for channel in channels:
            data = _json(channel)
            stored = stored_channel(data["sid"])
            if stored and (stored["messages_count"], stored["members_count"]) == (
                data["messages_count"],
                data["members_count"],
            ):
                yield emit({"type": "channel", "data": data})  # complete there: merged as nothing new
                for _ in range(data["messages_count"] or 0):
                    on_message()
                continue
            for text in self._channel(channel.sid, data, on_message):
                yield emit(text)
        yield format.dumps(format.end(count))

    def _channel(self, sid: str, data: dict, on_message: Callable[[], None]) -> list[dict]:
        """One channel's lines, read whole before any is written."""
        context = self.service.channels(sid)
        lines = [{"type": "channel", "data": data}]
        for kind, resource in (("webhook", context.webhooks), ("member", context.members), ("invite", context.invites)):
            for item in self._list(f"{kind}s of {sid}", lambda resource=resource: resource.page(page_size=PAGE_SIZE)):
                lines.append({"type": kind, "data": _json(item)})
        messages = self._call(f"messages of {sid}", lambda: context.messages.page(order="asc", page_size=PAGE_SIZE))
        while messages is not None:
            for message in messages:
                message = _json(message)
                if message.get("media"):
                    lines.append(self._media(message))
                lines.append({"type": "message", "data": message})
                on_message()
            messages = self._call(f"messages of {sid}", messages.next_page)
        return lines

    def _media(self, message: dict) -> dict:
        """The picture a message names, from the media service (Twilio's MCS: the media's JSON, then
        its content). When the source does not give the bytes, the picture is kept empty and the
        import reports it."""
        media = message["media"]
        data = {
            "sid": media["sid"],
            "service_sid": message["service_sid"],
            "filename": media.get("filename"),
            "content_type": media.get("content_type") or "application/octet-stream",
            "size": media.get("size"),
            "author": message.get("from"),
            "date_created": message["date_created"],
        }
        content = b""
        try:
            url = f"https://mcs.us1.twilio.com/v1/Services/{message['service_sid']}/Media/{media['sid']}"
            answer = self.client.request("GET", url)
            if answer.status_code == 200:
                links = _loads(answer.text).get("links", {})
                target = links.get("content_direct_temporary") or links.get("content")
                if target:
                    fetched = self.http.session.get(target, timeout=60) if self.http.session else None
                    if fetched is not None and fetched.status_code == 200:
                        content = fetched.content
        except Exception:  # noqa: BLE001 - a picture that cannot be fetched is reported, not fatal
            content = b""
        line = {"type": "media", "data": data, "content": _b64(content)}
        if not content:
            line["missing"] = True
        return line


def _loads(text: str) -> dict:
    try:
        value = json.loads(text)
    except ValueError:
        return {}
    return value if isinstance(value, dict) else {}


def _b64(content: bytes) -> str:
    return base64.b64encode(content).decode()
