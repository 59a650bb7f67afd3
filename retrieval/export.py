"""Export a labelled image dataset: ImageFolder layout + metadata manifest + exsclaim.json.

``<out>/<label>/<id>.<ext>`` holds one image per master image; ``metadata.jsonl`` and
``metadata.csv`` give its provenance (DOI, article URL, figure, panel, caption,
licence, sha256 of the source figure); ``exsclaim.json`` repeats it in EXSCLAIM's
output format, keyed by figure.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from figdex.errors import FigdexError
from figdex.index.db import Dataset
from figdex.index.query import LABEL_KINDS, SearchFilters, check_filters
from figdex.index.records import Hit
from figdex.retrieval.search import filtered, hits_for
from figdex.index.fulltext import create_text_index
from figdex.index.query import parse_user_query

MANIFEST_FIELDS = [
    "id", "file", "label", "doi", "title", "journal", "year", "article_url", "figure", "figure_number",
    "panel", "image_class", "nm_per_px", "license", "caption", "subcaption", "source_image_sha256",
    "file_sha256", "image_url", "image_status", "labels", "labels_xml",
]
PAGE = 500


class ExportError(FigdexError, ValueError):
    """An export that cannot be written; the message says what to change."""


@dataclass
class ExportSummary:
    out: str
    images_written: int = 0
    images_missing: int = 0
    rows: int = 0
    per_label: dict = field(default_factory=dict)
    without_label_kind: int = 0  # images left out because they have no label of the kind asked for


def safe_component(name: str, what: str = "label") -> str:
    """A single folder/file name that stays inside the output folder, or ExportError."""
    cleaned = name.strip()
    if (
        not cleaned
        or cleaned in (".", "..")
        or "/" in cleaned
        or "\\" in cleaned
        or "\0" in cleaned
        or os.path.isabs(cleaned)
        or (os.altsep and os.altsep in cleaned)
    ):
        raise ExportError(
            f"{what} {name!r} cannot be used as a folder name inside the output folder "
            "(it is empty, '.'/'..', or contains a path separator); choose another name"
        )
    return cleaned


def _inside(out: Path, path: Path) -> Path:
    resolved = path.resolve()
    if out.resolve() not in resolved.parents:
        raise ExportError(f"{path} would be written outside {out}; refusing")
    return resolved


def select_hits(ds: Dataset, label: str | None, query: str | None, filters: SearchFilters,
                match: str = "panel") -> Iterator[Hit]:
    """Master images to export: by label and/or keyword query, narrowed by filters.

    ``match``: "panel" keeps the images whose own text (sub-caption, labels, class) has the
    query (``retrieval.panels``); "figure" every image of a figure whose caption has it."""
    from figdex.retrieval.panels import MATCH_MODES, panel_matches

    if match not in MATCH_MODES:
        raise ExportError(f"unknown match {match!r}; choose one of {', '.join(MATCH_MODES)}")
    if label:
        filters = SearchFilters(**{**filters.__dict__, "label": (*filters.label, label)})
    if not query:
        yield from filtered(ds, filters)
        return
    index = create_text_index(ds.config["text_index"], ds.conn, ds.root)
    parsed = parse_user_query(query)
    offset = 0
    while True:
        text_hits, total = index.search(parsed, filters, PAGE, offset, snippets=False)
        yield from (h for h in hits_for(ds, text_hits) if match == "figure" or panel_matches(parsed, h))
        offset += PAGE
        if offset >= total or not text_hits:
            return


def export_dataset(
    ds: Dataset,
    out: str | Path,
    *,
    label: str | None = None,
    query: str | None = None,
    filters: SearchFilters | None = None,
    force: bool = False,
    limit: int | None = None,
    on_image: Callable[[Hit], None] | None = None,
    label_kind: str | None = None,
    xml_sidecar: bool = True,
    match: str = "panel",
) -> ExportSummary:
    """Write the selected images, grouped in folders by ``label``, by their best label of
    ``label_kind`` (caption, abstract, topic, user, ...), or by image class.

    With ``label_kind`` only images that have a label of that kind are exported (with ``label``
    too: those whose label of that kind is ``label``).  ``xml_sidecar`` writes ``<id>.xml``
    beside each image with its labels by kind (user labels and rejections included).
    ``match``: how ``query`` selects images, "panel" (default) or "figure" (``select_hits``).
    """
    filters = filters or SearchFilters()
    if match not in ("panel", "figure"):
        raise ExportError(f"unknown match {match!r}; choose panel or figure")
    if label_kind is not None:
        label_kind = label_kind.strip().lower()
        if label_kind not in LABEL_KINDS:
            raise ExportError(f"unknown label kind {label_kind!r}; choose one of {', '.join(LABEL_KINDS)}")
        if label is not None and ":" not in label:
            label = f"{label_kind}:{label}"
    if label is not None:
        label_dir = safe_component(label.split(":", 1)[-1])
    with_label = SearchFilters(**{**filters.__dict__, "label": (*filters.label, label)}) if label else filters
    check_filters(ds.conn, with_label)  # before anything is written to out
    out = Path(out)
    _prepare_out(out, force)
    summary = ExportSummary(out=str(out))
    figures: dict[str, dict] = {}
    jsonl_path, csv_path = out / "metadata.jsonl", out / "metadata.csv"
    with open(jsonl_path, "w", encoding="utf-8") as jf, open(csv_path, "w", newline="", encoding="utf-8") as cf:
        writer = csv.DictWriter(cf, fieldnames=MANIFEST_FIELDS)
        writer.writeheader()
        n = 0
        for hit in select_hits(ds, label, query, filters, match):
            if limit is not None and n >= limit:
                break
            if label_kind is not None and label is None:
                best = _best_label(ds, hit.id, label_kind)
                if best is None:
                    summary.without_label_kind += 1
                    continue
                # Computed names may hold a separator ("Au/Ag"): one folder name, readable.
                group = safe_component(best.replace("/", "-").replace("\\", "-"), f"{label_kind} label")
            else:
                group = label_dir if label is not None else safe_component(hit.image_class, "image class")
            n += 1
            row = _export_one(ds, out, group, hit)
            row["labels_xml"] = _write_sidecar(ds, out, hit, row) if xml_sidecar and row["file"] else None
            jf.write(json.dumps(row, ensure_ascii=False) + "\n")
            writer.writerow({k: (json.dumps(v) if isinstance(v, list) else v) for k, v in row.items()})
            summary.rows += 1
            summary.per_label[group] = summary.per_label.get(group, 0) + 1
            if row["file"]:
                summary.images_written += 1
            else:
                summary.images_missing += 1
            _add_exsclaim(ds, figures, hit, row)
            if on_image:
                on_image(hit)
    (out / "exsclaim.json").write_text(json.dumps(figures, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return summary


def _prepare_out(out: Path, force: bool) -> None:
    if out.exists() and not out.is_dir():
        raise ExportError(f"{out} is a file; give --out a folder")
    if out.exists() and any(out.iterdir()):
        if not force:
            raise ExportError(f"{out} is not empty; choose a new --out folder or pass --force to overwrite")
        _remove_previous_export(out)
    out.mkdir(parents=True, exist_ok=True)


def _remove_previous_export(out: Path) -> None:
    """With --force, delete what an earlier export wrote (only files its manifest lists)."""
    manifest = out / "metadata.jsonl"
    if not manifest.exists():
        return
    for line in manifest.read_text(encoding="utf-8").splitlines():
        try:
            rel = json.loads(line).get("file")
        except json.JSONDecodeError:
            continue
        if rel:
            target = out / rel
            try:
                _inside(out, target).unlink(missing_ok=True)
            except ExportError:
                continue


def _export_one(ds: Dataset, out: Path, group: str, hit: Hit) -> dict:
    row = ds.conn.execute(
        """SELECT m.x0, m.y0, m.x1, m.y1, f.image_path, f.image_sha256, f.image_status, f.width, f.height
           FROM master_images m JOIN figures f ON f.id = m.figure_id WHERE m.uid = ?""",
        (hit.id,),
    ).fetchone()
    rel_file = None
    file_sha = None
    if hit.image and row["image_status"] == "ok":
        src = Path(hit.image)
        dest_dir = out / group
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = _inside(out, dest_dir / f"{safe_component(hit.id, 'id')}{src.suffix}")
        box = (row["x0"], row["y0"], row["x1"], row["y1"])
        if None in box or box == (0, 0, row["width"], row["height"]):
            shutil.copyfile(src, dest)
        else:
            _crop(src, dest, box)
        file_sha = hashlib.sha256(dest.read_bytes()).hexdigest()
        rel_file = dest.relative_to(out.resolve()).as_posix()
    return {
        "id": hit.id,
        "file": rel_file,
        "label": group,
        "doi": hit.doi,
        "title": hit.title,
        "journal": hit.journal,
        "year": hit.year,
        "article_url": hit.article_url,
        "figure": hit.figure,
        "figure_number": hit.figure_number,
        "panel": hit.label,
        "image_class": hit.image_class,
        "nm_per_px": hit.nm_per_px,
        "license": hit.license,
        "caption": hit.caption,
        "subcaption": hit.subcaption,
        "source_image_sha256": row["image_sha256"],
        "file_sha256": file_sha,
        "image_url": hit.image_url,
        "image_status": row["image_status"],
        "labels": list(hit.labels),
    }


def _best_label(ds: Dataset, image_id: str, kind: str) -> str | None:
    row = ds.conn.execute(
        """SELECT l.value FROM labels l JOIN master_images m ON m.id = l.master_image_id
           WHERE m.uid = ? AND l.kind = ? ORDER BY l.score IS NULL, l.score DESC, l.value LIMIT 1""",
        (image_id, kind)).fetchone()
    return row[0] if row else None


def _write_sidecar(ds: Dataset, out: Path, hit: Hit, row: dict) -> str:
    """``<id>.xml`` beside the image: its labels by kind, as the seeds' image tagger stored tags."""
    from xml.etree import ElementTree as ET

    from figdex.index.curation import image_labels

    root = ET.Element("image", {"id": hit.id, "file": Path(row["file"]).name})
    source = ET.SubElement(root, "source")
    for key in ("doi", "title", "journal", "figure", "panel", "license", "article_url"):
        if row.get(key) is not None:
            ET.SubElement(source, key).text = str(row[key])
    labels = ET.SubElement(root, "labels")
    for kind, items in image_labels(ds, hit.id).items():
        for item in items:
            attrs = {"kind": kind}
            if item["score"] is not None:
                attrs["score"] = f"{item['score']:.4f}"
            if item["source"]:
                attrs["source"] = item["source"]
            ET.SubElement(labels, "rejected" if kind == "rejected" else "label", attrs).text = item["value"]
    ET.indent(root)
    dest = _inside(out, out / row["file"]).with_suffix(".xml")
    ET.ElementTree(root).write(dest, encoding="utf-8", xml_declaration=True)
    return dest.relative_to(out.resolve()).as_posix()


def _crop(src: Path, dest: Path, box: tuple[int, int, int, int]) -> None:
    from PIL import Image

    with Image.open(src) as im:
        im.crop(box).save(dest, format=im.format)


def _corners(x0, y0, x1, y1) -> list[dict]:
    return [{"x": x0, "y": y0}, {"x": x0, "y": y1}, {"x": x1, "y": y0}, {"x": x1, "y": y1}]


def _add_exsclaim(ds: Dataset, figures: dict, hit: Hit, row: dict) -> None:
    """Accumulate the EXSCLAIM record of the hit's figure (one per figure, masters appended)."""
    fig = ds.conn.execute(
        """SELECT f.id, f.key, f.image_path, f.width, f.height, f.caption, a.open_access
           FROM master_images m JOIN figures f ON f.id = m.figure_id JOIN articles a ON a.id = f.article_id
           WHERE m.uid = ?""",
        (hit.id,),
    ).fetchone()
    name = hit.id.rsplit("-", 1)[0] + (Path(fig["image_path"]).suffix if fig["image_path"] else "")
    record = figures.setdefault(name, {
        "title": hit.title,
        "article_url": hit.article_url,
        "article_name": (hit.doi or "").split("/", 1)[-1] or None,
        "full_caption": fig["caption"],
        "caption_delimiter": "",
        "figure_name": name,
        "image_url": hit.image_url,
        "license": hit.license,
        "open": bool(fig["open_access"]),
        "figure_path": fig["image_path"],
        "master_images": [],
        "unassigned": {k: [] for k in (
            "master_images", "dependent_images", "inset_images", "subfigure_labels",
            "scale_bar_labels", "scale_bar_lines", "captions", "scale_bar_objects")},
    })
    m = ds.conn.execute("SELECT * FROM master_images WHERE uid = ?", (hit.id,)).fetchone()
    x0, y0 = m["x0"] or 0, m["y0"] or 0
    x1 = m["x1"] if m["x1"] is not None else (fig["width"] or 0)
    y1 = m["y1"] if m["y1"] is not None else (fig["height"] or 0)
    bars = ds.conn.execute("SELECT * FROM scale_bars WHERE master_image_id = ?", (m["id"],)).fetchall()
    record["master_images"].append({
        "classification": m["image_class"],
        "confidence": m["confidence"],
        "height": y1 - y0,
        "width": x1 - x0,
        "geometry": _corners(x0, y0, x1, y1),
        "subfigure_label": {"text": m["panel"], "geometry": []},
        "scale_bars": [
            {"label": b["label_text"], "geometry": _corners(b["x0"], b["y0"], b["x1"], b["y1"]),
             "confidence": b["confidence"], "length": b["length_px"]}
            for b in bars
        ],
        "nm_per_px": m["nm_per_px"],
        "caption": [m["subcaption"]] if m["subcaption"] else [],
        "keywords": json.loads(m["keywords"] or "[]"),
        "general": [lab.split(":", 1)[1] for lab in hit.labels if lab.startswith("term:")],
        "figdex_id": hit.id,
        "file": row["file"],
    })
