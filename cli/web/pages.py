"""HTML pages rendered on the server: search, image, query by example, tag review, overview."""

from __future__ import annotations

from urllib.parse import parse_qsl, urlencode

from flask import Blueprint, jsonify, redirect, render_template, request, url_for

from figdex.cli.web import params
from figdex.cli.web.app import dataset, require_edits, settings
from figdex.cli.web.views import run_search
from figdex.errors import NotFoundError

bp = Blueprint("pages", __name__)


@bp.get("/")
def search_page():
    page_size = settings().page_size
    args = params.form_args(request.args)  # a form's empty fields are "not given"
    page = params.integer(args, "page", 1, 1, 1000)
    args.setlist("limit", [str(page_size)])
    args.setlist("offset", [str((page - 1) * page_size)])
    view = run_search(dataset(), args, default_limit=page_size, with_facets=True)
    pages = max(1, -(-view.result.total // page_size))
    return render_template("search.html", view=view, page=page, pages=min(pages, 1000),
                           active=params.filter_items(view.filters))


@bp.get("/images/<image_id>")
def image_page(image_id: str):
    from figdex.retrieval.images import image_details

    details = image_details(dataset(), params.image_id(image_id))
    if details is None:
        raise NotFoundError(f"no image with id {image_id!r}; search for it from the search page")
    from figdex.ingest.embed import active_embedder

    # An image vector of the active embedder (caption vectors live in the same table).
    has_vector = dataset().conn.execute(
        "SELECT 1 FROM embeddings WHERE master_image_id = ? AND embedder LIKE ? LIMIT 1",
        (details.master_id, f"{active_embedder(dataset())}@%")).fetchone() is not None
    return render_template("image.html", d=details, hit=details.hit, has_vector=has_vector)


@bp.post("/images/<image_id>/labels")
def image_labels(image_id: str):
    """Add or remove a user label from the image page (a form; no JavaScript needed)."""
    from figdex.retrieval.tags import set_user_label

    require_edits()
    action = params.choice(request.form, "action", ("add", "remove"), "add")
    set_user_label(dataset(), params.image_id(image_id), params.text(request.form, "label"), action == "add")
    return redirect(url_for("pages.image_page", image_id=image_id) + "#labels", code=303)


@bp.route("/similar", methods=["GET", "POST"])
def similar_page():
    """Query by example: the upload form; results for an upload (POST) or an image id (GET ?id=)."""
    from figdex.cli.web.api import similar_hits

    from figdex.index.query import QueryError

    asked, ranked, error = None, [], None
    if request.method == "POST" or params.text(request.args, "id"):
        from werkzeug.datastructures import CombinedMultiDict

        args = params.form_args(CombinedMultiDict([request.args, request.form]) if request.method == "POST"
                                else request.args)
        try:
            asked, ranked = similar_hits(dataset(), args, request.files if request.method == "POST" else None)
        except (params.ParamError, QueryError) as exc:
            error = str(exc)  # shown above the form, which stays filled in
    page = render_template("similar.html", asked=asked, ranked=ranked, error=error,
                           args=request.values, max_mb=settings().max_upload_bytes / 1024 / 1024)
    return page, 400 if error else 200


@bp.get("/tags")
def tags_page():
    """Tag review: choose a label; images with it on the left, without it on the right."""
    from figdex.retrieval.tags import label_values, tag_panes

    args = params.form_args(request.args)
    label = params.text(args, "label")
    filters = params.filters(args)
    limit = 60
    page_has = params.integer(args, "page_has", 1, 1, 10_000)
    page_not = params.integer(args, "page_not", 1, 1, 10_000)
    panes = None
    if label:
        panes = tag_panes(dataset(), label, filters, limit=limit, offset_has=(page_has - 1) * limit,
                          offset_not=(page_not - 1) * limit)
    back = urlencode([(k, v) for k, v in request.args.items(multi=True)])
    return render_template("tags.html", label=label, panes=panes, labels=label_values(dataset(), 200),
                           filters=filters, page_has=page_has, page_not=page_not, limit=limit, back=back)


@bp.post("/tags/move")
def tags_move():
    """Move an image to the other pane: add (to=has) or remove (to=not) its user label."""
    from figdex.retrieval.tags import set_user_label

    require_edits()
    to = params.choice(request.form, "to", ("has", "not"), "has")
    change = set_user_label(dataset(), params.image_id(params.text(request.form, "id")),
                            params.text(request.form, "label"), to == "has")
    if request.accept_mimetypes.best == "application/json":
        return jsonify(change.__dict__ | {"labels": list(change.labels)})
    # Back to the same view; the query string is re-encoded from its pairs, so it cannot point elsewhere.
    back = urlencode(parse_qsl(params.text(request.form, "back")))
    return redirect(url_for("pages.tags_page") + ("?" + back if back else ""), code=303)


@bp.get("/overview")
def overview_page():
    from figdex.cli.web.charts import bar_chart, histogram
    from figdex.retrieval.overview import overview

    args = params.form_args(request.args)
    query = params.text(args, "q", max_chars=params.MAX_QUERY_CHARS)
    filters = params.filters(args)
    o = overview(dataset(), query or None, filters)
    charts = [("Images per class", bar_chart(o.per_class, link=lambda v: _link(query, filters, "class", v)))]
    if o.per_year:
        charts.append(("Images per year", histogram([(str(y), n) for y, n in o.per_year],
                                                    x_label="year", link=None)))
    for kind, pairs in o.per_label_kind.items():
        charts.append((f"Images per {kind} label (top {len(pairs)})",
                       bar_chart(pairs, link=lambda v, k=kind: _link(query, filters, "with_label", f"{k}:{v}"))))
    charts.append((f"Scale (nm per pixel; {o.without_scale} images without a scale)",
                   histogram([(b.label, b.count) for b in o.scale], x_label="nm/px", link=None)))
    return render_template("overview.html", o=o, charts=charts, query=query, filters=filters)


def _link(query: str, filters, name: str, value) -> str:
    from figdex.cli.web.views import query_string

    return url_for("pages.search_page") + "?" + query_string(query, filters) + "&" + urlencode([(name, str(value))])
