"""An HTTP proxy in front of a live server that a test can make answer 429 (rate limited) or
fail (the source went away) for a number of requests."""

import threading

import requests
from flask import Flask, Response, request
from werkzeug.serving import make_server


class FlakyProxy:
    def __init__(self, target: str):
        self.target = target
        self.too_many = 0  # the next this-many requests get 429
        self.fail_after: int | None = None  # requests answered before every later one gets 503
        self.seen = 0
        self._lock = threading.Lock()
        app = Flask("proxy")
        app.add_url_rule("/<path:path>", "forward", self._forward, methods=["GET", "POST", "DELETE"])
        self._server = make_server("127.0.0.1", 0, app, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    def _forward(self, path: str):
        with self._lock:
            self.seen += 1
            if self.too_many > 0:
                self.too_many -= 1
                return Response(
                    '{"status": 429, "code": 20429, "message": "Too Many Requests"}', 429, {"Retry-After": "1"}
                )
            if self.fail_after is not None and self.seen > self.fail_after:
                return Response('{"status": 503, "code": 20503, "message": "Service Unavailable"}', 503)
        answer = requests.request(
            request.method, f"{self.target}/{path}", params=list(request.args.items(multi=True)),
            data=list(request.form.items(multi=True)),
            headers={"Authorization": request.headers.get("Authorization", "")}, timeout=30,
        )  # fmt: skip
        return Response(answer.content, answer.status_code, {"Content-Type": answer.headers.get("Content-Type", "")})

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
