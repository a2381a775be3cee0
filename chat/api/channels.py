"""/v2/Services/{ServiceSid}/Channels[/{Sid}]: the Sid slot also takes a unique name."""

from flask import current_app, request

from .. import serializers
from ..actions import channels
from . import bp, params
from .paging import envelope

PATH = "/Services/<service_sid>/Channels"
TYPES = ("public", "private")


def render(row: dict) -> dict:
    return serializers.channel(row, params.base(), current_app.extensions["chat"].settings.account_sid)


def _fields(fields) -> dict:
    return params.given(
        friendly_name=params.text(fields, "FriendlyName"),
        unique_name=params.text(fields, "UniqueName"),
        attributes=params.text(fields, "Attributes"),
        created_by=params.text(fields, "CreatedBy"),
        date_created=params.date(fields, "DateCreated"),
        date_updated=params.date(fields, "DateUpdated"),
    )


@bp.get(PATH)
def list_channels(service_sid):
    types = request.args.getlist("Type")
    for kind in types:
        params.choice({"Type": kind}, "Type", TYPES)
    size = params.page_size()
    _, after = params.page_position()
    rows = channels.page(current_app.extensions["chat"], service_sid, types or list(TYPES), after, size + 1)
    more, rows = len(rows) > size, rows[:size]
    return envelope("channels", [render(r) for r in rows], rows, size, lambda r: r["_rowid"], more)


@bp.post(PATH)
def create_channel(service_sid):
    fields = params.form()
    kind = params.choice(fields, "Type", TYPES)
    row = channels.create(
        current_app.extensions["chat"],
        params.actor(),
        service_sid,
        type="public" if kind is params.UNSET else kind,
        **_fields(fields),
    )
    return render(row), 201


@bp.get(PATH + "/<key>")
def fetch_channel(service_sid, key):
    return render(channels.get(current_app.extensions["chat"], params.actor(), service_sid, key))


@bp.post(PATH + "/<key>")
def update_channel(service_sid, key):
    row = channels.update(current_app.extensions["chat"], params.actor(), service_sid, key, **_fields(params.form()))
    return render(row)


@bp.delete(PATH + "/<key>")
def delete_channel(service_sid, key):
    channels.delete(current_app.extensions["chat"], params.actor(), service_sid, key)
    return "", 204
