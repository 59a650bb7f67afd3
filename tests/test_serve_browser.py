"""End to end in headless Chromium (Debian's `chromium`, driven by Playwright; no browser download):
search -> open an image -> more like this -> upload a query image -> move an image between tag
panes -> overview -> export.  Screenshots of each page go to build/screenshots/ (or
$FIGDEX_SCREENSHOTS); the test prints where.

    apt-get install -y chromium && pip install playwright   # never `playwright install`
    python -m pytest -m browser
"""

from __future__ import annotations

import io
import json
import os
import shutil
import zipfile
from pathlib import Path

import pytest

from figdex.index.db import Dataset
from tests.conftest import DEMO, REPO
from tests.serve_support import PANEL_ID, WHOLE_ID, Server

pytestmark = pytest.mark.browser

CHROMIUM = next((p for p in (os.environ.get("FIGDEX_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium",
                             shutil.which("chromium-browser")) if p and Path(p).is_file()), None)
SHOTS = Path(os.environ.get("FIGDEX_SCREENSHOTS", REPO / "build" / "screenshots"))


@pytest.fixture(scope="module")
def browser_page():
    if CHROMIUM is None:
        pytest.skip("no chromium executable (apt-get install chromium, or set FIGDEX_CHROMIUM)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (no browser download needed)")
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page(viewport={"width": 1280, "height": 900}, accept_downloads=True)
        page.set_default_timeout(60_000)  # the first upload reads its scale bar with OCR
        yield page, sync_api.expect
        browser.close()


def shot(page, name: str) -> None:
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"))


def test_search_image_similar_tags_export(browser_page, web_dataset, tmp_path):
    root = tmp_path / "ds"
    shutil.copytree(web_dataset, root)
    srv = Server(root, "--allow-edits")
    page, expect = browser_page
    try:
        # 1. Search.
        page.goto(srv.url + "/")
        page.fill("input[name=q]", "electron microscopy")
        page.press("input[name=q]", "Enter")
        page.wait_for_selector(".card")
        assert page.locator(".card").count() >= 5 and page.locator("mark").count() > 0
        assert page.locator('[data-facet="image_class"] a', has_text="microscopy").count() == 1
        page.wait_for_load_state("networkidle")
        shot(page, "01-search")

        # 2. Open an image: the whole figure with the panel's box drawn on it.
        page.click(f'a.id[href="/images/{PANEL_ID}"]')
        page.wait_for_selector("rect.master-box")
        assert "12.5 nm/px" in page.inner_text(".details")
        page.wait_for_load_state("networkidle")
        shot(page, "02-image")

        # 3. More like this, constrained to its scale.
        page.click("form.more-like-this button")
        page.wait_for_selector(".grid .card")
        assert "images like" in page.inner_text("h2")
        page.wait_for_load_state("networkidle")
        shot(page, "03-more-like-this")

        # 4. Query by example: upload a figure; its scale bar is read from the image.
        page.goto(srv.url + "/similar")
        page.set_input_files("input[name=file]", str(DEMO / "nature" / "figures" / "s41467-018-06297-9_fig3.jpg"))
        page.click("form.upload button")
        page.wait_for_selector(".grid .card")
        assert page.locator(".card .id").first.inner_text() == "Fig. 3"
        page.wait_for_load_state("networkidle")
        shot(page, "04-query-by-example")

        # 5. Tag review: move an image from "does not have it" to "has it" (JavaScript, no reload).
        page.goto(srv.url + "/tags?label=electrode")
        assert page.inner_text("#pane-has h2 .count") == "1"
        moved = page.locator("#pane-not .tag-card").first
        moved_id = moved.get_attribute("data-id")
        moved.locator("button").click()
        expect(page.locator("#pane-has h2 .count")).to_have_text("2")
        assert page.locator(f'#pane-has .tag-card[data-id="{moved_id}"]').count() == 1
        # ... and the label that was there out again.
        page.locator(f'#pane-has .tag-card[data-id="{WHOLE_ID}"] button').click()
        expect(page.locator("#pane-has h2 .count")).to_have_text("1")
        page.wait_for_load_state("networkidle")
        shot(page, "05-tag-review")
        page.reload()  # saved at once: a reload shows the same panes
        assert page.locator(f'#pane-has .tag-card[data-id="{moved_id}"]').count() == 1
        with Dataset.open(root, create=False) as ds:
            users = [tuple(r) for r in ds.conn.execute(
                "SELECT m.uid, l.value FROM labels l JOIN master_images m ON m.id = l.master_image_id "
                "WHERE l.kind = 'user'")]
        assert users == [(moved_id, "electrode")]

        # 6. Overview plots.
        page.goto(srv.url + "/overview")
        assert page.locator("svg.chart").count() >= 4
        shot(page, "06-overview")

        # 7. Export the result set of a search.
        page.goto(srv.url + "/?q=electron+microscopy&has_image=true")
        with page.expect_download() as info:
            page.click("a.export")
        archive = zipfile.ZipFile(io.BytesIO(Path(info.value.path()).read_bytes()))
        rows = [json.loads(line) for line in archive.read("metadata.jsonl").splitlines()]
        assert rows and all(row["file"] in archive.namelist() for row in rows)
        shown = int(page.inner_text("strong.total"))
        assert len(rows) == shown
    finally:
        srv.stop()
    print(f"\nscreenshots: {SHOTS}")
