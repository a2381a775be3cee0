"""A self-hosted Twilio Programmable Chat: token server, chat service, REST API, WebSocket, page."""

import logging
from pathlib import Path

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException

from . import api, console, health, media, metrics, pages, realtime
from . import settings as settings_module
from .context import Chat
from .errors import ChatError

ROOT = Path(__file__).resolve().parent.parent


def create_app(settings: settings_module.Settings | None = None) -> Flask:
    """The only place that wires things together. Settings come from env/.env unless given."""
    settings = settings or settings_module.load()
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.json.sort_keys = False
    app.extensions["chat"] = Chat(settings)
    app.register_blueprint(pages.bp)
    api.init_app(app)
    app.register_blueprint(media.bp)
    realtime.init_app(app)
    metrics.init_app(app)
    health.init_app(app)
    console.init_app(app)
    app.teardown_request(lambda _error: app.extensions["chat"].store.release())
    _register_errors(app)
    _security_headers(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    return app


def _register_errors(app: Flask) -> None:
    """Every error leaves as Twilio's error JSON; no stack trace reaches a client."""

    @app.errorhandler(ChatError)
    def chat_error(error: ChatError):
        return jsonify(error.to_dict()), error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 404:
            body = ChatError(404, 20404, f"The requested resource {request.path} was not found").to_dict()
        else:
            body = ChatError(error.code or 500, 20000 + (error.code or 500), error.description or error.name).to_dict()
        return jsonify(body), error.code

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        app.logger.exception("unhandled error")
        return jsonify(ChatError(500, 20500, "Internal server error").to_dict()), 500


def _security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self';"
            " connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        )
        return response
