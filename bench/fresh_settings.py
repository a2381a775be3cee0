"""Settings for an in-process bench server: new credentials and an empty database each time
(a SQLite file, or with `backend="postgres"` a PostgreSQL database of its own)."""

import os
import secrets
import sys
import tempfile
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from chat.settings import Settings  # noqa: E402


def fresh_settings(name: str, backend: str = "sqlite", **overrides) -> Settings:
    """No per-channel limit: the benches measure throughput, not the limiter."""
    if backend == "postgres":
        from postgres_db import fresh_database_url

        overrides["database_url"] = fresh_database_url(name)
    return Settings(
        account_sid="AC" + uuid.uuid4().hex,
        auth_token=secrets.token_hex(16),
        api_key="SK" + uuid.uuid4().hex,
        api_secret=secrets.token_urlsafe(32),
        service_sid="IS" + uuid.uuid4().hex,
        database_path=os.path.join(tempfile.mkdtemp(prefix=f"chat-{name}-"), f"{name}.db"),
        channel_action_rate=0,
        **overrides,
    )
