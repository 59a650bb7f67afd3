"""Is the OCR detector's table preprocessing (models/ocr.py ``_table_preprocess``) bit-identical to
RapidOCR's own float64 normalisation on every development-set image, and what does each cost?

    python bench/detector_input_exact.py            # after python eval/devset/restore.py

Prints the number of images compared, how many gave identical float32 bytes, and the CPU seconds
of the library's preprocessing against the table's, measured in the same run.
"""
from __future__ import annotations

import time
from pathlib import Path

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".gif", ".tif", ".tiff", ".webp")


def main() -> int:
    from rapidocr_onnxruntime.ch_ppocr_det.utils import DetPreProcess

    from figdex.models.ocr import RapidOcr, load_rgb

    root = Path(__file__).resolve().parents[1] / "eval" / "devset"
    paths = sorted(p for folder in ("open", "restored") for p in (root / folder).rglob("*")
                   if p.suffix.lower() in IMAGE_SUFFIXES)
    detector = RapidOcr().engine.text_det
    identical, different, library_s, table_s = 0, [], 0.0, 0.0
    for path in paths:
        image = load_rgb(path)[:, :, ::-1].copy()  # BGR, as RapidOCR hands it to the detector
        library = DetPreProcess(detector.limit_side_len, detector.limit_type, detector.mean, detector.std)
        table = detector.get_preprocess(max(image.shape[:2]))
        t0 = time.process_time()
        expected = library(image)
        t1 = time.process_time()
        got = table(image)
        t2 = time.process_time()
        library_s, table_s = library_s + t1 - t0, table_s + t2 - t1
        if got.dtype == expected.dtype and got.shape == expected.shape and got.tobytes() == expected.tobytes():
            identical += 1
        else:
            different.append(str(path))
    for path in different:
        print("different:", path)
    print(f"images {len(paths)}, identical {identical}, different {len(different)}; CPU s library {library_s:.1f}, "
          f"table {table_s:.1f} (ratio {table_s / max(library_s, 1e-9):.2f})")
    return 1 if different else 0


if __name__ == "__main__":
    raise SystemExit(main())
