"""Signing in and out of the console."""

from flask import redirect, request, url_for

from ..account import is_account
from . import session
from .blueprint import bp, chat, page


@bp.route("/sign-in", methods=["GET", "POST"])
def sign_in():
    target = session.safe_next(request.values.get("next"))
    if request.method == "GET":
        if session.signed_in():
            return redirect(target)
        return page("console/sign_in.html", next=target)
    address = request.remote_addr or "unknown"
    lockout = session.lockout()
    wait = lockout.wait_seconds(address)
    if wait:
        body, status = page("console/sign_in.html", 429, next=target,
                            error=f"Too many wrong passwords. Try again in {wait} seconds.")  # fmt: skip
        return body, status, {"Retry-After": str(wait)}
    user = request.form.get("account", "").strip()
    password = request.form.get("secret", "")
    if not is_account(chat().settings, user, password):
        lockout.failed(address)
        return page("console/sign_in.html", 401, next=target, account=user,
                    error="That account SID (or API key) and secret do not match.")  # fmt: skip
    lockout.succeeded(address)
    session.sign_in(user)
    return redirect(target)


@bp.post("/sign-out")
def sign_out():
    session.sign_out()
    return redirect(url_for("console.sign_in"))
