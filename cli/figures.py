"""`figdex figures separate|scale|read-label`: the image stages on files or on a dataset."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from figdex.cli.options import dataset_option


@click.group()
def figures() -> None:
    """Figure separation, scale bars and scale labels."""


def _load(path: Path):
    from figdex.models.ocr import load_rgb

    try:
        return load_rgb(path)
    except (OSError, ValueError) as exc:
        raise click.ClickException(f"{path}: not a readable image ({exc}); give a PNG/JPEG/TIFF file") from exc


def _caption_prior(caption: str | None):
    if not caption:
        return None, {}, {}
    from figdex.ingest.captions import distribute_caption

    split = distribute_caption(caption)
    labels = [s.label for s in split.subcaptions]
    return labels, {s.label: split.full_text(s.label) for s in split.subcaptions}, {s.label: s.terms
                                                                                   for s in split.subcaptions}


def _bar_json(scale) -> list[dict]:
    if scale is None or (scale.bar is None and scale.label is None):
        return []
    return [{
        "box": list(scale.bar.box) if scale.bar else None,
        "length_px": scale.bar.length_px if scale.bar else None,
        "label": scale.label.text if scale.label else None,
        "nm": scale.label.nm if scale.label else None,
        "source": scale.source,
        "confidence": scale.confidence,
    }]


@figures.command("separate")
@click.argument("files", nargs=-1, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--caption", help="The figure's caption: its panel labels guide the split.")
@dataset_option
@click.option("--redo", is_flag=True, help="With no FILE: separate every figure of the dataset again.")
@click.option("--format", "fmt", type=click.Choice(["jsonl", "table"]), default="jsonl")
def separate_command(files, caption, dataset, redo, fmt) -> None:
    """Split compound figures into master images (one JSON line per figure).

    With no FILE, separates the figures of --dataset that are not separated yet.
    """
    if not files:
        _separate_dataset(dataset, redo)
        return
    from figdex.models.separation import separate

    labels, full, terms = _caption_prior(caption)
    for path in files:
        result = separate(_load(path), labels, full, terms)
        row = {
            "file": str(path), "width": result.width, "height": result.height,
            "masters": [{
                "label": m.label, "box": list(m.box), "class": m.image_class, "confidence": m.confidence,
                "nm_per_px": m.nm_per_px, "scale_source": m.scale_source,
                "insets": [list(b) for b in m.insets], "dependents": [list(b) for b in m.dependents],
                "label_box": list(m.label_box) if m.label_box else None, "scale_bars": _bar_json(m.scale),
            } for m in result.masters],
            "seconds": result.seconds, "notes": list(result.notes),
        }
        if fmt == "jsonl":
            sys.stdout.write(json.dumps(row) + "\n")
        else:
            click.echo(f"{path}: {len(result.masters)} masters in {result.seconds:.2f}s")
            for m in result.masters:
                click.echo(f"  {m.label:>3} {m.image_class:<13} {m.box} nm/px={m.nm_per_px} ({m.scale_source})")


def run_image_stages(dataset: str, separation: bool, embedding: bool) -> None:
    """After ingest: separate new figures, then embed new images (when the ML extra is installed)."""
    if separation:
        _separate_dataset(dataset, redo=False)
    _label_new_images(dataset)
    if not embedding:
        return
    try:
        import torch  # noqa: F401
    except ImportError:
        click.echo("note: image vectors skipped (pip install 'figdex[ml]', then figdex index embed)", err=True)
        return
    from figdex.index.db import Dataset
    from figdex.ingest.embed import embed_dataset
    from figdex.models.embedders import EmbedderError

    with Dataset.open(dataset, create=False) as ds:
        try:
            summary = embed_dataset(ds)
        except (EmbedderError, ValueError) as exc:
            click.echo(f"note: image vectors skipped: {exc}", err=True)
            return
    click.echo(f"{summary.embedder}: {summary.embedded} images embedded; index of {summary.indexed} vectors", err=True)


def _label_new_images(dataset: str) -> None:
    """New images get labels from the dataset's label model, once one was trained."""
    from figdex.index.db import Dataset
    from figdex.ingest.label_assign import assign_labels
    from figdex.ingest.labels import LabelModelError

    with Dataset.open(dataset, create=False) as ds:
        if not ds.config.get("label_model"):
            return
        try:
            summary = assign_labels(ds)
        except LabelModelError as exc:
            click.echo(f"note: labels skipped: {exc}", err=True)
            return
    click.echo(f"labels {summary.model}: {summary.labelled} images labelled", err=True)


def _separate_dataset(dataset: str, redo: bool) -> None:
    from figdex.index.db import Dataset
    from figdex.ingest.separate import pending_figures, separate_dataset

    with Dataset.open(dataset, create=False) as ds:
        total = len(pending_figures(ds, redo))
        if not total:
            return
        with click.progressbar(length=total, label="separating", file=sys.stderr) as bar:
            summary = separate_dataset(ds, redo=redo, on_figure=lambda fid, outcome: bar.update(1))
    for reason in summary.failures:
        click.echo(f"failed: {reason}", err=True)
    click.echo(f"{summary.separated} figures separated into {summary.masters} master images "
               f"({summary.scaled} with a scale), {summary.failed} failed", err=True)


@figures.command("scale")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--caption", help="Caption text with a scale statement ('Scale bar, 200 nm').")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl")
def scale_command(files, caption, fmt) -> None:
    """Scale bars of single images: bars, their labels and nm per pixel (one JSON line per file)."""
    from figdex.models.ocr import get_ocr
    from figdex.models.scale_text import parse_scale_statement
    from figdex.models.scalebars import read_scale

    ocr = get_ocr()
    stated = parse_scale_statement(caption or "")
    for path in files:
        image = _load(path)
        reading = read_scale(image, ocr.read(image), stated)
        sys.stdout.write(json.dumps({"file": str(path), "bars": _bar_json(reading), "nm_per_px": reading.nm_per_px,
                                     "scale_source": reading.source}) + "\n")


@figures.command("read-label")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl")
def read_label_command(files, fmt) -> None:
    """Read crops that hold a scale label ("200 nm"); one JSON line per file."""
    from figdex.models.ocr import get_ocr
    from figdex.models.scalebars import read_label_crop

    ocr = get_ocr()
    for path in files:
        text, label = read_label_crop(_load(path), ocr)
        sys.stdout.write(json.dumps({
            "file": str(path), "text": label.text if label else text, "raw": text,
            "value": label.value if label else None, "unit": label.unit if label else None,
            "nm": label.nm if label else None, "confidence": label.confidence if label else 0.0,
        }, ensure_ascii=False) + "\n")


REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared" / "corpus"


@click.command("separation")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--failures", is_flag=True, help="List the masters that did not match.")
def eval_separation(fmt: str, failures: bool) -> None:
    """Panel-label P/R, master AP50, label accuracy and class precision on the hand-annotated figures."""
    from dataclasses import asdict

    from figdex.models.evaluate import evaluate_separation, load_gold

    figs = load_gold([(REPO_ROOT / "tests" / "data" / "separation_gold.json", REPO_ROOT),
                      (REPO_ROOT / "eval" / "separation_gold_shared.json", SHARED)])
    if not figs:
        raise click.ClickException("no gold figures found (tests/data/separation_gold.json)")
    scores = asdict(evaluate_separation(figs))
    if not failures:
        scores.pop("failures")
    if fmt == "json":
        click.echo(json.dumps(scores, indent=2))
        return
    click.echo(f"figures {scores['figures']}: label P {scores['label_precision']:.3f} R {scores['label_recall']:.3f} "
               f"(with caption P {scores['label_precision_captioned']:.3f} R {scores['label_recall_captioned']:.3f}), "
               f"AP50 {scores['ap50']:.3f}, label accuracy {scores['label_accuracy']:.3f}, "
               f"class precision {scores['class_precision']}, {scores['seconds_per_figure']:.2f} s/figure")
    for f in scores.get("failures", []):
        click.echo(f"  {f}")


@click.command("scale")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--failures", is_flag=True)
def eval_scale(fmt: str, failures: bool) -> None:
    """Scale-label reading accuracy, bar length error, and caption scale statements."""
    from dataclasses import asdict

    from figdex.models.evaluate import evaluate_scale, load_gold

    figs = load_gold([(REPO_ROOT / "tests" / "data" / "separation_gold.json", REPO_ROOT),
                      (REPO_ROOT / "eval" / "separation_gold_shared.json", SHARED)])
    captions = _nature_captions()
    scores = asdict(evaluate_scale(SHARED / "ide" / "annotations" / "scalebar-ground-truth",
                                   SHARED / "ide" / "scalebar", figs, captions))
    if not failures:
        scores.pop("failures")
    click.echo(json.dumps(scores, indent=2, default=str))


def _nature_captions() -> list[str]:
    from figdex.ingest.sources.nature import NatureParser

    pages = sorted((SHARED / "exsclaim").rglob("*.html")) if SHARED.is_dir() else \
        sorted((REPO_ROOT / "demo" / "corpus" / "nature").rglob("*.html"))
    parser, out = NatureParser(), []
    for page in pages:
        if parser.sniff(page, page.read_text(errors="replace")[:65536]):
            for item in parser.parse(page):
                out.extend(f.caption for f in item.figures if f.kind == "figure")
    return out
