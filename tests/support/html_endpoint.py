"""A web server on loopback that answers every request with an HTML page, as a proxy, a captive
portal or a wrong endpoint URL does (fixture ``html_endpoint``: its URL)."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from typing import Any

import pytest

__all__ = ["html_endpoint"]

POLL_SECONDS = 0.02


@pytest.fixture
def html_endpoint() -> Iterator[str]:
    """A web server on loopback that answers every request with an HTML page (a proxy's)."""

    class Page(http.server.BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = b"<!DOCTYPE html><html><body>Sign in to the network</body></html>"
            self.send_response(200)
            self.send_header("Content-Type", "text/html")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        do_GET = do_POST

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Page)
    # shutdown() waits for the loop to look for it: every 0.5 s by default, which each of the
    # fixture's tests waited for nothing; 20 ms here.
    thread = threading.Thread(target=server.serve_forever, args=(POLL_SECONDS,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
