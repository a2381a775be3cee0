"""Services: /Services[/{Sid}]. Creating one also creates its four default roles."""

from flask import request

from .. import hook_events, serializers
from ..actions import services
from ..errors import bad_request
from .operations import Param, base, chat, operation, version

PATH = "/Services"


def _notification_params() -> tuple[Param, ...]:
    params = [
        Param("Notifications.LogEnabled", "boolean"),
        Param("Notifications.NewMessage.BadgeCountEnabled", "boolean"),
    ]
    for kind in ("NewMessage", "AddedToChannel", "RemovedFromChannel", "InvitedToChannel"):
        params += [
            Param(f"Notifications.{kind}.Enabled", "boolean"),
            Param(f"Notifications.{kind}.Template"),
            Param(f"Notifications.{kind}.Sound"),
        ]
    return tuple(params)


UPDATE_FIELDS = (
    Param("FriendlyName"),
    Param("DefaultServiceRoleSid"),
    Param("DefaultChannelRoleSid"),
    Param("DefaultChannelCreatorRoleSid"),
    Param("ReadStatusEnabled", "boolean"),
    Param("ReachabilityEnabled", "boolean"),
    Param("TypingIndicatorTimeout", "integer", description="Seconds"),
    Param("ConsumptionReportInterval", "integer"),
    *_notification_params(),
    Param("PreWebhookUrl", description="Empty turns the pre-event hook off"),
    Param("PostWebhookUrl", description="Empty turns the post-event hook off"),
    Param("WebhookMethod", enum=("GET", "POST")),
    Param("WebhookFilters", "array", enum=hook_events.ALL),
    Param("PreWebhookRetryCount", "integer"),
    Param("PostWebhookRetryCount", "integer"),
    Param("Limits.ChannelMembers", "integer"),
    Param("Limits.UserChannels", "integer"),
    Param("Media.CompatibilityMessage"),
)


def render(row: dict) -> dict:
    return serializers.service(row, base(), legacy=version() == "v1")


@operation("GET", PATH, "List services", returns="service", listing="services")
def list_services(args, page):
    return page.of(services.page(chat(), page.after_rowid, page.limit), render, lambda row: row["_rowid"])


@operation("POST", PATH, "Create a service", (Param("FriendlyName", required=True),), "service", status=201)
def create_service(args):
    return render(services.create(chat(), args["friendly_name"]))


@operation("GET", PATH + "/{Sid}", "Fetch a service", returns="service")
def fetch_service(sid, args):
    return render(services.get(chat(), sid))


@operation("POST", PATH + "/{Sid}", "Update a service", UPDATE_FIELDS, "service")
def update_service(sid, args):
    if any(name.startswith("Webhooks.") for name in request.form):
        raise bad_request(
            "v1's per-event Webhooks.* parameters are not supported: set PreWebhookUrl, PostWebhookUrl and WebhookFilters"
        )
    return render(services.update(chat(), sid, **args))


@operation("DELETE", PATH + "/{Sid}", "Delete a service and everything in it")
def delete_service(sid, args):
    services.delete(chat(), sid)
