"""Training and evaluation data of the learned image classifier (models/image_classifier.py).

Every sample is a real image of ../shared/corpus or of this repository (or a crop or view of
one) with a class a person gave it:

* micrographs of microscopy collections, where the collection is the label (each sample was
  also looked at on contact sheets): EMPS (one image per source paper), ChemRxiv micrographs
  (tldr_micrographs), NASA MicroNet and AMPIS SEM images, imagedataextractor shape examples,
  atomagined simulated HAADF-STEM, chenlab TEM of gold particles (internal use only: read
  here, never copied);
* master images of the 28 hand-annotated separation gold figures (tests/data/separation_gold.json,
  eval/separation_gold_shared.json), box and class as annotated there ("parent" masters left out:
  the parent class comes from the separation's dependents, not from this model);
* eval/class_gold.tsv: crops labelled by hand for this classifier (the gold figures'
  dependents and insets, parts of schematics, the panels of etowahadams_figsep/bmc2.jpeg);
* derived diffraction patterns: log-magnitude FFTs of atomagined atomic-resolution images, as
  the FFT panels of papers are made.  Few real diffraction crops exist in the corpus (5 FFT
  insets); the derived ones are training-only and never scored.

``ide/scalebar`` (8 standalone SEM/TEM images, the issue's examples) is never trained on: it is
an extra held-out test set.  Splits are by group (a paper, or a collection part), never by
image.  Augmented views (``view > 0``: jittered boxes, downscaling, JPEG) are training-only.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

import numpy as np

from figdex import settings

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"
SEPARATION_GOLD = ((REPO / "tests" / "data" / "separation_gold.json", "repo"),
                   (REPO / "eval" / "separation_gold_shared.json", "shared"))
CLASS_GOLD = REPO / "eval" / "class_gold.tsv"
_NUMBER = re.compile(r"^[-+−]?\d+(?:[.,]\d+)?%?$")  # as models/separation.py counts tick labels
SEED = 0
# Extra augmented views per original, by class (figure crops) and for standalone micrographs.
CROP_VIEWS = {"microscopy": 1, "graph": 2, "illustration": 4, "photo": 6, "diffraction": 6}
PRINTED_VIEWS = 1  # a standalone micrograph as printed in a figure: downscaled + JPEG


@dataclass(frozen=True)
class Sample:
    root: str  # "repo" or "shared"
    file: str  # relative to its root
    box: tuple[int, int, int, int] | None  # crop of the file; None = the whole image
    label: str
    group: str  # the unit of train/test splits (a paper, a collection part)
    source: str  # which collection or gold file it comes from
    view: int = 0  # 0 = the image as it is; > 0: an augmented view (training only)
    kind: str = "crop"  # crop | standalone | fft

    @property
    def path(self) -> Path:
        return (REPO if self.root == "repo" else SHARED) / self.file

    @property
    def key(self) -> str:
        """Names everything that determines the pixels (for the feature cache)."""
        size = self.path.stat().st_size
        box = f"|box:{','.join(map(str, self.box))}" if self.box else ""
        aug = {"crop": "jitter", "standalone": "printed", "fft": "fft"}[self.kind]
        view = f"|{aug}:{SEED}:{self.view}" if self.view or self.kind == "fft" else ""
        return f"{self.root}:{self.file}:{size}{box}{view}"


def _pick(items: list, n: int, salt: str) -> list:
    """``n`` items in a fixed pseudo-random order (by name hash), the same on every machine."""
    ranked = sorted(items, key=lambda it: hashlib.sha256(f"{salt}:{it}".encode()).hexdigest())
    return sorted(ranked[:n])


def _shared_files(folder: str, pattern: str = "*.png") -> list[str]:
    root = SHARED / folder
    return [str(p.relative_to(SHARED)) for p in sorted(root.glob(pattern))] if root.is_dir() else []


def micrograph_samples() -> list[Sample]:
    out: list[Sample] = []

    def add(files, source, group_of):
        out.extend(Sample("shared", f, None, "microscopy", group_of(f), source, kind="standalone") for f in files)

    meta = SHARED / "emps" / "metadata.csv"
    if meta.is_file():
        doi = {r["filename"]: r["doi"] for r in csv.DictReader(meta.open(encoding="utf-8"))}
        have = {Path(f).name: f for f in _shared_files("emps/images")}
        first = {}
        for name in sorted(have):
            first.setdefault(doi.get(name, name), have[name])  # one image per source paper
        add(_pick(list(first.values()), 90, "emps"), "emps", lambda f: "emps:" + doi.get(Path(f).name, f))
    add(_shared_files("tldr_micrographs", "*.jpg"), "tldr_micrographs",
        lambda f: "tldr:" + Path(f).stem.split("_fig_")[0])
    add(_pick(_shared_files("nasa_micronet_benchmark/images"), 24, "nasa"), "nasa_micronet_benchmark",
        lambda f: "nasa:" + Path(f).stem.split("_")[0])
    add(_shared_files("ampis/powder/data/images_png") + _shared_files("ampis/spheroidite/data/images"), "ampis",
        lambda f: "ampis:" + f.split("/")[1])
    add(_shared_files("imagedataextractor/examples/shape", "*"), "imagedataextractor", lambda f: "ide-shape")
    add(_pick(_shared_files("atomagined/general/png"), 30, "atomagined"), "atomagined",
        lambda f: "atomagined:" + Path(f).name[:6])
    add(_pick(_shared_files("chenlab_tem_au_nanoparticles/Au_tetrahedra/image"), 12, "chenlab") +
        _pick(_shared_files("chenlab_tem_au_nanoparticles/patchy_nanoprism/image"), 12, "chenlab"),
        "chenlab_tem_au_nanoparticles", lambda f: "chenlab:" + f.split("/")[1])
    return out


def scalebar_samples() -> list[Sample]:
    """The held-out standalone micrographs of ide/scalebar (never trained on)."""
    return [Sample("shared", f, None, "microscopy", "ide-scalebar", "ide/scalebar", kind="standalone")
            for f in _shared_files("ide/scalebar")]


def figure_group(root: str, file: str) -> str:
    """The paper a figure comes from (figures of one paper share style: they are split together)."""
    name = Path(file).stem
    m = re.match(r"(s41467-018-\d+-\d|ncomms\d+|10\.1016\.j\.[a-z]+\.\d{4}\.\d+\.\d+)", name)
    return "paper:" + (m.group(1) if m else name)


def crop_samples() -> list[Sample]:
    """Gold masters (not parents) and the hand-labelled crops of eval/class_gold.tsv."""
    out = []
    for gold, root in SEPARATION_GOLD:
        if not gold.is_file():
            continue
        for fig in json.loads(gold.read_text(encoding="utf-8"))["figures"]:
            for m in fig["masters"]:
                if m["class"] != "parent":
                    out.append(Sample(root, fig["file"], tuple(m["box"]), m["class"], figure_group(root, fig["file"]),
                                      gold.name))
    for row in read_class_gold():
        out.append(Sample(row["root"], row["file"], tuple(int(v) for v in row["box"].split(",")), row["class"],
                          figure_group(row["root"], row["file"]), CLASS_GOLD.name))
    return [s for s in out if s.path.is_file()]


def read_class_gold(path: Path = CLASS_GOLD) -> list[dict]:
    lines = [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln and not ln.startswith("#")]
    return list(csv.DictReader(lines, delimiter="\t"))


def fft_samples(n: int = 30) -> list[Sample]:
    files = _pick(_shared_files("atomagined/general/png") + _shared_files("atomagined/retrieval/choices/png"), n, "fft")
    return [Sample("shared", f, None, "diffraction", "atomagined:" + Path(f).name[:6], "derived-fft", 1, "fft")
            for f in files]


def with_views(samples: list[Sample]) -> list[Sample]:
    """The originals followed by their augmented views."""
    out = list(samples)
    for s in samples:
        n = CROP_VIEWS.get(s.label, 1) if s.kind == "crop" else PRINTED_VIEWS if s.kind == "standalone" else 0
        if s.kind == "standalone" and s.source in ("tldr_micrographs", "imagedataextractor"):
            n = 0  # already figure-sized crops
        out.extend(replace(s, view=v) for v in range(1, n + 1))
    return out


def training_samples() -> list[Sample]:
    return with_views(micrograph_samples() + crop_samples()) + fft_samples()


# -- pixels ----------------------------------------------------------------------------------------
@lru_cache(maxsize=64)
def _image(path: Path) -> np.ndarray:
    from figdex.models.ocr import load_rgb

    return load_rgb(path)


def view_rng(sample: Sample) -> np.random.Generator:
    digest = int.from_bytes(hashlib.sha256(f"{sample.root}:{sample.file}:{sample.box}".encode()).digest()[:8], "little")
    return np.random.default_rng([SEED, digest, sample.view])


def view_box(sample: Sample) -> tuple[int, int, int, int] | None:
    """The box of this view in the file: the sample's box, edges moved by up to 8 % for views > 0
    (separation boxes are never exact)."""
    if sample.box is None or sample.view == 0 or sample.kind != "crop":
        return sample.box
    h, w = _image(sample.path).shape[:2]
    x0, y0, x1, y1 = sample.box
    bw, bh = x1 - x0, y1 - y0
    d = view_rng(sample).uniform(-0.08, 0.08, 4) * [bw, bh, bw, bh]
    nx0, ny0 = int(np.clip(round(x0 + d[0]), 0, w - 1)), int(np.clip(round(y0 + d[1]), 0, h - 1))
    nx1, ny1 = int(np.clip(round(x1 + d[2]), nx0 + 8, w)), int(np.clip(round(y1 + d[3]), ny0 + 8, h))
    return nx0, ny0, nx1, ny1


def pixels(sample: Sample) -> np.ndarray:
    """The RGB uint8 image of a sample (crop and augmentation applied)."""
    img = _image(sample.path)
    box = view_box(sample)
    if box is not None:
        img = img[box[1]:box[3], box[0]:box[2]]
    if sample.kind == "fft":
        return fft_image(img, view_rng(sample))
    if sample.view == 0:
        return img
    rng = view_rng(sample)
    if sample.kind == "standalone":
        return _reencode(img, int(rng.integers(180, 420)) / max(img.shape[:2]), int(rng.integers(60, 92)))
    scale = rng.uniform(0.6, 1.0)
    return _reencode(img, scale, int(rng.integers(70, 95)) if rng.random() < 0.5 else None)


def _reencode(img: np.ndarray, scale: float, quality: int | None) -> np.ndarray:
    from PIL import Image

    im = Image.fromarray(img)
    if scale < 1:
        im = im.resize((max(8, round(im.width * scale)), max(8, round(im.height * scale))), Image.BICUBIC)
    if quality is not None:
        buf = io.BytesIO()
        im.save(buf, format="JPEG", quality=quality)
        im = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return np.asarray(im)


def fft_image(img: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A diffraction-like pattern: the centred log-magnitude FFT of a (windowed) micrograph."""
    gray = img[..., :3].astype(np.float64).mean(axis=-1)
    n = min(gray.shape)
    side = max(16, int(n * rng.uniform(0.6, 1.0)))
    y0, x0 = int(rng.integers(0, gray.shape[0] - side + 1)), int(rng.integers(0, gray.shape[1] - side + 1))
    patch = gray[y0:y0 + side, x0:x0 + side]
    win = np.outer(np.hanning(side), np.hanning(side))
    spec = np.log1p(np.abs(np.fft.fftshift(np.fft.fft2((patch - patch.mean()) * win))))
    keep = max(8, int(side * rng.uniform(0.4, 1.0)) // 2)
    c = side // 2
    spec = spec[c - keep:c + keep, c - keep:c + keep]
    lo, hi = np.percentile(spec, 50), np.percentile(spec, 99.9)
    out = np.clip((spec - lo) / max(hi - lo, 1e-9), 0, 1) ** rng.uniform(0.6, 1.6)
    grey = (out * 255).round().astype(np.uint8)
    return np.stack([grey] * 3, axis=-1)


# -- numbers (OCR tick labels), cached -------------------------------------------------------------
def cache_folder() -> Path:
    return Path(settings.get("classifier_cache") or REPO / "build" / "classifier-cache")


class OcrCache:
    """OCR text boxes of whole files (as separation reads them), kept on disk between runs."""

    def __init__(self, folder: Path | None = None):
        self.path = (folder or cache_folder()) / "ocr.json"
        self.data: dict = json.loads(self.path.read_text()) if self.path.is_file() else {}
        self.dirty = False

    def boxes(self, sample: Sample) -> list:
        key = f"{sample.root}:{sample.file}:{sample.path.stat().st_size}"
        if key not in self.data:
            from figdex.models.ocr import get_ocr

            self.data[key] = [[*tb.box, tb.text] for tb in get_ocr().read(_image(sample.path))]
            self.dirty = True
        return self.data[key]

    def numbers(self, sample: Sample) -> int:
        """Numeric text lines whose centre lies in the sample's box, as models/separation.py counts them."""
        if sample.kind == "fft":
            return 0
        box = view_box(sample)
        count = 0
        for x0, y0, x1, y1, text in self.boxes(sample):
            cx, cy = (x0 + x1) / 2, (y0 + y1) / 2
            inside = box is None or (box[0] <= cx < box[2] and box[1] <= cy < box[3])
            count += bool(inside and _NUMBER.match(text.strip()))
        return count

    def save(self) -> None:
        if self.dirty:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(self.data, sort_keys=True))
            tmp.replace(self.path)
            self.dirty = False
