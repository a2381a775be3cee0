"""Who a `/token` request is for. The server decides, never the page.

By default each browser is its own person: its first visit gets a random identity, signed into
an HttpOnly cookie, so every later visit and every tab of that browser gets the same identity
back, and another browser (or a private window) gets its own. A forged or tampered cookie buys
nothing: it is refused and replaced by a new identity.

Deployments with real sign-in put it in front, one of two ways (README.md, "Who is who"):
- IDENTITY_HEADER: an authenticating proxy (oauth2-proxy, nginx auth_request, ...) names the
  user in a header; it counts only on requests that come straight from IDENTITY_PROXIES.
- IDENTITY_HOOK = "module:function": the function gets the Flask request and returns the
  identity, or None to refuse (it may also raise ChatError for its own answer).

ALLOW_CLIENT_IDENTITY lets the client ask for any identity by name: development only.
"""

import importlib
import ipaddress
import logging
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass

from flask import Request, Response
from itsdangerous import BadSignature, URLSafeSerializer

from .errors import AUTHENTICATE, ChatError, bad_request, forbidden
from .names import random_identity
from .settings import Settings, SettingsError

log = logging.getLogger(__name__)

IDENTITY = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@+-]{0,63}$")
COOKIE = "chat_identity"
COOKIE_MAX_AGE = 400 * 86400  # the longest lifetime browsers keep a cookie for
SALT = "chat.identity-cookie"  # keeps these signatures apart from anything else SECRET_KEY signs


@dataclass(frozen=True)
class Who:
    identity: str
    remember: bool  # a browser seen for the first time (or with a bad cookie): set its cookie


def cookie_signer(secret_key: str) -> URLSafeSerializer:
    return URLSafeSerializer(secret_key, salt=SALT)


def peer_address(request: Request) -> str:
    """The address that connected to us, even when ProxyFix has put the client's in its place."""
    original = request.environ.get("werkzeug.proxy_fix.orig", {}).get("REMOTE_ADDR")
    return original or request.remote_addr or ""


def check(identity) -> str:
    if not isinstance(identity, str) or not IDENTITY.match(identity):
        raise bad_request("identity must be 1 to 64 letters, digits or _ . @ + - and start with a letter or digit")
    return identity


class Identities:
    def __init__(self, settings: Settings):
        self.settings = settings
        self.ephemeral_key = not settings.secret_key
        # Without SECRET_KEY (development; gunicorn refuses to start) cookies last until restart.
        self._signer = cookie_signer(settings.secret_key or secrets.token_urlsafe(32))
        self._proxies = [ipaddress.ip_network(n) for n in settings.identity_proxies]
        self._hook = _load_hook(settings.identity_hook) if settings.identity_hook else None

    @property
    def uses_cookie(self) -> bool:
        return self._hook is None and not self.settings.identity_header

    def for_token(self, request: Request) -> Who:
        """The identity a `/token` request gets, or a Twilio-shaped refusal."""
        asked = request.args.get("identity")
        if asked:
            if not self.settings.allow_client_identity:
                raise bad_request("This server assigns identities; do not send one")
            return Who(check(asked), remember=False)
        if self._hook is not None:
            return Who(self._from_hook(request), remember=False)
        if self.settings.identity_header:
            return Who(self._from_header(request), remember=False)
        return self.browser(request)

    def browser(self, request: Request) -> Who:
        """The identity in the browser's signed cookie, or a new one for a new browser."""
        value = request.cookies.get(COOKIE)
        if value:
            try:
                return Who(check(self._signer.loads(value)), remember=False)
            except (BadSignature, ChatError):
                log.warning("refused an identity cookie with a bad signature from %s", request.remote_addr)
        return Who(random_identity(), remember=True)

    def remember(self, response: Response, request: Request, identity: str) -> None:
        response.set_cookie(
            COOKIE,
            self._signer.dumps(identity),
            max_age=COOKIE_MAX_AGE,
            path="/",
            secure=request.is_secure,  # the public scheme once PROXY_HOPS trusts X-Forwarded-Proto
            httponly=True,
            samesite="Lax",
        )

    def _from_header(self, request: Request) -> str:
        address = peer_address(request)
        if not self._from_proxy(address):
            log.warning("refused /token from %s: IDENTITY_HEADER is honoured only from IDENTITY_PROXIES", address)
            raise forbidden("Sign in through this site's login", 20403)
        value = request.headers.get(self.settings.identity_header, "").strip()
        if not value:
            raise ChatError(401, AUTHENTICATE, "Authenticate")
        return check(value)

    def _from_proxy(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in network for network in self._proxies)

    def _from_hook(self, request: Request) -> str:
        identity = self._hook(request)
        if identity is None:
            raise ChatError(401, AUTHENTICATE, "Authenticate")
        if not isinstance(identity, str) or not IDENTITY.match(identity):
            # The deployment's code is wrong, not the request: a 500 (logged), not a 400.
            raise RuntimeError(f"IDENTITY_HOOK returned {type(identity).__name__}, not a valid identity")
        return identity


def _load_hook(spec: str) -> Callable[[Request], str | None]:
    module_name, _, name = spec.partition(":")
    try:
        hook = getattr(importlib.import_module(module_name), name)
    except (ImportError, AttributeError) as error:
        raise SettingsError(f"Setting IDENTITY_HOOK is invalid: cannot load {spec} ({error}).") from None
    if not callable(hook):
        raise SettingsError(f"Setting IDENTITY_HOOK is invalid: {spec} is not a function.")
    return hook
