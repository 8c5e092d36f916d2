"""A local HTTP receiver for what the pipeline posts: failure alerts (RENTAN_ALERT_WEBHOOK) and
OpenLineage events (OPENLINEAGE_URL). It keeps every JSON body it was sent, in order, with the
time it arrived; `rentan year` and the tests read them. Nothing is forwarded anywhere.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Received:
    path: str
    body: object
    at: float  # time.time() when it arrived


@dataclass
class Receiver:
    """`with Receiver() as r:` serves on host:<free port> until the block ends; `r.url`, `r.received`."""

    host: str = "127.0.0.1"
    received: list[Received] = field(default_factory=list)
    _server: ThreadingHTTPServer | None = None
    _lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self._server.server_address[1]}"

    def bodies(self, path_prefix: str = "/") -> list:
        with self._lock:
            return [r.body for r in self.received if r.path.startswith(path_prefix)]

    def wait_for(self, predicate, timeout: float, path_prefix: str = "/") -> list:
        """The bodies received so far once `predicate(bodies)` is true; TimeoutError after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            bodies = self.bodies(path_prefix)
            if predicate(bodies):
                return bodies
            if time.monotonic() > deadline:
                raise TimeoutError(f"the receiver at {self.url} did not get what was expected within {timeout:g}s")
            time.sleep(0.5)

    def __enter__(self) -> Receiver:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):  # noqa: N802 - http.server's name
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length)
                try:
                    body = json.loads(raw or b"null")
                except ValueError:
                    body = raw.decode(errors="replace")
                with receiver._lock:
                    receiver.received.append(Received(self.path, body, time.time()))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args):  # quiet: the caller decides what to show
                pass

        self._server = ThreadingHTTPServer((self.host, 0), Handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
