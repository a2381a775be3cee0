"""Channel webhooks: /Services/{ServiceSid}/Channels/{ChannelSid}/Webhooks[/{Sid}] (v2 only)."""

from .. import hook_events, serializers
from ..actions import channel_webhooks
from .operations import Param, actor, base, chat, operation

PATH = "/Services/{ServiceSid}/Channels/{ChannelSid}/Webhooks"
CONFIGURATION = (
    Param("Configuration.Url", description="Where to send the channel's events"),
    Param("Configuration.Method", enum=channel_webhooks.METHODS),
    Param("Configuration.Filters", "array", enum=hook_events.ALL, description="Event names (type webhook)"),
    Param("Configuration.Triggers", "array", description="Words that fire it (type trigger)"),
    Param("Configuration.FlowSid", description="Stored only: there is no Studio here"),
    Param("Configuration.RetryCount", "integer", description="0 to 3"),
)


def render(row: dict) -> dict:
    return serializers.webhook(row, base(), chat().settings.account_sid)


@operation("GET", PATH, "List a channel's webhooks", returns="webhook", listing="webhooks", versions=("v2",))
def list_webhooks(service_sid, channel_sid, args, page):
    rows = channel_webhooks.page(chat(), actor(), service_sid, channel_sid, page.after_rowid, page.limit)
    return page.of(rows, render, lambda row: row["_rowid"])


@operation(
    "POST",
    PATH,
    "Add a webhook to a channel (at most 5)",
    (Param("Type", required=True, enum=channel_webhooks.TYPES), *CONFIGURATION),
    "webhook",
    status=201,
    versions=("v2",),
)
def create_webhook(service_sid, channel_sid, args):
    kind = args.pop("type")
    return render(channel_webhooks.create(chat(), actor(), service_sid, channel_sid, kind, **args))


@operation("GET", PATH + "/{Sid}", "Fetch a channel webhook", returns="webhook", versions=("v2",))
def fetch_webhook(service_sid, channel_sid, sid, args):
    return render(channel_webhooks.get(chat(), actor(), service_sid, channel_sid, sid))


@operation("POST", PATH + "/{Sid}", "Update a channel webhook", CONFIGURATION, "webhook", versions=("v2",))
def update_webhook(service_sid, channel_sid, sid, args):
    return render(channel_webhooks.update(chat(), actor(), service_sid, channel_sid, sid, **args))


@operation("DELETE", PATH + "/{Sid}", "Delete a channel webhook", versions=("v2",))
def delete_webhook(service_sid, channel_sid, sid, args):
    channel_webhooks.delete(chat(), actor(), service_sid, channel_sid, sid)
