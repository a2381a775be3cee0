"""Picture messages: upload and download of media, authenticated with the user's access token.

Twilio's SDK uploads media to a separate media service and then sends a message naming the
media SID; here `POST /media` stores the picture (and, given `channel`, sends the media message
in the same request), and `GET /media/<sid>` serves it to users who may read it. Only pictures
are accepted, checked by their first bytes rather than by what the browser claims, and they are
served with their own content type, `nosniff` and a CSP that allows nothing else to run.
"""

import hashlib
import hmac
import time

from flask import Blueprint, Response, current_app, jsonify, request

from . import nul, tokens
from .actions import common, messages
from .context import Actor, Chat
from .errors import ChatError, bad_request, forbidden, not_found
from .store import messages as message_rows

bp = Blueprint("media", __name__)

MAX_BYTES = 5 * 1024 * 1024
URL_TTL = 300  # seconds a temporary URL works, as Twilio's media URLs do
MAX_FILENAME = 255
# Signatures of the picture formats a browser shows inline.
SIGNATURES = (
    (b"\x89PNG\r\n\x1a\n", "image/png"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"GIF87a", "image/gif"),
    (b"GIF89a", "image/gif"),
)
ALLOWED = "PNG, JPEG, GIF or WebP"


def sniff(data: bytes) -> str | None:
    """The picture type the bytes really are, or None for anything else."""
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    for signature, content_type in SIGNATURES:
        if data.startswith(signature):
            return content_type
    return None


def _chat() -> Chat:
    return current_app.extensions["chat"]


def _actor(chat: Chat) -> Actor:
    """The user named by `Authorization: Bearer <access token>`."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ChatError(401, tokens.INVALID_TOKEN, "Invalid Access Token: send it as 'Authorization: Bearer <token>'")
    grant = tokens.verify(chat.settings, token.strip())
    return Actor(grant.identity, "sdk", webhooks=True)


def _too_large() -> ChatError:
    return ChatError(413, 20413, f"The picture is larger than {MAX_BYTES // (1024 * 1024)} MB")


def _upload() -> tuple[bytes, str | None]:
    """The uploaded bytes and file name, from a multipart field `media` or the raw body."""
    if request.content_length is not None and request.content_length > MAX_BYTES + 64 * 1024:
        raise _too_large()
    request.max_content_length = MAX_BYTES + 64 * 1024
    if request.mimetype == "multipart/form-data":
        upload = request.files.get("media")
        if upload is None:
            raise bad_request("Send the picture in the form field 'media'")
        data = upload.read(MAX_BYTES + 1)
        filename = upload.filename
    else:
        data = request.get_data(cache=False)
        filename = request.args.get("filename")
    if len(data) > MAX_BYTES:
        raise _too_large()
    if not data:
        raise bad_request("The picture is empty")
    return data, (filename or None) and filename.replace("\\", "/").rsplit("/", 1)[-1][:MAX_FILENAME]


@bp.post("/media")
def upload():
    """Store a picture; with `channel` (form field or query) also send it there as a message.
    Returns the message JSON when sent, otherwise the media fields (sid, content_type, ...)."""
    chat = _chat()
    actor = _actor(chat)
    data, filename = _upload()
    content_type = sniff(data)
    if content_type is None:
        raise ChatError(415, 20415, f"Only pictures can be sent: {ALLOWED}")
    channel = request.form.get("channel") or request.args.get("channel")
    body = request.form.get("body") or None
    nul.refuse([channel, body, filename])  # a large upload's form is not read before this
    service_sid = chat.settings.service_sid
    with chat.write() as tx:
        common.service(chat, tx.db, service_sid)
        media = message_rows.create_media(tx.db, service_sid, filename, content_type, data, actor.identity)
    fields = {key: media[key] for key in ("sid", "filename", "content_type", "size")}
    if not channel:
        return jsonify(fields), 201
    try:
        row = messages.send(chat, actor, service_sid, channel, body=body, media_sid=media["sid"])
    except ChatError:
        with chat.write() as tx:
            message_rows.delete_media(tx.db, media["sid"])
        raise
    return jsonify(messages.serialize(chat, row)), 201


@bp.get("/media/<sid>/url")
def temporary_url(sid: str):
    """A URL that serves the picture for a few minutes without a token (for `<img src>`),
    what the SDK's `Media.getContentTemporaryUrl()` returns."""
    chat = _chat()
    _readable_media(chat, sid, _actor(chat))
    expires = int(time.time()) + URL_TTL
    url = f"{chat.base_url}/media/{sid}?Expires={expires}&Signature={_signature(chat, sid, expires)}"
    return jsonify(url=url, expires=expires)


@bp.get("/media/<sid>")
def download(sid: str):
    """The picture itself, with a token or a signed temporary URL; pictures inline, anything else
    (which uploads refuse, but the REST API may store) as an attachment."""
    chat = _chat()
    if "Signature" in request.args:
        media = _signed_media(chat, sid)
    else:
        media = _readable_media(chat, sid, _actor(chat))
    inline = media["content_type"] == sniff(media["data"])
    response = Response(media["data"], content_type=media["content_type"] if inline else "application/octet-stream")
    response.headers["Content-Disposition"] = "inline" if inline else "attachment"
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, max-age=300"
    return response


def _signature(chat: Chat, sid: str, expires: int) -> str:
    return hmac.new(chat.settings.api_secret.encode(), f"media:{sid}:{expires}".encode(), hashlib.sha256).hexdigest()


def _signed_media(chat: Chat, sid: str) -> dict:
    try:
        expires = int(request.args.get("Expires", ""))
    except ValueError:
        raise forbidden("This media URL is not valid") from None
    if not hmac.compare_digest(request.args.get("Signature", ""), _signature(chat, sid, expires)):
        raise forbidden("This media URL is not valid")
    if expires < time.time():
        raise forbidden("This media URL has expired; ask for a new one")
    return _media(chat, sid)


def _media(chat: Chat, sid: str) -> dict:
    media = message_rows.get_media(chat.store.db(), chat.settings.service_sid, sid, with_data=True)
    if media is None:
        raise not_found(f"Media {sid} not found", 20404)
    return media


def _readable_media(chat: Chat, sid: str, actor: Actor) -> dict:
    """The media row, for its uploader and for anyone who may read a channel showing it."""
    media = _media(chat, sid)
    db = chat.store.db()
    service_sid = chat.settings.service_sid
    if media["author"] != actor.identity and not any(
        _readable(db, service_sid, channel_sid, actor)
        for channel_sid in message_rows.channels_with_media(db, service_sid, sid)
    ):
        raise forbidden(f"User {actor.identity} may not read media {sid}")
    return media


def _readable(db, service_sid: str, channel_sid: str, actor: Actor) -> bool:
    try:
        return common.can_read(db, actor, common.channel(db, service_sid, channel_sid))
    except ChatError:
        return False
