"""Members: /Services/{ServiceSid}/Channels/{ChannelSid}/Members[/{Sid}]; Sid also takes an identity."""

from .. import serializers
from ..actions import members
from .operations import Param, actor, base, chat, operation

PATH = "/Services/{ServiceSid}/Channels/{ChannelSid}/Members"
FIELDS = (
    Param("RoleSid"),
    Param("LastConsumedMessageIndex", "integer", nullable=True),
    Param("LastConsumptionTimestamp", "date"),
    Param("Attributes", description="A JSON object, as a string"),
    Param("DateCreated", "date"),
    Param("DateUpdated", "date"),
)


def render(row: dict) -> dict:
    return serializers.member(row, base(), chat().settings.account_sid)


@operation("GET", PATH, "List a channel's members", (Param("Identity", "array"),), "member", listing="members")
def list_members(service_sid, channel_sid, args, page):
    identities = args.get("identity", [])
    rows = members.page(chat(), actor(), service_sid, channel_sid, identities, page.after_rowid, page.limit)
    return page.of(rows, render, lambda row: row["_rowid"])


@operation("POST", PATH, "Add a member", (Param("Identity", required=True), *FIELDS), "member", status=201)
def create_member(service_sid, channel_sid, args):
    identity = args.pop("identity")
    return render(members.add(chat(), actor(), service_sid, channel_sid, identity, **args))


@operation("GET", PATH + "/{Sid}", "Fetch a member by SID or identity", returns="member")
def fetch_member(service_sid, channel_sid, sid, args):
    return render(members.get(chat(), actor(), service_sid, channel_sid, sid))


@operation("POST", PATH + "/{Sid}", "Update a member (role, read horizon, attributes)", FIELDS, "member")
def update_member(service_sid, channel_sid, sid, args):
    return render(members.update(chat(), actor(), service_sid, channel_sid, sid, **args))


@operation("DELETE", PATH + "/{Sid}", "Remove a member")
def delete_member(service_sid, channel_sid, sid, args):
    members.remove(chat(), actor(), service_sid, channel_sid, sid)
