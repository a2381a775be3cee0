"""One signed webhook request over the standard library, with a timeout and no redirects."""

import http.client
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlencode, urlsplit

from .signing import signature

MAX_ANSWER = 256 * 1024  # bytes of an answer we read (a pre-event hook's JSON changes)
USER_AGENT = "ChatWebhooks/1.0"


@dataclass(frozen=True)
class Reply:
    status: int | None  # None when no HTTP answer arrived
    body: bytes
    latency_ms: int
    error: str | None = None  # timeout, refused connection, bad URL...

    @property
    def ok(self) -> bool:
        return self.status is not None and 200 <= self.status < 300

    @property
    def retryable(self) -> bool:
        """Worth another attempt: no answer, or an answer that says "later" (Twilio retries on
        timeouts and 429/503/504; we also retry other 5xx and 408)."""
        return self.status is None or self.status in (408, 429) or self.status >= 500

    def describe(self) -> str:
        return self.error or f"HTTP {self.status}"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    """A 3xx is an answer like any other non-2xx: following it would re-sign for another URL."""

    def redirect_request(self, *args, **kwargs):
        return None


def send(
    method: str, url: str, params: dict[str, str], auth_token: str, timeout: float, headers: dict | None = None
) -> Reply:
    """POST form-encoded (or GET with the parameters in the query string), signed with
    X-Twilio-Signature. Never raises for network trouble: the Reply says what happened."""
    started = time.monotonic()

    def reply(status=None, body=b"", error=None) -> Reply:
        return Reply(status, body, int((time.monotonic() - started) * 1000), error)

    if urlsplit(url).scheme not in ("http", "https"):
        return reply(error=f"unsupported URL {url!r}: expected http or https")
    data = None
    if method == "GET":
        if params:
            url = url + ("&" if "?" in url else "?") + urlencode(params)
        signed = signature(auth_token, url, {})
    else:
        data = urlencode(params).encode()
        signed = signature(auth_token, url, params)
    request = urllib.request.Request(url, data=data, method=method)
    request.add_header("X-Twilio-Signature", signed)
    request.add_header("User-Agent", USER_AGENT)
    if data is not None:
        request.add_header("Content-Type", "application/x-www-form-urlencoded")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    opener = urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=timeout) as response:
            return reply(response.status, response.read(MAX_ANSWER))
    except urllib.error.HTTPError as answer:
        with answer:
            return reply(answer.code, answer.read(MAX_ANSWER))
    except urllib.error.URLError as failure:
        if isinstance(failure.reason, TimeoutError):
            return reply(error=f"timed out after {timeout:g} s")
        return reply(error=f"connection failed: {failure.reason}")
    except TimeoutError:
        return reply(error=f"timed out after {timeout:g} s")
    except (OSError, http.client.HTTPException) as failure:  # reset or closed mid-answer
        return reply(error=f"connection failed: {failure!r}")
