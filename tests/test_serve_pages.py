"""The pages of `figdex serve` (Flask's test client: no socket) and tag review on a plain image folder."""

from __future__ import annotations

import io
import re
import shutil
import socket
import subprocess
import sys

import pytest

from figdex.cli.web.app import create_app
from figdex.cli.web.charts import bar_chart
from figdex.index.db import Dataset
from figdex.ingest.image_folder import ingest_image_folders
from tests.conftest import DEMO
from tests.serve_support import PANEL_ID, WHOLE_ID, dataset_copy


@pytest.fixture(scope="module")
def dataset(web_dataset, tmp_path_factory):
    return dataset_copy(web_dataset, tmp_path_factory, "pages")


@pytest.fixture(scope="module")
def client(dataset):
    return create_app(dataset, allow_edits=True).test_client()


def html(client, path, status=200):
    r = client.get(path)
    assert r.status_code == status, r.get_data(as_text=True)[:500]
    return r.get_data(as_text=True)


def test_every_api_route_is_in_the_openapi_description(dataset):
    app = create_app(dataset)
    documented = app.test_client().get("/openapi.json").get_json()["paths"]
    routes = [r for r in app.url_map.iter_rules() if r.rule.startswith("/api/")]
    assert len(routes) >= 10
    for rule in routes:
        path = re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule)
        assert path in documented, f"{rule.rule} is not described in openapi.py"
        methods = {m.lower() for m in rule.methods} - {"head", "options"}
        assert methods <= documented[path].keys(), f"{rule.rule}: {methods} vs {documented[path].keys()}"
    for path, ops in documented.items():  # and nothing described that the app does not serve
        assert any(re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.rule) == path for r in routes), path


def test_search_page_has_facets_thumbnails_and_paging(client):
    page = html(client, "/?q=electron+microscopy")
    assert re.search(r'<strong class="total">\d+</strong> images', page)
    for facet in ("image_class", "label", "year", "journal", "license", "scale"):
        assert f'data-facet="{facet}"' in page
    assert "CC-BY-4.0 <span class=\"count\">" in page and "10–100 <span class=\"count\">1</span>" in page
    assert f'/api/images/{PANEL_ID}/thumbnail' in page and "<mark>electron</mark>" in page
    assert "/api/export?q=electron+microscopy" in page
    everything = html(client, "/")
    assert 'rel="next"' in everything and "page 1 of 2" in everything
    assert "page 2 of 2" in html(client, "/?page=2")
    filtered = html(client, "/?q=electron&class=microscopy")
    assert 'class=microscopy ✕' in filtered and PANEL_ID in filtered


def test_image_page_draws_the_box_and_shows_provenance(client):
    page = html(client, f"/images/{PANEL_ID}")
    assert re.search(r'<rect class="master-box" x="0" y="0" width="\d+" height="\d+"/>', page)
    assert 'class="scalebar-box"' in page and "12.5 nm/px (source: bar" in page and "“1 µm”" in page
    assert 'href="https://doi.org/10.1038/s41467-018-06297-9"' in page and "CC-BY-4.0" in page
    assert "Scanning electron microscopy image of the electrode surface" in page  # the sub-caption
    assert "Streaming potential of air-filled surfaces" in page  # the full caption
    assert '<span class="kind">term</span>' in page and "More like this" in page
    assert html(client, f"/images/{WHOLE_ID}").count('class="master-box"') == 0  # the whole figure: no box
    assert "no image with id" in html(client, "/images/nope", 404)
    assert "not an image id" in html(client, "/images/..%2F..", 404) + html(client, "/images/%2e%2e", 400)


def test_query_by_example_page(client):
    page = html(client, f"/similar?id={PANEL_ID}&nm_per_px=12")
    assert "images like" in page and page.count('class="card"') >= 3 and "similarity" in page
    data = {"file": (io.BytesIO((DEMO / "nature" / "figures" / "s41467-018-06297-9_fig3.jpg").read_bytes()),
                     "q.jpg"), "read_scale": "false"}
    r = client.post("/similar", data=data, content_type="multipart/form-data")
    assert r.status_code == 200 and "the uploaded image" in r.get_data(as_text=True)
    r = client.post("/similar", data={"file": (io.BytesIO(b"%PDF-1.4 nope"), "paper.pdf")},
                    content_type="multipart/form-data")
    assert r.status_code == 400 and "not a readable image" in r.get_data(as_text=True)
    assert '<form method="post"' in r.get_data(as_text=True)  # the form stays, to try again


def test_overview_plots_are_svg_drawn_on_the_server(client):
    page = html(client, "/overview")
    assert page.count("<svg class=\"chart\"") >= 4
    assert "Images per class" in page and "Images per year" in page and "Scale (nm per pixel" in page
    assert "<title>microscopy: 1</title>" in page and "with_label=term%3ASEM" in page
    svg = str(bar_chart([("<script>x</script>", 3)]))
    assert "<script>" not in svg and "&lt;script&gt;" in svg


def test_captions_from_the_web_are_escaped(dataset, tmp_path):
    root = tmp_path / "ds"
    shutil.copytree(dataset, root)
    with Dataset.open(root, create=False) as ds, ds.transaction():
        ds.conn.execute("UPDATE master_images SET subcaption = ? WHERE uid = ?",
                        ('electron <script>alert(1)</script><img src=x onerror=alert(2)>', PANEL_ID))
        from figdex.index.fulltext import open_text_index

        open_text_index(ds).update([ds.master_id(PANEL_ID)])
    client = create_app(root).test_client()
    for path in ("/?q=electron", f"/images/{PANEL_ID}", "/?q=alert"):
        page = html(client, path)
        assert "<script>alert" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html(client, f"/images/{PANEL_ID}")
    r = client.get("/")
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]


def test_tag_review_on_a_plain_image_folder(tmp_path):
    folder = tmp_path / "micrographs"
    folder.mkdir()
    for path in sorted((DEMO / "nature" / "figures").glob("*.jpg"))[:3]:
        shutil.copy(path, folder / path.name)
    root = tmp_path / "ds"
    with Dataset.open(root) as ds:
        assert ingest_image_folders(ds, [folder], label="nanoparticles").stored == 3
        ids = [r[0] for r in ds.conn.execute("SELECT uid FROM master_images ORDER BY id")]
    client = create_app(root, allow_edits=True).test_client()
    assert "user:nanoparticles <span class=\"count\">3</span>" in html(client, "/")  # facet counts, cached
    page = html(client, "/tags?label=nanoparticles")
    assert re.search(r'Has “nanoparticles” <span class="count">3</span>', page)
    assert 'Does not have it <span class="count">0</span>' in page

    # Without JavaScript: a form post, then back to the same review (303).
    r = client.post("/tags/move", data={"id": ids[0], "label": "nanoparticles", "to": "not",
                                        "back": "label=nanoparticles"})
    assert r.status_code == 303 and r.headers["Location"].endswith("/tags?label=nanoparticles")
    page = html(client, "/tags?label=nanoparticles")
    assert 'Does not have it <span class="count">1</span>' in page
    assert "user:nanoparticles <span class=\"count\">2</span>" in html(client, "/")  # the change empties the cache
    # With JavaScript: the same post answered in JSON.
    r = client.post("/tags/move", data={"id": ids[1], "label": "steel", "to": "has"},
                    headers={"Accept": "application/json"})
    assert r.status_code == 200 and r.get_json()["present"] is True and "user:steel" in r.get_json()["labels"]
    with Dataset.open(root, create=False) as ds:
        users = sorted(tuple(r) for r in ds.conn.execute(
            "SELECT m.uid, l.value FROM labels l JOIN master_images m ON m.id = l.master_image_id "
            "WHERE l.kind = 'user'"))
        assert users == sorted([(ids[1], "nanoparticles"), (ids[2], "nanoparticles"), (ids[1], "steel")])
        # A later labelling run (retraining) computes "nanoparticles" for every image: the decision holds.
        with ds.transaction():
            for uid in ids:
                ds.set_computed_labels(ds.master_id(uid), "topic", ["nanoparticles"], "retrained")
        has = [r[0] for r in ds.conn.execute(
            "SELECT DISTINCT m.uid FROM labels l JOIN master_images m ON m.id = l.master_image_id "
            "WHERE l.value = 'nanoparticles'")]
        assert ids[0] not in has and len(has) == 2
    assert "Has “nanoparticles” <span class=\"count\">2</span>" in html(client, "/tags?label=nanoparticles")


def test_pages_without_edits_say_how_to_turn_them_on(dataset):
    client = create_app(dataset).test_client()
    page = html(client, "/tags?label=electrode")
    assert "--allow-edits" in page and 'class="move"' not in page
    r = client.post("/tags/move", data={"id": WHOLE_ID, "label": "electrode", "to": "not"})
    assert r.status_code == 403 and "--allow-edits" in r.get_data(as_text=True)


def test_cli_import_stays_light_and_serve_says_what_is_wrong(tmp_path, dataset):
    code = ("import sys, figdex.cli.main; "
            "print(sorted(m for m in ('flask', 'waitress', 'torch', 'faiss') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"
    from click.testing import CliRunner

    from figdex.cli.main import cli

    result = CliRunner().invoke(cli, ["serve", "--dataset", str(tmp_path / "none")])
    assert result.exit_code == 1 and "no dataset at" in result.output
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = str(busy.getsockname()[1])
        result = CliRunner().invoke(cli, ["serve", "--dataset", str(dataset), "--port", port])
    assert result.exit_code == 1 and "choose another --port" in result.output
