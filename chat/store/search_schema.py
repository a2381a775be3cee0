"""The message search index, one per backend (docs/architecture.md, "Message search").

What is indexed is a message's searchable text: its body (a picture's caption) and, for a
picture, its filename. Triggers on `messages` keep the index, so every way a message is written
(sent, edited, removed, its channel or service removed, a database copied in) changes the index
in the same transaction, and no code path can forget it. The index row's key is the message's
`rowid`, which grows with every message stored: the order results are ranked in (newest first).

- SQLite: an FTS5 table with the trigram tokenizer: substrings of any script (「京タワ」 finds
  「東京タワーに行こう」), queried with LIKE (case-insensitive for ASCII letters). FTS5 writes a
  segment at every savepoint, and a group commit runs each body in a savepoint, so a trigger that
  wrote to FTS5 would halve the messages/s (bench/README.md). The triggers write the message's
  rowid to `message_search_queue` instead, in the message's transaction; searches match the
  queued messages directly (there are few) and the indexed ones through FTS5, and a background
  step moves the queue into FTS5 in one body per batch (`chat/store/search.py`).
- PostgreSQL: a table with a pg_trgm GIN index, queried with ILIKE. The extension is created in
  schema `public` unless the database has it already (once per database; trusted since
  PostgreSQL 13, so the database's owner may create it); a database-wide advisory lock keeps two
  servers that migrate different schemas at once from creating it twice.
"""

import logging

log = logging.getLogger(__name__)
BATCH = 20_000  # messages indexed per statement while the migration builds the index
LOG_FROM = 100_000  # databases with more messages than this show the build's progress

# The searchable text of the message row `new` (a trigger's NEW), in both dialects.
_TEXT = "coalesce(new.body, '') || coalesce(' ' || (SELECT filename FROM media WHERE sid = new.media_sid), '')"
MESSAGE_TEXT = _TEXT.replace("new.", "m.")  # of the row `m` of messages

SQLITE = [
    "CREATE VIRTUAL TABLE message_search USING fts5(text, tokenize = 'trigram', detail = none)",
    # Messages written since the index last caught up (chat/store/search.py: catch_up).
    "CREATE TABLE message_search_queue (rowid INTEGER PRIMARY KEY)",
    """CREATE TRIGGER message_search_insert AFTER INSERT ON messages BEGIN
        INSERT OR IGNORE INTO message_search_queue (rowid) VALUES (new.rowid);
    END""",
    """CREATE TRIGGER message_search_update AFTER UPDATE OF body, media_sid ON messages BEGIN
        INSERT OR IGNORE INTO message_search_queue (rowid) VALUES (new.rowid);
    END""",
    """CREATE TRIGGER message_search_delete AFTER DELETE ON messages BEGIN
        INSERT OR IGNORE INTO message_search_queue (rowid) VALUES (old.rowid);
    END""",
    lambda db: build(db),
]

POSTGRES = [
    "SELECT pg_advisory_xact_lock(hashtext('chat: CREATE EXTENSION pg_trgm'))",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm WITH SCHEMA public",
    "CREATE TABLE message_search (rowid BIGINT PRIMARY KEY, text TEXT NOT NULL)",
    # The operator class is named with the extension's schema, wherever it was installed: the
    # search_path need not include it (the ILIKE operator it serves is built in).
    """DO $$ BEGIN
        EXECUTE format('CREATE INDEX message_search_text ON message_search USING gin (text %I.gin_trgm_ops)',
            (SELECT extnamespace::regnamespace::text FROM pg_extension WHERE extname = 'pg_trgm'));
    END $$""",
    f"""CREATE FUNCTION message_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' THEN
            DELETE FROM message_search WHERE rowid = old.rowid;
            RETURN old;
        END IF;
        INSERT INTO message_search (rowid, text) VALUES (new.rowid, {_TEXT})
            ON CONFLICT (rowid) DO UPDATE SET text = excluded.text;
        RETURN new;
    END $$""",
    """CREATE TRIGGER message_search_sync AFTER INSERT OR UPDATE OF body, media_sid OR DELETE ON messages
        FOR EACH ROW EXECUTE FUNCTION message_search_sync()""",
    lambda db: build(db),
]

MIGRATION = {"sqlite": SQLITE, "postgres": POSTGRES}


def build(db) -> None:
    """Index the messages an existing database already has, inside the migration's transaction
    (all or nothing: a server stopped halfway builds it again at its next start), in batches of
    rowids so that a large database logs its progress."""
    bounds = db.execute("SELECT coalesce(min(rowid), 0), coalesce(max(rowid), 0) FROM messages").fetchone()
    low, high = bounds[0], bounds[1]
    total = db.execute("SELECT count(*) FROM messages").fetchone()[0]
    if total > LOG_FROM:
        log.info("Building the message search index for %s messages", f"{total:,}")
    done = 0
    for start in range(low, high + 1, BATCH):
        done += db.execute(
            f"INSERT INTO message_search (rowid, text) SELECT m.rowid, {MESSAGE_TEXT} FROM messages m"
            " WHERE m.rowid >= ? AND m.rowid < ?",
            [start, start + BATCH],
        ).rowcount
        if total > LOG_FROM:
            log.info("Message search index: %s of %s messages (%d%%)", f"{done:,}", f"{total:,}", 100 * done // total)
