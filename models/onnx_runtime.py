"""ONNX Runtime for the CNN embedders on a CPU: the same network, exported once, run faster.

On the 2-core target machine ONNX Runtime runs EfficientNet-Lite0 several times faster than
eager PyTorch (bench/embed_runtime.py).  The exported file is cached per machine, keyed by
the embedder's name, version and weights checksum, and accepted only when its outputs agree
with PyTorch's on a probe batch, so the vectors (and the embedder id the database records)
do not depend on the runtime.  ``FIGDEX_EMBED_RUNTIME=torch|onnx|auto`` chooses (auto: ONNX
on a CPU when ``onnx`` and ``onnxruntime`` are installed, PyTorch otherwise).
"""

from __future__ import annotations

import os
import sys
import warnings
from pathlib import Path
from typing import Callable

import numpy as np

from figdex import settings

OPSET = 17
PARITY_ATOL = 1e-3  # largest difference allowed between the two runtimes' features


def runtime_choice() -> str:
    return settings.get("embed_runtime")  # checked there: FIGDEX_EMBED_RUNTIME=tpu is refused


def cache_dir() -> Path:
    return Path(settings.get("cache_dir")) / "onnx"


def onnx_available() -> bool:
    from importlib.util import find_spec

    return find_spec("onnx") is not None and find_spec("onnxruntime") is not None  # the exporter needs onnx


class OnnxFeatures:
    """A callable NCHW float32 batch -> features, backed by an ONNX Runtime session."""

    def __init__(self, path: Path, threads: int):
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = threads
        options.inter_op_num_threads = 1
        options.log_severity_level = 3
        self.path = path
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def __call__(self, batch: np.ndarray) -> np.ndarray:
        return self.session.run(None, {"input": np.ascontiguousarray(batch, np.float32)})[0]


def export_features(name: str, key: str, features: Callable, module, input_size: int,
                    threads: int) -> OnnxFeatures | None:
    """The ONNX version of ``features`` (a torch function of an NCHW batch that runs ``module``),
    or None when it cannot be made or does not reproduce PyTorch's output (then PyTorch is used)."""
    import torch

    path = cache_dir() / f"{name}-{key}-opset{OPSET}.onnx"
    probe = torch.from_numpy(np.random.default_rng(0).normal(size=(2, 3, input_size, input_size)).astype(np.float32))

    class Wrapped(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.body = module  # registered, so the exporter sees its weights as parameters

        def forward(self, x):
            return features(x)

    for attempt in (1, 2):
        cached = path.is_file()
        try:
            return _load_or_export(path, probe, Wrapped, features, threads)
        except Exception as exc:  # any exporter/runtime problem: PyTorch still works
            if cached and attempt == 1:
                path.unlink(missing_ok=True)  # a damaged cached file (disk full, killed run): export again
                continue
            print(f"note: ONNX Runtime not used for {name} ({exc.__class__.__name__}: {str(exc)[:120]})",
                  file=sys.stderr)
            return None
    return None


def _load_or_export(path: Path, probe, Wrapped, features, threads: int) -> OnnxFeatures | None:
    import torch

    if not path.is_file():
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.part")
        with warnings.catch_warnings(), torch.no_grad():
            warnings.simplefilter("ignore")
            torch.onnx.export(Wrapped().eval(), (probe,), str(tmp), input_names=["input"],
                              output_names=["features"], dynamic_axes={"input": {0: "n"}, "features": {0: "n"}},
                              opset_version=OPSET, dynamo=False)
        os.replace(tmp, path)  # atomic: a half-written export is never picked up
    runner = OnnxFeatures(path, threads)
    with torch.inference_mode():
        expected = features(probe).float().numpy()
    if float(np.abs(runner(probe.numpy()) - expected).max()) > PARITY_ATOL:
        print(f"note: {path} does not reproduce PyTorch's features; using PyTorch", file=sys.stderr)
        return None
    return runner
