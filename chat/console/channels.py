"""Channels: search, one channel's members, invites and messages; remove a message or a member,
delete the channel. Changes go through chat/actions, so open chat pages see them at once."""

from flask import Response, abort, request

from ..actions import channels, members, messages
from ..errors import ChatError
from ..store import messages as message_rows
from ..store import stats
from .blueprint import ACTOR, bp, chat, done, page, service_sid

PAGE = 25
PICTURES = ("image/png", "image/jpeg", "image/gif", "image/webp")


def _page_number() -> int:
    value = request.args.get("page", "1")
    return max(1, int(value)) if value.isdigit() else 1


@bp.get("/channels")
def channel_list():
    query = request.args.get("q", "").strip()[:100]
    number = _page_number()
    found = stats.search_channels(chat().store.db(), service_sid(), query, PAGE + 1, (number - 1) * PAGE)
    return page("console/channels.html", channels=found[:PAGE], q=query, number=number, more=len(found) > PAGE)


def _channel(sid: str) -> dict:
    try:
        return channels.get(chat(), ACTOR, service_sid(), sid)
    except ChatError:
        abort(404)


def _with_gaps(rows: list[dict], newest_index: int | None) -> list[dict]:
    """Messages newest first, each with how many removed ones (holes in the indexes) sat just
    above it, so the page can mark where messages were removed."""
    above = newest_index + 1 if newest_index is not None else None
    for row in rows:
        row["removed_above"] = (above - row["idx"] - 1) if above is not None else 0
        above = row["idx"]
    return rows


@bp.get("/channels/<sid>")
def channel_detail(sid: str):
    row = _channel(sid)
    db = chat().store.db()
    before = request.args.get("before", "")
    before_index = int(before) if before.isdigit() else None
    found = message_rows.page(db, row["sid"], before=before_index, limit=PAGE + 1, descending=True)
    newest = (before_index - 1) if before_index is not None else row["next_index"] - 1
    shown = _with_gaps(found[:PAGE], newest if newest >= 0 else None)
    return page(
        "console/channel.html",
        channel=row,
        members=stats.members_with_presence(db, row["sid"]),
        invites=stats.invites_of_channel(db, row["sid"]),
        messages=shown,
        older=shown[-1]["idx"] if len(found) > PAGE else None,
        newer=before_index is not None,
    )


@bp.post("/channels/<sid>/messages/<message_sid>/remove")
def remove_message(sid: str, message_sid: str):
    row = _channel(sid)
    try:
        messages.remove(chat(), ACTOR, service_sid(), row["sid"], message_sid)
    except ChatError as error:
        return page("console/error.html", error.status, title="Not removed", message=error.message)
    return done("Message removed.", "console.channel_detail", sid=row["sid"])


@bp.post("/channels/<sid>/members/<member_sid>/remove")
def remove_member(sid: str, member_sid: str):
    row = _channel(sid)
    try:
        removed = members.remove(chat(), ACTOR, service_sid(), row["sid"], member_sid)
    except ChatError as error:
        return page("console/error.html", error.status, title="Not removed", message=error.message)
    return done(f"{removed['identity']} was removed from the channel.", "console.channel_detail", sid=row["sid"])


@bp.post("/channels/<sid>/delete")
def delete_channel(sid: str):
    row = _channel(sid)
    if request.form.get("confirm") != "yes":
        return page("console/error.html", 400, title="Not deleted",
                    message="Tick the box to confirm that the channel and all its messages go.")  # fmt: skip
    channels.delete(chat(), ACTOR, service_sid(), row["sid"])
    return done(f"Channel {row['friendly_name'] or row['sid']} deleted.", "console.channel_list")


@bp.get("/media/<media_sid>")
def picture(media_sid: str):
    """A message's picture for the operator (the chat's /media needs a user's token)."""
    row = message_rows.get_media(chat().store.db(), service_sid(), media_sid, with_data=True)
    if row is None or row["content_type"] not in PICTURES:
        abort(404)
    return Response(bytes(row["data"]), 200, {"Content-Type": row["content_type"]})
