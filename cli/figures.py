"""`figdex figures separate|scale|read-label`: the image stages on files or on a dataset."""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import click

from figdex.cli.options import DEVSET_PARTS, DEVSET_PARTS_HELP, dataset_option, devset_part
from figdex.cli.stages import executor_options


@click.group()
def figures() -> None:
    """Figure separation, scale bars and scale labels."""


def _images(files):
    """(path, RGB array) per file that loads.  One that does not (past figdex's bounds, damaged, not an
    image) is reported on stderr and the others go on; the command then exits with status 1.
    Instrument files (.dm3, .emd, .ser …), which PIL cannot open, are read by their reader."""
    from figdex.limits import LimitError
    from figdex.models.instrument_meta import INSTRUMENT_SUFFIXES, load_instrument_pixels
    from figdex.models.ocr import load_rgb

    failed = 0
    for path in files:
        try:
            image = load_instrument_pixels(path) if path.suffix.lower() in INSTRUMENT_SUFFIXES else load_rgb(path)
        except LimitError as exc:  # the message names the file and what to do
            reason = str(exc)
        except (OSError, ValueError) as exc:  # load_rgb names the file
            reason = f"{path}: {exc}; give a PNG/JPEG/TIFF file"
        else:
            yield path, image
            continue
        failed += 1
        click.echo(f"failed: {reason}", err=True)
    if failed:
        raise click.ClickException(f"{failed} of {len(files)} files could not be read (the reasons are above)")


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
        "orientation": scale.bar.orientation if scale.bar else None,
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
@executor_options
def separate_command(files, caption, dataset, redo, fmt, workers, cluster) -> None:
    """Split compound figures into master images (one JSON line per figure).

    With no FILE, separates the figures of --dataset that are not separated yet.
    """
    if not files:
        _separate_dataset(dataset, redo, workers, cluster)
        return
    from figdex.models.separation import separate

    labels, full, terms = _caption_prior(caption)
    for path, image in _images(files):
        result = separate(image, labels, full, terms)
        row = {
            "file": str(path), "width": result.width, "height": result.height,
            "masters": [{
                "label": m.label, "box": list(m.box), "class": m.image_class, "confidence": m.confidence,
                "nm_per_px": m.nm_per_px, "scale_source": m.scale_source,
                "insets": [list(b) for b in m.insets], "dependents": [list(b) for b in m.dependents],
                "label_box": list(m.label_box) if m.label_box else None, "scale_bars": _bar_json(m.scale),
                **({"databar": {"box": list(m.databar.box), "fields": m.databar.fields}} if m.databar else {}),
            } for m in result.masters],
            "seconds": result.seconds, "notes": list(result.notes),
        }
        if fmt == "jsonl":
            sys.stdout.write(json.dumps(row) + "\n")
        else:
            click.echo(f"{path}: {len(result.masters)} masters in {result.seconds:.2f}s")
            for m in result.masters:
                click.echo(f"  {m.label:>3} {m.image_class:<13} {m.box} nm/px={m.nm_per_px} ({m.scale_source})")


def _separate_dataset(dataset: str, redo: bool, workers: int | None = None, cluster: str | None = None) -> None:
    from figdex.cli.stages import ClickProgress, echo_stages_report, open_executor
    from figdex.index.db import Dataset
    from figdex.ingest.stages import StageOptions, run_image_stages

    options = StageOptions(labels=False, embedding=False, redo_separation=redo)
    with open_executor(workers, cluster) as executor, Dataset.open(dataset, create=False) as ds:
        echo_stages_report(run_image_stages(ds, executor=executor, options=options, progress=ClickProgress()))


@figures.command("scale")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--caption", help="Caption text with a scale statement ('Scale bar, 200 nm').")
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl")
def scale_command(files, caption, fmt) -> None:
    """Scale of single images (one JSON line per file): the instrument's metadata when the file
    carries it (FEI/Thermo, Zeiss, TVIPS TIFF tags; .dm3/.dm4/.emd/.ser/JEOL with figdex[instruments]),
    the databar under SEM/TEM images, scale bars and their labels, and the caption's statement."""
    from figdex.models.instrument_meta import read_instrument_scale
    from figdex.models.ocr import get_ocr
    from figdex.models.scale_sources import image_scale
    from figdex.models.scale_text import parse_scale_statement

    ocr = get_ocr()
    stated = parse_scale_statement(caption or "")
    for path, image in _images(files):
        metadata = read_instrument_scale(path, width_px=image.shape[1])
        scale = image_scale(image, ocr.read(image), stated, metadata, ocr)
        sys.stdout.write(json.dumps(scale_json(str(path), scale), ensure_ascii=False) + "\n")


def scale_json(file: str, scale) -> dict:
    """One `figures scale` line: the contract fields first, the evidence after."""
    out = {"file": file, "bars": _bar_json(scale.reading), "nm_per_px": scale.nm_per_px,
           "scale_source": scale.source}
    if scale.databar is not None:
        out["databar"] = scale.databar.as_json()
    if scale.metadata is not None:
        out["metadata"] = scale.metadata.as_json()
    if scale.kept:
        out["scale_kept"] = scale.kept
    if scale.checks:
        out["scale_checks"] = [c.as_json() for c in scale.checks]
    return out


@figures.command("read-label")
@click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["jsonl"]), default="jsonl")
def read_label_command(files, fmt) -> None:
    """Read crops that hold a scale label ("200 nm"); one JSON line per file."""
    from figdex.models.ocr import get_ocr
    from figdex.models.label_crop import read_label_crop

    ocr = get_ocr()
    for path, image in _images(files):
        text, label = read_label_crop(image, ocr)
        sys.stdout.write(json.dumps({
            "file": str(path), "text": label.text if label else text, "raw": text,
            "value": label.value if label else None, "unit": label.unit if label else None,
            "nm": label.nm if label else None, "confidence": label.confidence if label else 0.0,
        }, ensure_ascii=False) + "\n")


REPO_ROOT = Path(__file__).resolve().parents[1]
SHARED = REPO_ROOT.parent / "shared" / "corpus"
DEVSET = REPO_ROOT / "eval" / "devset"


@click.command("separation")
@click.option("--in-sample", is_flag=True,
              help="Score the figures figdex was tuned on (development folds 0-2 and the 28 legacy gold figures) "
                   "instead of the held-out folds.")
@click.option("--set", "part", type=click.Choice(DEVSET_PARTS), default="held-out", show_default=True,
              help=DEVSET_PARTS_HELP)
@click.option("--mode", type=click.Choice(["both", "alone", "caption"]), default="both", show_default=True,
              help="alone: the figure image only; caption: its caption split first, as ingest does.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--failures", is_flag=True, help="List the masters that did not match.")
@click.option("--ocr-cache", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Keep the OCR's reads in this folder and reuse them in later runs (same results; "
                   "s/fig then leaves out the OCR's time).")
def eval_separation(in_sample: bool, part: str, mode: str, fmt: str, failures: bool, ocr_cache: Path | None) -> None:
    """Master AP50, panel-label P/R and figures kept whole, per field and publisher.

    By default on the development set's held-out folds: papers whose figures no rule, threshold
    or weight was tuned on.  --set fresh scores only the fresh set; --in-sample adds the legacy
    gold and scores the tuning folds.
    s/fig is the time of separation as run here, where the second mode reuses the first's OCR
    reads; bench/separation_speed.py measures speed."""
    from dataclasses import asdict

    from figdex.models.evaluate_devset import MODES, CachingOcr, evaluate_devset, load_devset
    from figdex.models.ocr import get_ocr

    which, label = devset_part(in_sample, part)
    figs, missing = load_devset(DEVSET / "separation_dev.json", which)
    click.echo(f"# {label}; {len(figs)} figures", err=True)
    if missing:
        click.echo(f"note: {missing} figures without an open licence are not here; "
                   "restore them with: python eval/devset/restore.py", err=True)
    if not figs:
        raise click.ClickException("no development-set figures found (eval/devset/separation_dev.json)")
    modes = MODES if mode == "both" else (mode,)
    total, done, started = len(figs) * len(modes), [0], time.monotonic()

    def progress(m, rec, seconds):
        done[0] += 1
        left = (time.monotonic() - started) / done[0] * (total - done[0])
        click.echo(f"\r{done[0]}/{total} figures, about {left / 60:.0f} min left ", nl=False, err=True)

    # Both modes read the same figures: the OCR reads each once (in memory, or in --ocr-cache).
    results = evaluate_devset(figs, modes, ocr=CachingOcr(get_ocr(), ocr_cache), on_figure=progress)
    click.echo("", err=True)
    rows = []
    for m, groups in results.items():
        for name, sc in groups.items():
            row = {"mode": m, "group": name, **asdict(sc)}
            if not failures:
                row.pop("failures")
            rows.append(row)
    if in_sample:
        rows.append(_legacy_separation_row(failures))
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, default=str))
        return
    click.echo(f"{'mode':8} {'group':24} {'figures':>7} {'AP50':>6} {'label P':>8} {'label R':>8} {'whole':>9} {'s/fig':>6}")
    for r in rows:
        whole = f"{r['kept_whole']:.2f}/{r['whole_figures']}" if "kept_whole" in r else "-"
        click.echo(f"{r['mode']:8} {r['group']:24} {r['figures']:7d} {r['ap50']:6.3f} {r['label_precision']:8.3f} "
                   f"{r['label_recall']:8.3f} {whole:>9} {r['seconds_per_figure']:6.2f}")
        for f in r.get("failures", []):
            click.echo(f"    {f}")


def _legacy_separation_row(failures: bool) -> dict:
    """The 28 figures of the first gold files (all tuned on), figure alone or with their caption labels."""
    from dataclasses import asdict

    from figdex.models.evaluate import evaluate_separation, load_gold

    figs = load_gold([(REPO_ROOT / "tests" / "data" / "separation_gold.json", REPO_ROOT),
                      (REPO_ROOT / "eval" / "separation_gold_shared.json", SHARED)])
    sc = asdict(evaluate_separation(figs))
    row = {"mode": "labels", "group": "legacy gold (28)", "figures": sc["figures"], "ap50": sc["ap50"],
           "label_precision": sc["label_precision"], "label_recall": sc["label_recall"],
           "seconds_per_figure": sc["seconds_per_figure"]}
    if failures:
        row["failures"] = sc["failures"]
    return row


@click.command("scale")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
@click.option("--split", type=click.Choice(["held-out", "held_out_2", "held_out_3", "held_out_4", "held_out_5", "held_out_6", "held_out_7", "held_out_8", "held_out_9", "held_out_10", "held_out_11", "held_out_12", "held_out_13", "held_out_14", "held_out_15", "held_out_16", "held_out_17", "held_out_18", "held_out_19", "dev", "tune"]),
              default="held-out", show_default=True,
              help="held-out: bars and instrument files never tuned on (their label crops "
                   "have been looked at since); held_out_2: the second set of label crops, "
                   "read by eye and committed before the reader ran on them (report these "
                   "for labels); held_out_3: the third set, bars measured in whole images "
                   "(eval/scale_bars_held_out_3.tsv) and instrument files of that split; "
                   "held_out_4 to held_out_15: the fourth to fifteenth such sets (eval/scale_bars_held_out_N.tsv); "
                   "held_out_16 to held_out_19: raw instrument files only (eval/instrument_gold.tsv); "
                   "dev: everything tuned on or looked at; tune: in-sample.")
@click.option("--in-sample", is_flag=True, help="Same as --split tune.")
@click.option("--failures", is_flag=True)
def eval_scale(fmt: str, split: str, in_sample: bool, failures: bool) -> None:
    """Scale reading on a part of its gold (eval/scale_gold.md): label crops read right,
    hand-measured bars found (and within 3 % of their length), raw instrument files' nm/px from
    their metadata (within 2 %) and from their pixels alone, saved as PNG (within 5 %)."""
    from dataclasses import asdict

    from figdex.models.evaluate import load_gold
    from figdex.models.evaluate_scale import evaluate_scale
    from figdex.models.scale_text import parse_scale_statement

    figs = load_gold([(REPO_ROOT / "tests" / "data" / "separation_gold.json", REPO_ROOT),
                      (REPO_ROOT / "eval" / "separation_gold_shared.json", SHARED)])
    split = "tune" if in_sample else split
    scores = asdict(evaluate_scale(split, REPO_ROOT / "eval" / "scale_label_gold.tsv",
                                   SHARED, figs, REPO_ROOT / "eval" / "instrument_gold.tsv",
                                   (REPO_ROOT / "tests" / "data" / "instrument",
                                    REPO_ROOT / "eval" / "restored" / "instrument"),
                                   bar_tsv=REPO_ROOT / "eval" / f"scale_bars_{split}.tsv", repo=REPO_ROOT))
    scores["split"] = {"tune": "in-sample (tuned on)", "dev": "dev (tuned on or looked at)",
                       "held_out_2": "held_out_2 (label crops only; no bars or instrument files in it)",
                       "held_out_3": "held_out_3 (bars in whole images and instrument files; no label crops)",
                       "held_out_4": "held_out_4 (bars in whole images and instrument files; no label crops)",
                       "held_out_5": "held_out_5 (bars in whole images and instrument files; no label crops)",
                       "held_out_6": "held_out_6 (bars in whole images and instrument files; no label crops)",
                       "held_out_7": "held_out_7 (bars in whole images and instrument files; no label crops)",
                       "held_out_8": "held_out_8 (bars in whole images and instrument files; no label crops)",
                       "held_out_9": "held_out_9 (bars in whole images and instrument files; no label crops)",
                       "held_out_10": "held_out_10 (bars in whole images and instrument files; no label crops)",
                       "held_out_11": "held_out_11 (bars in whole images; no label crops)",
                       "held_out_12": "held_out_12 (bars in whole images; no label crops)",
                       "held_out_13": "held_out_13 (bars in whole images; no label crops)",
                       "held_out_14": "held_out_14 (bars in whole images; no label crops)",
                       "held_out_15": "held_out_15 (bars in whole images; no label crops)",
                       "held_out_16": "held_out_16 (raw instrument files only; no bars or label crops)",
                       "held_out_17": "held_out_17 (raw instrument files only; no bars or label crops)",
                       "held_out_18": "held_out_18 (raw instrument files only; no bars or label crops)",
                       "held_out_19": "held_out_19 (raw instrument files only; no bars or label crops)",
                       }.get(split, split)
    captions = _nature_captions()
    scores["caption_scale_share"] = round(sum(parse_scale_statement(c) is not None for c in captions) /
                                          len(captions), 4) if captions else None
    if not failures:
        scores.pop("failures")
    if fmt == "json":
        click.echo(json.dumps(scores, indent=2, default=str))
        return
    for key, value in scores.items():
        if key != "failures":
            click.echo(f"{key:28} {value}")
    for failure in scores.get("failures", []):
        click.echo("failure: " + " | ".join(str(x) for x in failure))


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


@click.command("pdf")
@click.option("--split", type=click.Choice(["fresh_17+fresh_18", "fresh_18", "fresh_17", "fresh_15+fresh_16", "fresh_16", "fresh_15", "fresh_14", "fresh_13", "fresh_12", "fresh_11", "fresh_10", "fresh_9", "fresh_8", "fresh_7", "fresh_6", "fresh_5", "fresh_4", "fresh_3", "fresh_2", "fresh", "held_out_2",
                                          "held_out", "tune", "all"]),
              default="fresh_17+fresh_18", show_default=True,
              help="Which PDFs of the gold: fresh_17+fresh_18 (the newest parts, measured once: fresh_17 on its "
                   "own, then fresh_18 (ACS/RSC) with the same code; annotated before the parser ran on them, "
                   "eval/pdf/README.md), fresh_18, fresh_17, fresh_15+fresh_16 (two parts gathered at once, measured once "
                   "together, tuned on since), fresh_16, fresh_15, "
                   "fresh_14, fresh_13, fresh_12, fresh_11, fresh_10, fresh_9, fresh_8, fresh_7, fresh_6, fresh_5 and fresh_4 (measured once, tuned on "
                   "since), "
                   "fresh_3 (measured once), fresh_2 (measured once, looked at since), fresh "
                   "(held_out_3, tuned on since), held_out_2 and held_out (looked at after their first "
                   "measurement), tune, or all (less any part still being gathered: ingest/pdf_eval.py UNMEASURED_PARTS).")
@click.option("--gold", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Gold file (default eval/pdf/gold.json).")
@click.option("--failures", is_flag=True, help="List the figures missed, extra, or with a wrong caption or region.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table")
def eval_pdf(split: str, gold: Path | None, failures: bool, fmt: str) -> None:
    """Figure recall/precision, caption first-12-words exact, region IoU>=0.8 share and seconds per page
    of the PDF parser, against hand-made gold from real PDFs (eval/pdf/gold.json)."""
    import json

    from figdex.ingest.pdf_eval import DEFAULT_GOLD, evaluate_pdfs, load_gold, scores_dict

    record = load_gold(gold or DEFAULT_GOLD)
    scores = evaluate_pdfs(record, split, on_pdf=lambda pid: click.echo(f"\r{pid:40}", nl=False, err=True))
    click.echo("", err=True)
    if scores.missing_files:
        click.echo(f"note: {len(scores.missing_files)} gold PDFs without an open licence are not here; "
                   "restore them with: python eval/pdf/restore.py", err=True)
    out = scores_dict(scores, failures)
    if fmt == "json":
        click.echo(json.dumps(out, indent=1, ensure_ascii=False))
        return
    click.echo(f"# split: {split}")
    for key, value in out.items():
        if key != "failures":
            click.echo(f"{key:24} {value}")
    for row in out.get("failures", []):
        click.echo("  " + json.dumps(row, ensure_ascii=False))
