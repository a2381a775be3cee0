"""Text with a NUL character is refused at the door, whatever the backend: PostgreSQL cannot
store it in a text column (SQLite can), and no chat text needs it. One 400 in Twilio's shape
instead of a 500 from the database, the same on both backends."""

from flask import Flask, request

from .errors import bad_request

FORM_LIMIT = 256 * 1024  # larger forms are refused by their handlers before they are read


def contains_nul(value) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(contains_nul(key) or contains_nul(item) for key, item in value.items())
    if isinstance(value, list | tuple):
        return any(contains_nul(item) for item in value)
    return False


def refuse(value, what: str = "Parameters") -> None:
    if contains_nul(value):
        raise bad_request(f"{what} must not contain NUL characters")


def init_app(app: Flask) -> None:
    @app.before_request
    def check_request() -> None:
        refuse(request.view_args or {}, "The path")
        refuse(list(request.args.lists()))
        small = (request.content_length or 0) <= FORM_LIMIT
        if small and request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
            refuse(list(request.form.lists()))
            refuse([upload.filename for upload in request.files.values()], "File names")
