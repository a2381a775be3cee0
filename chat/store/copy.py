"""Copy every row of one database into another (SQLite into PostgreSQL, or back): the move to
more than one machine. SIDs, indexes, dates, read horizons, roles, webhook settings, pictures,
the event log (with its seq numbers) and the webhook outbox are kept as they are."""

from .db import Store, insert_row

# Parents before children; each table in the order its rows were made, so that lists paged by
# insertion order (rowid) read the same on the target. Presence is per running process: not copied.
TABLES = {
    "services": "rowid",
    "roles": "rowid",
    "users": "rowid",
    "channels": "rowid",
    "members": "rowid",
    "media": "rowid",
    "messages": "rowid",
    "invites": "rowid",
    "credentials": "rowid",
    "bindings": "rowid",
    "channel_webhooks": "rowid",
    "webhook_deliveries": "id",
    "events": "seq",
}
# Rows a server makes for itself at start (the configured service and its roles): replaced.
STARTER_TABLES = ("services", "roles")
BATCH = 500


class NotEmpty(Exception):
    """The target already holds a chat; copying would mix two."""


def copy(source: Store, target: Store) -> dict:
    """Copy everything in one transaction on the target (all or nothing); rows per table."""
    counts = {}
    with target.write() as tx:
        for table in TABLES:
            if table not in STARTER_TABLES and tx.db.execute(f"SELECT count(*) FROM {table}").fetchone()[0]:
                raise NotEmpty(f"the target already has {table}; copy into an empty database")
        tx.db.execute("DELETE FROM services")  # their roles go with them (ON DELETE CASCADE)
        for table, order in TABLES.items():
            counts[table] = 0
            cursor = source.db().execute(f"SELECT * FROM {table} ORDER BY {order}")
            while batch := cursor.fetchmany(BATCH):
                for row in batch:
                    row = dict(row)
                    row.pop("rowid", None)  # the target numbers its rows itself, in this order
                    insert_row(tx.db, table, row)
                counts[table] += len(batch)
        target.backend.after_copy(tx.db)
    return counts
