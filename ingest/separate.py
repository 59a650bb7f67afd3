"""The separation stage: split every stored figure into master images, classify and scale them.

It runs after parsing (``figdex ingest`` calls it; ``figdex figures separate --dataset`` runs
it alone), one figure per transaction, so it resumes where it stopped.  A figure whose image
is missing is skipped; one that fails is recorded with the reason and the rest go on.  User
labels are never lost: a whole-figure master that carries user labels is kept.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Callable

from figdex.index.db import Dataset, now
from figdex.index.fulltext import create_text_index
from figdex.ingest.image_text import lines_in_box, read_of, store_image_text

# bump when the method changes, so `--redo-outdated` re-runs figures.  2: databars, instrument metadata;
# 3: captions split by the second round of #15 rules; the optional learned gutter model (FIGDEX_GUTTERS).
# 4: the gutter model by default, refitted on all development data; the caption's label set a hard constraint.
METHOD = "figdex-sep-4"


@dataclass
class SeparationSummary:
    figures: int = 0
    separated: int = 0
    skipped: int = 0
    failed: int = 0
    masters: int = 0
    scaled: int = 0
    failures: list = field(default_factory=list)


def warm_up(ocr_name: str = "rapidocr") -> None:
    """Load the OCR engine and the image classifier now, so that a progress bar started after
    this times the figures alone (see ``ingest.pipeline.warm_up``)."""
    from figdex.models.image_classifier import get_classifier
    from figdex.models.ocr import get_ocr

    get_ocr(ocr_name)
    get_classifier()


def pending_figures(ds: Dataset, redo: bool = False) -> list[int]:
    where = "image_status = 'ok'" + ("" if redo else " AND (separation_status IS NULL OR separated_with != ?)")
    params = () if redo else (METHOD,)
    return [r[0] for r in ds.conn.execute(f"SELECT id FROM figures WHERE {where} ORDER BY id", params)]


def separate_dataset(ds: Dataset, *, redo: bool = False, on_figure: Callable[[int, str], None] | None = None,
                     ocr_name: str = "rapidocr", executor=None) -> SeparationSummary:
    """Separate the figures not separated yet (all with ``redo``).  ``executor`` (``ingest/executors.py``;
    default: this process) runs ``stages.separate_figure``; this process stores each figure in its own
    transaction, in the order of the figures' ids, whatever order the workers finish in."""
    from figdex.ingest.executors import SerialExecutor
    from figdex.ingest.stages import separate_figure

    executor = executor or SerialExecutor()
    text_index = create_text_index(ds.config["text_index"], ds.conn, ds.root)
    summary = SeparationSummary()
    tasks = (figure_task(ds, fig_id, ocr_name) for fig_id in pending_figures(ds, redo))
    for task, separation in executor.ordered(separate_figure, tasks):
        summary.figures += 1
        outcome = commit_separation(ds, text_index, separation, summary)
        if on_figure:
            on_figure(task.fig_id, outcome)
    return summary


def figure_task(ds: Dataset, fig_id: int, ocr_name: str = "rapidocr"):
    """The record a worker separates one figure from: its image file and its sub-captions."""
    from figdex.ingest.stages import FigureTask

    fig = ds.conn.execute("SELECT key, image_path, kind, caption_shared, width, height FROM figures WHERE id = ?",
                          (fig_id,)).fetchone()
    subs = ds.conn.execute("SELECT label, text, terms FROM subcaptions WHERE figure_id = ?", (fig_id,)).fetchall()
    shared = fig["caption_shared"] or ""
    return FigureTask(
        fig_id, fig["key"], str(ds.root / fig["image_path"]), fig["kind"] == "image",
        tuple(s["label"] for s in subs),
        tuple((s["label"], " ".join(t for t in (shared, s["text"]) if t)) for s in subs),
        tuple((s["label"], tuple(json.loads(s["terms"]))) for s in subs), ocr_name,
        cost=(fig["width"] or 0) * (fig["height"] or 0))


def commit_separation(ds: Dataset, text_index, separation, summary: SeparationSummary) -> str:
    """Store one figure's separation (``stages.FigureSeparation``) in its own transaction."""
    fig_id = separation.fig_id
    if separation.failure is not None:
        with ds.transaction():
            ds.conn.execute("UPDATE figures SET separation_status='failed', separation_note=?, separated_with=? "
                            "WHERE id=?", (separation.failure, METHOD, fig_id))
        summary.failed += 1
        summary.failures.append(separation.failure.splitlines()[0])
        return "failed"
    fig = ds.conn.execute("SELECT * FROM figures WHERE id = ?", (fig_id,)).fetchone()
    subs = ds.conn.execute("SELECT label, text, keywords, terms FROM subcaptions WHERE figure_id = ?",
                           (fig_id,)).fetchall()
    shared = fig["caption_shared"] or ""
    full = {s["label"]: " ".join(t for t in (shared, s["text"]) if t) for s in subs}
    result = separation.result
    with ds.transaction():
        touched = _store(ds, fig, subs, full, result)
        ds.conn.execute("UPDATE figures SET separation_status='done', separation_note=?, separated_with=? WHERE id=?",
                        ("; ".join(result.notes) or None, METHOD, fig_id))
        text_index.update(touched)
    summary.separated += 1
    summary.masters += len(result.masters)
    summary.scaled += sum(1 for m in result.masters if m.nm_per_px)
    return "separated"


def _store(ds: Dataset, fig, subs, full: dict[str, str], result) -> list[int]:
    """Replace the figure's computed master images with the separation's; returns ids touched."""
    existing = {r["panel"]: r["id"] for r in ds.conn.execute(
        "SELECT id, panel FROM master_images WHERE figure_id = ?", (fig["id"],))}
    keywords = {s["label"]: json.loads(s["keywords"]) for s in subs}
    terms = {s["label"]: json.loads(s["terms"]) for s in subs}
    new_labels = {m.label for m in result.masters}
    touched = list(existing.values())
    for panel, mid in existing.items():
        has_user = ds.conn.execute("SELECT 1 FROM labels WHERE master_image_id=? AND kind='user'", (mid,)).fetchone()
        if panel not in new_labels and not has_user:
            ds.conn.execute("DELETE FROM master_images WHERE id = ?", (mid,))
    for m in result.masters:
        key = f"{fig['key']}/{m.label}"
        sub = full.get(m.label) or (fig["caption"] if m.label == "0" else "")
        scale = m.scale
        resolved = m.resolved
        confidence = resolved.confidence if resolved is not None else (scale.confidence if scale else None)
        detail = json.dumps(resolved.detail_json(), ensure_ascii=False) if resolved is not None else None
        databar = json.dumps({"box": list(m.databar.box), "fields": m.databar.fields}, ensure_ascii=False) \
            if m.databar is not None else None
        ds.conn.execute(
            """INSERT INTO master_images(key, uid, figure_id, panel, x0, y0, x1, y1, image_class, confidence,
                 subcaption, keywords, nm_per_px, scale_source, scale_confidence, label_box, dependents, insets,
                 updated_at, databar, scale_detail)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
               ON CONFLICT(key) DO UPDATE SET x0=excluded.x0, y0=excluded.y0, x1=excluded.x1, y1=excluded.y1,
                 image_class=excluded.image_class, confidence=excluded.confidence, subcaption=excluded.subcaption,
                 keywords=excluded.keywords, nm_per_px=excluded.nm_per_px, scale_source=excluded.scale_source,
                 scale_confidence=excluded.scale_confidence, label_box=excluded.label_box,
                 dependents=excluded.dependents, insets=excluded.insets, updated_at=excluded.updated_at,
                 databar=excluded.databar, scale_detail=excluded.scale_detail""",
            (key, ds.free_uid(key), fig["id"], m.label, *m.box, m.image_class, m.confidence, sub,
             json.dumps(keywords.get(m.label, [])), m.nm_per_px, m.scale_source,
             confidence, json.dumps(m.label_box) if m.label_box else None,
             json.dumps([list(b) for b in m.dependents]), json.dumps([list(b) for b in m.insets]), now(),
             databar, detail),
        )
        mid = ds.conn.execute("SELECT id FROM master_images WHERE key = ?", (key,)).fetchone()[0]
        touched.append(mid)
        ds.set_computed_labels(mid, "term", terms.get(m.label, []), "captions")
        ds.set_computed_labels(mid, "keyword", keywords.get(m.label, []), "captions")
        ds.set_computed_labels(mid, "class", [m.image_class], METHOD)
        # The words the separation's OCR read inside this master: its image text (ingest/image_text.py),
        # so that `figdex index image-text` need not read the figure a second time.
        store_image_text(ds.conn, mid, lines_in_box(result.text_boxes, m.box), "separation",
                         read_of(fig["image_sha256"], m.box), 0.0)
        ds.conn.execute("DELETE FROM scale_bars WHERE master_image_id = ?", (mid,))
        if scale is not None and (scale.bar is not None or scale.label is not None):
            bar = scale.bar
            ds.conn.execute(
                """INSERT INTO scale_bars(master_image_id, x0, y0, x1, y1, length_px, label_text, nm, confidence,
                     source, label_box) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                (mid, *(bar.box if bar else (None,) * 4), bar.length_px if bar else None,
                 scale.label.text if scale.label else None, scale.label.nm if scale.label else None,
                 scale.confidence, scale.source, json.dumps(scale.label_box) if scale.label_box else None),
            )
    return touched
