"""/v2/Services/{ServiceSid}/Channels/{ChannelSid}/Messages[/{Sid}]."""

from flask import current_app, request

from ..actions import messages
from . import bp, params
from .paging import envelope

PATH = "/Services/<service_sid>/Channels/<channel>/Messages"


def render(row: dict) -> dict:
    return messages.serialize(current_app.extensions["chat"], row, base=params.base())


@bp.get(PATH)
def list_messages(service_sid, channel):
    order = params.choice(request.args, "Order", ("asc", "desc"))
    descending = order == "desc"
    size = params.page_size()
    _, after = params.page_position()
    chat = current_app.extensions["chat"]
    position = None if after < 0 and descending else after
    rows = messages.rest_page(
        chat, params.actor(), service_sid, channel, after=position, limit=size + 1, descending=descending
    )
    more, rows = len(rows) > size, rows[:size]
    return envelope("messages", [render(r) for r in rows], rows, size, lambda r: r["idx"], more)


@bp.post(PATH)
def create_message(service_sid, channel):
    fields = params.form()
    row = messages.send(
        current_app.extensions["chat"],
        params.actor(),
        service_sid,
        channel,
        **params.given(
            body=params.text(fields, "Body"),
            attributes=params.text(fields, "Attributes"),
            author=params.text(fields, "From"),
            media_sid=params.text(fields, "MediaSid"),
            date_created=params.date(fields, "DateCreated"),
        ),
    )
    return render(row), 201


@bp.get(PATH + "/<sid>")
def fetch_message(service_sid, channel, sid):
    return render(messages.get(current_app.extensions["chat"], params.actor(), service_sid, channel, sid))


@bp.post(PATH + "/<sid>")
def update_message(service_sid, channel, sid):
    fields = params.form()
    row = messages.update(
        current_app.extensions["chat"],
        params.actor(),
        service_sid,
        channel,
        sid,
        **params.given(
            body=params.text(fields, "Body"),
            attributes=params.text(fields, "Attributes"),
            author=params.text(fields, "From"),
            date_created=params.date(fields, "DateCreated"),
            date_updated=params.date(fields, "DateUpdated"),
            last_updated_by=params.text(fields, "LastUpdatedBy"),
        ),
    )
    return render(row)


@bp.delete(PATH + "/<sid>")
def delete_message(service_sid, channel, sid):
    messages.remove(current_app.extensions["chat"], params.actor(), service_sid, channel, sid)
    return "", 204
