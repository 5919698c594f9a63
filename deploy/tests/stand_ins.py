"""HTTP stand-ins for the services behind a gateway or a health check (the tests start
them on http.server): quiet, and answering JSON."""

from __future__ import annotations

import http.server
import json
from typing import Any


class StandIn(http.server.BaseHTTPRequestHandler):
    """A request handler that keeps the access log off stderr and answers JSON."""

    def reply_json(self, payload: Any, status: int = 200) -> None:
        body = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        pass
