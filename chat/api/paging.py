"""Twilio's paging: PageSize, Page and PageToken in, the list key plus `meta` with absolute page
URLs out. Pages are keyset pages (PageToken=PA<position>), so inserts never shift or repeat items."""

from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import request

from ..errors import bad_request

DEFAULT_PAGE_SIZE = 50
MAX_PAGE_SIZE = 1000
PAGING_ARGS = ("Page", "PageToken", "PageSize")


@dataclass(frozen=True)
class Page:
    key: str  # the list's key in the JSON, e.g. "channels"
    number: int
    size: int
    after: int | None  # the position the page starts after; None: from the start

    @property
    def after_rowid(self) -> int:
        """`after` for lists positioned by rowid (rowids start at 1)."""
        return -1 if self.after is None else self.after

    @property
    def limit(self) -> int:
        """Rows to load: one more than the page, to know whether another page follows."""
        return self.size + 1

    @classmethod
    def from_request(cls, key: str) -> "Page":
        args = request.args
        size = _whole(args, "PageSize", DEFAULT_PAGE_SIZE)
        if not 1 <= size <= MAX_PAGE_SIZE:
            raise bad_request(f"PageSize must be 1 to {MAX_PAGE_SIZE}")
        number = _whole(args, "Page", 0)
        token = args.get("PageToken", "")
        if not token:
            return cls(key, number, size, None)
        if not token.startswith("PA") or not token[2:].isdigit():
            raise bad_request("PageToken is not one this server issued")
        return cls(key, number, size, int(token[2:]))

    def of(self, rows: list[dict], render: Callable[[dict], dict], position: Callable[[dict], int]) -> dict:
        """The envelope for `rows` (loaded with `limit`), rendering each row with `render`."""
        more, rows = len(rows) > self.size, rows[: self.size]
        keep = [(k, v) for k, v in request.args.items(multi=True) if k not in PAGING_ARGS]

        def url(page: int, token: str | None) -> str:
            query = [*keep, ("PageSize", self.size), ("Page", page)]
            if token:
                query.append(("PageToken", token))
            return f"{request.base_url}?{urlencode(query)}"

        return {
            self.key: [render(row) for row in rows],
            "meta": {
                "page": self.number,
                "page_size": self.size,
                "first_page_url": url(0, None),
                "previous_page_url": None,
                "url": url(self.number, request.args.get("PageToken")),
                "next_page_url": url(self.number + 1, f"PA{position(rows[-1])}") if more and rows else None,
                "key": self.key,
            },
        }


def _whole(args, name: str, default: int) -> int:
    value = args.get(name)
    if value is None:
        return default
    try:
        return int(value)
    except ValueError:
        raise bad_request(f"{name} must be a whole number") from None
