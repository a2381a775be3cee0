"""Console sign-in state: a signed session cookie, a CSRF token per session, and a lock-out
after repeated wrong passwords.

The cookie is Flask's signed session, keyed by a value derived from the auth token, so rotating
the auth token signs every console session out. It is HttpOnly, SameSite=Strict, limited to
/console, Secure when the request came over HTTPS (directly, through a proxy that says so in
X-Forwarded-Proto, or when PUBLIC_URL is https), and expires after SESSION_HOURS.
"""

import hashlib
import hmac
import secrets
import threading
import time
from datetime import timedelta
from urllib.parse import urlsplit

from flask import Flask, current_app, request, session
from flask.sessions import SecureCookieSessionInterface

SESSION_HOURS = 8
FREE_FAILURES = 5  # wrong passwords from one address before each further try must wait
MAX_WAIT = 15 * 60  # seconds: the longest lock-out
FORGET_AFTER = 60 * 60  # seconds without a failure after which an address starts afresh


class ConsoleSessions(SecureCookieSessionInterface):
    def get_cookie_secure(self, app: Flask) -> bool:
        forwarded = request.headers.get("X-Forwarded-Proto", "").split(",")[0].strip().lower()
        public_https = app.extensions["chat"].settings.public_url.startswith("https://")
        return request.is_secure or forwarded == "https" or public_https


def init_app(app: Flask) -> None:
    token = app.extensions["chat"].settings.auth_token
    app.secret_key = hmac.new(token.encode(), b"chat console session", hashlib.sha256).hexdigest()
    app.session_interface = ConsoleSessions()
    app.config.update(
        SESSION_COOKIE_NAME="chat_console",
        SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Strict",
        PERMANENT_SESSION_LIFETIME=timedelta(hours=SESSION_HOURS),
    )
    app.extensions["console_lockout"] = Lockout()


def signed_in() -> str | None:
    """The account or API key SID the session signed in with, or None."""
    return session.get("who")


def sign_in(who: str) -> None:
    """A fresh session (nothing of the one before survives, its CSRF token included)."""
    session.clear()
    session.permanent = True
    session["who"] = who
    session["csrf"] = secrets.token_urlsafe(32)


def sign_out() -> None:
    session.clear()


def csrf_token() -> str:
    """This session's CSRF token, created on first need (the sign-in form has one too)."""
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(32)
    return session["csrf"]


def csrf_ok() -> bool:
    """The form's token matches the session's, and the request did not come from another site."""
    expected = session.get("csrf")
    given = request.form.get("csrf_token", "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        return False
    origin = request.headers.get("Origin")
    return origin is None or origin == request.host_url.rstrip("/")


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path inside the console, never another site."""
    default = "/console/"
    if not target or "\\" in target or any(ord(c) < 32 for c in target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/console") or target.startswith("//"):
        return default
    return target


class Lockout:
    """Failed sign-ins per client address, in this process's memory. After FREE_FAILURES each
    further try must wait 2, 4, 8... seconds (at most MAX_WAIT) after the last failure, and a
    try made too soon is refused without checking the password."""

    def __init__(self):
        self._lock = threading.Lock()
        self._failures: dict[str, tuple[int, float]] = {}

    def wait_seconds(self, address: str) -> int:
        with self._lock:
            count, last = self._failures.get(address, (0, 0.0))
        if count < FREE_FAILURES:
            return 0
        wait = min(MAX_WAIT, 2 ** (count - FREE_FAILURES + 1))
        return max(0, int(last + wait - time.monotonic() + 0.999))

    def failed(self, address: str) -> None:
        now = time.monotonic()
        with self._lock:
            count, last = self._failures.get(address, (0, 0.0))
            if now - last > FORGET_AFTER:
                count = 0
            self._failures[address] = (count + 1, now)
            if len(self._failures) > 10_000:  # bound memory: forget addresses quiet for long
                for key, (_, when) in list(self._failures.items()):
                    if now - when > FORGET_AFTER:
                        del self._failures[key]

    def succeeded(self, address: str) -> None:
        with self._lock:
            self._failures.pop(address, None)


def lockout() -> Lockout:
    return current_app.extensions["console_lockout"]
