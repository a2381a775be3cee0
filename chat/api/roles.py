"""Roles: /Services/{ServiceSid}/Roles[/{Sid}]."""

from .. import serializers
from ..actions import roles
from .operations import Param, base, chat, operation

PATH = "/Services/{ServiceSid}/Roles"
PERMISSION = Param("Permission", "array", required=True, description="Repeated; replaces the list on update")


def render(row: dict) -> dict:
    return serializers.role(row, base(), chat().settings.account_sid)


@operation("GET", PATH, "List roles", returns="role", listing="roles")
def list_roles(service_sid, args, page):
    return page.of(roles.page(chat(), service_sid, page.after_rowid, page.limit), render, lambda row: row["_rowid"])


@operation(
    "POST",
    PATH,
    "Create a role",
    (Param("FriendlyName", required=True), Param("Type", required=True, enum=tuple(roles.PERMISSIONS)), PERMISSION),
    "role",
    status=201,
)
def create_role(service_sid, args):
    return render(roles.create(chat(), service_sid, **args))


@operation("GET", PATH + "/{Sid}", "Fetch a role", returns="role")
def fetch_role(service_sid, sid, args):
    return render(roles.get(chat(), service_sid, sid))


@operation("POST", PATH + "/{Sid}", "Replace a role's permissions", (PERMISSION,), "role")
def update_role(service_sid, sid, args):
    return render(roles.update(chat(), service_sid, sid, **args))


@operation("DELETE", PATH + "/{Sid}", "Delete a role no one holds")
def delete_role(service_sid, sid, args):
    roles.delete(chat(), service_sid, sid)
