"""The operator's console at /console (docs/console.md): sign in with the account's credentials,
see how the service runs, and change it. Reads go through chat/store, every change through
chat/actions, so connected people see it at once, as with REST."""

from flask import Flask

from . import session
from .blueprint import bp


def init_app(app: Flask) -> None:
    session.init_app(app)
    app.register_blueprint(bp, url_prefix="/console")


# Importing the page modules registers their routes on bp.
from . import auth, channels, deliveries, overview, services, users  # noqa: E402, F401
