"""Messages: /Services/{ServiceSid}/Channels/{ChannelSid}/Messages[/{Sid}]."""

from ..actions import messages
from .operations import Param, actor, base, chat, operation

PATH = "/Services/{ServiceSid}/Channels/{ChannelSid}/Messages"
FIELDS = (
    Param("Body"),
    Param("Attributes", description="A JSON object, as a string"),
    Param("From", key="author", description="The author's identity (default: system)"),
    Param("DateCreated", "date"),
)
UPDATE_FIELDS = (*FIELDS, Param("DateUpdated", "date"), Param("LastUpdatedBy"))


def render(row: dict) -> dict:
    return messages.serialize(chat(), row, base=base())


@operation(
    "GET", PATH, "List messages by index", (Param("Order", enum=("asc", "desc")),), "message", listing="messages"
)
def list_messages(service_sid, channel_sid, args, page):
    rows = messages.rest_page(
        chat(),
        actor(),
        service_sid,
        channel_sid,
        after=page.after,
        limit=page.limit,
        descending=args.get("order") == "desc",
    )
    return page.of(rows, render, lambda row: row["idx"])


@operation("POST", PATH, "Send a message", (*FIELDS, Param("MediaSid")), "message", status=201)
def create_message(service_sid, channel_sid, args):
    return render(messages.send(chat(), actor(), service_sid, channel_sid, **args))


@operation("GET", PATH + "/{Sid}", "Fetch a message", returns="message")
def fetch_message(service_sid, channel_sid, sid, args):
    return render(messages.get(chat(), actor(), service_sid, channel_sid, sid))


@operation("POST", PATH + "/{Sid}", "Edit a message", UPDATE_FIELDS, "message")
def update_message(service_sid, channel_sid, sid, args):
    return render(messages.update(chat(), actor(), service_sid, channel_sid, sid, **args))


@operation("DELETE", PATH + "/{Sid}", "Delete a message")
def delete_message(service_sid, channel_sid, sid, args):
    messages.remove(chat(), actor(), service_sid, channel_sid, sid)
