"""Domain tuning: a small projection head trained on frozen EfficientNet-Lite0 features.

The seed STEM2Sim fine-tuned its embedder on simulated HAADF-STEM images and raised
retrieval AP by an order of magnitude.  Fine-tuning the whole CNN is out of reach on two CPU
cores, so figdex tunes a head instead:

    v = normalise( normalise(lite0(image)) @ W + b )        W: 1280 x 256, b: 256

W starts as the PCA basis of the training features (so an untrained head is a plain PCA
reduction) and is trained with a contrastive loss on augmented views of the atomagined
simulated HAADF-STEM images: supervised contrastive (SupCon: positives = same ICSD structure)
or, without labels, NT-Xent (positives = views of the same image), as STEM2Sim.  A penalty
keeps W near its start so that what the head learns on STEM images does not throw away
what the ImageNet features say about other micrographs (bench/domain_tuning.py measures
both).  Train/test splits are BY STRUCTURE: structures of the test split are never seen.

The trained head is shipped in ``models/weights/`` (a .npy file, 1.3 MB) and registered as the
``efficientnet-lite0-stem`` embedder; its sha256 is checked on load.  ``models/train_tuning.py``
reproduces it from ../shared/corpus.

Also here, shared by the training script and the benches: the atomagined file list, the
augmentations, a feature cache, and the ranking metrics (average precision).
"""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable, Sequence

import numpy as np

from figdex import settings
from figdex.models.embedders import (IMAGENET_MEAN, IMAGENET_STD, Embedder, EmbedderConfig, EmbedderError,
                                     create_embedder, l2_normalise)

WEIGHTS_DIR = Path(__file__).resolve().parent / "weights"
STEM_NAME = "efficientnet-lite0-stem"
STEM_WEIGHTS = WEIGHTS_DIR / f"{STEM_NAME}.npy"
# sha256 of STEM_WEIGHTS as written by `python -m figdex.models.train_tuning` (see that file).
STEM_SHA256 = "480337079c605b645bc2431f988db8e4b2cc9cb67bbd5146e738e45387598893"
STEM_BASE = "efficientnet-lite0"

ATOMAGINED_RE = re.compile(r"^(?P<structure>\d{6})\.(?P<zone>\d{6})-(?P<condition>[a-z0-9-]+)\.png$")


# -- the head ------------------------------------------------------------------------------------
def apply_head(base_vectors: np.ndarray, head: np.ndarray) -> np.ndarray:
    """L2-normalised base vectors (N, D) through a head stored as (D + 1, d): W then bias."""
    base_vectors = np.asarray(base_vectors, np.float32)
    if base_vectors.shape[1] + 1 != head.shape[0]:
        raise EmbedderError(f"head expects {head.shape[0] - 1}-d base vectors, got {base_vectors.shape[1]}-d")
    return l2_normalise(base_vectors @ head[:-1] + head[-1])


def load_head(path: Path, sha256: str | None) -> np.ndarray:
    """The head's weights, refused unless the file's sha256 is the expected one."""
    path = Path(path)
    if not path.is_file():
        raise EmbedderError(f"{path}: tuned weights missing; restore models/weights/ from git or "
                            "rebuild them with `python -m figdex.models.train_tuning`")
    data = path.read_bytes()
    digest = hashlib.sha256(data).hexdigest()
    if sha256 is not None and digest != sha256:
        raise EmbedderError(f"{path}: checksum {digest[:12]}… is not the expected {sha256[:12]}…: the weights "
                            "file is corrupt or was replaced; restore it from git or rebuild it with "
                            "`python -m figdex.models.train_tuning` (and update STEM_SHA256)")
    head = np.load(path, allow_pickle=False)
    if head.ndim != 2 or head.dtype != np.float32:
        raise EmbedderError(f"{path}: not a projection head (float32 matrix), got {head.dtype} {head.shape}")
    return head


class ProjectedEmbedder(Embedder):
    """A base embedder followed by a linear head; the head can also be applied to cached base vectors."""

    def __init__(self, config: EmbedderConfig, base: Embedder, head: np.ndarray):
        if head.shape != (base.config.dim + 1, config.dim):
            raise EmbedderError(f"{config.weights}: head of shape {head.shape} does not fit "
                                f"{base.config.name} ({base.config.dim}-d) -> {config.dim}-d")
        self.config = config
        self.base = base
        self.head = head

    @property
    def batch_size(self) -> int:
        return self.base.batch_size

    def project(self, base_vectors: np.ndarray) -> np.ndarray:
        return apply_head(base_vectors, self.head)

    def embed(self, images: list[np.ndarray]) -> np.ndarray:
        if not images:
            return np.zeros((0, self.config.dim), np.float32)
        return self.project(self.base.embed(images))


def create_stem_embedder(weights: Path | str | None = None, sha256: str | None = STEM_SHA256) -> ProjectedEmbedder:
    """The ``efficientnet-lite0-stem`` embedder: EfficientNet-Lite0 + the head in models/weights/."""
    path = Path(weights) if weights is not None else STEM_WEIGHTS
    head = load_head(path, sha256)
    config = EmbedderConfig(STEM_NAME, int(head.shape[1]), 224, IMAGENET_MEAN, IMAGENET_STD, str(path), sha256)
    return ProjectedEmbedder(config, create_embedder(STEM_BASE), head)


def load_tuned_embedder(config_path: Path) -> ProjectedEmbedder:
    """An embedder tuned on a dataset (`figdex index tune`): base + head, the head's sha256 checked."""
    config_path = Path(config_path)
    try:
        meta = json.loads(config_path.read_text())
        head_path = config_path.with_name(meta["weights"])
    except (OSError, ValueError, KeyError) as exc:
        raise EmbedderError(f"{config_path}: not a tuned-embedder description ({exc}); "
                            "run `figdex index tune` again") from exc
    head = load_head(head_path, meta["sha256"])
    base = create_embedder(meta["base"])
    config = EmbedderConfig(meta["name"], int(head.shape[1]), base.config.input_size, base.config.mean,
                            base.config.std, str(head_path), meta["sha256"])
    return ProjectedEmbedder(config, base, head)


# -- training ------------------------------------------------------------------------------------
@dataclass(frozen=True)
class TrainConfig:
    dim: int = 256
    loss: str = "supcon"        # supcon (positives: same label) | ntxent (positives: same image)
    temperature: float = 0.1
    epochs: int = 150           # full-batch steps
    lr: float = 1e-3
    anchor: float = 1.0         # weight of ||W - W0||² / ||W0||² (W0: the PCA start)
    seed: int = 0


def pca_head(features: np.ndarray, dim: int) -> np.ndarray:
    """(D + 1, dim) head that centres and projects onto the top ``dim`` principal axes (float64 SVD)."""
    x = np.asarray(features, np.float64)
    mean = x.mean(0)
    _, _, vt = np.linalg.svd(x - mean, full_matrices=False)
    basis = vt[:dim].T
    if basis.shape[1] < dim:  # fewer samples than dims: pad with zeros (unused directions)
        basis = np.pad(basis, ((0, 0), (0, dim - basis.shape[1])))
    # Deterministic signs: the largest-magnitude entry of each axis positive.
    signs = np.sign(basis[np.abs(basis).argmax(0), np.arange(dim)])
    basis = basis * np.where(signs == 0, 1, signs)
    return np.vstack([basis, -mean @ basis]).astype(np.float32)


def train_head(features: np.ndarray, labels: Sequence, cfg: TrainConfig = TrainConfig(),
               log: Callable[[str], None] | None = None) -> np.ndarray:
    """Train the head on (N, D) L2-normalised base features; ``labels`` are what counts as a positive.

    Full-batch training on one thread, so that the same inputs give the same weights bit for bit.
    """
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        torch.manual_seed(cfg.seed)
        x = torch.from_numpy(np.asarray(features, np.float32))
        _, inv = np.unique(np.asarray(labels, dtype=object).astype(str), return_inverse=True)
        y = torch.from_numpy(inv.astype(np.int64))
        head0 = torch.from_numpy(pca_head(features, cfg.dim))
        w = head0[:-1].clone().requires_grad_(True)
        b = head0[-1].clone().requires_grad_(True)
        w0, norm0 = head0[:-1], float((head0[:-1] ** 2).sum())
        opt = torch.optim.Adam([w, b], lr=cfg.lr)
        same = (y[:, None] == y[None, :])
        eye = torch.eye(len(y), dtype=torch.bool)
        pos = same & ~eye
        if not bool(pos.any(1).all()):
            raise ValueError("every training sample needs at least one positive (another view or same label)")
        for step in range(cfg.epochs):
            z = torch.nn.functional.normalize(x @ w + b, dim=1)
            logits = (z @ z.T) / cfg.temperature
            logits = logits.masked_fill(eye, float("-inf"))
            log_prob = logits - torch.logsumexp(logits, dim=1, keepdim=True)
            # SupCon (Khosla et al. 2020): mean log-probability of the positives of each anchor.
            loss_c = -(log_prob.masked_fill(~pos, 0).sum(1) / pos.sum(1)).mean()
            loss_a = ((w - w0) ** 2).sum() / norm0
            loss = loss_c + cfg.anchor * loss_a
            opt.zero_grad()
            loss.backward()
            opt.step()
            if log and (step % 25 == 0 or step == cfg.epochs - 1):
                log(f"step {step:4d}  contrastive {loss_c.item():.4f}  anchor {loss_a.item():.4f}")
        return np.vstack([w.detach().numpy(), b.detach().numpy()[None]]).astype(np.float32)
    finally:
        torch.set_num_threads(threads)


def save_head(head: np.ndarray, path: Path) -> str:
    """Write the head as a plain .npy (byte-for-byte deterministic) and return its sha256."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.npy")
    np.save(tmp, np.ascontiguousarray(head, np.float32), allow_pickle=False)
    tmp.replace(path)
    return hashlib.sha256(path.read_bytes()).hexdigest()


# -- data: atomagined and augmentations ----------------------------------------------------------
@dataclass(frozen=True)
class StemImage:
    path: Path
    rel: str          # path relative to the corpus root
    structure: str    # ICSD collection code: same structure = same class
    zone: str
    condition: str


def atomagined_images(corpus: Path) -> list[StemImage]:
    """Every simulated HAADF-STEM image of ../shared/corpus/atomagined, in a fixed order."""
    root = Path(corpus) / "atomagined"
    if not root.is_dir():
        raise FileNotFoundError(f"{root}: atomagined images not found (../shared/corpus is needed to train or measure)")
    out = []
    for path in sorted(root.rglob("*.png")):
        m = ATOMAGINED_RE.match(path.name)
        if m:
            out.append(StemImage(path, str(path.relative_to(corpus)), m["structure"], m["zone"], m["condition"]))
    return out


def augment_stem(image: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A random view of a micrograph: crop (40-100 % area), 90° rotation/flip, contrast/gamma,
    Gaussian blur or noise.  Suited to atomic-resolution images: the lattice survives all of them."""
    from PIL import Image, ImageFilter

    h, w = image.shape[:2]
    area = rng.uniform(0.4, 1.0)
    aspect = np.exp(rng.uniform(np.log(3 / 4), np.log(4 / 3)))
    ch = int(min(h, round(h * np.sqrt(area / aspect))))
    cw = int(min(w, round(w * np.sqrt(area * aspect))))
    y0, x0 = int(rng.integers(0, h - ch + 1)), int(rng.integers(0, w - cw + 1))
    out = image[y0:y0 + ch, x0:x0 + cw]
    out = np.rot90(out, int(rng.integers(0, 4)))
    if rng.random() < 0.5:
        out = out[:, ::-1]
    f = out.astype(np.float32) / 255.0
    mean = f.mean()
    f = np.clip((f - mean) * rng.uniform(0.7, 1.4) + mean, 0, 1) ** rng.uniform(0.7, 1.4)
    im = Image.fromarray((f * 255).round().astype(np.uint8))
    if rng.random() < 0.3:
        im = im.filter(ImageFilter.GaussianBlur(rng.uniform(0.3, 1.5)))
    out = np.asarray(im, np.float32)
    if rng.random() < 0.5:
        out = out + rng.normal(0, rng.uniform(2, 15), out.shape[:2])[..., None]
    return np.clip(out, 0, 255).astype(np.uint8)


def view_rng(seed: int, name: str, view: int) -> np.random.Generator:
    """The generator of one augmented view, from the seed, the image's name (its corpus-relative
    path) and the view number; not from a position in a list, so that any subset of the images
    gets the same views (and the feature cache, keyed by name and view, stays true)."""
    digest = int.from_bytes(hashlib.sha256(name.encode()).digest()[:8], "little")
    return np.random.default_rng([seed, digest, view])


# -- feature cache -------------------------------------------------------------------------------
def cache_dir() -> Path:
    env = settings.get("bench_cache")
    return Path(env) if env else Path(__file__).resolve().parents[1] / "bench" / "results" / "cache"


class FeatureCache:
    """Base-embedder vectors by key (file, size, transform), kept on disk between runs.

    Keys name everything that determines the vector, so a cached vector is the vector the
    embedder would compute now (same weights: the embedder id is part of the file name).
    """

    def __init__(self, embedder_id: str, folder: Path | None = None):
        self.folder = Path(folder) if folder else cache_dir()
        safe = re.sub(r"[^A-Za-z0-9._-]", "_", embedder_id)
        self.vec_path = self.folder / f"{safe}.npy"
        self.key_path = self.folder / f"{safe}.keys.json"
        self.keys: dict[str, int] = {}
        self.vectors = np.zeros((0, 0), np.float32)
        if self.vec_path.exists() and self.key_path.exists():
            keys = json.loads(self.key_path.read_text())
            vectors = np.load(self.vec_path)
            if len(keys) == len(vectors):
                self.keys = {k: i for i, k in enumerate(keys)}
                self.vectors = vectors

    def get(self, embedder: Embedder, keys: Sequence[str], load: Callable[[int], np.ndarray],
            batch: int = 32, progress: Callable[[int, int], None] | None = None) -> np.ndarray:
        """Vectors for ``keys``; ``load(i)`` makes the image of keys[i] when it is not cached."""
        missing = [i for i, k in enumerate(keys) if k not in self.keys]
        for start in range(0, len(missing), batch):
            chunk = missing[start:start + batch]
            vecs = embedder.embed([load(i) for i in chunk])
            self._append([keys[i] for i in chunk], vecs)
            if progress:
                progress(min(start + batch, len(missing)), len(missing))
        if not keys:
            return np.zeros((0, embedder.config.dim), np.float32)
        return self.vectors[[self.keys[k] for k in keys]]

    def _append(self, keys: list[str], vecs: np.ndarray) -> None:
        """Add vectors and write the cache; under a lock, merged with what other processes wrote."""
        import fcntl

        self.folder.mkdir(parents=True, exist_ok=True)
        with open(self.folder / ".lock", "w") as lock:
            fcntl.flock(lock, fcntl.LOCK_EX)
            if self.vec_path.exists() and self.key_path.exists():  # entries another process added
                disk_keys = json.loads(self.key_path.read_text())
                if len(disk_keys) > len(self.keys):
                    disk = np.load(self.vec_path)
                    if len(disk) == len(disk_keys):
                        extra = [i for i, k in enumerate(disk_keys) if k not in self.keys]
                        self._add([disk_keys[i] for i in extra], disk[extra])
            self._add(keys, vecs)
            tmp = self.vec_path.with_suffix(".tmp.npy")
            np.save(tmp, self.vectors)
            tmp.replace(self.vec_path)
            tmp = self.key_path.with_suffix(".tmp")
            tmp.write_text(json.dumps(sorted(self.keys, key=self.keys.get)))
            tmp.replace(self.key_path)

    def _add(self, keys, vecs) -> None:
        fresh = [(k, v) for k, v in zip(keys, vecs) if k not in self.keys]
        if not fresh:
            return
        base = len(self.keys)
        new = np.stack([v for _, v in fresh]).astype(np.float32)
        self.vectors = new if not len(self.vectors) else np.concatenate([self.vectors, new])
        for j, (k, _) in enumerate(fresh):
            self.keys[k] = base + j


def file_key(path: Path, corpus: Path | None = None) -> str:
    rel = str(Path(path).relative_to(corpus)) if corpus else str(path)
    return f"{rel}:{Path(path).stat().st_size}"


def base_vectors(embedder: Embedder, cache: FeatureCache | None, keys: Sequence[str],
                 load: Callable[[int], np.ndarray], progress=None) -> np.ndarray:
    """Vectors of ``embedder``, via the cache of its base when it is a ProjectedEmbedder."""
    if isinstance(embedder, ProjectedEmbedder):
        return embedder.project(base_vectors(embedder.base, cache, keys, load, progress))
    if cache is None:
        return embedder.embed([load(i) for i in range(len(keys))])
    return cache.get(embedder, keys, load, progress=progress)


# -- metrics -------------------------------------------------------------------------------------
def average_precision(order_relevant: np.ndarray) -> float:
    """AP of one ranking given as booleans (relevant or not) in rank order."""
    rel = np.asarray(order_relevant, bool)
    n = int(rel.sum())
    if n == 0:
        return float("nan")
    hits = np.cumsum(rel)
    return float((hits[rel] / (np.flatnonzero(rel) + 1)).sum() / n)


def retrieval_map(queries: np.ndarray, gallery: np.ndarray, relevant: np.ndarray,
                  ignore: np.ndarray | None = None) -> tuple[float, np.ndarray, np.ndarray]:
    """mAP of ranking ``gallery`` by inner product for each query.

    ``relevant``/``ignore`` are (Q, G) boolean: ignored items (the query itself, items neither
    relevant nor irrelevant) are removed from the ranking.  Returns (mAP, per-query AP, rank of
    the first relevant item, 1-based).
    """
    scores = np.asarray(queries, np.float32) @ np.asarray(gallery, np.float32).T
    aps, first = np.empty(len(scores)), np.empty(len(scores), np.int64)
    for q in range(len(scores)):
        keep = ~ignore[q] if ignore is not None else np.ones(scores.shape[1], bool)
        s, r = scores[q][keep], relevant[q][keep]
        order = np.lexsort((np.arange(len(s)), -s))  # ties: gallery order, deterministic
        rel = r[order]
        aps[q] = average_precision(rel)
        first[q] = int(np.argmax(rel)) + 1 if rel.any() else 0
    return float(np.nanmean(aps)), aps, first


def chance_map(relevant: np.ndarray, ignore: np.ndarray | None = None, trials: int = 20, seed: int = 0) -> float:
    """mAP of random rankings (the floor a method must beat)."""
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(trials):
        g = rng.normal(size=(relevant.shape[1], 8)).astype(np.float32)
        q = rng.normal(size=(relevant.shape[0], 8)).astype(np.float32)
        out.append(retrieval_map(q, g, relevant, ignore)[0])
    return float(np.mean(out))


def same_label(labels_q: Iterable, labels_g: Iterable) -> np.ndarray:
    a, b = np.asarray(list(labels_q), dtype=object), np.asarray(list(labels_g), dtype=object)
    return a[:, None] == b[None, :]
