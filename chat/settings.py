"""Settings from the environment and `.env`, read once into a frozen object.

Precedence: the process environment, then `.env`, then the defaults below. A malformed
value stops start-up with one line naming the variable (never echoing a secret).
"""

import ipaddress
import os
import re
from dataclasses import dataclass, field, fields

from dotenv import dotenv_values


class SettingsError(SystemExit):
    """Raised at start-up; SystemExit so `flask run` and gunicorn print just the line."""


def _sid_pattern(prefix: str) -> re.Pattern:
    return re.compile(rf"^{prefix}[0-9a-fA-F]{{32}}$")


@dataclass(frozen=True)
class Settings:
    account_sid: str
    auth_token: str = field(repr=False)
    api_key: str
    api_secret: str = field(repr=False)
    service_sid: str
    database_path: str = "chat.db"
    database_url: str = field(default="", repr=False)  # PostgreSQL; carries a password
    port: int = 5000
    token_ttl: int = 3600
    app_name: str = "TwilioChatDemo"
    allow_client_identity: bool = False  # development only: /token takes ?identity=
    secret_key: str = field(default="", repr=False)  # signs identity cookies; required by gunicorn
    identity_header: str = ""  # set by an authenticating proxy; honoured only from identity_proxies
    identity_proxies: tuple[str, ...] = ("127.0.0.1/32", "::1/128")
    identity_hook: str = ""  # module:function(request) -> identity or None
    proxy_hops: int = 0  # proxies whose X-Forwarded-For/-Proto are trusted (werkzeug ProxyFix)
    token_rate: int = 60  # /token requests per minute per client address (0: no limit)
    token_burst: int = 20
    hello_timeout: float = 10.0  # seconds a socket may stay open without a successful hello
    unauthenticated_per_address: int = 20  # sockets without hello yet, per client address
    max_sockets: int = 10000  # WebSockets per process
    allowed_origins: tuple[str, ...] = ()
    workers: int = 1
    threads: int = 32
    command_threads: int | None = None  # None: commands_at_once picks for the backend
    sqlite_synchronous: str = "NORMAL"
    send_queue_size: int = 2000
    max_frame_bytes: int = 65536
    ping_interval: int = 25
    public_url: str = ""
    channel_action_rate: int = 100
    channel_action_burst: int = 200
    redis_url: str = field(default="", repr=False)  # may carry a password
    redis_tls_verify: bool = True
    webhook_timeout: float = 5.0
    pre_webhook_fail_open: bool = False
    pre_webhook_for_rest: bool = False
    webhook_hop_limit: int = 3
    webhook_retry_backoff: float = 1.0
    webhook_workers: int = 4
    presence_heartbeat: float = 5.0
    presence_timeout: float | None = None  # None: 3 x presence_heartbeat
    metrics_token: str = field(default="", repr=False)  # Bearer token for /metrics

    @property
    def presence_stale_after(self) -> float:
        """Seconds without a heartbeat after which a process counts as dead (its users go offline)."""
        return self.presence_timeout if self.presence_timeout is not None else 3 * self.presence_heartbeat

    @property
    def commands_at_once(self) -> int:
        """WebSocket commands run at once per process (bench/README.md, "What a connection
        costs"). On SQLite one: a statement is a call into the process, and every thread more
        only hands the interpreter back and forth. On PostgreSQL two: a command waiting for
        the database's answer leaves the interpreter to another."""
        if self.command_threads is not None:
            return self.command_threads
        return 2 if self.database_url else 1


# name in the environment -> (field, parser). Parsers raise ValueError with what was expected.
def _int(low: int, high: int):
    def parse(raw: str) -> int:
        try:
            value = int(raw)
        except ValueError:
            raise ValueError(f"expected a whole number from {low} to {high}") from None
        if not low <= value <= high:
            raise ValueError(f"expected a whole number from {low} to {high}, got {value}")
        return value

    return parse


def _seconds(low: float, high: float):
    def parse(raw: str) -> float:
        try:
            value = float(raw)
        except ValueError:
            raise ValueError(f"expected a number of seconds from {low:g} to {high:g}") from None
        if not low <= value <= high:
            raise ValueError(f"expected a number of seconds from {low:g} to {high:g}, got {value:g}")
        return value

    return parse


def _bool(raw: str) -> bool:
    lowered = raw.strip().lower()
    if lowered in ("1", "true", "yes", "on"):
        return True
    if lowered in ("0", "false", "no", "off"):
        return False
    raise ValueError("expected true or false")


def _sid(prefix: str, secret_free: bool = True):
    pattern = _sid_pattern(prefix)

    def parse(raw: str) -> str:
        if not pattern.match(raw):
            raise ValueError(f"expected {prefix} followed by 32 hex digits")
        return raw

    return parse


def _secret(raw: str) -> str:
    if len(raw) < 32:  # Twilio's are 32 characters; HS256 keys should not be shorter
        raise ValueError("expected at least 32 characters")
    return raw


def _choice(*options: str):
    def parse(raw: str) -> str:
        if raw.upper() not in options:
            raise ValueError(f"expected one of {', '.join(options)}")
        return raw.upper()

    return parse


def _origins(raw: str) -> tuple[str, ...]:
    return tuple(o.strip().rstrip("/") for o in raw.split(",") if o.strip())


def _text(raw: str) -> str:
    return raw.strip()


def _database_url(raw: str) -> str:
    from psycopg.conninfo import conninfo_to_dict

    url = raw.strip()
    if not url.startswith(("postgres://", "postgresql://")):
        raise ValueError("expected a postgres:// or postgresql:// URL")
    try:
        info = conninfo_to_dict(url)
    except Exception:  # psycopg's message quotes the URL, password included
        raise ValueError("expected a postgres:// or postgresql:// URL that libpq can read") from None
    if not all(port.isdigit() for port in str(info.get("port", "5432")).split(",")):
        raise ValueError("expected a port number after the host")
    return url


def _networks(raw: str) -> tuple[str, ...]:
    networks = []
    for part in (p.strip() for p in raw.split(",")):
        if part:
            try:
                networks.append(str(ipaddress.ip_network(part, strict=False)))
            except ValueError:
                raise ValueError(f"expected IP addresses or networks (CIDR), comma-separated; got {part!r}") from None
    return tuple(networks)


def _header_name(raw: str) -> str:
    name = raw.strip()
    if name and not re.fullmatch(r"[A-Za-z0-9-]+", name):
        raise ValueError("expected a header name such as X-Forwarded-User")
    return name


def _hook(raw: str) -> str:
    hook = raw.strip()
    if hook and not re.fullmatch(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*", hook):
        raise ValueError("expected module:function, e.g. myauth:identify")
    return hook


def _redis_url(raw: str) -> str:
    url = raw.strip()
    if not url.startswith(("redis://", "rediss://", "unix://")):
        raise ValueError("expected a redis://, rediss:// or unix:// URL")
    return url


VARIABLES = {
    "TWILIO_ACCOUNT_SID": ("account_sid", _sid("AC")),
    "TWILIO_AUTH_TOKEN": ("auth_token", _secret),
    "TWILIO_API_KEY": ("api_key", _sid("SK")),
    "TWILIO_API_SECRET": ("api_secret", _secret),
    "TWILIO_IPM_SERVICE_SID": ("service_sid", _sid("IS")),
    "TWILIO_CHAT_SERVICE_SID": ("service_sid", _sid("IS")),
    "DATABASE_PATH": ("database_path", _text),
    "DATABASE_URL": ("database_url", _database_url),
    "PORT": ("port", _int(1, 65535)),
    "TOKEN_TTL": ("token_ttl", _int(60, 86400)),
    "APP_NAME": ("app_name", _text),
    "ALLOW_CLIENT_IDENTITY": ("allow_client_identity", _bool),
    "SECRET_KEY": ("secret_key", _secret),
    "IDENTITY_HEADER": ("identity_header", _header_name),
    "IDENTITY_PROXIES": ("identity_proxies", _networks),
    "IDENTITY_HOOK": ("identity_hook", _hook),
    "PROXY_HOPS": ("proxy_hops", _int(0, 10)),
    "TOKEN_RATE": ("token_rate", _int(0, 1_000_000)),
    "TOKEN_BURST": ("token_burst", _int(1, 1_000_000)),
    "HELLO_TIMEOUT": ("hello_timeout", _seconds(0.5, 600)),
    "UNAUTHENTICATED_SOCKETS_PER_ADDRESS": ("unauthenticated_per_address", _int(1, 1_000_000)),
    "MAX_SOCKETS": ("max_sockets", _int(1, 10_000_000)),
    "ALLOWED_ORIGINS": ("allowed_origins", _origins),
    "WEB_CONCURRENCY": ("workers", _int(1, 64)),
    "WEB_THREADS": ("threads", _int(1, 10000)),
    "COMMAND_THREADS": ("command_threads", _int(1, 10000)),
    "SQLITE_SYNCHRONOUS": ("sqlite_synchronous", _choice("NORMAL", "FULL")),
    "SEND_QUEUE_SIZE": ("send_queue_size", _int(10, 1_000_000)),
    "MAX_FRAME_BYTES": ("max_frame_bytes", _int(1024, 16 * 1024 * 1024)),
    "PING_INTERVAL": ("ping_interval", _int(0, 3600)),
    "PUBLIC_URL": ("public_url", _text),
    "CHANNEL_ACTION_RATE": ("channel_action_rate", _int(0, 1_000_000)),
    "CHANNEL_ACTION_BURST": ("channel_action_burst", _int(1, 1_000_000)),
    "REDIS_URL": ("redis_url", _redis_url),
    "REDIS_TLS_VERIFY": ("redis_tls_verify", _bool),
    "WEBHOOK_TIMEOUT": ("webhook_timeout", _seconds(0.1, 60)),
    "PRE_WEBHOOK_FAIL_OPEN": ("pre_webhook_fail_open", _bool),
    "PRE_WEBHOOK_FOR_REST": ("pre_webhook_for_rest", _bool),
    "WEBHOOK_HOP_LIMIT": ("webhook_hop_limit", _int(1, 100)),
    "WEBHOOK_RETRY_BACKOFF": ("webhook_retry_backoff", _seconds(0.01, 600)),
    "WEBHOOK_WORKERS": ("webhook_workers", _int(1, 64)),
    "PRESENCE_HEARTBEAT": ("presence_heartbeat", _seconds(0.1, 300)),
    "PRESENCE_TIMEOUT": ("presence_timeout", _seconds(0.3, 3600)),
    "METRICS_TOKEN": ("metrics_token", _secret),
}
REQUIRED = ("account_sid", "auth_token", "api_key", "api_secret", "service_sid")


def load(env: dict | None = None, dotenv_path: str = ".env") -> Settings:
    """Build Settings from `env` (default: os.environ over `.env`)."""
    if env is None:
        env = {**dotenv_values(dotenv_path), **os.environ}
    values: dict = {}
    for name, (attr, parse) in VARIABLES.items():
        raw = env.get(name)
        if raw is None or raw == "" or (attr in values and name == "TWILIO_CHAT_SERVICE_SID"):
            continue
        try:
            values[attr] = parse(raw)
        except ValueError as exc:
            raise SettingsError(f"Setting {name} is invalid: {exc}.") from None
    for attr in REQUIRED:
        if attr not in values:
            name = next(n for n, (a, _) in VARIABLES.items() if a == attr)
            raise SettingsError(f"Setting {name} is missing: run `make run` once to write a .env, or set it.")
    heartbeat = values.get("presence_heartbeat", Settings.presence_heartbeat)
    if values.get("presence_timeout", heartbeat * 3) <= heartbeat:
        raise SettingsError(
            f"Setting PRESENCE_TIMEOUT is invalid: expected more seconds than PRESENCE_HEARTBEAT ({heartbeat:g}),"
            f" got {values['presence_timeout']:g}."
        )
    if values.get("identity_header") and values.get("identity_hook"):
        raise SettingsError(
            "Settings IDENTITY_HEADER and IDENTITY_HOOK are both set: choose one way to sign people in."
        )
    return Settings(**values)


def documented_names() -> list[str]:
    return list(VARIABLES)


def field_names() -> list[str]:
    return [f.name for f in fields(Settings)]
