"""User curation of labels (the seeds' image tagger), shared by the CLI and the web interface.

A user's decisions are stored apart from computed labels: an added label is a ``user`` label,
a removed one is a rejection (``label_rejections``) that every later computation respects.
Each change is committed at once and the text index follows, so search sees it immediately.
"""

from __future__ import annotations

from dataclasses import dataclass

from figdex.errors import FigdexError
from figdex.index.db import Dataset
from figdex.index.fulltext import create_text_index


class CurationError(FigdexError, ValueError):
    """A label edit that cannot be made; the message says what to change."""


@dataclass(frozen=True)
class LabelEdit:
    image: str  # the master image's id (uid)
    label: str
    present: bool
    changed: bool


def tag_image(ds: Dataset, image_id: str, label: str, present: bool = True, source: str = "cli") -> LabelEdit:
    """Add (``present``) or take off a label on one image; returns what happened."""
    master_id = ds.master_id(image_id)
    if master_id is None:
        raise CurationError(f"{image_id}: no image with this id in the dataset; ids come from `figdex search`")
    try:
        with ds.transaction():
            changed = ds.set_user_label(master_id, label, present, source)
            create_text_index(ds.config["text_index"], ds.conn, ds.root).update([master_id])
    except ValueError as exc:
        raise CurationError(str(exc)) from exc
    return LabelEdit(image_id, label.strip(), present, changed)


def image_labels(ds: Dataset, image_id: str) -> dict[str, list[dict]]:
    """The labels of one image grouped by kind, with score and source; rejections under 'rejected'."""
    master_id = ds.master_id(image_id)
    if master_id is None:
        raise CurationError(f"{image_id}: no image with this id in the dataset; ids come from `figdex search`")
    out: dict[str, list[dict]] = {}
    for r in ds.conn.execute("SELECT kind, value, score, source FROM labels WHERE master_image_id=? "
                             "ORDER BY kind, score DESC, value", (master_id,)):
        out.setdefault(r["kind"], []).append({"value": r["value"], "score": r["score"], "source": r["source"]})
    for r in ds.conn.execute("SELECT value, source FROM label_rejections WHERE master_image_id=? ORDER BY value",
                             (master_id,)):
        out.setdefault("rejected", []).append({"value": r["value"], "score": None, "source": r["source"]})
    return out
