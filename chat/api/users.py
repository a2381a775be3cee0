"""Users: /Services/{ServiceSid}/Users[/{Sid}]; the Sid slot also takes an identity."""

from ..actions import users
from .operations import Param, actor, base, chat, operation

PATH = "/Services/{ServiceSid}/Users"
FIELDS = (
    Param("RoleSid", description="A deployment role (default: the service's default service role)"),
    Param("Attributes", description="A JSON object, as a string"),
    Param("FriendlyName"),
)


def render(row: dict, single: bool = False) -> dict:
    return users.serialize(chat(), row, single=single, base=base())


@operation("GET", PATH, "List users", returns="user", listing="users")
def list_users(service_sid, args, page):
    return page.of(users.page(chat(), service_sid, page.after_rowid, page.limit), render, lambda row: row["_rowid"])


@operation("POST", PATH, "Create a user", (Param("Identity", required=True), *FIELDS), "user", status=201)
def create_user(service_sid, args):
    return render(users.create(chat(), actor(), service_sid, args.pop("identity"), **args))


@operation("GET", PATH + "/{Sid}", "Fetch a user by SID or identity (with reachability)", returns="user")
def fetch_user(service_sid, sid, args):
    return render(users.get(chat(), service_sid, sid), single=True)


@operation("POST", PATH + "/{Sid}", "Update a user", FIELDS, "user")
def update_user(service_sid, sid, args):
    return render(users.update(chat(), actor(), service_sid, sid, **args))


@operation("DELETE", PATH + "/{Sid}", "Delete a user, its memberships and invites")
def delete_user(service_sid, sid, args):
    users.delete(chat(), actor(), service_sid, sid)
