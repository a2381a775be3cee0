"""Invites: /Services/{ServiceSid}/Channels/{ChannelSid}/Invites[/{Sid}] (no update, as in Twilio)."""

from .. import serializers
from ..actions import members
from .operations import Param, actor, base, chat, operation

PATH = "/Services/{ServiceSid}/Channels/{ChannelSid}/Invites"


def render(row: dict) -> dict:
    return serializers.invite(row, base(), chat().settings.account_sid)


@operation("GET", PATH, "List a channel's invites", (Param("Identity", "array"),), "invite", listing="invites")
def list_invites(service_sid, channel_sid, args, page):
    identities = args.get("identity", [])
    rows = members.invites_page(chat(), actor(), service_sid, channel_sid, identities, page.after_rowid, page.limit)
    return page.of(rows, render, lambda row: row["_rowid"])


@operation(
    "POST",
    PATH,
    "Invite a user",
    (Param("Identity", required=True), Param("RoleSid", description="The channel role the member will get")),
    "invite",
    status=201,
)
def create_invite(service_sid, channel_sid, args):
    return render(members.invite(chat(), actor(), service_sid, channel_sid, args["identity"], args.get("role_sid")))


@operation("GET", PATH + "/{Sid}", "Fetch an invite", returns="invite")
def fetch_invite(service_sid, channel_sid, sid, args):
    return render(members.get_invite(chat(), actor(), service_sid, channel_sid, sid))


@operation("DELETE", PATH + "/{Sid}", "Withdraw an invite")
def delete_invite(service_sid, channel_sid, sid, args):
    members.delete_invite(chat(), actor(), service_sid, channel_sid, sid)
