"""The console's blueprint and what every view shares: sign-in and CSRF checks before each
request, the acting `Actor`, and rendering a page with a notice or an error."""

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from werkzeug.exceptions import HTTPException

from ..context import Actor, Chat
from ..errors import ChatError
from . import session

bp = Blueprint("console", __name__)

# The account acting from the console: like REST with account credentials (no role checks, no
# pre-event hook), but post-event webhooks fire, so bots hear what an operator changed.
ACTOR = Actor(None, "console", webhooks=True)
OPEN = {"console.sign_in"}  # the only page reachable signed out


@bp.before_request
def guard():
    if request.endpoint not in OPEN and not session.signed_in():
        return redirect(url_for("console.sign_in", next=request.full_path.rstrip("?")))
    if request.method == "POST" and not session.csrf_ok():
        return page("console/error.html", 400, title="Form refused",
                    message="The form expired or came from another site. Reload the page and try again.")  # fmt: skip
    return None


@bp.after_request
def no_store(response):
    response.headers["Cache-Control"] = "no-store"  # operator data stays out of shared caches
    return response


@bp.errorhandler(ChatError)
def refused(error: ChatError):
    """An action said no (the same validation and message as REST): nothing was changed."""
    return page("console/error.html", error.status, title="Not changed", message=error.message)


@bp.errorhandler(HTTPException)
def http_error(error: HTTPException):
    return page("console/error.html", error.code or 500, title=error.name, message=error.description)


@bp.app_context_processor
def console_globals():
    return {"csrf_token": session.csrf_token, "signed_in_as": session.signed_in}


def chat() -> Chat:
    return current_app.extensions["chat"]


def service_sid() -> str:
    return chat().settings.service_sid


def page(template: str, code: int = 200, **context):
    return render_template(template, **context), code


def done(message: str, endpoint: str, **values):
    """Redirect after a successful change (POST/redirect/GET), with a notice on the next page."""
    flash(message, "notice")
    return redirect(url_for(endpoint, **values))
