"""/v2/Services/{ServiceSid}/Channels/{ChannelSid}/Members[/{Sid}]: Sid also takes an identity."""

from flask import current_app, request

from .. import serializers
from ..actions import members
from . import bp, params
from .paging import envelope

PATH = "/Services/<service_sid>/Channels/<channel>/Members"


def render(row: dict) -> dict:
    return serializers.member(row, params.base(), current_app.extensions["chat"].settings.account_sid)


def _fields(fields) -> dict:
    return params.given(
        role_sid=params.text(fields, "RoleSid"),
        last_consumed_message_index=params.integer(fields, "LastConsumedMessageIndex", nullable=True),
        last_consumption_timestamp=params.text(fields, "LastConsumptionTimestamp"),
        attributes=params.text(fields, "Attributes"),
        date_created=params.date(fields, "DateCreated"),
        date_updated=params.date(fields, "DateUpdated"),
    )


@bp.get(PATH)
def list_members(service_sid, channel):
    size = params.page_size()
    _, after = params.page_position()
    chat = current_app.extensions["chat"]
    rows = members.page(chat, params.actor(), service_sid, channel, request.args.getlist("Identity"), after, size + 1)
    more, rows = len(rows) > size, rows[:size]
    return envelope("members", [render(r) for r in rows], rows, size, lambda r: r["_rowid"], more)


@bp.post(PATH)
def create_member(service_sid, channel):
    fields = params.form()
    identity = params.text(fields, "Identity", required=True)
    row = members.add(current_app.extensions["chat"], params.actor(), service_sid, channel, identity, **_fields(fields))
    return render(row), 201


@bp.get(PATH + "/<key>")
def fetch_member(service_sid, channel, key):
    return render(members.get(current_app.extensions["chat"], params.actor(), service_sid, channel, key))


@bp.post(PATH + "/<key>")
def update_member(service_sid, channel, key):
    chat = current_app.extensions["chat"]
    return render(members.update(chat, params.actor(), service_sid, channel, key, **_fields(params.form())))


@bp.delete(PATH + "/<key>")
def delete_member(service_sid, channel, key):
    members.remove(current_app.extensions["chat"], params.actor(), service_sid, channel, key)
    return "", 204
