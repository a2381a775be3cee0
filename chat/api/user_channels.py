"""UserChannels: /Services/{ServiceSid}/Users/{UserSid}/Channels[/{ChannelSid}]; the user slot also
takes an identity, the channel slot a unique name. v1 had the list only."""

from .. import serializers
from ..actions import members, user_channels
from .operations import Param, actor, base, chat, operation

PATH = "/Services/{ServiceSid}/Users/{UserSid}/Channels"
FIELDS = (
    Param("NotificationLevel", enum=members.NOTIFICATION_LEVELS),
    Param("LastConsumedMessageIndex", "integer", nullable=True),
    Param("LastConsumptionTimestamp", "date"),
)


def render(view: dict) -> dict:
    return serializers.user_channel(view, base(), chat().settings.account_sid)


@operation(
    "GET", PATH, "List the channels a user has joined or is invited to", returns="user_channel", listing="channels"
)
def list_user_channels(service_sid, user_sid, args, page):
    views = user_channels.page(chat(), service_sid, user_sid, page.after_rowid, page.limit)
    return page.of(views, render, lambda view: view["_rowid"])


@operation("GET", PATH + "/{ChannelSid}", "Fetch a user's place in a channel", returns="user_channel", versions=("v2",))
def fetch_user_channel(service_sid, user_sid, channel_sid, args):
    return render(user_channels.get(chat(), service_sid, user_sid, channel_sid))


@operation(
    "POST",
    PATH + "/{ChannelSid}",
    "Update notification level or read horizon",
    FIELDS,
    "user_channel",
    versions=("v2",),
)
def update_user_channel(service_sid, user_sid, channel_sid, args):
    return render(user_channels.update(chat(), actor(), service_sid, user_sid, channel_sid, **args))


@operation("DELETE", PATH + "/{ChannelSid}", "Remove the user from the channel", versions=("v2",))
def delete_user_channel(service_sid, user_sid, channel_sid, args):
    user_channels.delete(chat(), actor(), service_sid, user_sid, channel_sid)
