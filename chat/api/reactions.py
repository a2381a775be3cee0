"""Reactions (our extension): /Services/{ServiceSid}/Channels/{ChannelSid}/Messages/{Sid}/Reactions.

Twilio has no such resource; a bot or back end uses it to react as a member without rewriting
the message's attributes (which would drop a reaction made meanwhile). docs/api.md."""

from ..actions import reactions
from .messages import PATH, render
from .operations import Param, actor, chat, operation


@operation(
    "POST",
    PATH + "/{Sid}/Reactions",
    "Add, remove or toggle a member's reaction (our extension); returns the message",
    (
        Param("Identity", required=True, description="The member who reacts"),
        Param("Reaction", required=True, description="An emoji, at most 16 characters"),
        Param("Action", enum=reactions.ACTIONS, description="toggle (default), add or remove"),
    ),
    "message",
    versions=("v2",),
)
def react_to_message(service_sid, channel_sid, sid, args):
    row = reactions.react(
        chat(),
        actor(),
        service_sid,
        channel_sid,
        sid,
        args["reaction"],
        action=args.get("action", "toggle"),
        identity=args["identity"],
    )
    return render(row)
