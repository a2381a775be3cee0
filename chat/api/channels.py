"""Channels: /Services/{ServiceSid}/Channels[/{Sid}]; the Sid slot also takes a unique name."""

from .. import serializers
from ..actions import channels
from .operations import Param, actor, base, chat, operation

PATH = "/Services/{ServiceSid}/Channels"
TYPES = ("public", "private")
FIELDS = (
    Param("FriendlyName"),
    Param("UniqueName"),
    Param("Attributes", description="A JSON object, as a string"),
    Param("CreatedBy"),
    Param("DateCreated", "date"),
    Param("DateUpdated", "date"),
)


def render(row: dict) -> dict:
    return serializers.channel(row, base(), chat().settings.account_sid)


@operation("GET", PATH, "List channels", (Param("Type", "array", enum=TYPES),), "channel", listing="channels")
def list_channels(service_sid, args, page):
    rows = channels.page(chat(), service_sid, args.get("type", list(TYPES)), page.after_rowid, page.limit)
    return page.of(rows, render, lambda row: row["_rowid"])


@operation("POST", PATH, "Create a channel", (*FIELDS, Param("Type", enum=TYPES)), "channel", status=201)
def create_channel(service_sid, args):
    args.setdefault("type", "public")
    return render(channels.create(chat(), actor(), service_sid, **args))


@operation("GET", PATH + "/{Sid}", "Fetch a channel by SID or unique name", returns="channel")
def fetch_channel(service_sid, sid, args):
    return render(channels.get(chat(), actor(), service_sid, sid))


@operation("POST", PATH + "/{Sid}", "Update a channel", FIELDS, "channel")
def update_channel(service_sid, sid, args):
    return render(channels.update(chat(), actor(), service_sid, sid, **args))


@operation("DELETE", PATH + "/{Sid}", "Delete a channel with its members and messages")
def delete_channel(service_sid, sid, args):
    channels.delete(chat(), actor(), service_sid, sid)
