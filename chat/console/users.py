"""Users: search, one user's channels and roles, change the service role, remove the user."""

import json

from flask import abort, request

from ..actions import roles, users
from ..errors import ChatError
from ..store import stats
from .blueprint import ACTOR, bp, chat, done, page, service_sid

PAGE = 50


@bp.get("/users")
def user_list():
    query = request.args.get("q", "").strip()[:100]
    number = request.args.get("page", "1")
    number = max(1, int(number)) if number.isdigit() else 1
    found = stats.search_users(chat().store.db(), service_sid(), query, PAGE + 1, (number - 1) * PAGE)
    return page("console/users.html", users=found[:PAGE], q=query, number=number, more=len(found) > PAGE,
                role_names=_role_names())  # fmt: skip


def _role_names() -> dict[str, str]:
    return {row["sid"]: row["friendly_name"] for row in stats.roles_of_service(chat().store.db(), service_sid())}


def _user(sid: str) -> dict:
    try:
        return users.get(chat(), service_sid(), sid)
    except ChatError:
        abort(404)


@bp.get("/users/<sid>")
def user_detail(sid: str):
    row = _user(sid)
    db = chat().store.db()
    return page(
        "console/user.html", user=row, channels=stats.channels_of_user(db, service_sid(), row["identity"]),
        roles=[r for r in stats.roles_of_service(db, service_sid()) if r["type"] == "deployment"],
        role_names=_role_names(),
    )  # fmt: skip


@bp.post("/users/<sid>/role")
def change_user_role(sid: str):
    row = _user(sid)
    users.update(chat(), ACTOR, service_sid(), row["sid"], role_sid=request.form.get("role_sid", ""))
    return done(f"{row['identity']}'s role changed.", "console.user_detail", sid=row["sid"])


@bp.post("/users/<sid>/remove")
def remove_user(sid: str):
    row = _user(sid)
    users.delete(chat(), ACTOR, service_sid(), row["sid"])
    return done(f"User {row['identity']} removed.", "console.user_list")


@bp.get("/roles")
def role_list():
    found = stats.roles_of_service(chat().store.db(), service_sid())
    for row in found:
        row["permission_list"] = json.loads(row["permissions"])
    return page("console/roles.html", roles=found, permissions=roles.PERMISSIONS)


@bp.post("/roles")
def create_role():
    kind = request.form.get("type", "")
    roles.create(chat(), service_sid(), request.form.get("friendly_name", ""), kind, request.form.getlist("permission"))
    return done("Role created.", "console.role_list")


@bp.post("/roles/<sid>")
def update_role(sid: str):
    roles.update(chat(), service_sid(), sid, request.form.getlist("permission"))
    return done("Role saved.", "console.role_list")
