"""A server and its settings for tests: fresh credentials and database per test (a SQLite file,
or a PostgreSQL schema with TEST_DATABASE=postgres), create_app served on a free port. A plain
module, so that tests import it by name (conftest modules shadow one another)."""

import secrets
import threading
from dataclasses import replace

import databases
from werkzeug.serving import make_server

from chat import create_app, tokens
from chat.ids import new_sid
from chat.names import random_identity
from chat.settings import Settings


def make_settings(tmp_path, **overrides) -> Settings:
    base = Settings(
        account_sid=new_sid("AC"),
        auth_token=secrets.token_hex(16),
        api_key=new_sid("SK"),
        api_secret=secrets.token_urlsafe(32),
        service_sid=new_sid("IS"),
        database_path=str(tmp_path / "chat.db"),
        database_url=databases.url_for(tmp_path) if databases.BACKEND == "postgres" else "",
        secret_key=secrets.token_urlsafe(32),
    )
    return replace(base, **overrides)


class LiveServer:
    """create_app served by werkzeug's threaded server in a background thread."""

    def __init__(self, settings: Settings, port: int = 0):
        self.settings = settings
        self.app = create_app(settings)
        self.chat = self.app.extensions["chat"]
        self._server = make_server("127.0.0.1", port, self.app, threaded=True)
        self.port = self._server.server_port
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}/ws"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def token(self, identity: str | None = None, device: str = "test") -> str:
        """A token for `identity` (default: a random one), minted as a back end with its own
        sign-in would: /token itself decides identities (tests/http/test_token_endpoint.py)."""
        return tokens.mint(self.settings, identity or random_identity(), device)

    def stop(self) -> None:
        if self._thread is None:
            return  # stopped already (a test may stop a server before its fixture does)
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self._thread = None
        self.chat.close()

    def restart(self) -> None:
        """Stop, then serve a new app on the same port and database (a process restart)."""
        self.stop()
        self.__init__(self.settings, self.port)
