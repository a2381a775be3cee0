"""`python -m chat.webhooks`: the post-event delivery log, and re-delivery, for admins.

It opens the database directly (no server needed, and safe while one runs): a running server's
deliverer picks re-delivered rows up within a second.
"""

import json
import os
import time
from datetime import timedelta

import click

from ..clock import iso, now
from ..store import Store, configured_database, open_store
from ..store import webhook_deliveries as deliveries


@click.group()
@click.option("--database", help="The SQLite file.  [default: DATABASE_PATH, or chat.db]")
@click.option("--database-url", help="A PostgreSQL URL, used instead of the file.  [default: DATABASE_URL]")
@click.pass_context
def cli(context: click.Context, database: str | None, database_url: str | None) -> None:
    """Post-event webhook deliveries: inspect them and send them again."""
    path, url = configured_database()
    path, url = database or path, database_url or ("" if database else url)
    if not url and not os.path.exists(path):
        raise click.UsageError(f"No database at {path}: pass --database or set DATABASE_PATH (or DATABASE_URL).")
    context.obj = open_store(path, url, threads=1)
    context.call_on_close(context.obj.close)


@cli.command()
@click.option("--status", type=click.Choice(["pending", "delivered", "failed"]), help="Only rows in this state.")
@click.option("--limit", default=50, show_default=True, help="How many rows, newest first.")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line, parameters included.")
@click.pass_obj
def log(store: Store, status: str | None, limit: int, as_json: bool) -> None:
    """Recent deliveries: event, URL, attempts, last status code, latency and error."""
    rows = deliveries.recent(store.db(), limit, status)
    if as_json:
        for row in rows:
            row["params"] = json.loads(row["params"])
            click.echo(json.dumps(row))
        return
    click.echo(
        f"{'ID':>6}  {'STATUS':9}  {'EVENT':20}  {'TRIES':5}  {'CODE':4}  {'MS':>6}  {'CREATED':24}  URL / ERROR"
    )
    for row in rows:
        tries = f"{row['attempts']}/{row['max_attempts']}"
        code = row["status_code"] or "-"
        latency = "-" if row["latency_ms"] is None else row["latency_ms"]
        line = f"{row['id']:>6}  {row['status']:9}  {row['event']:20}  {tries:5}  {code!s:4}  {latency!s:>6}  "
        line += f"{row['date_created']:24}  {row['url']}"
        if row["last_error"]:
            line += f"  ({row['last_error']})"
        click.echo(line)


@cli.command()
@click.argument("ids", nargs=-1, type=int)
@click.option("--failed", is_flag=True, help="Every failed delivery.")
@click.pass_obj
def redeliver(store: Store, ids: tuple[int, ...], failed: bool) -> None:
    """Send deliveries again, as a new series of attempts (same idempotency token)."""
    if bool(ids) == failed:
        raise click.UsageError("Give delivery IDs or --failed (not both).")
    with store.write() as tx:
        count = deliveries.redeliver(tx.db, None if failed else list(ids), time.time())
    click.echo(f"Queued {count} for re-delivery.")


@cli.command()
@click.option("--days", default=30, show_default=True, help="Keep rows changed within this many days.")
@click.pass_obj
def prune(store: Store, days: int) -> None:
    """Delete delivered and failed rows older than --days (pending ones are always kept)."""
    with store.write() as tx:
        count = deliveries.prune(tx.db, iso(now() - timedelta(days=days)))
    click.echo(f"Deleted {count}.")
