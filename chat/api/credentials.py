"""Credentials: /Credentials[/{Sid}], the account's push credentials (no service in the path)."""

from .. import serializers
from ..actions import credentials
from .operations import Param, base, chat, operation

PATH = "/Credentials"
FIELDS = (
    Param("FriendlyName"),
    Param("Certificate", description="apn: the certificate, PEM"),
    Param("PrivateKey", description="apn: the private key, PEM"),
    Param("Sandbox", "boolean", description="apn: use the sandbox"),
    Param("ApiKey", description="gcm: the API key"),
    Param("Secret", description="fcm: the server key"),
)


def render(row: dict) -> dict:
    return serializers.credential(row, base())


@operation("GET", PATH, "List push credentials", returns="credential", listing="credentials")
def list_credentials(args, page):
    return page.of(credentials.page(chat(), page.after_rowid, page.limit), render, lambda row: row["_rowid"])


@operation(
    "POST",
    PATH,
    "Create a push credential",
    (Param("Type", required=True, enum=credentials.TYPES), *FIELDS),
    "credential",
    status=201,
)
def create_credential(args):
    return render(credentials.create(chat(), **args))


@operation("GET", PATH + "/{Sid}", "Fetch a push credential (without its secrets)", returns="credential")
def fetch_credential(sid, args):
    return render(credentials.get(chat(), sid))


@operation("POST", PATH + "/{Sid}", "Update a push credential", FIELDS, "credential")
def update_credential(sid, args):
    return render(credentials.update(chat(), sid, **args))


@operation("DELETE", PATH + "/{Sid}", "Delete a push credential")
def delete_credential(sid, args):
    credentials.delete(chat(), sid)
