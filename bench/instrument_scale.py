"""nm/px from instrument metadata vs the file's own stated pixel size, and from the pixels alone.

For each instrument file: (1) what ``read_instrument_scale`` gives against the pixel size the
file states (FEI PixelWidth, Zeiss "Pixel Size", TVIPS PixelSizeX, the DM/JEOL axis scale);
(2) the file converted to PNG (every tag gone, as a figure in a paper) and read by
``figures scale``: databar field width, else bar and label.  The error of (2) is against (1).

Split (see the report in bench/README.md): the databar reader was tuned on
FEI-Helios-Ebeam-8bits.tif and test_tiff_Zeiss_SEM_1k.tif, and changed (#17) on
test_tiff_Zeiss_SEM_512pix.tif; every other file is reported
as held out (FEI-Helios-Ebeam-16bits.tif is the same frame as the 8-bit file, so it is no
independent check).

Files: the committed ones (tests/data/instrument, MIT / public domain; upstream's .tar.gz unpacked)
and the GPL-3.0 rosettasciio ones of eval/instrument_restore.tsv when restored
(``python eval/restore_instrument.py``); those missing are named on stderr.

    PYTHONPATH=… python bench/instrument_scale.py [FILES…]
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

TUNED_ON = {"FEI-Helios-Ebeam-8bits.tif", "test_tiff_Zeiss_SEM_1k.tif", "test_tiff_Zeiss_SEM_512pix.tif"}  # eval/instrument_gold.tsv
REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "tests" / "data" / "instrument"
RESTORED = REPO / "eval" / "restored" / "instrument"
MANIFEST = REPO / "eval" / "instrument_restore.tsv"


def default_files() -> list[Path]:
    """The committed files, then the restored ones; the manifest's files not restored are named."""
    wanted = [ln.split("\t", 1)[0] for ln in MANIFEST.read_text(encoding="utf-8").splitlines()
              if ln and not ln.startswith("#")]
    missing = [name for name in wanted if not (RESTORED / name).exists()]
    if missing:
        print(f"not restored ({len(missing)} of {len(wanted)} GPL-3.0 files; run `python eval/restore_instrument.py`): "
              + ", ".join(missing), file=sys.stderr)
    return sorted(p for p in DATA.iterdir() if p.is_file()) + [RESTORED / n for n in wanted if n not in missing]


def main(argv: list[str]) -> None:
    from PIL import Image

    from figdex.models.evaluate_scale import unpacked_instrument_file
    from figdex.models.instrument_meta import load_image_pixels, read_instrument_scale
    from figdex.models.ocr import get_ocr
    from figdex.models.scale_sources import image_scale

    files = [Path(a) for a in argv] or default_files()
    ocr = get_ocr()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in files:
            path = unpacked_instrument_file(path, Path(tmp))
            try:
                image = load_image_pixels(path)
            except (OSError, ValueError) as exc:  # a damaged file (test_corrupted.dm3): say so, go on
                rows.append({"file": path.name, "error": str(exc)})
                continue
            meta = read_instrument_scale(path, width_px=image.shape[1])
            png = Path(tmp) / (path.stem + ".png")
            Image.fromarray(image).save(png)  # no tags survive
            pixels = image_scale(image, ocr.read(image), None, read_instrument_scale(png), ocr)
            stated = meta.stated_pixel_nm if meta else None
            ref = meta.nm_per_px if meta else None
            rows.append({
                "file": path.name, "split": "tuning" if path.name in TUNED_ON else "held-out",
                "reader": meta.reader if meta else None, "stated_pixel_nm": stated, "metadata_nm_per_px": ref,
                "metadata_vs_stated": round(ref / stated, 4) if ref and stated else None,
                "pixels_nm_per_px": pixels.nm_per_px, "pixels_source": pixels.kept or pixels.source,
                "pixels_vs_metadata": round(pixels.nm_per_px / ref, 4) if ref and pixels.nm_per_px else None,
                "databar_found": pixels.databar is not None,
            })
    for row in rows:
        print(json.dumps(row, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1:])
