"""Settings: strict parsing with one clear line per mistake, and the generated development .env."""

import subprocess
import sys

import pytest
from dotenv import dotenv_values

from chat import envfile, settings
from chat.ids import is_sid

GOOD = {
    "TWILIO_ACCOUNT_SID": "AC" + "a" * 32,
    "TWILIO_AUTH_TOKEN": "t" * 32,
    "TWILIO_API_KEY": "SK" + "b" * 32,
    "TWILIO_API_SECRET": "s" * 32,
    "TWILIO_IPM_SERVICE_SID": "IS" + "c" * 32,
}


def test_defaults_and_every_variable():
    loaded = settings.load(GOOD)
    assert (loaded.database_path, loaded.port, loaded.token_ttl, loaded.allow_client_identity) == (
        "chat.db",
        5000,
        3600,
        False,  # safe by default: the server decides identities
    )
    custom = settings.load(
        {
            **GOOD,
            "PORT": "8080",
            "TOKEN_TTL": "600",
            "ALLOW_CLIENT_IDENTITY": "true",
            "ALLOWED_ORIGINS": "https://a.example, https://b.example/",
            "DATABASE_PATH": "/tmp/x.db",
        }
    )
    assert custom.port == 8080 and custom.token_ttl == 600 and custom.allow_client_identity
    assert custom.allowed_origins == ("https://a.example", "https://b.example")


def test_chat_service_sid_is_an_alias():
    env = {**GOOD}
    sid = env.pop("TWILIO_IPM_SERVICE_SID")
    assert settings.load({**env, "TWILIO_CHAT_SERVICE_SID": sid}).service_sid == sid


@pytest.mark.parametrize(
    "name, value",
    [
        ("TWILIO_ACCOUNT_SID", "AC123"),
        ("TWILIO_API_KEY", "AC" + "b" * 32),
        ("TWILIO_IPM_SERVICE_SID", "ISxyz"),
        ("PORT", "http"),
        ("TOKEN_TTL", "999999"),
        ("ALLOW_CLIENT_IDENTITY", "maybe"),
        ("SQLITE_SYNCHRONOUS", "OFF"),
        ("DATABASE_URL", "mysql://db.example.com/chat"),
        ("DATABASE_URL", "postgres://user:hunter2@db.example.com:port/chat"),
        ("DATABASE_URL", "postgres://user:hunter2@[::1/chat"),
        ("REDIS_TLS_VERIFY", "sometimes"),
        ("SECRET_KEY", "too-short"),
        ("IDENTITY_HEADER", "X-User: admin"),
        ("IDENTITY_PROXIES", "10.0.0.1, example.com"),
        ("IDENTITY_HOOK", "not a hook"),
        ("PROXY_HOPS", "-1"),
        ("HELLO_TIMEOUT", "0"),
        ("TOKEN_RATE", "lots"),
        ("UNAUTHENTICATED_SOCKETS_PER_ADDRESS", "0"),
        ("MAX_SOCKETS", "0"),
    ],
)
def test_a_malformed_value_stops_with_one_line_naming_it(name, value):
    with pytest.raises(SystemExit) as stopped:
        settings.load({**GOOD, name: value})
    message = str(stopped.value)
    assert name in message and "\n" not in message


def test_secrets_are_never_echoed():
    with pytest.raises(SystemExit) as stopped:
        settings.load({**GOOD, "TWILIO_API_SECRET": "short-secret"})
    assert "short-secret" not in str(stopped.value)
    with pytest.raises(SystemExit) as stopped:
        settings.load({**GOOD, "DATABASE_URL": "postgres://user:hunter2@[::1/chat"})
    assert "hunter2" not in str(stopped.value)
    url = "postgres://user:hunter2@db.example.com:5432/chat"
    assert settings.load({**GOOD, "DATABASE_URL": url}).database_url == url
    assert "hunter2" not in repr(settings.load({**GOOD, "DATABASE_URL": url}))
    assert "t" * 32 not in repr(settings.load(GOOD)) and "s" * 32 not in repr(settings.load(GOOD))


def test_a_missing_credential_is_named():
    env = {**GOOD}
    del env["TWILIO_AUTH_TOKEN"]
    with pytest.raises(SystemExit, match="TWILIO_AUTH_TOKEN"):
        settings.load(env)


def test_generated_env_is_valid_and_never_overwritten(tmp_path):
    target = tmp_path / ".env"
    result = subprocess.run(
        [sys.executable, "-m", "chat.envfile", str(target)], capture_output=True, text=True, check=True
    )
    values = dotenv_values(target)
    assert is_sid(values["TWILIO_ACCOUNT_SID"], "AC") and is_sid(values["TWILIO_API_KEY"], "SK")
    assert is_sid(values["TWILIO_IPM_SERVICE_SID"], "IS")
    for secret in (values["TWILIO_AUTH_TOKEN"], values["TWILIO_API_SECRET"], values["SECRET_KEY"]):
        assert len(secret) >= 32 and secret not in result.stdout + result.stderr
    settings.load(values)
    before = target.read_text()
    assert envfile.ensure(target) is False
    assert target.read_text() == before
    assert target.stat().st_mode & 0o077 == 0


def test_webhook_settings():
    loaded = settings.load(GOOD)
    assert (loaded.webhook_timeout, loaded.pre_webhook_fail_open, loaded.pre_webhook_for_rest) == (5.0, False, False)
    assert (loaded.webhook_hop_limit, loaded.webhook_retry_backoff, loaded.webhook_workers) == (3, 1.0, 4)
    custom = settings.load(
        {
            **GOOD,
            "WEBHOOK_TIMEOUT": "0.5",
            "PRE_WEBHOOK_FAIL_OPEN": "true",
            "PRE_WEBHOOK_FOR_REST": "yes",
            "WEBHOOK_HOP_LIMIT": "5",
            "WEBHOOK_RETRY_BACKOFF": "0.25",
            "WEBHOOK_WORKERS": "2",
        }
    )
    assert (custom.webhook_timeout, custom.pre_webhook_fail_open, custom.pre_webhook_for_rest) == (0.5, True, True)
    assert (custom.webhook_hop_limit, custom.webhook_retry_backoff, custom.webhook_workers) == (5, 0.25, 2)
    with pytest.raises(settings.SettingsError, match="WEBHOOK_TIMEOUT is invalid: expected a number of seconds"):
        settings.load({**GOOD, "WEBHOOK_TIMEOUT": "soon"})
    with pytest.raises(settings.SettingsError, match="WEBHOOK_TIMEOUT"):
        settings.load({**GOOD, "WEBHOOK_TIMEOUT": "120"})


def test_presence_timings_default_to_a_timeout_of_three_heartbeats():
    assert (settings.load(GOOD).presence_heartbeat, settings.load(GOOD).presence_stale_after) == (5.0, 15.0)
    quick = settings.load({**GOOD, "PRESENCE_HEARTBEAT": "0.5"})
    assert (quick.presence_heartbeat, quick.presence_stale_after) == (0.5, 1.5)
    assert settings.load({**GOOD, "PRESENCE_HEARTBEAT": "2", "PRESENCE_TIMEOUT": "30"}).presence_stale_after == 30
    with pytest.raises(settings.SettingsError, match="PRESENCE_TIMEOUT is invalid: expected more seconds than"):
        settings.load({**GOOD, "PRESENCE_HEARTBEAT": "10", "PRESENCE_TIMEOUT": "10"})
    with pytest.raises(settings.SettingsError, match="PRESENCE_HEARTBEAT is invalid: expected a number of seconds"):
        settings.load({**GOOD, "PRESENCE_HEARTBEAT": "0"})


def test_commands_at_once_default_to_the_backends_and_follow_command_threads():
    postgres = {**GOOD, "DATABASE_URL": "postgresql://chat@db.example:5432/chat"}
    assert settings.load(GOOD).commands_at_once == 1  # SQLite: a statement is a call into the process
    assert settings.load(postgres).commands_at_once == 2  # a round trip leaves the interpreter to another
    assert settings.load({**postgres, "COMMAND_THREADS": "6"}).commands_at_once == 6
    assert settings.load({**GOOD, "COMMAND_THREADS": "3"}).commands_at_once == 3


def test_identity_and_socket_settings_default_to_safe_values():
    loaded = settings.load(GOOD)
    assert not loaded.allow_client_identity and loaded.secret_key == ""
    assert (loaded.identity_header, loaded.identity_hook, loaded.proxy_hops) == ("", "", 0)
    assert loaded.identity_proxies == ("127.0.0.1/32", "::1/128")
    assert (loaded.hello_timeout, loaded.unauthenticated_per_address, loaded.max_sockets) == (10.0, 20, 10000)
    assert (loaded.token_rate, loaded.token_burst) == (60, 20)
    custom = settings.load(
        {
            **GOOD,
            "SECRET_KEY": "k" * 32,
            "IDENTITY_HEADER": "X-Forwarded-User",
            "IDENTITY_PROXIES": "10.0.0.0/8, 192.168.1.5",
            "PROXY_HOPS": "1",
            "HELLO_TIMEOUT": "2.5",
        }
    )
    assert custom.identity_proxies == ("10.0.0.0/8", "192.168.1.5/32") and custom.hello_timeout == 2.5
    assert "k" * 32 not in repr(custom)


def test_one_way_of_signing_in_at_a_time():
    with pytest.raises(SystemExit, match="IDENTITY_HEADER and IDENTITY_HOOK"):
        settings.load({**GOOD, "IDENTITY_HEADER": "X-User", "IDENTITY_HOOK": "auth:identify"})


def test_an_older_env_gets_a_secret_key_and_keeps_everything_else(tmp_path):
    target = tmp_path / ".env"
    target.write_text("TWILIO_ACCOUNT_SID=AC" + "a" * 32 + "\nPORT=5001")
    assert envfile.ensure_secret_key(target) is True
    values = dotenv_values(target)
    assert values["PORT"] == "5001" and len(values["SECRET_KEY"]) >= 32
    before = target.read_text()
    assert envfile.ensure_secret_key(target) is False and target.read_text() == before


def test_gunicorn_refuses_to_start_without_a_secret_key(tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent.parent
    gunicorn = Path(sys.executable).parent / "gunicorn"
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(root), **GOOD, "DATABASE_PATH": str(tmp_path / "x.db")}
    result = subprocess.run(
        [str(gunicorn), "-c", str(root / "gunicorn.conf.py"), "app:app"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode != 0
    assert "SECRET_KEY is missing" in result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
