"""Bar length precision on DRAWN bars (synthetic, a tuning aid, never a claim): short bars (10-40 px) of
known sub-pixel length drawn onto real backgrounds, then measured by ``find_bars``.

    PYTHONPATH=... python bench/scale_bars_drawn.py [--n 400] [--seed 0] [--kind thin] [-v]

Each bar is drawn at 8x and averaged down (so each pixel holds its true coverage), blurred (sigma
0-0.9 px) and JPEG-compressed at random, in one of the kinds of issue #17: dark, light, coloured,
thin (1-2 px), ticked (├──┤, truth: tick centre to tick centre, as in eval/separation_gold_README.md),
framed (a box drawn round the bar and a text-like block), on-bright (running into bright content).
Backgrounds: crops of the microscopy panels of s41467-018-06211-3 fig1 (demo corpus, CC-BY; tuned on
already) and flat page grounds.  Prints, per kind, found and within 3 % (the rule of eval scale).
The real measure is `figdex eval scale` on hand-measured bars; this only shows where ends are lost.
"""

from __future__ import annotations

import argparse
import io
from pathlib import Path

import numpy as np
from PIL import Image, ImageFilter

REPO = Path(__file__).resolve().parents[1]
FIG = REPO / "demo" / "corpus" / "nature" / "figures" / "s41467-018-06211-3_fig1.jpg"
PANELS = [(15, 298, 219, 382), (251, 295, 458, 467), (486, 293, 685, 469), (15, 495, 220, 660)]
KINDS = ("dark", "light", "coloured", "thin", "ticked", "framed", "on-bright")
S = 8  # supersampling


def _background(rng, fig: np.ndarray, kind: str) -> np.ndarray:
    h, w = 60, 90
    if rng.random() < 0.5 or kind == "framed":
        x0, y0, x1, y1 = PANELS[rng.integers(len(PANELS))]
        x = rng.integers(x0, x1 - w)
        y = rng.integers(y0, max(y0 + 1, y1 - h))
        bg = fig[y:y + h, x:x + w].astype(np.float32)
        if bg.shape[:2] == (h, w):
            return bg
    level = rng.choice([255.0, 240.0, 0.0, 30.0])
    return np.full((h, w, 3), level, np.float32)


def draw(rng, fig: np.ndarray, kind: str) -> tuple[np.ndarray, tuple[int, int, int, int], float, str]:
    """One panel with one bar: (image, tight box, true length, kind)."""
    for _ in range(20):  # a ground the bar stands out from (a dark bar on black is no scale bar)
        bg = _background(rng, fig, kind)
        mean = float(bg.mean())
        if (kind != "dark" or mean > 110) and (kind not in ("light", "on-bright") or mean < 140):
            break
    h, w = bg.shape[:2]
    length = float(rng.uniform(10, 40))
    thick = float(rng.uniform(1.0, 2.2)) if kind == "thin" else float(rng.uniform(2, min(6.0, 0.25 * length + 0.5)))
    x0 = float(rng.uniform(20, w - 20 - length))
    y0 = float(rng.uniform(25, h - 15))
    if kind == "dark":
        colour = np.array([0, 0, 0.0]) + rng.uniform(0, 40)
    elif kind == "coloured":
        colour = np.array(rng.permutation([255.0, rng.uniform(0, 80), rng.uniform(0, 120)]))
    elif kind in ("light", "on-bright"):
        colour = np.array([255.0, 255, 255]) - rng.uniform(0, 20)
    else:
        colour = np.array([255.0, 255, 255]) if mean < 128 else np.array([0.0, 0, 0])
    big = np.repeat(np.repeat(bg, S, axis=0), S, axis=1)
    cover = np.zeros(big.shape[:2], np.float32)

    def rect(ax0, ay0, ax1, ay1, arr=cover):
        arr[int(round(ay0 * S)):int(round(ay1 * S)), int(round(ax0 * S)):int(round(ax1 * S))] = 1

    truth = length
    if kind == "framed":  # a box of the other shade round the bar and a block where its text would be
        frame = np.zeros_like(cover)
        rect(x0 - 6, y0 - 14, x0 + length + 6, y0 + thick + 5, frame)
        ground = np.array([255.0, 255, 255]) - colour
        big = big * (1 - frame[..., None]) + ground * frame[..., None]
        edge = np.zeros_like(cover)
        rect(x0 - 7, y0 - 15, x0 + length + 7, y0 + thick + 6, edge)
        edge[frame > 0] = 0
        big = big * (1 - edge[..., None]) + colour * edge[..., None]
        rect(x0 + length / 2 - 6, y0 - 11, x0 + length / 2 + 6, y0 - 4)  # the label, as a block
    if kind == "on-bright":  # a bright particle the bar's right end runs into
        blob = np.zeros_like(cover)
        rect(x0 + length + rng.uniform(1.5, 4), y0 - 6, x0 + length + 14, y0 + thick + 6, blob)
        big = big * (1 - blob[..., None]) + (colour - rng.uniform(15, 40)) * blob[..., None]
    if kind == "ticked":
        tick = float(rng.uniform(1, 2.2))
        up, down = rng.choice([(4, 0), (0, 4), (4, 4)])
        rect(x0, y0 - up * rng.uniform(0.8, 1.5), x0 + tick, y0 + thick + down * rng.uniform(0.8, 1.5))
        rect(x0 + length - tick, y0 - up * rng.uniform(0.8, 1.5), x0 + length, y0 + thick + down)
        truth = length - tick
    rect(x0, y0, x0 + length, y0 + thick)
    big = big * (1 - cover[..., None]) + colour * cover[..., None]
    small = big.reshape(h, S, w, S, 3).mean(axis=(1, 3))
    im = Image.fromarray(small.clip(0, 255).astype(np.uint8))
    sigma = float(rng.uniform(0, 0.9))
    if sigma > 0.2:
        im = im.filter(ImageFilter.GaussianBlur(sigma))
    if rng.random() < 0.6:
        buf = io.BytesIO()
        im.save(buf, "JPEG", quality=int(rng.integers(70, 96)))
        im = Image.open(buf).convert("RGB")
    box = (int(np.floor(x0)), int(np.floor(y0)), int(np.ceil(x0 + length)), int(np.ceil(y0 + thick)))
    return np.asarray(im), box, truth, kind


def main() -> None:
    from figdex.models.evaluate_scale import bar_matches
    from figdex.models.ocr import load_rgb
    from figdex.models.scalebars import find_bars

    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=350)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kind", choices=KINDS)
    ap.add_argument("-v", action="store_true")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    fig = load_rgb(FIG)
    rows: dict[str, list] = {}
    for i in range(args.n):
        kind = args.kind or KINDS[i % len(KINDS)]
        image, box, truth, kind = draw(rng, fig, kind)
        hits = [b for b in find_bars(image) if bar_matches(b.box, box)]
        err = min((abs(b.length_px - truth) / truth for b in hits), default=None)
        rows.setdefault(kind, []).append(err)
        if args.v and (err is None or err > 0.03):
            print(f"{i} {kind} truth={truth:.2f} box={box} got={[b.length_px for b in hits]}")
    every = [e for v in rows.values() for e in v]
    for kind, errs in list(rows.items()) + [("all", every)]:
        found = [e for e in errs if e is not None]
        print(f"{kind:10} n={len(errs):4d} found={len(found) / len(errs):.3f} "
              f"within3%={sum(e <= 0.03 for e in found) / len(errs):.3f} "
              f"median={np.median(found) if found else float('nan'):.4f}")


if __name__ == "__main__":
    main()
