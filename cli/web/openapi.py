"""The OpenAPI 3 description served at /openapi.json (hand-written: Flask does not derive one).

The filter parameters are generated from the CLI's filter table, and a test checks that
every /api route of the app is described here with its methods, so the two cannot drift.
Every bound the app checks (``params``, ``retrieval.tags``) is stated here from the same
constants, and tests/test_serve_openapi.py has schemathesis check both ways: requests this
allows are answered, requests it forbids are refused.
"""

from __future__ import annotations

from figdex import __version__
from figdex.cli.options import FILTER_PARAMS
from figdex.cli.web import params
from figdex.index.query import LABEL_KINDS
from figdex.limits import MAX_NM_PER_PX
from figdex.retrieval.tags import LABEL_PATTERN, MAX_LABEL_CHARS

_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}


def _param(name: str, schema: dict, description: str, where: str = "query", required: bool = False) -> dict:
    return {"name": name, "in": where, "required": required, "description": description, "schema": schema}


# A label filter: a value, or kind:value with a known kind (index.query.check_filters).
_LABEL_FILTER = f"^(?:[^:]*|(?:{'|'.join(LABEL_KINDS)})?:[\\s\\S]*)$"


def _filters(exact: dict[str, list[str]]) -> list[dict]:
    """The filter parameters; ``exact``: the values a filter that matches a column exactly takes
    (class, publisher: the known ones and the dataset's; others are refused as typos)."""
    out = []
    for p in FILTER_PARAMS:
        schema = {"type": _TYPES[p.type]}
        if p.type is int:
            schema.update(minimum=params.INT_RANGE[0], maximum=params.INT_RANGE[1])
        elif p.type is float:  # scale filters: nm per pixel within the library's bound (limits.py)
            schema.update(minimum=0, maximum=MAX_NM_PER_PX)
        if p.many:
            schema["maxLength"] = params.MAX_VALUE_CHARS
            if p.field in exact:
                schema["enum"] = exact[p.field]
            elif p.field == "label":
                schema["pattern"] = _LABEL_FILTER
            out.append({**_param(p.web, {"type": "array", "items": schema, "maxItems": params.MAX_VALUES},
                                 (p.help or p.web) + " CLI: " + p.decls[0]), "explode": True})
        else:
            out.append(_param(p.web, schema, (p.help or p.web.replace("_", " ")) + " CLI: " + p.decls[0]))
    return out


_ID_SCHEMA = {"type": "string", "pattern": f"^{params.ID_PATTERN.pattern}$"}
_ID = _param("image_id", _ID_SCHEMA,
             "Image id, as `figdex search --format jsonl` prints it.", where="path", required=True)
_ERR = {"description": "A clear error: {\"error\": message, \"status\": code}",
        "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}
_IMG = {"description": "The image file", "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}}


_MATCH = {"type": "string", "enum": ["panel", "figure"]}
_LABEL = {"type": "string", "maxLength": MAX_LABEL_CHARS, "pattern": LABEL_PATTERN}
NM_PER_PX = (1e-6, 1e9)  # a query image's scale: a femtometre to a metre per pixel
SCALE_FACTOR_MAX = 1e6
UPLOAD_TYPES = ("image/png", "image/jpeg", "image/tiff", "image/gif", "image/bmp", "image/webp")


def _json(description: str, ref: str) -> dict:
    schema = {"$ref": f"#/components/schemas/{ref}"}
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _errors(*codes: int) -> dict:
    return {str(c): _ERR for c in codes}


def openapi_document(classes: list[str], publishers: list[str], max_export: int) -> dict:
    """The description of this server's API: ``classes`` and ``publishers`` are the values the
    class and publisher filters take, ``max_export`` the server's --max-export."""
    filters = _filters({"image_class": classes, "publisher": publishers})
    query = _param("q", {"type": "string", "maxLength": params.MAX_QUERY_CHARS},
                   'Words, "phrases", -excluded, OR, prefix*; the first 2000 characters are searched (a warning '
                   "says so). A q with no word to search for matches nothing (a warning says why).")
    similar_opts = [
        _param("limit", {"type": "integer", "minimum": 1, "maximum": 100, "default": 20}, "Number of hits."),
        _param("nm_per_px", {"type": "number", "minimum": NM_PER_PX[0], "maximum": NM_PER_PX[1]},
               "The query image's nm per pixel."),
        _param("scale_factor", {"type": "number", "minimum": 1, "maximum": SCALE_FACTOR_MAX, "default": 2},
               "Scales differing by more are pushed down."),
        _param("scale_mode", {"type": "string", "enum": ["push", "filter"], "default": "push"},
               "push: other scales rank last; filter: they are left out."),
        _param("read_scale", {"type": "boolean", "default": True},
               "Upload without nm_per_px: read the scale bar from the image (OCR; seconds)."),
    ]
    search_get = {
        "summary": "Keyword search (the CLI's BM25 ranking); an empty q lists the filtered images in the order "
                   "they were added",
        "parameters": [
            query,
            _param("limit", {"type": "integer", "minimum": 1, "maximum": 200, "default": 20}, "Hits per page."),
            _param("offset", {"type": "integer", "minimum": 0, "maximum": 100000, "default": 0}, "Hits to skip."),
            _param("facets", {"type": "boolean", "default": True},
                   "Also count per journal/class/label/year/licence/scale."),
            _param("facet_size", {"type": "integer", "minimum": 1, "maximum": 100, "default": 10}, "Values per facet."),
            _param("match", _MATCH, "panel: only images whose own sub-caption, labels or class have q; figure: "
                   "every panel of a figure whose caption has it. Default: panel with a class filter, else figure "
                   "(facets count at figure level)."),
            _param("mode", {"type": "string", "enum": ["auto", "bm25", "semantic", "hybrid"], "default": "auto"},
                   "bm25: keywords; semantic: the captions' meaning (needs caption vectors: `figdex index embed` "
                   "with figdex[semantic]); hybrid: both, fused by reciprocal rank fusion; auto: hybrid where the "
                   "dataset has caption vectors, else bm25. match applies to bm25 alone; facets count keyword "
                   "matches. 409 when the dataset has no caption vectors for semantic/hybrid."),
            _param("by_content", {"type": "boolean", "default": False},
                   "Rank images by what they show through the dataset's text-image alignment (`figdex index "
                   "align`), so images without a caption are found; with mode, fused with that mode's rankings. "
                   "409 when the dataset has no alignment yet."),
            *filters],
        "responses": {"200": _json("Hits and facets", "Results"), **_errors(400, 409, 503)},
    }
    similar_id = _param("id", _ID_SCHEMA, "An image id.", required=True)
    paths = {
        "/api/search": {"get": search_get},
        "/api/similar": {
            "get": {"summary": "Images like the image `id` (more like this)",
                    "parameters": [similar_id, *similar_opts, *filters],
                    "responses": {"200": _json("Ranked hits", "Results"), **_errors(400, 404)}},
            "post": {"summary": "Query by example: images like an uploaded image (multipart field `file`)",
                     "description": "The options may also be sent as form fields. (A POST with `?id=` and no "
                                    "file is answered as GET is, for old clients.)",
                     "parameters": [*similar_opts, *filters],
                     "requestBody": {"required": True, "content": {"multipart/form-data": {
                         "schema": {"type": "object", "required": ["file"],
                                    "properties": {"file": {"type": "string", "format": "binary"}}},
                         # Only these decode as a query image; any other bytes are refused with 400.
                         "encoding": {"file": {"contentType": ", ".join(UPLOAD_TYPES)}}}}},
                     "responses": {"200": _json("Ranked hits", "Results"),
                                   **_errors(400, 404, 413, 503)}},
        },
        "/api/images/{image_id}": {"get": {"summary": "One image: metadata, box, scale, labels by kind, panels",
                                           "parameters": [_ID], "responses": {"200": _json("The image", "Image"),
                                                                             **_errors(400, 404)}}},
        "/api/images/{image_id}/file": {"get": {"summary": "The master image file (its box cut from the figure)",
                                                "parameters": [_ID], "responses": {"200": _IMG, **_errors(400, 404)}}},
        "/api/images/{image_id}/figure": {"get": {"summary": "The whole figure the image was cut from",
                                                  "parameters": [_ID],
                                                  "responses": {"200": _IMG, **_errors(400, 404)}}},
        "/api/images/{image_id}/thumbnail": {"get": {
            "summary": "A JPEG thumbnail (cached in the dataset)",
            "parameters": [_ID, _param("size", {"type": "integer", "minimum": 1, "maximum": 512, "default": 256},
                                       "Longest side in pixels (rounded up to 128, 256 or 512).")],
            "responses": {"200": _IMG, **_errors(400, 404)}}},
        "/api/labels": {
            "get": {"summary": "Label values with their number of images (any kind, and as user labels)",
                    "parameters": [_param("limit", {"type": "integer", "minimum": 1, "maximum": 10000, "default": 500},
                                          "Values.")],
                    "responses": {"200": {"description": "{labels: [{label, images, user}]}"}, **_errors(400)}},
            "post": {"summary": "Add or remove a user label (needs `figdex serve --allow-edits`)",
                     "requestBody": {"required": True, "content": {"application/json": {"schema": {
                         "$ref": "#/components/schemas/LabelChange"}}}},
                     "responses": {"200": {"description": "The image's labels after the change"},
                                   **_errors(400, 403, 404)}},
        },
        "/api/tags": {"get": {
            "summary": "Tag review: images with `label` (any kind) and without it",
            "parameters": [_param("label", _LABEL, "The label.", required=True),
                           _param("limit", {"type": "integer", "minimum": 1, "maximum": 500, "default": 60},
                                  "Per pane."),
                           _param("offset_has", {"type": "integer", "minimum": 0, "maximum": 10**7, "default": 0},
                                  "Paging of the 'has' pane."),
                           _param("offset_not", {"type": "integer", "minimum": 0, "maximum": 10**7, "default": 0},
                                  "Paging of the other pane."),
                           *filters],
            "responses": {"200": {"description": "{label, has: {total, results}, has_not: {total, results}}"},
                          **_errors(400)}}},
        "/api/overview": {"get": {"summary": "Counts per class, year, label kind and scale bucket",
                                  "parameters": [query, *filters],
                                  "responses": {"200": {"description": "Counts"}, **_errors(400)}}},
        "/api/export": {"get": {
            "summary": "The result set (q + filters) as a zip: <class>/<id>.<ext>, metadata.jsonl/csv, exsclaim.json",
            "parameters": [query,
                           _param("limit", {"type": "integer", "minimum": 1, "maximum": max_export,
                                            "default": max_export},
                                  "At most this many images (the server's --max-export at most)."),
                           _param("match", {**_MATCH, "default": "panel"}, "How q selects images: panel (the "
                                  "image's own sub-caption, labels or class) or figure (its figure's caption)."),
                           *filters],
            "responses": {"200": {"description": "A zip file", "content": {"application/zip": {
                "schema": {"type": "string", "format": "binary"}}}}, **_errors(400)}}},
    }
    hit = {"type": "object", "required": ["id", "score", "caption", "image"], "properties": {
        "id": {"type": "string"}, "score": {"type": "number"}, "caption": {"type": "string"},
        "image": {"type": "string", "nullable": True, "description": "URL of the image file (null: not stored)"},
        "thumbnail": {"type": "string", "nullable": True}, "page": {"type": "string"},
        "doi": {"type": "string", "nullable": True}, "figure": {"type": "string"}, "label": {"type": "string"},
        "subcaption": {"type": "string"}, "snippet": {"type": "string"}, "image_class": {"type": "string"},
        "nm_per_px": {"type": "number", "nullable": True}, "labels": {"type": "array", "items": {"type": "string"}},
        "explain": {"type": "object", "description": "query by example: why it ranks here"}}}
    return {
        "openapi": "3.0.3",
        "info": {"title": "figdex", "version": __version__,
                 "description": "Search the images inside scientific papers: a dataset served by `figdex serve`."},
        "paths": paths,
        "components": {"schemas": {
            "Hit": hit,
            "Results": {"type": "object", "required": ["results", "facets"], "properties": {
                "results": {"type": "array", "items": {"$ref": "#/components/schemas/Hit"}},
                "facets": {"type": "object", "additionalProperties": {"type": "array", "items": {
                    "type": "object", "properties": {"value": {}, "count": {"type": "integer"}}}}},
                "total": {"type": "integer"}}},
            "Image": {"allOf": [{"$ref": "#/components/schemas/Hit"}, {"type": "object", "properties": {
                "box": {"type": "array", "items": {"type": "integer"}, "nullable": True},
                "labels_by_kind": {"type": "object"}, "scale_bars": {"type": "array"}}}]},
            "LabelChange": {"type": "object", "required": ["id", "label", "action"], "properties": {
                "id": _ID_SCHEMA, "label": _LABEL,
                "action": {"type": "string", "enum": ["add", "remove"]}}},
            "Error": {"type": "object", "properties": {"error": {"type": "string"}, "status": {"type": "integer"}}},
        }},
    }
