"""Copy verification on real CC-BY figures: crops/rescales/re-encodings match, other images do not."""

import glob
import io

import numpy as np
from PIL import Image

from figdex.models.copy_verify import COPY_THRESHOLD, gray_small, rerank_copies, verify_copy
from figdex.models.ocr import load_rgb
from tests.conftest import DEMO

FIGURES = sorted(glob.glob(str(DEMO / "nature" / "figures" / "*.jpg")))


def transformed(img: np.ndarray, box_frac=(0.1, 0.15, 0.85, 0.9), scale=0.7, quality=40) -> np.ndarray:
    h, w = img.shape[:2]
    x0, y0, x1, y1 = int(w * box_frac[0]), int(h * box_frac[1]), int(w * box_frac[2]), int(h * box_frac[3])
    im = Image.fromarray(img[y0:y1, x0:x1]).resize((int((x1 - x0) * scale), int((y1 - y0) * scale)))
    arr = np.clip((np.asarray(im, np.float32) - 128) * 1.2 + 120, 0, 255).astype(np.uint8)  # contrast change
    buf = io.BytesIO()
    Image.fromarray(arr).save(buf, "JPEG", quality=quality)
    return np.asarray(Image.open(io.BytesIO(buf.getvalue())).convert("RGB"))


def test_a_transformed_copy_is_verified_and_other_figures_are_not():
    originals = [load_rgb(p) for p in FIGURES[:4]]
    query = transformed(originals[0])
    match = verify_copy(query, gray_small(originals[0]))
    assert match.ncc >= 0.9 and 0.7 <= match.fraction <= 0.8  # the crop kept 75 % of the width
    for other in originals[1:]:
        # Compound figures share white space and text lines, so a look-alike can reach ~0.55;
        # what verification relies on is the gap to a true copy.
        assert verify_copy(query, gray_small(other)).ncc < match.ncc - 0.3


def test_rerank_moves_the_verified_copy_first_and_keeps_the_rest_in_order():
    originals = [load_rgb(p) for p in FIGURES[:3]]
    small = {i: gray_small(img) for i, img in enumerate(originals)}
    query = transformed(originals[2])
    cands = [(0, 0.9), (1, 0.8), (2, 0.7), (7, 0.6)]  # 7: a row whose image is missing
    order, matches = rerank_copies(query, cands, lambda i: small.get(i))
    assert [c for c, _ in order] == [2, 0, 1, 7]
    assert set(matches) == {0, 1, 2}


def test_flat_images_match_nothing():
    flat = np.full((100, 120, 3), 200, np.uint8)
    assert verify_copy(flat, gray_small(load_rgb(FIGURES[0]))).ncc < COPY_THRESHOLD
