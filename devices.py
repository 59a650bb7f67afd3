"""Where the models run and where FAISS searches: a GPU when one is present, else the CPU.

One choice per process, from the setting ``device`` (FIGDEX_DEVICE, settings.py):

* ``auto`` (default): ``cuda:0`` when torch sees a CUDA device, else the CPU, silently;
* ``cpu``: the CPU, whatever is present (also keeps FAISS on the CPU);
* ``cuda``: ``cuda:0``, refused with an UnavailableError naming the setting when torch sees no
  GPU: who asks for a GPU and gets a CPU ten times slower should hear why, not wait.

The CNN embedders, the learned classifier (through its CNN) and the sentence model move to that
device and run in batches of ``batch_size()`` (setting ``embed_batch``: on the CPU the sizes
used before, so the vectors stay those of a CPU run; larger on a GPU).  FAISS searches and adds
through a GPU copy of an index when faiss is built with GPU support and sees a device; the index
written to disk stays a CPU index, so a dataset moves between machines with and without GPUs.

The choice is printed once per process on stderr ("figdex: embedding on cuda:0 (NVIDIA H100)",
"figdex: embedding on CPU: no GPU seen"); worker processes of a multiprocessing pool stay quiet,
since their parent (the writer) prints the same choice once for all of them.

Like ``settings.py`` this module imports nothing of figdex but settings and errors: every layer
may use it; torch and faiss are imported only inside the functions that need them.
"""

from __future__ import annotations

import multiprocessing
import sys
import threading

from figdex import settings
from figdex.errors import UnavailableError

CPU_BATCH = {"image": 16, "text": 32}  # the sizes used before GPUs were: CPU vectors stay the same
GPU_BATCH = {"image": 128, "text": 256}

_LOCK = threading.Lock()
_CHOSEN: dict[str, tuple[str, str]] = {}  # setting value -> (device, the line that says so)
_SAID: set[str] = set()
_FAISS_FAILED: set[str] = set()  # index types faiss could not copy to the GPU (said once, then CPU)


class DeviceError(UnavailableError):
    """The device the settings ask for is not here; the message names the setting and the fix."""


def say_once(line: str) -> None:
    """Print ``line`` on stderr the first time this process asks (never in a pool's worker process)."""
    with _LOCK:
        if line in _SAID:
            return
        _SAID.add(line)
    if multiprocessing.parent_process() is None:
        print(line, file=sys.stderr, flush=True)


def forget() -> None:
    """Choose again on the next call, and say it again (a test that changes FIGDEX_DEVICE)."""
    with _LOCK:
        _CHOSEN.clear()
        _SAID.clear()
        _FAISS_FAILED.clear()


def torch_device() -> str:
    """``"cuda:0"`` or ``"cpu"``, as the setting ``device`` asks and torch allows; printed once."""
    wanted = settings.get("device")
    with _LOCK:
        chosen = _CHOSEN.get(wanted)
    if chosen is None:
        chosen = _choose(wanted)
        with _LOCK:
            _CHOSEN[wanted] = chosen
    say_once(chosen[1])
    return chosen[0]


def torch_device_if_installed() -> str | None:
    """``torch_device()`` where torch is installed, else None (the light install has no models to place).
    Commands call it before their progress bars, so the line is not printed inside one."""
    import importlib.util

    return torch_device() if importlib.util.find_spec("torch") is not None else None


def _choose(wanted: str) -> tuple[str, str]:
    if wanted == "cpu":
        return "cpu", "figdex: embedding on CPU (FIGDEX_DEVICE=cpu)"
    import torch

    if torch.cuda.is_available():
        return "cuda:0", f"figdex: embedding on cuda:0 ({torch.cuda.get_device_name(0)})"
    if wanted == "cuda":
        why = ("this torch is built without CUDA" if torch.version.cuda is None
               else f"torch {torch.__version__} (CUDA {torch.version.cuda}) sees no GPU: check the driver "
                    "(nvidia-smi) and CUDA_VISIBLE_DEVICES")
        raise DeviceError(f"FIGDEX_DEVICE=cuda asks for a GPU, but {why}; unset FIGDEX_DEVICE (or set it to auto) "
                          "to run on the GPU when there is one and on the CPU otherwise, or set it to cpu")
    return "cpu", "figdex: embedding on CPU: no GPU seen"


def batch_size(kind: str, device: str) -> int:
    """Inputs per forward pass for ``kind`` ("image" or "text") on ``device`` (setting ``embed_batch``)."""
    value = settings.get("embed_batch")
    if value != "auto":
        return int(value)
    return (CPU_BATCH if device == "cpu" else GPU_BATCH)[kind]


def faiss_gpu_copy(index):
    """A GPU copy of the FAISS ``index`` when faiss-gpu sees a device and ``device`` is not cpu; else None.

    An index type faiss cannot put on a GPU stays on the CPU (said once, with faiss's reason)."""
    import faiss

    if settings.get("device") == "cpu" or not hasattr(faiss, "StandardGpuResources"):
        return None
    if faiss.get_num_gpus() < 1:
        return None
    kind = type(index).__name__
    if kind in _FAISS_FAILED:
        return None
    try:
        copy = faiss.index_cpu_to_gpu(_gpu_resources(), 0, index)
    except (RuntimeError, AttributeError) as exc:  # faiss raises RuntimeError for types without a GPU version
        with _LOCK:
            _FAISS_FAILED.add(kind)
        say_once(f"figdex: vector index on CPU: faiss cannot copy {kind} to the GPU ({str(exc).splitlines()[0]})")
        return None
    say_once(f"figdex: vector index on GPU 0 (faiss {faiss.__version__}, {faiss.get_num_gpus()} GPU seen)")
    return copy


_RESOURCES: list = []


def _gpu_resources():
    """One StandardGpuResources per process: each holds scratch memory on the device."""
    import faiss

    with _LOCK:
        if not _RESOURCES:
            _RESOURCES.append(faiss.StandardGpuResources())
        return _RESOURCES[0]
