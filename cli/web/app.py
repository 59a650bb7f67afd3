"""The Flask application of `figdex serve`: settings, one database connection per worker
thread, security checks, and errors as clear 4xx answers (JSON under /api, a page elsewhere).

Routes are thin: they parse the request (``params``), call the library, and render
(``views`` for JSON rows, Jinja templates for pages).
"""

from __future__ import annotations

import logging
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask, current_app, jsonify, render_template, request
from flask.globals import request_ctx as _request_ctx
from werkzeug.exceptions import HTTPException

from figdex import __version__
from figdex import settings as app_settings
from figdex.errors import FigdexError
from figdex.index.db import Dataset

log = logging.getLogger("figdex.web")
LOOPBACK_NAMES = ("127.0.0.1", "localhost")


@dataclass(frozen=True)
class WebSettings:
    root: Path
    allow_edits: bool = False
    max_upload_bytes: int = 16 * 1024 * 1024
    max_upload_pixels: int = 60_000_000
    max_export: int = 2000
    page_size: int = 24


class EditsDisabled(FigdexError):
    http_status = 403

    def __init__(self):
        super().__init__("label edits are off on this server; restart it with `figdex serve --allow-edits`")


def settings() -> WebSettings:
    return current_app.extensions["figdex"]


_local = threading.local()


def dataset() -> Dataset:
    """This worker thread's connection to the dataset (SQLite connections stay in their thread)."""
    root = settings().root
    ds = getattr(_local, "datasets", {}).get(root)
    if ds is None:
        ds = Dataset.open(root, create=False)
        _local.__dict__.setdefault("datasets", {})[root] = ds
    return ds


def require_edits() -> None:
    if not settings().allow_edits:
        raise EditsDisabled()


def create_app(root: str | Path, *, allow_edits: bool = False, max_upload_mb: float = 16, max_export: int = 2000,
               trusted_hosts: list[str] | None = LOOPBACK_NAMES) -> Flask:
    """The web app over the dataset at ``root`` (which must exist: a DatasetError says how to make one).

    ``trusted_hosts``: Host names the server answers to (a defence against DNS rebinding when
    bound to the loopback); None answers any host (`--host 0.0.0.0`).
    """
    root = Path(root).resolve()
    Dataset.open(root, create=False).close()  # fail now, with the CLI's message, not at the first request
    app = Flask(__name__)
    app.extensions["figdex"] = WebSettings(root, allow_edits, int(max_upload_mb * 1024 * 1024),
                                           max_export=max_export)
    # The whole body may hold the file plus the multipart framing and a few small fields.
    app.config["MAX_CONTENT_LENGTH"] = int(max_upload_mb * 1024 * 1024) + 64 * 1024
    app.config["TRUSTED_HOSTS"] = None if trusted_hosts is None else list(trusted_hosts)
    app.config["JSON_SORT_KEYS"] = False
    app.json.sort_keys = False
    app.jinja_env.globals.update(version=__version__, allow_edits=allow_edits, dataset_name=root.name)

    from figdex.cli.web import api, pages
    from figdex.cli.web.views import FacetCache, register_filters

    # FIGDEX_FACET_CACHE=0 turns the cache off (bench/web_latency.py measures both ways).
    app.extensions["figdex_facets"] = FacetCache(root, app_settings.get("facet_cache"))

    register_filters(app)
    app.register_blueprint(api.bp)
    app.register_blueprint(pages.bp)
    app.before_request(_check_request)
    app.after_request(_security_headers)
    app.register_error_handler(Exception, _error)
    return app


def _check_request():
    _ = request.host  # raises SecurityError (400) for a Host not in TRUSTED_HOSTS
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        # A page on another site must not be able to make this browser change labels here.
        origin = request.headers.get("Origin")
        if origin and origin != "null" and urlsplit(origin).netloc != request.host:
            return _answer(403, "cross-site request refused: edits are accepted only from this server's own pages")
        if request.headers.get("Sec-Fetch-Site", "same-origin") not in ("same-origin", "none"):
            return _answer(403, "cross-site request refused: edits are accepted only from this server's own pages")
    return None


def _security_headers(response):
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'")
    return response


def wants_json() -> bool:
    return request.path.startswith("/api/") or request.path == "/openapi.json" or (
        request.accept_mimetypes.best == "application/json")


def _answer(status: int, message: str):
    # A refused Host leaves no URL adapter, so no page can be rendered (its links need one): JSON.
    if wants_json() or _request_ctx.url_adapter is None:
        return jsonify({"error": message, "status": status}), status
    return render_template("error.html", status=status, message=message), status


def _error(exc: Exception):
    if isinstance(exc, HTTPException):
        message = exc.description or exc.name
        if exc.code == 413:
            limit = settings().max_upload_bytes / 1024 / 1024
            message = f"the upload is too large; send an image of at most {limit:g} MB"
        elif exc.code == 404 and request.path.startswith("/api/"):
            message = f"no API route {request.path!r}; see /openapi.json for the routes"
        elif exc.code == 405:
            message = f"{request.method} is not allowed on {request.path}; see /openapi.json"
        response = _answer(exc.code or 500, message)
        if exc.code == 405 and hasattr(exc, "valid_methods") and exc.valid_methods:
            response[0].headers["Allow"] = ", ".join(exc.valid_methods)
        return response
    if isinstance(exc, FigdexError):  # the library's errors carry their status (figdex/errors.py)
        return _answer(exc.http_status, str(exc))
    if isinstance(exc, ImportError):
        return _answer(503, f"this needs an optional part of figdex that is not installed ({exc}); "
                            "pip install 'figdex[ml]' for query by example")
    if isinstance(exc, sqlite3.OperationalError) and "locked" in str(exc):
        return _answer(503, "the dataset is busy (another figdex command is writing); try again in a moment")
    log.exception("internal error on %s %s", request.method, request.path)
    return _answer(500, "internal error; the server log has the details")
