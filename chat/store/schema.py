"""The schema, created and migrated at start, the same on both backends. Columns use Twilio's
field names where SQL allows (`author` for `from`, `idx` for `index`). Times are ISO 8601 UTC
strings with milliseconds.

A migration is SQL in SQLite's dialect, rewritten for PostgreSQL by `dialect.postgres_ddl`, or a
dict with one script per backend where they cannot share one. A script is split at `;`, unless
it is a list of statements (for trigger and function bodies, which hold `;` themselves); an item
of such a list may be a function of the connection (a step that reports its progress). Each
migration runs once, in order, inside one transaction (the backends count them:
chat/store/sqlite.py, chat/store/postgres.py).
"""

from . import dialect, search_schema

MIGRATIONS: list[str | dict] = [
    """
    CREATE TABLE services (
        sid TEXT PRIMARY KEY,
        account_sid TEXT NOT NULL,
        friendly_name TEXT NOT NULL DEFAULT '',
        default_service_role_sid TEXT,
        default_channel_role_sid TEXT,
        default_channel_creator_role_sid TEXT,
        read_status_enabled INTEGER NOT NULL DEFAULT 1,
        reachability_enabled INTEGER NOT NULL DEFAULT 1,
        typing_indicator_timeout INTEGER NOT NULL DEFAULT 5,
        consumption_report_interval INTEGER NOT NULL DEFAULT 10,
        limits_channel_members INTEGER NOT NULL DEFAULT 1000,
        limits_user_channels INTEGER NOT NULL DEFAULT 1000,
        pre_webhook_url TEXT,
        post_webhook_url TEXT,
        webhook_method TEXT NOT NULL DEFAULT 'POST',
        webhook_filters TEXT NOT NULL DEFAULT '[]',
        pre_webhook_retry_count INTEGER NOT NULL DEFAULT 0,
        post_webhook_retry_count INTEGER NOT NULL DEFAULT 0,
        notifications TEXT NOT NULL DEFAULT '{}',
        media_compatibility_message TEXT,
        date_created TEXT NOT NULL,
        date_updated TEXT NOT NULL
    );
    CREATE TABLE roles (
        sid TEXT PRIMARY KEY,
        service_sid TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
        friendly_name TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('channel', 'deployment')),
        permissions TEXT NOT NULL DEFAULT '[]',
        date_created TEXT NOT NULL,
        date_updated TEXT NOT NULL
    );
    CREATE INDEX roles_service ON roles(service_sid);
    CREATE TABLE users (
        sid TEXT PRIMARY KEY,
        service_sid TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
        identity TEXT NOT NULL,
        friendly_name TEXT,
        attributes TEXT NOT NULL DEFAULT '{}',
        role_sid TEXT,
        is_online INTEGER NOT NULL DEFAULT 0,
        is_notifiable INTEGER NOT NULL DEFAULT 0,
        date_created TEXT NOT NULL,
        date_updated TEXT NOT NULL,
        UNIQUE (service_sid, identity)
    );
    CREATE TABLE channels (
        sid TEXT PRIMARY KEY,
        service_sid TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
        unique_name TEXT,
        friendly_name TEXT,
        attributes TEXT NOT NULL DEFAULT '{}',
        type TEXT NOT NULL CHECK (type IN ('public', 'private')),
        created_by TEXT NOT NULL DEFAULT 'system',
        members_count INTEGER NOT NULL DEFAULT 0,
        messages_count INTEGER NOT NULL DEFAULT 0,
        next_index INTEGER NOT NULL DEFAULT 0,
        last_message_date TEXT,
        date_created TEXT NOT NULL,
        date_updated TEXT NOT NULL,
        UNIQUE (service_sid, unique_name)
    );
    CREATE INDEX channels_service ON channels(service_sid, type);
    CREATE TABLE members (
        sid TEXT PRIMARY KEY,
        service_sid TEXT NOT NULL,
        channel_sid TEXT NOT NULL REFERENCES channels(sid) ON DELETE CASCADE,
        identity TEXT NOT NULL,
        role_sid TEXT,
        last_consumed_message_index INTEGER,
        last_consumption_timestamp TEXT,
        notification_level TEXT NOT NULL DEFAULT 'default',
        attributes TEXT NOT NULL DEFAULT '{}',
        date_created TEXT NOT NULL,
        date_updated TEXT NOT NULL,
        UNIQUE (channel_sid, identity)
    );
    CREATE INDEX members_identity ON members(service_sid, identity);
    CREATE TABLE media (
        sid TEXT PRIMARY KEY,
        service_sid TEXT NOT NULL,
        filename TEXT,
        content_type TEXT NOT NULL,
        size INTEGER NOT NULL,
        author TEXT,
        data BLOB NOT NULL,
        date_created TEXT NOT NULL
    );
    CREATE TABLE messages (
        sid TEXT PRIMARY KEY,
        service_sid TEXT NOT NULL,
        channel_sid TEXT NOT NULL REFERENCES channels(sid) ON DELETE CASCADE,
        idx INTEGER NOT NULL,
        author TEXT NOT NULL,
        body TEXT,
        attributes TEXT NOT NULL DEFAULT '{}',
        type TEXT NOT NULL DEFAULT 'text',
        media_sid TEXT REFERENCES media(sid),
        last_updated_by TEXT,
        was_edited INTEGER NOT NULL DEFAULT 0,
        date_created TEXT NOT NULL,
        date_updated TEXT NOT NULL,
        UNIQUE (channel_sid, idx)
    );
    CREATE TABLE invites (
        sid TEXT PRIMARY KEY,
        service_sid TEXT NOT NULL,
        channel_sid TEXT NOT NULL REFERENCES channels(sid) ON DELETE CASCADE,
        identity TEXT NOT NULL,
        role_sid TEXT,
        created_by TEXT,
        date_created TEXT NOT NULL,
        date_updated TEXT NOT NULL,
        UNIQUE (channel_sid, identity)
    );
    CREATE INDEX invites_identity ON invites(service_sid, identity);
    CREATE TABLE events (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        service_sid TEXT NOT NULL,
        scope TEXT NOT NULL CHECK (scope IN ('service', 'channel', 'user')),
        target TEXT,
        type TEXT NOT NULL,
        payload TEXT NOT NULL,
        date_created TEXT NOT NULL
    );
    """,
    # Push credentials (account level) and the push bindings users register with them.
    """
    CREATE TABLE credentials (
        sid TEXT PRIMARY KEY,
        account_sid TEXT NOT NULL,
        friendly_name TEXT,
        type TEXT NOT NULL CHECK (type IN ('gcm', 'apn', 'fcm')),
        sandbox INTEGER NOT NULL DEFAULT 0,
        certificate TEXT,
        private_key TEXT,
        api_key TEXT,
        secret TEXT,
        date_created TEXT NOT NULL,
        date_updated TEXT NOT NULL
    );
    CREATE TABLE bindings (
        sid TEXT PRIMARY KEY,
        service_sid TEXT NOT NULL REFERENCES services(sid) ON DELETE CASCADE,
        identity TEXT NOT NULL,
        endpoint TEXT NOT NULL,
        binding_type TEXT NOT NULL CHECK (binding_type IN ('gcm', 'apn', 'fcm')),
        address TEXT NOT NULL,
        credential_sid TEXT REFERENCES credentials(sid) ON DELETE SET NULL,
        message_types TEXT NOT NULL,
        date_created TEXT NOT NULL,
        date_updated TEXT NOT NULL,
        UNIQUE (service_sid, endpoint, binding_type)
    );
    CREATE INDEX bindings_identity ON bindings(service_sid, identity);
    """,
    # Channel webhooks (twilio-chat-api.md §3.12) and the post-event outbox (chat/webhooks).
    """
    CREATE TABLE channel_webhooks (
        sid TEXT PRIMARY KEY,
        service_sid TEXT NOT NULL,
        channel_sid TEXT NOT NULL REFERENCES channels(sid) ON DELETE CASCADE,
        type TEXT NOT NULL CHECK (type IN ('webhook', 'trigger', 'studio')),
        url TEXT,
        method TEXT NOT NULL DEFAULT 'POST',
        filters TEXT NOT NULL DEFAULT '[]',
        triggers TEXT NOT NULL DEFAULT '[]',
        flow_sid TEXT,
        retry_count INTEGER NOT NULL DEFAULT 0,
        date_created TEXT NOT NULL,
        date_updated TEXT NOT NULL
    );
    CREATE INDEX channel_webhooks_channel ON channel_webhooks(channel_sid, date_created);
    CREATE TABLE webhook_deliveries (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        sid TEXT NOT NULL UNIQUE,
        service_sid TEXT NOT NULL,
        channel_sid TEXT,
        webhook_sid TEXT,
        queue TEXT NOT NULL,
        event TEXT NOT NULL,
        url TEXT NOT NULL,
        method TEXT NOT NULL,
        params TEXT NOT NULL,
        max_attempts INTEGER NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        series INTEGER NOT NULL DEFAULT 1,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'delivered', 'failed')),
        next_attempt_at REAL NOT NULL,
        lease_owner TEXT,
        lease_until REAL,
        status_code INTEGER,
        latency_ms INTEGER,
        last_error TEXT,
        date_created TEXT NOT NULL,
        date_updated TEXT NOT NULL
    );
    CREATE INDEX webhook_deliveries_queue ON webhook_deliveries(status, queue, id);
    """,
    # Presence across processes (chat/actions/presence.py): every server process sharing this
    # file counts its own sockets per user and heartbeats; a user is online while the counts of
    # live processes add up to more than 0. A process that stops heartbeating is swept.
    """
    CREATE TABLE presence_processes (
        id TEXT PRIMARY KEY,
        heartbeat REAL NOT NULL
    );
    CREATE TABLE presence_sockets (
        process_id TEXT NOT NULL REFERENCES presence_processes(id) ON DELETE CASCADE,
        service_sid TEXT NOT NULL,
        identity TEXT NOT NULL,
        count INTEGER NOT NULL CHECK (count > 0),
        PRIMARY KEY (process_id, service_sid, identity)
    );
    CREATE INDEX presence_sockets_user ON presence_sockets(service_sid, identity);
    """,
    # Message search (chat/store/search_schema.py): a trigram index kept by triggers, so every
    # write of a message changes it in the same transaction; existing messages are indexed here.
    search_schema.MIGRATION,
]


def statements(migration: str | dict, backend: str) -> list:
    """The statements of one migration for `backend` ("sqlite" or "postgres")."""
    script = migration[backend] if isinstance(migration, dict) else migration
    if isinstance(script, list):
        return script
    if backend == "postgres" and not isinstance(migration, dict):
        script = dialect.postgres_ddl(script)
    return [statement for statement in script.split(";") if statement.strip()]
