"""Tag review (the seeds' image tagger): for one label, the images that have it and those that
do not; moving an image from one side to the other is a user's decision, saved at once.

The writes are ``index.curation.tag_image`` (shared with `figdex labels add/remove`): adding
stores a ``user`` label; removing takes the label off in every kind and records a rejection
(``label_rejections``), which later labelling runs and retraining respect, so a computed label
the user took off never comes back.  Matching is case-insensitive, as ``--with-label`` is.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from figdex.errors import FigdexError, NotFoundError
from figdex.index.db import Dataset
from figdex.index.query import SearchFilters, check_filters
from figdex.index.records import Hit
from figdex.retrieval.search import _HIT_SQL, hit_from_row

USER = "user"
MAX_LABEL_CHARS = 200


def _invisible_ranges() -> list[tuple[int, int]]:
    """Code point ranges a label may not hold: control (Cc) and invisible formatting characters
    (Cf: bidi overrides, zero-width joiners), which would make two labels look alike.  Those of
    the Basic Multilingual Plane only: a pattern with characters beyond it is read differently by
    ECMAScript regexes (UTF-16 pairs), which /openapi.json's patterns are."""
    ranges: list[tuple[int, int]] = []
    for cp in range(0x10000):
        if unicodedata.category(chr(cp)) in ("Cc", "Cf") or 0xD800 <= cp <= 0xDFFF:
            if ranges and ranges[-1][1] == cp - 1:
                ranges[-1] = (ranges[-1][0], cp)
            else:
                ranges.append((cp, cp))
    return ranges


_RANGES = _invisible_ranges()
_INVISIBLE_RE = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _RANGES) + "]")
# The rule as a JSON-schema pattern for /openapi.json: some visible character and no invisible
# one.  Surrogates are left out of it (JSON text cannot carry them alone); clean_label refuses them.
_SHOWN = "".join(f"\\u{a:04x}-\\u{b:04x}" for a, b in _RANGES if not 0xD800 <= a <= 0xDFFF)
LABEL_PATTERN = f"^[^{_SHOWN}]*[^\\s{_SHOWN}][^{_SHOWN}]*$"


_HAS = "EXISTS (SELECT 1 FROM labels l WHERE l.master_image_id = m.id AND lower(l.value) = lower(?))"


class TagError(FigdexError, ValueError):
    """A label that cannot be used; the message says what to change."""


@dataclass(frozen=True)
class TaggedImage:
    hit: Hit
    user: bool  # has the label as a user label
    computed: tuple[str, ...]  # the computed kinds that also give it the label


@dataclass(frozen=True)
class TagPane:
    images: tuple[TaggedImage, ...]
    total: int
    offset: int


@dataclass(frozen=True)
class TagChange:
    id: str
    label: str
    present: bool  # the image has the label now (any kind)
    changed: bool  # a user label was added or removed
    labels: tuple[str, ...]  # all its labels now, "kind:value"


def clean_label(value: str | None) -> str:
    """A label as stored: trimmed, Unicode NFC; refuses empty, over-long or control-character labels
    (``LABEL_PATTERN`` and ``MAX_LABEL_CHARS`` as given, which /openapi.json states)."""
    value = value or ""
    if len(value) > MAX_LABEL_CHARS:
        raise TagError(f"the label has {len(value)} characters; use at most {MAX_LABEL_CHARS}")
    if _INVISIBLE_RE.search(value):
        raise TagError("the label contains control characters; type it as plain text")
    text = unicodedata.normalize("NFC", value.strip())
    if not text:
        raise TagError("the label is empty; give a label such as 'nanoparticles'")
    return text


def tag_panes(ds: Dataset, label: str, filters: SearchFilters | None = None, *, limit: int = 60,
              offset_has: int = 0, offset_not: int = 0) -> tuple[TagPane, TagPane]:
    """(images with ``label`` in any kind, images without it), each a page in the order images were added."""
    label = clean_label(label)
    check_filters(ds.conn, filters or SearchFilters())  # a misspelt class is refused, as search does
    where, params = (filters or SearchFilters()).sql()
    return (_pane(ds, f"{_HAS} AND {where}", [label, *params], label, limit, offset_has),
            _pane(ds, f"NOT {_HAS} AND {where}", [label, *params], label, limit, offset_not))


def _pane(ds: Dataset, where: str, params: list, label: str, limit: int, offset: int) -> TagPane:
    base = "FROM master_images m JOIN figures f ON f.id = m.figure_id JOIN articles a ON a.id = f.article_id"
    total = ds.conn.execute(f"SELECT count(*) {base} WHERE {where}", params).fetchone()[0]
    rows = ds.conn.execute(_HIT_SQL + f" WHERE {where} ORDER BY m.id LIMIT ? OFFSET ?",  # as search.browse
                           [*params, limit, offset]).fetchall()
    kinds = _kinds(ds, [r["id"] for r in rows], label)
    images = tuple(TaggedImage(hit_from_row(ds, r, 0.0), USER in kinds.get(r["id"], ()),
                               tuple(k for k in kinds.get(r["id"], ()) if k != USER)) for r in rows)
    return TagPane(images, total, offset)


def _kinds(ds: Dataset, ids: list[int], label: str) -> dict[int, list[str]]:
    if not ids:
        return {}
    marks = ",".join("?" * len(ids))
    out: dict[int, list[str]] = {}
    for mid, kind in ds.conn.execute(
            f"SELECT master_image_id, kind FROM labels WHERE master_image_id IN ({marks}) AND lower(value) = lower(?) "
            "ORDER BY kind", [*ids, label]):
        out.setdefault(mid, []).append(kind)
    return out


def label_values(ds: Dataset, limit: int = 500) -> list[tuple[str, int, int]]:
    """(label, images with it in any kind, images with it as a user label), most used first."""
    rows = ds.conn.execute(
        """SELECT min(value) AS value, count(DISTINCT master_image_id) AS n,
                  count(DISTINCT CASE WHEN kind = 'user' THEN master_image_id END) AS user_n
           FROM labels GROUP BY lower(value) ORDER BY n DESC, value LIMIT ?""", (limit,))
    return [(r["value"], r["n"], r["user_n"]) for r in rows]


def set_user_label(ds: Dataset, uid: str, label: str, present: bool, *, source: str = "web") -> TagChange:
    """Add (``present``) or take off ``label`` on image ``uid``, committed at once with the text index."""
    from figdex.index.curation import CurationError, tag_image

    label = clean_label(label)
    mid = ds.master_id(uid)
    if mid is None:
        raise NotFoundError(f"no image with id {uid!r}; take ids from /api/search")
    try:
        edit = tag_image(ds, uid, label, present, source)
    except CurationError as exc:
        raise TagError(str(exc)) from exc
    labels = tuple(f"{k}:{v}" for k, v in ds.conn.execute(
        "SELECT kind, value FROM labels WHERE master_image_id = ? ORDER BY kind, value", (mid,)))
    has_now = ds.conn.execute(f"SELECT 1 FROM master_images m WHERE m.id = ? AND {_HAS}", (mid, label)).fetchone()
    return TagChange(uid, label, has_now is not None, edit.changed, labels)
