"""A real HTTP server on a free port that records the webhook requests it gets and answers as
a test tells it to (status, JSON body, or holding the request until released)."""

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, request
from werkzeug.serving import make_server


@dataclass
class Call:
    method: str
    url: str  # the full URL exactly as requested (request.url would decode the query string)
    path: str
    headers: dict
    form: dict
    args: dict

    @property
    def params(self) -> dict:
        return self.form if self.method == "POST" else self.args


class Receiver:
    """`answer(call)` returns a status, or (status, body); default 200 with no body. `hold()`
    makes requests wait (for timeout tests) until `release()` or the receiver stops."""

    def __init__(self, port: int = 0):
        self.calls: list[Call] = []
        self.arrived = 0  # requests received so far, held ones included
        self.answer: Callable[[Call], object] = lambda call: 200
        self._changed = threading.Condition()
        self._released = threading.Event()
        self._released.set()
        self._port = port
        self._server = None
        self.start()

    def _app(self) -> Flask:
        app = Flask("receiver")

        @app.route("/", defaults={"path": ""}, methods=["GET", "POST"])
        @app.route("/<path:path>", methods=["GET", "POST"])
        def hook(path):
            call = Call(
                request.method,
                f"{request.scheme}://{request.host}{request.environ['RAW_URI']}",
                "/" + path,
                dict(request.headers),
                request.form.to_dict(),
                request.args.to_dict(),
            )
            with self._changed:
                self.arrived += 1
                self._changed.notify_all()
            self._released.wait(30)
            with self._changed:
                self.calls.append(call)
                self._changed.notify_all()
            answer = self.answer(call)
            return answer if isinstance(answer, tuple) else ("", answer)

        return app

    def start(self) -> None:
        """Serve (again) on the same port."""
        self._server = make_server("127.0.0.1", self._port, self._app(), threaded=True)
        self._port = self._server.server_port
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Go down: nothing listens on the port until start()."""
        self._released.set()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self._port}{path}"

    def hold(self) -> None:
        self._released.clear()

    def release(self) -> None:
        self._released.set()

    def wait_arrived(self, count: int, timeout: float = 10) -> None:
        """Until `count` requests have come in, answered or held."""
        with self._changed:
            assert self._changed.wait_for(lambda: self.arrived >= count, timeout), f"{self.arrived} requests came"

    def wait_for(self, count: int, timeout: float = 10, event: str | None = None) -> list[Call]:
        """The first `count` calls (of `event`, if given), waiting up to `timeout` for them."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                found = [c for c in self.calls if event is None or c.params.get("EventType") == event]
                if len(found) >= count:
                    return found
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    got = [c.params.get("EventType") for c in self.calls]
                    raise AssertionError(f"expected {count} calls of {event or 'any event'}, got {got}")
                self._changed.wait(remaining)


def configure(server, **fields) -> None:
    """Set the service's webhook fields (pre_webhook_url, webhook_filters as a list...) directly
    in its row, as an admin would through the REST Service resource."""
    import json

    from chat.store import services

    if "webhook_filters" in fields:
        fields["webhook_filters"] = json.dumps(fields["webhook_filters"])
    with server.chat.store.write() as tx:
        services.update(tx.db, server.settings.service_sid, fields)


def deliveries(server) -> list[dict]:
    """The outbox rows, oldest first."""
    from chat.store import webhook_deliveries

    return list(reversed(webhook_deliveries.recent(server.chat.store.db(), limit=10_000)))


def wait_until(condition: Callable[[], object], timeout: float = 10, message: str = "condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{message} not met within {timeout} s")
        time.sleep(0.02)


class Served:
    """Any WSGI app (an example bot) on a free port, until stop()."""

    def __init__(self, app):
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def example(name: str):
    """A module from examples/, loaded by path (the examples are scripts, not a package)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "examples" / f"{name}.py"
    spec = importlib.util.spec_from_file_location(f"examples_{name}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module
