"""A local HTTP mirror for the test_web_* tests (no tests in this file).

It serves the real saved pages and images of demo/corpus (always present) and of
../shared/corpus (when present) on 127.0.0.1, with routes the tests script: 429s,
500 storms, slow answers, redirect loops, robots.txt.  Pages are rewritten at serving
time only where they must point back at the mirror (nature's image host); nothing here
is invented markup.
"""

from __future__ import annotations

import os
import re
import socket
import sqlite3
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Callable
from urllib.parse import parse_qsl, urlsplit

from tests.conftest import DEMO, SHARED

NATURE_PAGE_DIRS = [DEMO / "nature" / "html", SHARED / "exsclaim" / "nature_articles", SHARED / "exsclaim" / "nature_ESEM" / "html"]
NATURE_FIGURE_DIRS = [DEMO / "nature" / "figures", SHARED / "exsclaim" / "figures", SHARED / "exsclaim" / "nature_ESEM" / "figures"]
_ART_IMAGE = re.compile(r"art%3A10\.1038%2F(?P<art>[^/]+)/MediaObjects/[^/]*_(?P<kind>Fig|Sch)(?P<n>\d+)_HTML")


@dataclass(frozen=True)
class Request:
    method: str
    path: str  # without the query string
    query: dict
    form: dict
    headers: dict


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict = field(default_factory=dict)
    delay: float = 0.0  # seconds to wait before answering (timeouts)


def image_type(data: bytes) -> str:
    if data.startswith(b"\x89PNG"):
        return "image/png"
    if data.startswith(b"GIF8"):
        return "image/gif"
    return "image/jpeg"


class Mirror:
    """An http.server on an ephemeral port; ``routes`` maps a path to a Reply or a function of the Request."""

    def __init__(self):
        self.routes: dict[str, Reply | Callable[[Request], Reply]] = {}
        self.prefixes: list[tuple[str, Callable[[Request], Reply]]] = []
        self.log: list[tuple[str, str]] = []  # (method, path?query) of every request, in order
        self.agents: list[str] = []
        self._lock = threading.Lock()
        mirror = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def setup(self):
                super().setup()
                # Headers and body go out in separate writes; without TCP_NODELAY each
                # response waits for a delayed ACK (~40 ms).
                self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

            def log_message(self, *args):  # keep pytest output clean
                pass

            def do_GET(self):
                self._answer("GET")

            def do_POST(self):
                self._answer("POST")

            def _answer(self, method):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode("utf-8") if length else ""
                parts = urlsplit(self.path)
                req = Request(method, parts.path, dict(parse_qsl(parts.query)), dict(parse_qsl(body)),
                              dict(self.headers))
                with mirror._lock:
                    mirror.log.append((method, self.path))
                    mirror.agents.append(self.headers.get("User-Agent", ""))
                reply = mirror.dispatch(req)
                if reply.delay:
                    time.sleep(reply.delay)
                try:
                    self.send_response(reply.status)
                    headers = {"Content-Length": str(len(reply.body)), **reply.headers}
                    for k, v in headers.items():
                        self.send_header(k, v)
                    self.end_headers()
                    if method != "HEAD":
                        self.wfile.write(reply.body)
                except (BrokenPipeError, ConnectionResetError):
                    pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.server.handle_error = lambda request, address: None  # a client that timed out is not a failure
        # A short poll keeps shutdown() (once per test) from costing serve_forever's default 0.5 s.
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.02,), daemon=True)
        self.thread.start()
        self.base = f"http://127.0.0.1:{self.server.server_address[1]}"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    # -- routing -------------------------------------------------------------------------------
    def route(self, path: str, reply) -> None:
        self.routes[path] = reply

    def prefix(self, path: str, handler: Callable[[Request], Reply]) -> None:
        self.prefixes.append((path, handler))

    def dispatch(self, req: Request) -> Reply:
        target = self.routes.get(req.path)
        if target is None:
            for prefix, handler in self.prefixes:
                if req.path.startswith(prefix):
                    target = handler
                    break
        if target is None:
            return Reply(404, b"<html><head><title>Not here</title></head><body>no such page</body></html>",
                         {"Content-Type": "text/html"})
        return target(req) if callable(target) else target

    def count(self, fragment: str) -> int:
        return sum(1 for _, p in self.log if fragment in p)

    # -- real content --------------------------------------------------------------------------
    def serve_nature(self, image_delay: float = 0.0) -> None:
        """nature.com's /articles/<id> from the saved pages and its media host's `full` images from the saved figures."""
        self.prefix("/articles/", lambda req: self.nature_article(req.path.rsplit("/", 1)[-1]))
        self.prefix("/media.springernature.com/", lambda req: self.nature_image(req, image_delay))

    def nature_article(self, article_id: str) -> Reply:
        for folder in NATURE_PAGE_DIRS:
            page = folder / f"{article_id}.html"
            if page.exists():
                data = page.read_bytes()
                # Figures point at media.springernature.com; send those requests to this mirror.
                local = f"{self.base}/media.springernature.com/".encode()
                data = data.replace(b"https://media.springernature.com/", local)
                data = data.replace(b"//media.springernature.com/", local)
                return Reply(200, data, {"Content-Type": "text/html; charset=utf-8"})
        return Reply(404, b"<html><head><title>Page not found</title></head></html>", {"Content-Type": "text/html"})

    def nature_image(self, req: Request, delay: float = 0.0) -> Reply:
        rendition = req.path.split("/")[2]
        m = _ART_IMAGE.search(req.path)
        if rendition != "full" or not m:
            return Reply(404, b"only full renditions are mirrored", {"Content-Type": "text/plain"})
        stem = f"{m['art']}_{'fig' if m['kind'] == 'Fig' else 'sch'}{m['n']}"
        for folder in NATURE_FIGURE_DIRS:
            for ext in (".jpg", ".png"):
                path = folder / f"{stem}{ext}"
                if path.exists():
                    data = path.read_bytes()
                    return Reply(200, data, {"Content-Type": image_type(data)}, delay)
        return Reply(404, b"not mirrored", {"Content-Type": "text/plain"})


def snapshot(root: Path) -> dict:
    """What a dataset holds, keyed so that two datasets built by different runs compare equal."""
    conn = sqlite3.connect(root / "figdex.db")
    try:
        q = conn.execute
        return {
            "articles": sorted(q("SELECT key, doi, title, access, open_access, publisher FROM articles")),
            "figures": sorted(q("SELECT key, label, caption, image_status, image_sha256, image_format, width, height "
                                "FROM figures")),
            "masters": sorted(q("SELECT key, panel, subcaption FROM master_images")),
            "labels": sorted(q("SELECT m.key, l.kind, l.value FROM labels l JOIN master_images m "
                               "ON m.id = l.master_image_id")),
            "source_files": sorted((os.path.relpath(p, root), s, st) for p, s, st in
                                   q("SELECT path, sha256, status FROM source_files")),
            "images": sorted(str(p.relative_to(root)) for p in (root / "images").rglob("*") if p.is_file()),
        }
    finally:
        conn.close()
