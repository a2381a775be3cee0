"""Bindings: /Services/{ServiceSid}/Bindings[/{Sid}] and /Services/{ServiceSid}/Users/{UserSid}/Bindings[/{Sid}]
(the user slot also takes an identity). List, fetch and delete only, and v2 only, as in Twilio:
the SDK creates bindings (WebSocket command push.register)."""

from .. import serializers
from ..actions import bindings, credentials, users
from .operations import Param, base, chat, operation

PATH = "/Services/{ServiceSid}/Bindings"
USER_PATH = "/Services/{ServiceSid}/Users/{UserSid}/Bindings"
V2 = ("v2",)
BINDING_TYPE = Param("BindingType", "array", enum=credentials.TYPES)


def render(row: dict) -> dict:
    return serializers.binding(row, base(), chat().settings.account_sid)


def render_for(user: dict):
    return lambda row: serializers.user_binding(row, base(), chat().settings.account_sid, user["sid"])


@operation(
    "GET",
    PATH,
    "List push bindings",
    (BINDING_TYPE, Param("Identity", "array")),
    "binding",
    listing="bindings",
    versions=V2,
)
def list_bindings(service_sid, args, page):
    identities, types = args.get("identity", []), args.get("binding_type", [])
    rows = bindings.page(chat(), service_sid, identities, types, page.after_rowid, page.limit)
    return page.of(rows, render, lambda row: row["_rowid"])


@operation("GET", PATH + "/{Sid}", "Fetch a push binding", returns="binding", versions=V2)
def fetch_binding(service_sid, sid, args):
    return render(bindings.get(chat(), service_sid, sid))


@operation("DELETE", PATH + "/{Sid}", "Delete a push binding", versions=V2)
def delete_binding(service_sid, sid, args):
    bindings.delete(chat(), service_sid, sid)


@operation(
    "GET", USER_PATH, "List a user's push bindings", (BINDING_TYPE,), "user_binding", listing="bindings", versions=V2
)
def list_user_bindings(service_sid, user_sid, args, page):
    user = users.get(chat(), service_sid, user_sid)
    rows = bindings.page(
        chat(), service_sid, [user["identity"]], args.get("binding_type", []), page.after_rowid, page.limit
    )
    return page.of(rows, render_for(user), lambda row: row["_rowid"])


@operation("GET", USER_PATH + "/{Sid}", "Fetch a user's push binding", returns="user_binding", versions=V2)
def fetch_user_binding(service_sid, user_sid, sid, args):
    user = users.get(chat(), service_sid, user_sid)
    return render_for(user)(bindings.get(chat(), service_sid, sid, user))


@operation("DELETE", USER_PATH + "/{Sid}", "Delete a user's push binding", versions=V2)
def delete_user_binding(service_sid, user_sid, sid, args):
    bindings.delete(chat(), service_sid, sid, users.get(chat(), service_sid, user_sid))
