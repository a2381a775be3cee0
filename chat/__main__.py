"""`python -m chat`: what an operator runs next to the server, with the same settings (.env).

migrate            apply the schema's migrations (the Procfile's release phase)
copy-database      copy a chat into another database (from SQLite into PostgreSQL)
export             write the chat out as JSON Lines in Twilio's shapes (docs/export.md)
import             read such a file in, keeping SIDs, indexes, dates and read horizons
import-from-twilio read a service through Twilio's REST API and import it
"""

import os

import click

from .store import configured_database, open_store
from .store.copy import NotEmpty, copy
from .store.postgres import describe


@click.group()
def cli() -> None:
    """Operate a chat server's database."""


@cli.command()
def migrate() -> None:
    """Bring the configured database's schema up to date (safe while servers run or start)."""
    path, url = configured_database()
    store = open_store(path, url, threads=1)  # opening migrates
    store.close()
    click.echo(f"Schema up to date in {describe(url) if url else path}.")


@cli.command("copy-database")
@click.option("--from", "source_path", default=None, help="The SQLite file to copy.  [default: DATABASE_PATH]")
@click.option("--to", "target_url", default=None, help="The PostgreSQL URL to copy into.  [default: DATABASE_URL]")
def copy_database(source_path: str | None, target_url: str | None) -> None:
    """Copy every service, channel, message, picture and setting into an empty PostgreSQL database,
    keeping SIDs, indexes, dates and read horizons. Stop the servers writing to the file first."""
    path, url = configured_database()
    source_path, target_url = source_path or path, target_url or url
    if not target_url:
        raise click.UsageError("Give --to postgres://... or set DATABASE_URL.")
    if not os.path.exists(source_path):
        raise click.UsageError(f"No SQLite file at {source_path}: give --from or set DATABASE_PATH.")
    source = open_store(source_path)
    target = open_store(url=target_url, threads=1)
    try:
        counts = copy(source, target)
    except NotEmpty as error:
        raise click.ClickException(str(error)) from None
    finally:
        source.close()
        target.close()
    summary = ", ".join(f"{count} {table}" for table, count in counts.items() if count)
    click.echo(f"Copied {source_path} into {describe(target_url)}: {summary}.")


from .transfer import commands  # noqa: E402 - registers export, import, import-from-twilio

commands.register(cli)
cli(prog_name="python -m chat")
