"""The `export`, `import` and `import-from-twilio` commands of `python -m chat`."""

import os
import sys

import click

from ..clock import iso, parse
from ..store import configured_database, open_store
from ..store import transfer as stored
from . import export as exporting
from . import format, load, progress
from .twilio_source import SourceError, TwilioSource


def _store(create: bool = False):
    """The configured database; an import may make a new SQLite file, an export needs one."""
    path, url = configured_database()
    if not url and not create and not os.path.exists(path):
        raise click.UsageError(f"No SQLite file at {path}: set DATABASE_PATH or DATABASE_URL.")
    return open_store(path, url, threads=1)


def _since(value: str | None) -> str | None:
    if value is None:
        return None
    try:
        return iso(parse(value if "T" in value else f"{value}T00:00:00Z"))
    except ValueError:
        raise click.BadParameter(f"{value!r} is not a date (2024-05-01 or 2024-05-01T12:00:00Z)") from None


@click.command("export")
@click.option(
    "-o", "--output", type=click.Path(dir_okay=False, writable=True), help="The file.  [default: standard output]"
)
@click.option(
    "--service", "services", multiple=True, metavar="IS…", help="Only this service (repeat for more).  [default: all]"
)
@click.option("--since", help="Only messages from this date on (2024-05-01 or 2024-05-01T12:00:00Z); the rest in full.")
@click.option(
    "--media-dir",
    type=click.Path(file_okay=False),
    help="Write pictures as files in this folder (next to the output) instead of base64.",
)
def export_command(output, services, since, media_dir):
    """Write every service with its settings, roles, users, channels, members, invites, webhooks,
    messages and pictures as JSON Lines (docs/export.md)."""
    since = _since(since)
    if media_dir:
        if not output:
            raise click.UsageError("--media-dir needs -o: the file names pictures relative to its folder.")
        media_dir = os.path.join(
            os.path.dirname(os.path.abspath(output)), os.path.basename(os.path.normpath(media_dir))
        )
        os.makedirs(media_dir, exist_ok=True)
    store = _store()
    target = open(output, "w", encoding="utf-8") if output else sys.stdout  # noqa: SIM115 - closed below
    try:
        total = exporting.message_total(store, list(services) or None, since)
        with progress.bar(total, "messages") as tick:
            for line in exporting.lines(store, list(services) or None, since, media_dir, tick):
                target.write(format.dumps(line) + "\n")
    finally:
        store.close()
        if output:
            target.close()
    if output:
        click.echo(f"Exported to {output}.", err=True)


@click.command("import")
@click.argument("file", type=click.Path(dir_okay=False, allow_dash=True))
def import_command(file):
    """Read an export into the configured database: what is there already is kept, each channel is
    all or nothing, and nothing is sent to webhooks or sockets as new messages."""
    folder = os.path.dirname(os.path.abspath(file)) if file != "-" else os.getcwd()

    def read_file(name: str) -> bytes:
        path = os.path.normpath(os.path.join(folder, name))
        if not path.startswith(folder + os.sep):
            raise format.BadLine(f"file {name!r} is outside the export's folder")
        try:
            with open(path, "rb") as picture:
                return picture.read()
        except OSError as error:
            raise format.BadLine(f"cannot read {name!r}: {error.strerror}") from None

    store = _store(create=True)
    source = sys.stdin if file == "-" else open(file, encoding="utf-8", errors="strict")  # noqa: SIM115
    try:
        with progress.bar(None, "messages") as tick:
            report = load.load(store, load.texts_of(source), read_file, tick)
    except load.ImportFailed as error:
        raise click.ClickException(
            f"{file}, {error}. Channels before it are imported; running again goes on."
        ) from None
    except UnicodeDecodeError:
        raise click.ClickException(f"{file} is not UTF-8 text: it is not an export, or it is damaged.") from None
    finally:
        store.close()
        if file != "-":
            source.close()
    click.echo(report.summary())
    if report.refused:
        sys.exit(1)


@click.command("import-from-twilio")
@click.option(
    "--account-sid", envvar="TWILIO_ACCOUNT_SID", required=True, metavar="AC…", help="[env TWILIO_ACCOUNT_SID]"
)
@click.option("--auth-token", envvar="TWILIO_AUTH_TOKEN", help="[env TWILIO_AUTH_TOKEN]")
@click.option(
    "--api-key", envvar="TWILIO_API_KEY", metavar="SK…", help="Instead of the auth token.  [env TWILIO_API_KEY]"
)
@click.option("--api-secret", envvar="TWILIO_API_SECRET", help="[env TWILIO_API_SECRET]")
@click.option("--service", "service_sid", required=True, metavar="IS…", help="The Chat service to bring over.")
@click.option("--base-url", help="A Twilio-compatible server instead of Twilio (e.g. another instance of this one).")
@click.option("--pace", type=float, default=20.0, show_default=True, help="Requests per second at most.")
def import_from_twilio_command(account_sid, auth_token, api_key, api_secret, service_sid, base_url, pace):
    """Read a service through Twilio's REST API (Chat v2) and import it. Safe to run again: an
    interrupted run goes on where it stopped."""
    if api_key and api_secret:
        username, password = api_key, api_secret
    elif auth_token:
        username, password = account_sid, auth_token
    else:
        raise click.UsageError("Give --auth-token, or --api-key and --api-secret.")

    def waiting(seconds: float) -> None:
        click.echo(f"The source asks us to slow down (429): waiting {seconds:.0f} s.", err=True)

    source = TwilioSource(account_sid, username, password, service_sid, base_url, pace, waiting)
    store = _store(create=True)
    try:
        with progress.bar(None, "messages") as tick:
            texts = source.texts(lambda sid: stored.find(store.db(), "channels", sid), tick)
            report = load.load(store, texts)
    except SourceError as error:
        raise click.ClickException(f"{error}. What was imported before stays; running again goes on.") from None
    except load.ImportFailed as error:
        raise click.ClickException(f"the source sent something this program cannot import ({error}).") from None
    finally:
        store.close()
    click.echo(report.summary())
    if report.refused:
        sys.exit(1)


def register(cli: click.Group) -> None:
    for command in (export_command, import_command, import_from_twilio_command):
        cli.add_command(command)
