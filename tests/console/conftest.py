"""Console tests: a signed-in `requests` session against a real server, and a browser signed in."""

import re
import sys
from pathlib import Path

import pytest
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "e2e"))  # chatpage's seed helpers

CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def csrf_of(html: str) -> str:
    return CSRF.search(html).group(1)


class Operator:
    """A browser-less operator: a cookie jar, and the CSRF token of the page it last read."""

    def __init__(self, server):
        self.server = server
        self.http = requests.Session()
        self.csrf = ""

    def get(self, path: str, **kwargs) -> requests.Response:
        response = self.http.get(self.server.url + path, timeout=10, **kwargs)
        found = CSRF.search(response.text)
        if found:
            self.csrf = found.group(1)
        return response

    def post(self, path: str, data: dict | None = None, csrf: bool = True, **kwargs) -> requests.Response:
        data = dict(data or {})
        if csrf:
            data.setdefault("csrf_token", self.csrf)
        return self.http.post(self.server.url + path, data=data, timeout=10, allow_redirects=False, **kwargs)

    def sign_in(self, account: str | None = None, secret: str | None = None, next: str = "") -> requests.Response:
        settings = self.server.settings
        self.get("/console/sign-in")
        return self.post(
            "/console/sign-in",
            {"account": account or settings.account_sid, "secret": secret or settings.auth_token, "next": next},
        )


@pytest.fixture
def operator(server):
    def open_session(signed_in: bool = True) -> Operator:
        who = Operator(server)
        if signed_in:
            assert who.sign_in().status_code == 302
            who.get("/console/")
        return who

    return open_session
