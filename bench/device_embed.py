"""Embedding and classification on the CPU and, where torch sees one, on the GPU, in the same run (issue 18).

Real inputs: the demo corpus's figures and, when ../shared/corpus is present, micrographs from it
(as bench/embed_runtime.py), and the captions of tests/data/captions_gold.jsonl.  Each device embeds
the same images (EfficientNet-Lite0, preprocessing included, as `figdex index embed` pays it) and
captions (all-MiniLM-L6-v2) after one warm-up batch, and classifies the images with the learned
classifier (a figure's masters go in one batch); the table gives items per second, the ratio to the
CPU, and the lowest cosine between the device's vectors and the CPU's.  Without a GPU it prints
the CPU row and says so.

    python bench/device_embed.py [--images 96] [--captions 256]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from embed_runtime import real_images  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def captions(n: int) -> list[str]:
    lines = (REPO / "tests" / "data" / "captions_gold.jsonl").read_text(encoding="utf-8").splitlines()
    texts = [json.loads(line)["caption"] for line in lines]
    return (texts * (n // max(1, len(texts)) + 1))[:n]


def run(device: str, images: list[np.ndarray], texts: list[str]) -> dict:
    from figdex import devices
    from figdex.models import image_classifier, text_embedders
    from figdex.models.classify import classify_many
    from figdex.models.embedders import create_embedder

    os.environ["FIGDEX_DEVICE"] = device
    devices.forget()
    text_embedders._LOADED.clear()
    out = {"device": devices.torch_device()}
    embedder = create_embedder("efficientnet-lite0")
    embedder.embed(images[:4])  # warm-up (and on the CPU the one-off ONNX export)
    started = time.perf_counter()
    out["image_vectors"] = embedder.embed(images)
    out["images_per_s"] = len(images) / (time.perf_counter() - started)
    if text_embedders.semantic_available():
        model = text_embedders.create_text_embedder()
        model.embed(texts[:8])
        started = time.perf_counter()
        out["text_vectors"] = model.embed(texts)
        out["texts_per_s"] = len(texts) / (time.perf_counter() - started)
    with image_classifier.use_classifier(image_classifier.load_classifier()):
        classify_many([(images[0], (), None)])  # warm-up
        started = time.perf_counter()
        out["classes"] = classify_many([(im, (), None) for im in images])
        out["classified_per_s"] = len(images) / (time.perf_counter() - started)
    return out


def lowest_cosine(a: np.ndarray | None, b: np.ndarray | None) -> str:
    if a is None or b is None:
        return "-"
    return f"{float(((a * b).sum(1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))).min()):.6f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--images", type=int, default=96)
    parser.add_argument("--captions", type=int, default=256)
    args = parser.parse_args()
    import torch

    images, texts = real_images(args.images), captions(args.captions)
    rows = [run("cpu", images, texts)]
    if torch.cuda.is_available():
        rows.append(run("cuda", images, texts))
    else:
        print("no GPU seen by torch: the CPU row only", file=sys.stderr)
    cpu = rows[0]
    print(f"{len(images)} real images, {len(texts)} captions; threads {torch.get_num_threads()}")
    print(f"{'device':<8} {'images/s':>9} {'x CPU':>6} {'texts/s':>9} {'x CPU':>6} {'classified/s':>12} {'x CPU':>6} "
          f"{'min cos img':>11} {'min cos txt':>11} {'same classes':>12}")
    for r in rows:
        same = sum(a[0] == b[0] for a, b in zip(r["classes"], cpu["classes"]))
        print(f"{r['device']:<8} {r['images_per_s']:9.1f} {r['images_per_s'] / cpu['images_per_s']:6.2f} "
              f"{r.get('texts_per_s', 0):9.1f} {r.get('texts_per_s', 0) / max(cpu.get('texts_per_s', 1), 1e-9):6.2f} "
              f"{r['classified_per_s']:12.1f} {r['classified_per_s'] / cpu['classified_per_s']:6.2f} "
              f"{lowest_cosine(r['image_vectors'], cpu['image_vectors']):>11} "
              f"{lowest_cosine(r.get('text_vectors'), cpu.get('text_vectors')):>11} {same:>7}/{len(images)}")


if __name__ == "__main__":
    main()
