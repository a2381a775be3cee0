"""What makes the chat page installable: the web app manifest and the service worker.

The worker is served from the site's root so that its scope covers the page at `/` (a worker
under /static/ could only control /static/). Both are revalidated on every load, so a new
version reaches installed apps at once."""

from flask import Blueprint, current_app, jsonify, send_from_directory

bp = Blueprint("pwa", __name__)

MANIFEST = {
    "name": "Chat",
    "short_name": "Chat",
    "description": "A self-hosted chat: channels, direct messages, mentions and reactions.",
    "start_url": "/",
    "scope": "/",
    "display": "standalone",
    "background_color": "#f4f5f8",
    "theme_color": "#2f5bea",
    "icons": [
        {"src": "/static/icons/icon-192.png", "sizes": "192x192", "type": "image/png", "purpose": "any"},
        {"src": "/static/icons/icon-512.png", "sizes": "512x512", "type": "image/png", "purpose": "any"},
        {"src": "/static/icons/icon.svg", "sizes": "any", "type": "image/svg+xml", "purpose": "maskable"},
    ],
}


@bp.get("/manifest.webmanifest")
def manifest():
    response = jsonify(MANIFEST)
    response.mimetype = "application/manifest+json"
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/sw.js")
def service_worker():
    response = send_from_directory(current_app.static_folder, "sw.js", mimetype="text/javascript", max_age=0)
    response.headers["Cache-Control"] = "no-cache"
    response.headers["Service-Worker-Allowed"] = "/"
    return response
