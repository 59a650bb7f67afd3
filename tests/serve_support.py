"""A small real dataset for the web tests: the demo corpus's Nature articles (CC-BY), embedded
with the tiny thumbnail-16 embedder, plus one panel with a box, a class, a scale and labels.

Figure separation (OCR) takes ~10 s per article, too slow for the default test run, so the
panel is written as the separation stage writes one (``master_images`` box, class and scale,
a ``scale_bars`` row); everything else comes from the real ingest and embedding stages.
"""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

from figdex.index.db import Dataset, master_uid, now
from figdex.ingest.embed import embed_dataset
from figdex.ingest.pipeline import ingest_paths
from tests.conftest import DEMO

ARTICLE = "10.1038-s41467-018-06297-9"
PANEL_ID = f"{ARTICLE}-fig2-a"  # the panel written here (separation would cut the same one)
WHOLE_ID = f"{ARTICLE}-fig1-0"


def build_web_dataset(root: Path) -> Path:
    with Dataset.open(root) as ds:
        summary = ingest_paths(ds, [DEMO / "nature"])
        assert summary.failed == 0, summary.failures
        fig = ds.conn.execute("SELECT id, key, width, height FROM figures WHERE key LIKE ? AND number = 2",
                              (f"%{ARTICLE.split('-', 1)[1]}%",)).fetchone()
        w, h = fig["width"], fig["height"]
        key = f"{fig['key']}/a"
        with ds.transaction() as conn:
            conn.execute(
                "INSERT INTO master_images(key, uid, figure_id, panel, x0, y0, x1, y1, image_class, confidence, "
                "subcaption, nm_per_px, scale_source, scale_confidence, updated_at) "
                "VALUES (?, ?, ?, 'a', 0, 0, ?, ?, 'microscopy', 0.9, ?, 12.5, 'bar', 0.8, ?)",
                (key, master_uid(key), fig["id"], w // 2, h // 2,
                 "Scanning electron microscopy image of the electrode surface", now()))
            mid = ds.master_id(PANEL_ID)
            conn.execute("INSERT INTO scale_bars(master_image_id, x0, y0, x1, y1, length_px, label_text, nm, "
                         "confidence, source) VALUES (?, 20, ?, 100, ?, 80, '1 µm', 1000, 0.8, 'bar')",
                         (mid, h // 2 - 30, h // 2 - 26))
            ds.set_computed_labels(mid, "term", ["SEM"], "test")
            ds.add_label(ds.master_id(WHOLE_ID), "user", "electrode", "test")
            from figdex.index.fulltext import open_text_index

            open_text_index(ds).update([mid, ds.master_id(WHOLE_ID)])
        ds.set_config(embedder="thumbnail-16")
        embed_dataset(ds)
    return root


class Server:
    """`figdex serve` in a child process on 127.0.0.1 (a free port), stopped by ``stop``."""

    def __init__(self, dataset: Path, *args: str):
        env = {**os.environ, "PYTHONUNBUFFERED": "1"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "figdex.cli.main", "serve", "--dataset", str(dataset), "--port", "0", *args],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        deadline = time.monotonic() + 60
        self.lines: list[str] = []
        while time.monotonic() < deadline:
            line = self.proc.stdout.readline()
            if not line:
                break
            self.lines.append(line)
            m = re.search(r"serving .* at (http://127\.0\.0\.1:(\d+))/", line)
            if m:
                self.url, self.port = m.group(1), int(m.group(2))
                return
        self.stop()
        raise RuntimeError("figdex serve did not start:\n" + "".join(self.lines))

    def alive(self) -> bool:
        if self.proc.poll() is not None:
            return False
        with socket.create_connection(("127.0.0.1", self.port), timeout=5):
            return True

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()


def dataset_copy(web_dataset: Path, tmp_path_factory, name: str) -> Path:
    """A module's own copy of the shared web dataset (its tests change labels)."""
    import shutil

    root = tmp_path_factory.mktemp(name) / "ds"
    shutil.copytree(web_dataset, root)
    return root
