"""The service's settings, changed through the same action as REST's Service update, so the
validation and error messages are REST's (and nothing changes unless every value is valid)."""

import json

from flask import request

from .. import hook_events
from ..actions import services
from ..errors import ChatError, bad_request
from ..store import stats
from .blueprint import bp, chat, done, page, service_sid

TEXT = {"friendly_name": "FriendlyName", "pre_webhook_url": "PreWebhookUrl", "post_webhook_url": "PostWebhookUrl"}
CHECKBOXES = {"reachability_enabled": "ReachabilityEnabled", "read_status_enabled": "ReadStatusEnabled"}
NUMBERS = {
    "typing_indicator_timeout": "TypingIndicatorTimeout",
    "consumption_report_interval": "ConsumptionReportInterval",
    "limits_channel_members": "Limits.ChannelMembers",
    "limits_user_channels": "Limits.UserChannels",
    "pre_webhook_retry_count": "PreWebhookRetryCount",
    "post_webhook_retry_count": "PostWebhookRetryCount",
}
ROLES = ("default_service_role_sid", "default_channel_role_sid", "default_channel_creator_role_sid")


def _form_changes(form) -> dict:
    """The form as the keywords of actions.services.update (REST's parameter parsing)."""
    changes: dict = {key: form.get(key, "") for key in TEXT}
    changes.update({key: form.get(key) == "on" for key in CHECKBOXES})
    for key, name in NUMBERS.items():
        value = form.get(key, "").strip()
        try:
            changes[key] = int(value)
        except ValueError:
            raise bad_request(f"{name} must be a whole number") from None
    for key in ROLES:
        changes[key] = form.get(key, "")
    changes["webhook_method"] = form.get("webhook_method", "")
    changes["webhook_filters"] = form.getlist("webhook_filters")
    return changes


def _render(status: int = 200, error: str | None = None, values: dict | None = None):
    app_chat = chat()
    row = services.get(app_chat, service_sid())
    if values is not None:  # show what was typed, next to the error
        row = {**row, **values, "webhook_filters": json.dumps(values.get("webhook_filters", []))}
    return page(
        "console/service.html", status, service=row, error=error, events=hook_events.ALL,
        filters=set(json.loads(row["webhook_filters"] or "[]")),
        roles=stats.roles_of_service(app_chat.store.db(), service_sid()),
    )  # fmt: skip


@bp.get("/service")
def service_settings():
    return _render()


@bp.post("/service")
def update_service():
    typed = {key: request.form.get(key, "") for key in (*TEXT, *NUMBERS, *ROLES, "webhook_method")}
    typed.update({key: int(request.form.get(key) == "on") for key in CHECKBOXES})
    typed["webhook_filters"] = request.form.getlist("webhook_filters")
    try:
        services.update(chat(), service_sid(), **_form_changes(request.form))
    except ChatError as error:
        return _render(error.status, error.message, typed)
    return done("Settings saved.", "console.service_settings")
