"""`figdex eval scale`: scale reading measured on the part of its gold that was never tuned on.

Three measures (the gold and its split: eval/scale_gold.md):
- scale-label crops read right, value and unit (eval/scale_label_gold.tsv);
- hand-measured scale bars found, and found with their length within 3 % (``scale_bars`` of the
  separation gold files, split per figure by ``scale_split``);
- raw instrument files: nm/px from their metadata within 2 % of the true pixel size (or, for a
  file whose gold is "none", no nm/px and a note saying why), and from their pixels alone (saved
  as PNG in a temporary folder, every tag gone) within 5 % (eval/instrument_gold.tsv).
``split`` picks the part (``SPLITS``): "held-out" (bars and instrument files: the claim), "tune"
(in-sample), "dev" (both), "held_out_2" (label crops only: the second, unseen set of crops), or
"held_out_3" (the third set: hand-measured bars in whole images, ``eval/scale_bars_held_out_3.tsv``
read by ``read_bar_tsv``, and the instrument rows whose split is held_out_3), or "held_out_4" (the fourth
set, gathered the same way: ``eval/scale_bars_held_out_4.tsv`` and the instrument rows of held_out_4), or
"held_out_5" to "held_out_15" (the fifth to fifteenth, likewise), or "held_out_16" to "held_out_19" (raw
instrument files only).
"""

from __future__ import annotations

import gzip
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

Box = tuple[int, int, int, int]
LENGTH_TOLERANCE = 0.03
METADATA_TOLERANCE = 0.02
PIXELS_TOLERANCE = 0.05


@dataclass
class ScaleScores:
    split: str
    crops: int = 0
    crops_read: float = 0.0
    images: int = 0  # whole micrographs whose file name is their label (ide/scalebar): found and read
    images_read: float = 0.0
    bars: int = 0
    bars_found: float = 0.0
    bars_found_within_3pct: float = 0.0
    bar_length_error_median: float | None = None
    instrument_files: int = 0
    metadata_within_2pct: float = 0.0
    pixels_files: int = 0  # files whose pixels carry a scale (a databar or a bar)
    pixels_within_5pct: float = 0.0
    instrument_missing: list = field(default_factory=list)  # gold files neither committed nor restored
    ms_per_crop: float = 0.0
    bars_by_kind: dict = field(default_factory=dict)  # tag -> {"bars", "found", "within_3pct"} (TSV bars)
    failures: list = field(default_factory=list)


def bar_matches(found: Box, gold: Box) -> bool:
    """A found bar is the gold bar when its middle row lies on the gold bar's rows (±2 px) and their
    columns overlap by half; an upright gold bar (taller than wide) the same way, rows for columns.
    (An area IoU, used before, cannot take a 1-2 px bar: one row off halves it.)"""
    if gold[3] - gold[1] > gold[2] - gold[0]:  # an upright bar: the same rule, rows for columns
        found, gold = (found[1], found[0], found[3], found[2]), (gold[1], gold[0], gold[3], gold[2])
    middle = (found[1] + found[3]) / 2
    inter = min(found[2], gold[2]) - max(found[0], gold[0])
    union = max(found[2], gold[2]) - min(found[0], gold[0])
    return gold[1] - 2 <= middle <= gold[3] + 2 and union > 0 and inter / union > 0.5


# Which rows of the gold files each split scores.  "dev": every part tuned on or looked at (all
# crops of #17, after its held-out misses were listed, and dev_2, crops gathered to tune on);
# "held_out_2": the label crops gathered and read by eye after that, committed before the reader
# ever ran on them (eval/scale_gold.md).
SPLITS = {"held-out": ("held-out",), "tune": ("tune", "dev_2"), "dev": ("tune", "held-out", "dev_2"),
          "held_out_2": ("held_out_2",), "held_out_3": ("held_out_3",),
          "held_out_4": ("held_out_4",), "held_out_5": ("held_out_5",),
          "held_out_6": ("held_out_6",), "held_out_7": ("held_out_7",), "held_out_8": ("held_out_8",),
          "held_out_9": ("held_out_9",), "held_out_10": ("held_out_10",),
          "held_out_11": ("held_out_11",), "held_out_12": ("held_out_12",), "held_out_13": ("held_out_13",),
          "held_out_14": ("held_out_14",), "held_out_15": ("held_out_15",),
          "held_out_16": ("held_out_16",), "held_out_17": ("held_out_17",),
          "held_out_18": ("held_out_18",), "held_out_19": ("held_out_19",)}
# Splits whose bars are rows of a TSV of their own (``eval/scale_bars_<split>.tsv``): the file must exist.
BAR_TSV_SPLITS = ("held_out_3", "held_out_4", "held_out_5", "held_out_6", "held_out_7", "held_out_8", "held_out_9",
                  "held_out_10", "held_out_11", "held_out_12", "held_out_13", "held_out_14", "held_out_15")
BAR_KINDS = ("dark", "light", "coloured", "thin", "ticked", "framed", "on-bright", "inset")
BAR_TSV_COLUMNS = ("image", "paper", "x0", "y0", "x1", "y1", "length_px", "label", "kind", "note")


@dataclass(frozen=True)
class GoldBar:
    """One hand-measured bar of a bar TSV: its tight box in the whole image (x1, y1 inclusive, as
    written in the file) and its length along its long side (fractional end pixels counted by their
    coverage; a ruler's from end-tick centre to end-tick centre, as in the separation gold)."""

    image: Path
    paper: str
    box: Box  # inclusive, as in the file
    length_px: float
    label: str
    kinds: tuple[str, ...]
    note: str

    @property
    def match_box(self) -> Box:
        """The box as the separation gold and bar_matches take it (x1, y1 exclusive)."""
        x0, y0, x1, y1 = self.box
        return x0, y0, x1 + 1, y1 + 1


def resolve_image(ref: str, repo: Path, shared: Path) -> Path:
    """``shared:<path under the shared corpus>``, ``restored:<path under eval/restored/>``, or a path
    relative to the repository."""
    if ref.startswith("shared:"):
        return shared / ref[len("shared:"):]
    if ref.startswith("restored:"):
        return repo / "eval" / "restored" / ref[len("restored:"):]
    return repo / ref


def read_bar_tsv(path: Path, repo: Path, shared: Path) -> list[GoldBar]:
    """The bars of a bar TSV (columns ``BAR_TSV_COLUMNS``, tab-separated, '#' lines are comments; a
    header row starting with ``image`` is skipped).  A missing TSV, a malformed row or an image that
    is not there is a FigdexError naming the file and the line."""
    from figdex.errors import InputError, NotFoundError

    if not path.exists():
        raise NotFoundError(f"{path}: no such bar gold file; it holds the hand-measured bars of this split "
                            f"(columns: {', '.join(BAR_TSV_COLUMNS)}); add it, or pick another --split")
    out = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#") or line.split("\t", 1)[0] == "image":
            continue
        cells = line.rstrip("\n").split("\t")
        cells += [""] * (len(BAR_TSV_COLUMNS) - len(cells))
        row = dict(zip(BAR_TSV_COLUMNS, cells))
        try:
            box = tuple(int(float(row[k])) for k in ("x0", "y0", "x1", "y1"))
            length = float(row["length_px"])
        except ValueError as exc:
            raise InputError(f"{path}:{n}: x0, y0, x1, y1 and length_px must be numbers ({exc}); fix the row") from exc
        if length <= 0 or box[2] < box[0] or box[3] < box[1]:
            raise InputError(f"{path}:{n}: the box {box} or length {length} is empty; fix the row")
        image = resolve_image(row["image"].strip(), repo, shared)
        if not image.exists():
            raise NotFoundError(f"{path}:{n}: image {row['image']!r} not found at {image} (restore or copy it, "
                                f"or fix the path: shared:<path>, restored:<path> or a repository path)")
        kinds = tuple(k.strip() for k in row["kind"].split(",") if k.strip())
        out.append(GoldBar(image, row["paper"].strip(), box, length, row["label"].strip(), kinds, row["note"].strip()))
    return out


@dataclass(frozen=True)
class LabelCrop:
    path: Path
    truth: str
    box: Box | None = None  # the crop inside ``path`` ("file.png#x0,y0,x1,y1" in the gold); None: the file


def read_label_gold(path: Path, root: Path, split: str) -> list[LabelCrop]:
    """The crops of one split of eval/scale_label_gold.tsv.  A row names a crop file, or a box in a
    figure (``file#x0,y0,x1,y1``); the truth of IDE crops is the .gt.txt file beside them."""
    parts = SPLITS.get(split, (split,))
    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        rel, truth, _fold, part = line.split("\t")
        rel, _, box_text = rel.partition("#")
        crop = root / rel
        if part not in parts or not crop.exists():
            continue
        box = tuple(int(v) for v in box_text.split(",")) if box_text else None
        if not truth:
            gt = crop.with_name(crop.name.rsplit(".", 1)[0] + ".gt.txt")
            truth = gt.read_text(encoding="utf-8").strip() if gt.exists() else ""
        out.append(LabelCrop(crop, truth, box))
    return out


def evaluate_scale(split: str, label_gold: Path, shared: Path, bar_figures: list[dict],
                   instrument_gold: Path, instrument_dir: Path | tuple[Path, ...],
                   bar_tsv: Path | None = None, repo: Path | None = None) -> ScaleScores:
    """Scores of one split.  ``bar_tsv`` (bars measured in whole images, ``read_bar_tsv``; paths in it
    relative to ``repo``) is read for the splits of ``BAR_TSV_SPLITS``, where it must exist."""
    from figdex.models.ocr import get_ocr

    tsv_bars = None
    if split in BAR_TSV_SPLITS:  # read first: a missing file fails before the OCR is loaded
        if bar_tsv is None:
            raise ValueError(f"split {split} needs its bar TSV (eval/scale_bars_{split}.tsv)")
        tsv_bars = read_bar_tsv(bar_tsv, repo or bar_tsv.parent.parent, shared)
    ocr = get_ocr()
    s = ScaleScores(split)
    _label_crops(s, read_label_gold(label_gold, shared, split), ocr)
    parts = SPLITS.get(split, (split,))
    errors = _bars(s, [f for f in bar_figures if f.get("scale_split") in parts])
    if tsv_bars is not None:
        errors += _tsv_bars(s, tsv_bars)
    _bar_totals(s, errors)
    _instruments(s, instrument_gold, instrument_dir, parts, ocr, must_exist=split in BAR_TSV_SPLITS)
    return s


def _label_crops(s: ScaleScores, crops: list[LabelCrop], ocr) -> None:
    from figdex.models.ocr import load_rgb
    from figdex.models.scale_text import parse_scale_label
    from figdex.models.label_crop import read_label_crop
    from figdex.models.scalebars import read_scale

    ok = n = images = images_ok = 0
    seconds = 0.0
    for item in crops:
        crop, truth = item.path, parse_scale_label(item.truth)
        if truth is None:
            continue  # not a length ("b1"): not a scale label
        image = load_rgb(crop)
        if item.box is not None:
            x0, y0, x1, y1 = item.box
            image = image[y0:y1, x0:x1]
        if crop.parent.name == "scalebar":  # a whole micrograph: the label must be found, then read
            reading = read_scale(image, ocr.read(image))
            got, text = reading.label, reading.label.text if reading.label else None
            images += 1
        else:
            t = time.perf_counter()
            text, got = read_label_crop(image, ocr)
            seconds += time.perf_counter() - t
            n += 1
        good = got is not None and got.unit == truth.unit and abs(got.value - truth.value) < 1e-9
        if crop.parent.name == "scalebar":
            images_ok += good
        else:
            ok += good
        if not good:
            s.failures.append(("label", crop.name + (f"#{item.box}" if item.box else ""), truth.text, text))
    s.crops, s.crops_read = n, round(ok / n, 4) if n else 0.0
    s.images, s.images_read = images, round(images_ok / images, 4) if images else 0.0
    s.ms_per_crop = round(1000 * seconds / max(1, n), 1)


def _bars(s: ScaleScores, figures: list[dict]) -> list[float | None]:
    """Each gold bar's length error (None: not found) on the bars found in its master."""
    from figdex.models.ocr import load_rgb
    from figdex.models.scalebars import find_bars

    errors: list[float | None] = []
    for fig in figures:
        image = load_rgb(fig["path"])
        for m in fig["masters"]:
            x0, y0, x1, y1 = m["box"]
            bars = find_bars(image[y0:y1, x0:x1])
            shifted = [(b.box[0] + x0, b.box[1] + y0, b.box[2] + x0, b.box[3] + y0, b.length_px) for b in bars]
            for gold in m.get("scale_bars") or []:
                errors.append(_bar_error(s, shifted, gold["box"], gold["length_px"],
                                         (Path(fig["file"]).name, m["label"])))
    return errors


def _bar_error(s: ScaleScores, found: list[tuple[int, int, int, int, float]], gold_box: Box, gold_length: float,
               where: tuple) -> float | None:
    """The relative length error of the best found bar (x0, y0, x1, y1, length) that is the gold bar
    (``bar_matches``); None, and a failure, when none is."""
    hits = [f for f in found if bar_matches(f[:4], gold_box)]
    if not hits:
        s.failures.append(("bar", *where, gold_box, "not found"))
        return None
    err = min(abs(f[4] - gold_length) / gold_length for f in hits)
    if err > LENGTH_TOLERANCE:
        s.failures.append(("bar", *where, gold_box, f"length {err:.3f} off"))
    return err


def _bar_totals(s: ScaleScores, errors: list[float | None]) -> None:
    """Found, within 3 % and the median error over every bar scored (``errors``: None = missed)."""
    s.bars = len(errors)
    found = [e for e in errors if e is not None]
    s.bars_found = round(len(found) / len(errors), 4) if errors else 0.0
    s.bars_found_within_3pct = round(sum(e <= LENGTH_TOLERANCE for e in found) / len(errors), 4) if errors else 0.0
    if found:
        found.sort()
        s.bar_length_error_median = round(found[len(found) // 2], 4)


def _tsv_bars(s: ScaleScores, gold: list[GoldBar]) -> list[float | None]:
    """Bars of a bar TSV: the bar finder on each whole image, each gold bar scored as in ``_bars``;
    found and within 3 % also per kind tag."""
    from figdex.models.ocr import load_rgb
    from figdex.models.scalebars import find_bars

    by_image: dict[Path, list[GoldBar]] = {}
    for bar in gold:
        by_image.setdefault(bar.image, []).append(bar)
    errors: list[float | None] = []
    kinds: dict[str, dict[str, int]] = {}
    for image_path, bars in by_image.items():
        found = [(*b.box, b.length_px) for b in find_bars(load_rgb(image_path))]
        for bar in bars:
            err = _bar_error(s, found, bar.match_box, bar.length_px, (image_path.name, bar.paper))
            errors.append(err)
            for kind in bar.kinds or ("untagged",):
                row = kinds.setdefault(kind, {"bars": 0, "found": 0, "within_3pct": 0})
                row["bars"] += 1
                row["found"] += err is not None
                row["within_3pct"] += err is not None and err <= LENGTH_TOLERANCE
    s.bars_by_kind = dict(sorted(kinds.items()))
    return errors


def unpacked_instrument_file(path: Path, tmp: Path) -> Path:
    """Upstream keeps some instrument files gzipped (.gz) or in a one-image .tar.gz: the image itself,
    written into ``tmp``; any other file as it is."""
    import tarfile

    if path.name.endswith(".tar.gz"):
        with tarfile.open(path) as tar:
            member, = [m for m in tar.getmembers() if m.isfile() and not m.name.endswith(".hdr")]
            out = tmp / Path(member.name).name
            out.write_bytes(tar.extractfile(member).read())
        return out
    if path.suffix == ".gz":
        out = tmp / path.stem
        out.write_bytes(gzip.decompress(path.read_bytes()))
        return out
    return path


def _instrument_file(name: str, folders: tuple[Path, ...], tmp: Path) -> Path | None:
    """The gold file ``name`` from the first folder holding it (committed, then restored), unpacked;
    None when no folder has it."""
    for folder in folders:
        if (folder / name).exists():
            return unpacked_instrument_file(folder / name, tmp)
    return None


def _instruments(s: ScaleScores, gold: Path, folder: Path | tuple[Path, ...], parts: tuple[str, ...], ocr,
                 must_exist: bool = False) -> None:
    from PIL import Image

    from figdex.models.instrument_meta import load_image_pixels, read_instrument_scale
    from figdex.models.scale_sources import image_scale

    rows = [line.split("\t") for line in gold.read_text(encoding="utf-8").splitlines()
            if line.strip() and not line.startswith("#")]
    meta_ok = pix_ok = pix_n = n = 0
    with tempfile.TemporaryDirectory() as tmp:
        folders = (folder,) if isinstance(folder, Path) else tuple(folder)
        for name, true_nm, _how, part, *more in rows:
            # An optional fifth column says what the annotator saw on the pixels ("databar", "bar" or
            # "none"); with it a scale the pixels carry but figdex misses counts as a miss, not as a
            # file that shows no scale. Rows without it keep the older rule (counted when found).
            pixels_gold = more[0].strip() if more else ""
            if part not in parts:
                continue
            path = _instrument_file(name, folders, Path(tmp))
            if path is None and must_exist:  # a claim measured once: no file may drop out of it
                from figdex.errors import NotFoundError

                raise NotFoundError(f"{gold}: instrument file {name} ({part}) is in none of "
                                    f"{', '.join(map(str, folders))}; run python eval/restore_instrument.py "
                                    f"(eval/instrument_restore.tsv) or commit it to tests/data/instrument")
            if path is None:  # a GPL-3.0 file not restored (eval/restore_instrument.py): said, not hidden
                s.instrument_missing.append(name)
                continue
            n += 1
            try:
                image = load_image_pixels(path)
            except ValueError as exc:  # a file figdex cannot open is a miss on both measures, said, not a crash
                s.failures.append(("metadata", name, true_nm, f"unreadable: {exc}"))
                continue
            meta = read_instrument_scale(path, width_px=image.shape[1])
            got = meta.nm_per_px if meta else None
            if true_nm == "none":  # an instrument file without calibration: right when the reader says so
                good = meta is not None and got is None and bool(meta.note)
                meta_ok += good
                if not good:
                    s.failures.append(("metadata", name, "none (an instrument file without calibration)", got))
                continue
            truth = float(true_nm)
            good = got is not None and abs(got / truth - 1) <= METADATA_TOLERANCE
            meta_ok += good
            if not good:
                s.failures.append(("metadata", name, truth, got))
            png = Path(tmp) / (path.stem + ".png")
            Image.fromarray(image).save(png)  # no tag survives
            pixels = image_scale(image, ocr.read(image), None, read_instrument_scale(png), ocr)
            found = not (pixels.nm_per_px is None and pixels.databar is None and pixels.reading.bar is None)
            if pixels_gold == "none":  # nothing to read on these pixels: a scale read there is said
                if pixels.nm_per_px is not None:
                    s.failures.append(("pixels-spurious", name, "none on the pixels", pixels.nm_per_px))
                continue
            if not found and pixels_gold not in ("databar", "bar"):
                continue  # nothing on the pixels says the scale (a TEM frame without a bar)
            pix_n += 1
            good = pixels.nm_per_px is not None and abs(pixels.nm_per_px / truth - 1) <= PIXELS_TOLERANCE
            pix_ok += good
            if not good:
                s.failures.append(("pixels", name, truth, pixels.nm_per_px, pixels.kept or pixels.source))
    s.instrument_files, s.metadata_within_2pct = n, round(meta_ok / n, 4) if n else 0.0
    s.pixels_files, s.pixels_within_5pct = pix_n, round(pix_ok / pix_n, 4) if pix_n else 0.0
