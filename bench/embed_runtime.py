"""Embedding throughput: ONNX Runtime vs eager PyTorch for the same CNN, in the same run (issue 6).

Real images: the demo corpus's figures and, when ../shared/corpus is present, micrographs from
it.  Each runtime embeds the same images (after one warm-up batch) with the same number of
threads; the table gives ms per image (preprocessing included, as `figdex index embed` pays
it) and the largest difference between the two runtimes' vectors.

    python bench/embed_runtime.py [--images 64] [--embedder efficientnet-lite0]
"""

from __future__ import annotations

import argparse
import glob
import os
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"


def real_images(n: int) -> list[np.ndarray]:
    from figdex.models.ocr import load_rgb

    paths = sorted(glob.glob(str(REPO / "demo" / "corpus" / "nature" / "figures" / "*.jpg")))
    for pattern in ("emps/**/*.png", "ide/scalebar/*.png", "nasa_micronet_benchmark/**/*.png",
                    "tldr_micrographs/**/*.jpg"):
        paths += sorted(glob.glob(str(SHARED / pattern), recursive=True))[: n // 3]
    return [load_rgb(p) for p in paths[:n]]


def measure(embedder_name: str, runtime: str, images: list[np.ndarray]) -> tuple[float, np.ndarray, str]:
    from figdex.models.embedders import create_embedder

    os.environ["FIGDEX_EMBED_RUNTIME"] = runtime
    embedder = create_embedder(embedder_name)
    embedder.embed(images[:4])  # warm-up (and the one-off ONNX export)
    started = time.perf_counter()
    vectors = embedder.embed(images)
    return (time.perf_counter() - started) * 1000 / len(images), vectors, embedder.runtime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--images", type=int, default=64)
    parser.add_argument("--embedder", default="efficientnet-lite0")
    args = parser.parse_args()
    images = real_images(args.images)
    torch_ms, torch_vec, _ = measure(args.embedder, "torch", images)
    onnx_ms, onnx_vec, used = measure(args.embedder, "onnx", images)
    import torch

    print(f"{args.embedder}: {len(images)} real images, {torch.get_num_threads()} threads")
    print("| runtime | ms / image | images / s | vs PyTorch |")
    print("|---|---|---|---|")
    print(f"| PyTorch (eager) | {torch_ms:.1f} | {1000 / torch_ms:.1f} | 1 |")
    print(f"| {used} | {onnx_ms:.1f} | {1000 / onnx_ms:.1f} | {torch_ms / onnx_ms:.1f}x faster |")
    print(f"largest difference between the runtimes' vectors: {np.abs(torch_vec - onnx_vec).max():.2e}")


if __name__ == "__main__":
    main()
