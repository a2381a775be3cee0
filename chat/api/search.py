"""Message search: GET /Services/{ServiceSid}/MessageSearch (our extension, not Twilio's;
docs/api.md). The account's credentials search every channel; results are Twilio's message JSON,
newest first, paged like Twilio's lists."""

from ..actions import search
from .messages import render
from .operations import Param, actor, chat, operation


@operation(
    "GET",
    "/Services/{ServiceSid}/MessageSearch",
    "Search messages (extension)",
    (
        Param("Query", required=True, description="Text to find anywhere in a message's body or picture filename"),
        Param("ChannelSid", key="channel", description="Only this channel (SID or unique name)"),
        Param("Author", description="Only messages from this identity"),
        Param("DateCreatedAfter", "date", key="created_after", description="Only messages created after this time"),
        Param("DateCreatedBefore", "date", key="created_before", description="Only messages created before this time"),
    ),
    "message",
    listing="messages",
    versions=("v2",),
)
def search_messages(service_sid, args, page):
    rows = search.find(chat(), actor(), service_sid, args.pop("query"), **args, before=page.after, limit=page.limit)
    return page.of(rows, render, lambda row: row["search_rowid"])
