"""Twilio's list envelope: the items under their key plus `meta` with absolute page URLs.
Pages are keyset pages (PageToken=PA<position>), so inserts never shift or repeat items."""

from urllib.parse import urlencode

from flask import request

from . import params


def envelope(key: str, items: list[dict], rows: list[dict], size: int, position_of, more: bool) -> dict:
    number, _ = params.page_position()
    base = request.base_url
    keep = [(k, v) for k, v in request.args.items(multi=True) if k not in ("Page", "PageToken", "PageSize")]

    def url(page: int, token: str | None) -> str:
        query = [*keep, ("PageSize", size), ("Page", page)]
        if token:
            query.append(("PageToken", token))
        return f"{base}?{urlencode(query)}"

    next_url = url(number + 1, f"PA{position_of(rows[-1])}") if more and rows else None
    return {
        key: items,
        "meta": {
            "page": number,
            "page_size": size,
            "first_page_url": url(0, None),
            "previous_page_url": None,
            "url": url(number, request.args.get("PageToken")),
            "next_page_url": next_url,
            "key": key,
        },
    }
