"""The JSON API (/api/...), described in /openapi.json (``openapi.py``; a test keeps them in step)."""

from __future__ import annotations

import io
import os
import tempfile
import zipfile
from pathlib import Path

from flask import Blueprint, jsonify, request, send_file, url_for

from figdex.cli.web import params
from figdex.cli.web.app import dataset, require_edits, settings
from figdex.cli.web.openapi import NM_PER_PX, SCALE_FACTOR_MAX
from figdex.cli.web.views import facets_json, hit_json, match, run_search
from figdex.errors import NotFoundError
from figdex.index.query import NoTermsError

bp = Blueprint("api", __name__)

# Formats a query image may have: what Pillow reads and the embedders were tried on.
UPLOAD_FORMATS = {"PNG", "JPEG", "TIFF", "GIF", "BMP", "WEBP"}


@bp.get("/openapi.json")
def openapi():
    from figdex.cli.web.openapi import openapi_document
    from figdex.index.query import IMAGE_CLASSES

    # The class and publisher filters take the known values and the dataset's (others are typos,
    # refused), so the description lists them as they are now.
    conn = dataset().conn
    classes = {r[0] for r in conn.execute("SELECT DISTINCT image_class FROM master_images WHERE image_class "
                                          "IS NOT NULL")}
    publishers = {r[0] for r in conn.execute("SELECT DISTINCT publisher FROM articles WHERE publisher IS NOT NULL")}
    return jsonify(openapi_document(sorted({*IMAGE_CLASSES, *classes}), sorted(publishers), settings().max_export))


@bp.get("/api/search")
def api_search():
    with_facets = params.boolean(request.args, "facets") is not False
    view = run_search(dataset(), request.args, default_limit=20, with_facets=with_facets,
                      facet_size=params.integer(request.args, "facet_size", 10, 1, 100))
    return jsonify({
        "query": view.query, "total": view.result.total, "offset": view.offset, "limit": view.limit,
        "warnings": list(view.result.warnings),
        "results": [hit_json(h) for h in view.result.hits],
        "facets": facets_json(view) if view.facets is not None else {},
    })


def similar_hits(ds, args, files) -> tuple[str, list]:
    """Query by example from an uploaded file (``files['file']``) or ``id``: (what was asked, ranked hits)."""
    from figdex.retrieval.similar import similar

    options = dict(
        limit=params.integer(args, "limit", 20, 1, 100),
        filters=params.filters(args),
        nm_per_px=params.number(args, "nm_per_px", None, *NM_PER_PX),
        scale_factor=params.number(args, "scale_factor", 2.0, 1.0, SCALE_FACTOR_MAX),
        scale_mode=params.choice(args, "scale_mode", ("push", "filter"), "push"),
        # An uploaded image without nm_per_px: read its scale bar (OCR, seconds on a CPU) as the CLI does.
        read_query_scale=params.boolean(args, "read_scale") is not False,
    )
    upload = files.get("file") if files else None
    image_id = params.raw(args, "id")
    if upload is not None and upload.filename != "" and image_id:
        raise params.ParamError("give either an uploaded file or id, not both")
    if upload is not None and upload.filename != "":
        path = _checked_upload(upload)
        try:
            return "upload", similar(ds, str(path), **options)
        finally:
            path.unlink(missing_ok=True)
    if not image_id:
        raise params.ParamError("send an image in the multipart field 'file', or give id=<image id>")
    params.image_id(image_id)
    if ds.master_id(image_id) is None:
        raise NotFoundError(f"no image with id {image_id!r}; take ids from /api/search")
    return image_id, similar(ds, image_id, **options)


def _checked_upload(upload) -> Path:
    """The upload in a temporary file, after checking its size and that it is an image we read."""
    from PIL import Image, UnidentifiedImageError

    limit = settings().max_upload_bytes
    data = upload.stream.read(limit + 1)
    if len(data) > limit:
        from werkzeug.exceptions import RequestEntityTooLarge

        raise RequestEntityTooLarge()
    if not data:
        raise params.ParamError("the uploaded file is empty; send a PNG, JPEG or TIFF image")
    what = "a PNG, JPEG, TIFF, GIF, BMP or WebP image"
    try:
        with Image.open(io.BytesIO(data)) as im:
            fmt, (w, h) = im.format, im.size
            if fmt not in UPLOAD_FORMATS:
                raise params.ParamError(f"the upload is a {fmt} image; send {what}")
            if w * h > settings().max_upload_pixels:
                raise params.ParamError(f"the image is {w}x{h} pixels; send one of at most "
                                        f"{settings().max_upload_pixels // 1_000_000} megapixels")
            im.verify()
        with Image.open(io.BytesIO(data)) as im:
            im.load()  # verify() checks structure only; decoding catches truncated pixel data
    except params.ParamError:
        raise
    except Image.DecompressionBombError:
        raise params.ParamError(f"the image has too many pixels to be decoded safely; send one of at most "
                                f"{settings().max_upload_pixels // 1_000_000} megapixels") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise params.ParamError(f"the upload is not a readable image ({type(exc).__name__}); send {what}") from None
    fd, name = tempfile.mkstemp(prefix="figdex-query-", suffix="." + fmt.lower())
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return Path(name)


@bp.route("/api/similar", methods=["GET", "POST"])
def api_similar():
    asked, ranked = similar_hits(dataset(), request.args if request.method == "GET" else _merged_args(),
                                 request.files if request.method == "POST" else None)
    return jsonify({"query": asked, "total": len(ranked),
                    "results": [hit_json(r.hit, r.explain) for r in ranked], "facets": {}})


def _merged_args():
    """Options may come in the query string or as form fields of the multipart upload."""
    from werkzeug.datastructures import CombinedMultiDict

    return CombinedMultiDict([request.args, request.form])


def _details(image_id: str):
    from figdex.retrieval.images import image_details

    details = image_details(dataset(), params.image_id(image_id))
    if details is None:
        raise NotFoundError(f"no image with id {image_id!r}; take ids from /api/search")
    return details


@bp.get("/api/images/<image_id>")
def api_image(image_id: str):
    d = _details(image_id)
    row = hit_json(d.hit)
    row.update({
        "figure_file": url_for("api.image_figure", image_id=d.hit.id) if d.figure_path else None,
        "figure_size": list(d.figure_size) if d.figure_size else None,
        "box": list(d.box) if d.box else None,
        "scale_source": d.scale_source, "scale_confidence": d.scale_confidence,
        "scale_bars": [b.__dict__ | {"box": list(b.box) if b.box else None} for b in d.scale_bars],
        "labels_by_kind": {k: list(v) for k, v in d.labels.items()},
        "panels": [{"id": uid, "panel": panel} for uid, panel in d.panels],
        "keywords": list(d.keywords),
    })
    return jsonify(row)


def _send(image, image_id: str):
    if image is None:
        raise NotFoundError(f"{image_id} has no stored image file (only its caption and metadata); "
                          "the article page had no image beside it")
    if image.path is not None:
        return send_file(image.path, mimetype=image.mimetype, max_age=3600)
    return send_file(io.BytesIO(image.data), mimetype=image.mimetype, max_age=3600)


@bp.get("/api/images/<image_id>/file")
def image_file(image_id: str):
    from figdex.retrieval.images import master_file

    d = _details(image_id)
    return _send(master_file(dataset(), d), image_id)


@bp.get("/api/images/<image_id>/figure")
def image_figure(image_id: str):
    from figdex.retrieval.images import ImageBytes, mimetype_of

    d = _details(image_id)
    return _send(d.figure_path and ImageBytes(d.figure_path, None, mimetype_of(d.figure_path)), image_id)


@bp.get("/api/images/<image_id>/thumbnail")
def image_thumbnail(image_id: str):
    from figdex.retrieval.images import THUMBNAIL_SIZES, thumbnail_file

    size = params.integer(request.args, "size", 256, 1, max(THUMBNAIL_SIZES))
    size = min(s for s in THUMBNAIL_SIZES if s >= size)  # a few sizes only: the cache stays small
    return _send(thumbnail_file(dataset(), _details(image_id), size), image_id)


@bp.get("/api/labels")
def api_labels():
    from figdex.retrieval.tags import label_values

    limit = params.integer(request.args, "limit", 500, 1, 10_000)
    return jsonify({"labels": [{"label": v, "images": n, "user": u} for v, n, u in label_values(dataset(), limit)]})


@bp.post("/api/labels")
def api_label_change():
    """{"id": ..., "label": ..., "action": "add" | "remove"}: a user label, saved at once."""
    from figdex.retrieval.tags import set_user_label

    require_edits()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        raise params.ParamError('send a JSON object: {"id": "<image id>", "label": "<label>", "action": "add"}')
    action = body.get("action")
    if action not in ("add", "remove"):
        raise params.ParamError('"action" must be "add" or "remove"')
    if not isinstance(body.get("label"), str):
        raise params.ParamError('"label" must be a string')
    change = set_user_label(dataset(), params.image_id(body.get("id") if isinstance(body.get("id"), str) else None),
                            body["label"], action == "add")
    return jsonify(change.__dict__ | {"labels": list(change.labels)})


@bp.get("/api/tags")
def api_tags():
    """The two panes of tag review for ``label``: images with it and without it."""
    from figdex.retrieval.tags import tag_panes

    limit = params.integer(request.args, "limit", 60, 1, 500)
    has, not_ = tag_panes(dataset(), params.text(request.args, "label"), params.filters(request.args), limit=limit,
                          offset_has=params.integer(request.args, "offset_has", 0, 0, 10**7),
                          offset_not=params.integer(request.args, "offset_not", 0, 0, 10**7))

    def pane(p):
        return {"total": p.total, "offset": p.offset, "results": [
            hit_json(t.hit) | {"user_label": t.user, "computed_kinds": list(t.computed)}
            for t in p.images]}

    return jsonify({"label": params.text(request.args, "label"), "has": pane(has), "has_not": pane(not_)})


@bp.get("/api/overview")
def api_overview():
    from figdex.retrieval.overview import overview

    query = params.text(request.args, "q", max_chars=params.MAX_QUERY_CHARS) or None
    filters = params.filters(request.args)
    try:
        o = overview(dataset(), query, filters)
    except NoTermsError as exc:  # described as matching nothing
        return jsonify({"total": 0, "without_scale": 0, "per_class": [], "per_year": [], "per_label_kind": {},
                        "scale": [], "warnings": [str(exc)]})
    return jsonify({"total": o.total, "without_scale": o.without_scale,
                    "per_class": [{"value": k, "count": n} for k, n in o.per_class],
                    "per_year": [{"value": k, "count": n} for k, n in o.per_year],
                    "per_label_kind": {kind: [{"value": v, "count": n} for v, n in pairs]
                                       for kind, pairs in o.per_label_kind.items()},
                    "scale": [{"value": b.label, "count": b.count} for b in o.scale]})


@bp.get("/api/export")
def api_export():
    """The current result set (q + filters) as a zip in the CLI export's layout."""
    from figdex.retrieval.export import export_dataset

    cap = settings().max_export
    limit = params.integer(request.args, "limit", cap, 1, cap)
    query = params.text(request.args, "q", max_chars=params.MAX_QUERY_CHARS) or None
    filters = params.filters(request.args)
    spool = tempfile.TemporaryFile(prefix="figdex-export-")  # deleted when the response is closed
    with tempfile.TemporaryDirectory(prefix="figdex-export-") as tmp:
        out = Path(tmp) / "export"
        try:
            summary = export_dataset(dataset(), out, query=query, filters=filters, limit=limit,
                                     match=match(request.args, "panel"))
        except NoTermsError:  # described as matching nothing: the export of no image
            summary = export_dataset(dataset(), out, query=None, filters=filters, limit=0, force=True)
        with zipfile.ZipFile(spool, "w", zipfile.ZIP_DEFLATED) as zf:
            for path in sorted(out.rglob("*")):
                if path.is_file():
                    zf.write(path, path.relative_to(out).as_posix())
    spool.seek(0)
    response = send_file(spool, mimetype="application/zip", as_attachment=True, download_name="figdex-export.zip")
    response.headers["X-Figdex-Export-Rows"] = str(summary.rows)
    response.headers["X-Figdex-Export-Limit"] = str(limit)
    return response
