"""OCR engines behind one interface: text boxes found in an image.

``rapidocr`` (rapidocr-onnxruntime, which carries its ONNX models in the wheel) is the
default and runs offline on the CPU; ``tesseract`` (Debian's tesseract-ocr + pytesseract) is
registered the same way.  Unknown names fail listing the valid ones.
"""

from __future__ import annotations

import copy
import hashlib
import re
import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from figdex import settings
from figdex.errors import UnavailableError

_REGISTRY: dict[str, type["OcrEngine"]] = {}
# A text line that is only a number ("0.5", "-10", "25%"): tick labels, which mark plots.
NUMBER_TEXT = re.compile(r"^[-+−]?\d+(?:[.,]\d+)?%?$")


@dataclass(frozen=True)
class TextBox:
    box: tuple[int, int, int, int]  # x0, y0, x1, y1 in the image given
    text: str
    confidence: float


class OcrUnavailable(UnavailableError):
    pass


class OcrEngine(ABC):
    name = ""

    @abstractmethod
    def read(self, image: np.ndarray) -> list[TextBox]:
        """Detect and recognise text lines in an RGB uint8 image."""

    @abstractmethod
    def recognise(self, image: np.ndarray) -> TextBox | None:
        """Recognise one text line that fills ``image`` (a crop), without detection."""

    def recognise_many(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        """Recognise several crops; engines with batch inference override this."""
        out = []
        for crop in crops:
            box = self.recognise(crop)
            out.append((box.text, box.confidence) if box else ("", 0.0))
        return out


def register_ocr(cls):
    _REGISTRY[cls.name] = cls
    return cls


def ocr_names() -> list[str]:
    return sorted(_REGISTRY)


def get_ocr(name: str = "rapidocr") -> OcrEngine:
    """The engine ``name``, loaded once per process and thread count (the ``threads`` setting of the
    moment: an ingest worker's tasks ask for one thread, the rest of a long-lived process for its own)."""
    return _engine(name, settings.get("threads"))


@lru_cache(maxsize=None)
def _engine(name: str, threads: int) -> OcrEngine:
    try:
        cls = _REGISTRY[name]
    except KeyError:
        raise OcrUnavailable(f"unknown OCR engine {name!r}; valid names: {', '.join(ocr_names())}") from None
    return cls()


# Text lines of a full read recognised one at a time.  RapidOCR's default batches six lines,
# each padded to the widest of its batch; on one CPU thread that is slower per line (the read's
# recognition took 1.5x the CPU time in batches of six on 12 figures, bench/README.md), and
# what a line reads no longer depends on its neighbours.  Six is RapidOCR's own setting.
READ_BATCH = 1
_RAPIDOCR_BATCH = 6
_RECOGNISED_KEPT = 4096  # crops whose reading is remembered (a figure has a few hundred tokens)


def _table_preprocess(detector):
    """``TextDetector.get_preprocess`` whose preprocessor normalises 8-bit pixels by looking them up.

    RapidOCR's ``DetPreProcess.normalize`` computes ``(x * 1/255 - mean) / std`` in float64 over the
    whole resized figure (mean and std are float64 arrays) and then casts to float32: on one core
    that is most of the detector's preprocessing.  The values depend only on the byte and the
    channel, so a 256-entry table per channel made by the library's own ``normalize`` gives the
    very same float32 input (tests/test_ocr_runtime.py compares them bit for bit)."""
    make = detector.get_preprocess

    def get_preprocess(max_wh):
        op = make(max_wh)
        normalize = op.normalize
        # (256, 3): row k is what normalize gives a pixel whose three channels are all k.
        table = normalize(np.repeat(np.arange(256, dtype=np.uint8)[:, None], 3, axis=1)[None])[0]
        table = table.astype(np.float32)

        def prepare(img):
            if img.dtype != np.uint8 or img.ndim != 3 or img.shape[2] != 3:
                return type(op).__call__(op, img)  # the library's own path
            resized = op.resize(img)
            if resized is None:
                return None
            out = np.empty((1, 3, *resized.shape[:2]), np.float32)
            for c in range(3):
                np.take(table[:, c], resized[..., c], out=out[0, c])
            return out

        return prepare  # TextDetector calls it as its preprocess_op(img)

    return get_preprocess


@register_ocr
class RapidOcr(OcrEngine):
    name = "rapidocr"

    def __init__(self, read_batch: int = READ_BATCH):
        try:
            from rapidocr_onnxruntime import RapidOCR
        except ImportError as exc:
            raise OcrUnavailable("rapidocr is not installed; run: pip install 'figdex[ml]'") from exc
        # The threads setting: 2 by default (the machines figdex targets have two cores), 1 in an ingest
        # worker (ingest/executors.py), FIGDEX_THREADS when set.
        threads = settings.get("threads")
        self.engine = RapidOCR(intra_op_num_threads=threads, inter_op_num_threads=1)
        # The detector's input prepared through a table (the same float32 values, bench/README.md h141).
        self.engine.text_det.get_preprocess = _table_preprocess(self.engine.text_det)
        self.read_batch = read_batch
        # The full read goes through a copy of the pipeline whose recogniser batches read_batch
        # lines; both share the ONNX sessions, and recognise_many keeps RapidOCR's batches of six.
        self._reader = copy.copy(self.engine)
        self._reader.text_rec = copy.copy(self.engine.text_rec)
        self._reader.text_rec.rec_batch_num = read_batch
        self.engine.text_rec.rec_batch_num = _RAPIDOCR_BATCH
        # Separation recognises the same crops again in a second pass (labels implied by those
        # found): the reading of a crop is remembered by its pixels, so it is computed once.
        self._recognised: dict[tuple, TextBox | None] = {}
        self._lock = threading.Lock()

    def read(self, image: np.ndarray) -> list[TextBox]:
        try:
            result, _ = self._reader(image)
        except Exception as exc:
            # RapidOCR scales the long side down to its limit and rounds each side to a multiple of 32: a strip a
            # few pixels high and thousands wide (a spectrum line loaded as an image) rounds to 0 rows and its
            # resize raises ResizeImgError.  Such a strip holds no legible text; anything else is a real error.
            if type(exc).__name__ != "ResizeImgError":
                raise
            return []
        boxes = []
        for quad, text, score in result or []:
            xs = [p[0] for p in quad]
            ys = [p[1] for p in quad]
            boxes.append(TextBox((int(min(xs)), int(min(ys)), int(max(xs)), int(max(ys))), text, float(score)))
        return boxes

    def recognise(self, image: np.ndarray) -> TextBox | None:
        image = np.ascontiguousarray(image)
        key = (image.shape, image.dtype.str, hashlib.blake2b(image.tobytes(), digest_size=16).digest())
        with self._lock:
            if key in self._recognised:
                return self._recognised[key]
        result, _ = self.engine(image, use_det=False, use_cls=False, use_rec=True)
        box = None
        if result:
            text, score = result[0][0], result[0][1]
            h, w = image.shape[:2]
            box = TextBox((0, 0, w, h), text, float(score))
        with self._lock:
            if len(self._recognised) >= _RECOGNISED_KEPT:
                self._recognised.pop(next(iter(self._recognised)))  # the oldest
            self._recognised[key] = box
        return box


    def recognise_many(self, crops: list[np.ndarray]) -> list[tuple[str, float]]:
        if not crops:
            return []
        results, _ = self.engine.text_rec(crops)
        return [(text, float(score)) for text, score in results]


@register_ocr
class TesseractOcr(OcrEngine):
    name = "tesseract"

    def __init__(self):
        try:
            import pytesseract

            pytesseract.get_tesseract_version()
        except Exception as exc:  # ImportError or TesseractNotFoundError
            raise OcrUnavailable(
                "tesseract is not available; run: apt-get install -y tesseract-ocr && pip install pytesseract") from exc
        self.pt = pytesseract

    def read(self, image: np.ndarray) -> list[TextBox]:
        data = self.pt.image_to_data(image, output_type=self.pt.Output.DICT)
        out = []
        for i, text in enumerate(data["text"]):
            if text.strip() and float(data["conf"][i]) > 0:
                x, y, w, h = data["left"][i], data["top"][i], data["width"][i], data["height"][i]
                out.append(TextBox((x, y, x + w, y + h), text, float(data["conf"][i]) / 100))
        return out

    def recognise(self, image: np.ndarray) -> TextBox | None:
        text = self.pt.image_to_string(image, config="--psm 7").strip()
        h, w = image.shape[:2]
        return TextBox((0, 0, w, h), text, 0.5) if text else None


def load_rgb(path) -> np.ndarray:
    """An image file as an RGB uint8 array (alpha composited on white, palette/16-bit/float converted;
    the first frame of an animation).

    Raises figdex.limits.LimitError (a ValueError) for an image past the bounds of pixels or shape,
    and OSError naming the file for one that does not open or decode (truncated, damaged, no image)."""
    from PIL import Image

    from figdex.limits import LimitError, open_image

    try:
        im = open_image(path)
    except LimitError:
        raise
    except Exception as exc:  # decoders raise struct.error, IndexError, ... on damaged files, not only OSError
        raise OSError(f"{path}: not a readable image ({exc})") from exc
    with im:
        try:
            im.load()
        except Exception as exc:  # as above
            raise OSError(f"{path}: not a readable image ({exc})") from exc
        if im.mode in ("RGBA", "LA", "La", "RGBa", "P", "PA"):
            im = im.convert("RGBA")
            background = Image.new("RGBA", im.size, (255, 255, 255, 255))
            im = Image.alpha_composite(background, im)
        if im.mode.startswith("I") or im.mode == "F":  # 16/32-bit integers, floats: stretched to 8 bits
            # float64: the range of float32 pixels near ±3e38 overflows float32; NaN and inf become 0.
            arr = np.nan_to_num(np.asarray(im, dtype=np.float64), nan=0.0, posinf=0.0, neginf=0.0)
            arr = (255 * (arr - arr.min()) / max(1.0, float(arr.max() - arr.min()))).astype(np.uint8)
            return np.stack([arr] * 3, axis=-1)
        return np.asarray(im.convert("RGB"))
