"""Every setting of figdex in one table: its name, default, environment variable and help.

A setting comes from, first to last: the environment variable, the dataset's ``config.json``
(settings with ``in_config``), a default this process chose for itself (``process_default``: an
ingest worker takes one OCR/CNN thread), the table's default.  (A command-line option, where there is one,
comes before all three.)  ``config.json`` is read once per dataset and again only when the
file changes; a malformed file, an unknown key or a bad value is refused with the file or
variable and the fix, never ignored.  Environment variables are read when a setting is asked
for, so a test or a long-lived process sees the value of the moment.

Like ``errors.py`` this module imports nothing of figdex but the errors: every layer may use it.
"""

from __future__ import annotations

import contextlib
import json
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from figdex.errors import FigdexError

CONFIG_NAME = "config.json"


class SettingsError(FigdexError, ValueError):
    """A malformed config.json or a bad setting value; the message names where and the fix."""


def _positive_int(raw) -> int:
    value = int(raw)
    if value < 1:
        raise ValueError("must be at least 1")
    return value


def _count(raw) -> int:
    value = int(raw)
    if value < 0:
        raise ValueError("must be 0 or more")
    return value


def _choice(*options: str) -> Callable[[Any], str]:
    def parse(raw) -> str:
        value = str(raw).strip().lower()
        if value not in options:
            raise ValueError(f"use {', '.join(options[:-1])} or {options[-1]}")
        return value
    return parse


def _auto_or_positive_int(raw) -> str | int:
    if str(raw).strip().lower() == "auto":
        return "auto"
    try:
        return _positive_int(raw)
    except ValueError:
        raise ValueError("use auto or a whole number of at least 1") from None


def _flag(raw) -> bool:
    if isinstance(raw, bool):
        return raw
    value = str(raw).strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise ValueError("use 1 or 0 (true/false, yes/no, on/off)")


def _seconds(raw) -> float:
    value = float(raw)
    if not value >= 0 or value == float("inf"):
        raise ValueError("must be a number of seconds, 0 or more")
    return value


def _nonnegative_float(raw) -> float:
    value = float(raw)
    if not value >= 0 or value == float("inf"):
        raise ValueError("must be a number, 0 or more")
    return value


def _text(raw) -> str:
    if not isinstance(raw, str):
        raise ValueError("must be a string")
    return raw.strip()


def _url(raw) -> str:
    value = _text(raw)
    if not value.startswith(("http://", "https://")):
        raise ValueError("must start with http:// or https://, e.g. http://localhost:9200")
    return value.rstrip("/")


def _name(raw) -> str:
    value = _text(raw)
    if not value:
        raise ValueError("must not be empty")
    return value


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    env: str | None
    help: str
    parse: Callable[[Any], Any] = _text
    in_config: bool = False  # may be set in the dataset's config.json


SETTINGS: tuple[Setting, ...] = (
    Setting("dataset", "./figdex-data", "FIGDEX_DATASET", "The dataset directory commands use without --dataset.",
            _name),
    Setting("text_index", "tantivy", "FIGDEX_BACKEND", "Full-text backend: tantivy or fts5 (embedded), "
            "elasticsearch, opensearch (`figdex index rebuild --use` sets it).", _name, True),
    Setting("text_index_url", "http://localhost:9200", "FIGDEX_ES_URL",
            "Elasticsearch/OpenSearch URL, credentials in it if needed.", _url, True),
    Setting("text_index_name", "figdex", "FIGDEX_ES_INDEX",
            "Elasticsearch/OpenSearch alias (one per dataset sharing a server).", _name, True),
    Setting("embedder", "efficientnet-lite0", None, "Image embedder of query by example "
            "(`figdex index embed --embedder` sets it).", _name, True),
    Setting("text_embedder", "all-minilm-l6-v2", None, "Sentence model of semantic caption search "
            "(figdex[semantic]; models/text_embedders.py).", _name, True),
    Setting("search_mode", "auto", "FIGDEX_SEARCH_MODE", "Default of `search --mode`: auto (hybrid where the "
            "dataset has caption vectors, else bm25), bm25, semantic or hybrid (bench/semantic_search.py).",
            _choice("auto", "bm25", "semantic", "hybrid"), True),
    Setting("content_text_weight", 1.0, "FIGDEX_CONTENT_TEXT_WEIGHT", "`search --by-content`: weight of the "
            "text printed in the image (OCR, `figdex index image-text`; its sentence vector) against the aligned "
            "image similarity (weight 1). All three content weights 0 = pixels through the alignment only "
            "(bench/semantic_search.py, tuned on devset folds 2-4).",
            _nonnegative_float, True),
    Setting("content_figure_weight", 2.0, "FIGDEX_CONTENT_FIGURE_WEIGHT", "`search --by-content`: weight of "
            "the words printed anywhere in the image's figure (all its panels; sentence vectors pooled).",
            _nonnegative_float, True),
    Setting("content_words_weight", 0.5, "FIGDEX_CONTENT_WORDS_WEIGHT", "`search --by-content`: weight of the "
            "query's words found in the printed words (BM25 over the image's own, or its figure's when it prints "
            "none, plus its figure's best; each 0-1). 1 before the paper's signals below took over part of its "
            "role (round h108: 0.5 better on both groups measured, in-sample).",
            _nonnegative_float, True),
    Setting("content_article_weight", 4.0, "FIGDEX_CONTENT_ARTICLE_WEIGHT", "`search --by-content`: weight of "
            "the best printed-words cosine among the images of the image's paper (its other figures share the "
            "topic; not for a folder of loose images). Tuned on the group of fresh-2026-12d, in-sample "
            "(bench/README.md, round h108).", _nonnegative_float, True),
    Setting("content_article_words_weight", 1.0, "FIGDEX_CONTENT_ARTICLE_WORDS_WEIGHT", "`search --by-content`: "
            "weight of the best BM25 of the query's words among the images of the image's paper (0-1).",
            _nonnegative_float, True),
    Setting("label_model", None, None, "Version of the trained label model (`figdex labels train` sets it).",
            _name, True),
    Setting("threads", 2, "FIGDEX_THREADS", "CPU threads of each OCR and CNN. Ingest workers (--workers N, "
            "the in-process one of --workers 1 too) use 1 each unless this variable is set, so N workers use N "
            "cores; set, each worker uses this many (N x FIGDEX_THREADS cores). Elsewhere (search, index embed, "
            "the embed stage of the writer): 2, the target machines' cores.", _positive_int),
    Setting("workers", os.cpu_count() or 1, "FIGDEX_WORKERS", "Worker processes of `figdex ingest` and "
            "`ingest-images` (--workers; default: the machine's cores): N workers = N cores, each worker's "
            "OCR and CNN on one thread (see threads); 1 runs every stage in this process, on one core.",
            _positive_int),
    Setting("cluster_quiet_workers", True, "FIGDEX_CLUSTER_QUIET_WORKERS", "`--cluster`: stop each Dask worker's "
            "statistical profiler and check its event loop once a second, not 50 times (each wake-up takes CPU "
            "from the figure being separated; the dashboard's profile pages stay empty). 0 leaves the workers "
            "as started, for a cluster shared with other work.", _flag),
    Setting("harvest_hosts", 4, "FIGDEX_HARVEST_HOSTS", "Hosts a live harvest fetches from at once, each "
            "politely (its robots.txt, delay and backoff), while the stages work on what came (1: one article "
            "after another, the stages after).", _positive_int),
    Setting("classifier", "auto", "FIGDEX_CLASSIFIER", "Image classes: auto (the learned classifier when "
            "figdex[ml] is installed, else pixel rules) or rules.", _choice("auto", "rules")),
    Setting("gutters", "model", "FIGDEX_GUTTERS", "Which gutters separate unlabelled panels: model (the learned "
            "gutter model, models/gutter_tree.py, fitted on the gold figures and synthetic compound figures) or "
            "rules (hand-written); their measured AP50, held out and on each fresh set: eval/devset/README.md.",
            _choice("model", "rules"), in_config=True),
    Setting("embed_runtime", "auto", "FIGDEX_EMBED_RUNTIME", "CNN runtime: auto (ONNX when installed), "
            "torch or onnx.", _choice("auto", "torch", "onnx")),
    Setting("device", "auto", "FIGDEX_DEVICE", "Where the CNN, the learned classifier and the sentence model run: "
            "auto (cuda:0 when torch sees a GPU, else the CPU), cpu or cuda (refused when no GPU is seen); FAISS "
            "searches a GPU copy of its index when faiss-gpu sees one, unless cpu (figdex/devices.py).",
            _choice("auto", "cpu", "cuda")),
    Setting("embed_batch", "auto", "FIGDEX_EMBED_BATCH", "Images (CNN, classifier) or texts (sentence model) per "
            "forward pass: auto (16 images, 32 texts on the CPU; 128 and 256 on a GPU, which a bigger batch "
            "keeps busy) or a number.", _auto_or_positive_int),
    Setting("cache_dir", str(Path.home() / ".cache" / "figdex"), "FIGDEX_CACHE_DIR",
            "Where exported ONNX models are kept.", _name),
    Setting("facet_cache", 128, "FIGDEX_FACET_CACHE", "Facet counts `figdex serve` keeps per query (0: off).",
            _count),
    Setting("contact", "", "FIGDEX_CONTACT", "How to reach you, added to the User-Agent of harvests "
            "(e.g. you@lab.org).", _text),
    Setting("arxiv_delay", 3.0, "FIGDEX_ARXIV_DELAY", "Minimum seconds between two requests to arXiv's hosts "
            "(export.arxiv.org and arxiv.org share one clock); arXiv asks API users for 3.", _seconds),
    Setting("chromium", "", "FIGDEX_CHROMIUM", "Headless Chromium of `--fetcher browser` (default: found on PATH).",
            _text),
    Setting("bench_cache", "", "FIGDEX_BENCH_CACHE", "Feature cache of the tuning benchmarks "
            "(default bench/results/cache).", _text),
    Setting("classifier_cache", "", "FIGDEX_CLASSIFIER_CACHE", "Feature cache of classifier training "
            "(default build/classifier-cache).", _text),
    Setting("screenshots", "", "FIGDEX_SCREENSHOTS", "Where the browser tests write their screenshots "
            "(default build/screenshots).", _text),
)
BY_NAME = {s.name: s for s in SETTINGS}


def _parse(setting: Setting, raw, where: str, fix: str):
    try:
        return setting.parse(raw)
    except (TypeError, ValueError) as exc:
        raise SettingsError(f"{where}: {setting.name} = {raw!r} is not valid ({exc}); {fix}") from None


# Defaults this process chose for itself (process_default): below the environment and config.json, so
# that a variable the user set still wins, above the table's default.
_PROCESS_DEFAULTS: dict[str, Any] = {}
PROCESS_SOURCE = "this process (ingest worker)"


@contextlib.contextmanager
def process_default(name: str, value):
    """Inside the block, ``name`` defaults to ``value`` in this process (all its threads), unless its
    environment variable or config.json sets it; an ingest worker runs its tasks so (threads = 1)."""
    value = _parse(BY_NAME[name], value, name, "give another value")
    had, old = name in _PROCESS_DEFAULTS, _PROCESS_DEFAULTS.get(name)
    _PROCESS_DEFAULTS[name] = value
    try:
        yield
    finally:
        if had:
            _PROCESS_DEFAULTS[name] = old
        else:
            _PROCESS_DEFAULTS.pop(name, None)


def set_process_default(name: str, value) -> None:
    """``process_default`` for the rest of this process's life (a worker process, when it starts)."""
    _PROCESS_DEFAULTS[name] = _parse(BY_NAME[name], value, name, "give another value")


# config.json by dataset folder: (mtime_ns, size) of the file read, and its checked values.
_CONFIGS: dict[Path, tuple[tuple[int, int] | None, dict]] = {}
_LOCK = threading.Lock()


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except FileNotFoundError:
        return None
    return st.st_mtime_ns, st.st_size


def read_config(root: str | Path) -> dict:
    """The checked values of ``root/config.json`` ({} without one); read again only when it changed."""
    path = Path(root) / CONFIG_NAME
    stamp = _stamp(path)
    with _LOCK:
        cached = _CONFIGS.get(path)
        if cached is not None and cached[0] == stamp:
            return cached[1]
    values = _load(path) if stamp is not None else {}
    with _LOCK:
        _CONFIGS[path] = (stamp, values)
    return values


def _load(path: Path) -> dict:
    fix = f"fix or delete {path} (`figdex config` lists the settings and their defaults)"
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as exc:
        raise SettingsError(f"{path} is not valid JSON ({exc}); {fix}") from None
    except OSError as exc:
        raise SettingsError(f"{path} cannot be read ({exc.strerror or exc})") from None
    if not isinstance(data, dict):
        raise SettingsError(f"{path} must hold a JSON object such as {{\"text_index\": \"fts5\"}}; {fix}")
    values = {}
    for key, raw in data.items():
        setting = BY_NAME.get(key)
        if setting is None:
            known = ", ".join(s.name for s in SETTINGS if s.in_config)
            raise SettingsError(f"{path}: unknown setting {key!r}; the settings a dataset may set: {known}")
        if not setting.in_config:
            raise SettingsError(f"{path}: {key} is not a dataset setting; set the environment variable "
                                f"{setting.env} instead")
        values[key] = None if raw is None else _parse(setting, raw, str(path), f"fix it in {path}")
    return values


def write_config(root: str | Path, **values) -> None:
    """Set dataset settings in ``root/config.json`` (checked like a read: a bad value is refused)."""
    path = Path(root) / CONFIG_NAME
    current = dict(read_config(root))
    for key, raw in values.items():
        setting = BY_NAME.get(key)
        if setting is None or not setting.in_config:
            raise SettingsError(f"{key} is not a dataset setting")
        current[key] = _parse(setting, raw, key, "give another value")
    path.write_text(json.dumps(current, indent=2) + "\n")
    with _LOCK:
        _CONFIGS[path] = (_stamp(path), current)


def lookup(name: str, root: str | Path | None = None) -> tuple[Any, str]:
    """The value of setting ``name`` and where it came from: the variable's name, the
    config.json path, or "default"."""
    setting = BY_NAME[name]
    raw = os.environ.get(setting.env) if setting.env else None
    if raw is not None and raw.strip() != "":
        return _parse(setting, raw, setting.env, f"unset it or give a valid value ({setting.help})"), setting.env
    if root is not None and setting.in_config:
        config = read_config(root)
        if config.get(name) is not None:
            return config[name], str(Path(root) / CONFIG_NAME)
    if name in _PROCESS_DEFAULTS:
        return _PROCESS_DEFAULTS[name], PROCESS_SOURCE
    return setting.default, "default"


def get(name: str, root: str | Path | None = None) -> Any:
    """The value of setting ``name`` (for the dataset at ``root`` when given)."""
    return lookup(name, root)[0]


def table(root: str | Path | None = None) -> list[dict]:
    """Every setting with its current value and source (what `figdex config` prints); a bad
    value is shown with its error (``error``) rather than stopping the listing."""
    rows = []
    for s in SETTINGS:
        try:
            value, source, error = *lookup(s.name, root), ""
        except SettingsError as exc:
            value, source, error = None, "invalid", str(exc)
        rows.append({"name": s.name, "value": value, "source": source, "env": s.env or "",
                     "default": s.default, "in_config": s.in_config, "help": s.help, "error": error})
    return rows
