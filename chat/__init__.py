"""A self-hosted Twilio Programmable Chat: token server, chat service, REST API, WebSocket, page."""

import logging
from pathlib import Path

from flask import Flask, jsonify, request
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from . import api, console, health, media, metrics, nul, pages, pwa
from . import settings as settings_module
from .context import Chat
from .errors import ChatError
from .ratelimit import TooManyRequests
from .ws import endpoint as websocket_endpoint

ROOT = Path(__file__).resolve().parent.parent
HSTS = "max-age=31536000"  # a year; no includeSubDomains: other hosts of the domain are not ours to decide

log = logging.getLogger(__name__)


def create_app(settings: settings_module.Settings | None = None) -> Flask:
    """The only place that wires things together. Settings come from env/.env unless given."""
    settings = settings or settings_module.load()
    app = Flask(__name__, template_folder=str(ROOT / "templates"), static_folder=str(ROOT / "static"))
    app.json.sort_keys = False
    app.extensions["chat"] = Chat(settings)
    app.register_blueprint(pages.bp)
    app.register_blueprint(pwa.bp)
    api.init_app(app)
    app.register_blueprint(media.bp)
    websocket_endpoint.init_app(app)
    metrics.init_app(app)
    health.init_app(app)
    console.init_app(app)
    app.teardown_request(lambda _error: app.extensions["chat"].store.release())
    nul.init_app(app)
    _register_errors(app)
    _security_headers(app)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _warn_about_development_settings(settings)
    if settings.proxy_hops:
        # Behind Heroku's router or nginx: the client's address and scheme come from the last
        # PROXY_HOPS entries of X-Forwarded-For / X-Forwarded-Proto (url fields, Secure cookies,
        # HSTS and rate limits follow them). Off by default: without a proxy a client could
        # claim any address or scheme with these headers. Outermost, so `/ws` sees them too.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=settings.proxy_hops, x_proto=settings.proxy_hops)
    return app


def _warn_about_development_settings(settings: settings_module.Settings) -> None:
    if settings.allow_client_identity:
        log.warning("ALLOW_CLIENT_IDENTITY is on: /token gives anyone the identity they ask for (development only)")
    if not settings.secret_key:
        log.warning("SECRET_KEY is not set: identity cookies are signed with a key that ends with this process")


def _register_errors(app: Flask) -> None:
    """Every error leaves as Twilio's error JSON; no stack trace reaches a client."""

    @app.errorhandler(ChatError)
    def chat_error(error: ChatError):
        response = jsonify(error.to_dict())
        if isinstance(error, TooManyRequests):
            response.headers["Retry-After"] = str(error.retry_after)
        return response, error.status

    @app.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        if error.code == 404:
            body = ChatError(404, 20404, api.not_found_message(request.path)).to_dict()
        else:
            body = ChatError(error.code or 500, 20000 + (error.code or 500), error.description or error.name).to_dict()
        return jsonify(body), error.code

    @app.errorhandler(Exception)
    def unexpected(error: Exception):
        if isinstance(error, app.extensions["chat"].store.unavailable):
            # The database is away (PostgreSQL restarting, SQLite's disk full): nothing was
            # acknowledged, so the client may try again; the pool reconnects by itself.
            app.logger.error("database unavailable: %s", type(error).__name__)
            body = ChatError(503, 20503, "Service unavailable: the database is not answering; try again").to_dict()
            return jsonify(body), 503
        app.logger.exception("unhandled error")
        return jsonify(ChatError(500, 20500, "Internal server error").to_dict()), 500


def _security_headers(app: Flask) -> None:
    @app.after_request
    def headers(response):
        if request.is_secure:
            response.headers.setdefault("Strict-Transport-Security", HSTS)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault(
            "Content-Security-Policy",
            "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self';"
            " connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
        )
        return response
