"""`figdex serve`'s JSON API against a real server on 127.0.0.1, over a real (small) dataset:
the contract, agreement with the CLI, and hostile input answered with clear 4xx errors."""

from __future__ import annotations

import io
import json
import struct
import zipfile
import zlib

import pytest
import requests
from click.testing import CliRunner
from PIL import Image

from figdex.cli.main import cli
from figdex.index.db import Dataset
from tests.conftest import DEMO
from tests.serve_support import PANEL_ID, WHOLE_ID, dataset_copy, Server

FIGURE = DEMO / "nature" / "figures" / "s41467-018-06297-9_fig3.jpg"  # 58 kB, stored as fig3-0


@pytest.fixture(scope="module")
def dataset(web_dataset, tmp_path_factory):
    return dataset_copy(web_dataset, tmp_path_factory, "api")


@pytest.fixture(scope="module")
def server(dataset):
    srv = Server(dataset, "--allow-edits", "--max-upload-mb", "1")
    yield srv
    srv.stop()


def get(server, path, **kw):
    return requests.get(server.url + path, timeout=60, **kw)


def cli_rows(dataset, *args):
    result = CliRunner().invoke(cli, [*args, "--dataset", str(dataset), "--format", "jsonl"])
    assert result.exit_code == 0, result.output
    return [json.loads(line) for line in result.stdout.splitlines()]


def test_search_contract_and_same_ranking_as_the_cli(server, dataset):
    r = get(server, "/api/search", params={"q": "electron microscopy", "limit": 5})
    assert r.status_code == 200 and r.headers["Content-Type"].startswith("application/json")
    body = r.json()
    assert {"results", "facets"} <= body.keys() and body["total"] >= 5
    for row in body["results"]:
        assert {"id", "score", "caption", "image"} <= row.keys()
    assert [h["id"] for h in body["results"]] == [h["id"] for h in cli_rows(dataset, "search", "electron microscopy",
                                                                           "--limit", "5")]
    assert {"journal", "image_class", "label", "year", "license", "scale"} <= body["facets"].keys()
    assert body["facets"]["license"][0] == {"value": "CC-BY-4.0", "count": body["total"]}
    image = next(h["image"] for h in body["results"] if h["image"])
    assert image.startswith("/api/images/") and get(server, image).status_code == 200


def test_filters_and_paging_agree_with_the_cli(server, dataset):
    api = get(server, "/api/search", params={"q": "electron", "class": "microscopy", "with_label": "term:SEM"}).json()
    cli_ids = [h["id"] for h in cli_rows(dataset, "search", "electron", "--class", "microscopy",
                                         "--with-label", "term:SEM")]
    assert [h["id"] for h in api["results"]] == cli_ids == [PANEL_ID]
    assert [(b["value"], b["count"]) for b in api["facets"]["scale"] if b["count"]] == [("10–100", 1)]
    scaled = get(server, "/api/search", params={"q": "electron", "scale_min": 10, "scale_max": 20}).json()
    assert [h["id"] for h in scaled["results"]] == [PANEL_ID]
    everything = get(server, "/api/search", params={"limit": 200}).json()  # no q: every image, article order
    with Dataset.open(dataset, create=False) as ds:
        assert everything["total"] == ds.stats()["master_images"]
    first = get(server, "/api/search", params={"limit": 4}).json()["results"]
    second = get(server, "/api/search", params={"limit": 4, "offset": 4}).json()["results"]
    assert [h["id"] for h in first + second] == [h["id"] for h in everything["results"][:8]]


def test_image_record_and_its_files(server):
    d = get(server, f"/api/images/{PANEL_ID}").json()
    assert d["id"] == PANEL_ID and d["image_class"] == "microscopy" and d["nm_per_px"] == 12.5
    assert d["box"][:2] == [0, 0] and d["scale_source"] == "bar" and d["scale_bars"][0]["label_text"] == "1 µm"
    assert d["labels_by_kind"]["term"] == ["SEM"] and d["doi"] == "10.1038/s41467-018-06297-9"
    assert {"id": WHOLE_ID.replace("fig1", "fig2"), "panel": "0"} in d["panels"]
    crop = Image.open(io.BytesIO(get(server, f"/api/images/{PANEL_ID}/file").content))
    figure = Image.open(io.BytesIO(get(server, f"/api/images/{PANEL_ID}/figure").content))
    assert crop.size == (d["box"][2], d["box"][3]) and figure.size == tuple(d["figure_size"])
    thumb = get(server, f"/api/images/{PANEL_ID}/thumbnail", params={"size": 128})
    assert thumb.headers["Content-Type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 128


def test_query_by_example_by_id_and_by_upload(server):
    by_id = requests.post(server.url + "/api/similar", params={"id": PANEL_ID, "limit": 3}, timeout=60).json()
    assert len(by_id["results"]) == 3 and PANEL_ID not in [h["id"] for h in by_id["results"]]
    assert by_id["results"] == get(server, "/api/similar", params={"id": PANEL_ID, "limit": 3}).json()["results"]
    upload = {"file": ("query.jpg", FIGURE.read_bytes(), "image/jpeg")}
    # read_scale=false: no OCR of the query's scale bar (seconds on a CPU; the browser test reads it).
    r = requests.post(server.url + "/api/similar", files=upload, data={"limit": "3", "read_scale": "false"}, timeout=60)
    assert r.status_code == 200, r.text
    top = r.json()["results"][0]
    assert top["id"] == "10.1038-s41467-018-06297-9-fig3-0" and top["score"] == pytest.approx(1.0, abs=1e-3)
    # With the query's scale, the one image of about that scale (12.5 nm/px) comes first.
    r = requests.post(server.url + "/api/similar", files=upload, data={"limit": "3", "nm_per_px": "12"}, timeout=60)
    assert [h["id"] for h in r.json()["results"]][:2] == [PANEL_ID, "10.1038-s41467-018-06297-9-fig3-0"]
    assert "same scale" in r.json()["results"][0]["explain"]["scale"]
    # At 1000 nm/px the panel (12.5 nm/px, 80x off) is pushed last, or left out with scale_mode=filter.
    pushed = get(server, "/api/similar", params={"id": WHOLE_ID, "nm_per_px": 1000, "limit": 30}).json()["results"]
    kept = get(server, "/api/similar", params={"id": WHOLE_ID, "nm_per_px": 1000, "limit": 30,
                                               "scale_mode": "filter"}).json()["results"]
    assert pushed[-1]["id"] == PANEL_ID and "pushed down" in pushed[-1]["explain"]["scale"]
    assert [h["id"] for h in kept] == [h["id"] for h in pushed[:-1]]


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG that claims width x height pixels (a decompression bomb's header) with no pixel data."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)) + \
        chunk(b"IEND", b"")


def _ico() -> bytes:
    buf = io.BytesIO()
    Image.new("RGB", (16, 16)).save(buf, format="ICO")
    return buf.getvalue()


HOSTILE_UPLOADS = [
    ("big.png", b"\x89PNG" + b"0" * (1024 * 1024 + 10), 413, "too large"),
    ("notes.png", b"this is a text file, not an image\n" * 10, 400, "not a readable image"),
    ("empty.jpg", b"", 400, "empty"),
    ("cut.jpg", FIGURE.read_bytes()[:2000], 400, "not a readable image"),
    ("bomb.png", _png_header_only(60_000, 60_000), 400, "megapixels"),
    ("icon.ico", _ico(), 400, "ICO"),
]


@pytest.mark.parametrize("name,data,status,message", HOSTILE_UPLOADS, ids=[h[0] for h in HOSTILE_UPLOADS])
def test_hostile_uploads_get_clear_4xx(server, name, data, status, message):
    r = requests.post(server.url + "/api/similar?read_scale=false", files={"file": (name, data, "image/png")},
                      timeout=60)
    assert r.status_code == status and message in r.json()["error"], r.text
    assert server.alive()


HOSTILE_REQUESTS = [
    ("/api/images/nope", 404, "no image with id"),
    ("/api/images/nope/file", 404, "no image with id"),
    ("/api/images/..%2F..%2Fetc%2Fpasswd/file", 404, "no API route"),
    ("/api/images/%2e%2e/file", 400, "not an image id"),
    ("/api/images/.hidden/thumbnail", 400, "not an image id"),
    ("/api/images/..%5C..%5Cfigdex.db/file", 400, "not an image id"),
    ("/api/similar?id=../../etc/passwd", 400, "not an image id"),
    ("/api/similar?id=/etc/passwd", 400, "not an image id"),
    ("/api/similar?id=figdex.db", 404, "no image with id"),  # a file the server could read: never opened
    ("/api/similar", 400, "multipart field 'file'"),
    ("/static/..%2Ffigdex.db", 404, ""),
    ("/api/search?q=x&limit=abc", 400, "limit='abc' is not a whole number"),
    ("/api/search?q=x&limit=0", 400, "out of range"),
    ("/api/search?q=x&limit=1&limit=2", 400, "given 2 times"),
    ("/api/search?q=x&offset=-1", 400, "out of range"),
    ("/api/search?q=x&year_min=twenty", 400, "year_min"),
    ("/api/search?q=x&scale_min=nan", 400, "not a number"),
    ("/api/search?q=x&scale_min=-3", 400, "at least 0"),
    ("/api/search?q=x&has_scale=maybe", 400, "true or false"),
    ("/api/search?q=x&limit=", 400, "limit is empty"),
    ("/api/search?q=x&has_image=1", 400, "true or false"),
    ("/api/search?q=" + "a" * 20_001, 400, "q is too long"),
    ("/api/search?q=x&year_min=-25751", 400, "from -9999 to 9999"),
    ("/api/search?q=x&year_min=%D9%A3", 400, "not a whole number"),  # int() would take Arabic-Indic 3
    ("/api/similar?id=" + "a" * 20 + "&nm_per_px=0", 400, "at least 1e-06"),
    ("/api/search?q=x&facet_size=1000000", 400, "facet_size"),
    ("/api/images/" + "a" * 400, 400, "not an image id"),
    ("/api/tags", 400, "label is empty"),
    ("/api/tags?label=x&publisher=0", 400, "no publisher '0'"),  # found by the slow schemathesis run
    ("/api/nothing-here", 404, "openapi.json"),
]


@pytest.mark.parametrize("path,status,message", HOSTILE_REQUESTS, ids=[h[0][:60] for h in HOSTILE_REQUESTS])
def test_hostile_requests_get_clear_4xx(server, path, status, message):
    r = requests.get(server.url + path, timeout=60)
    assert r.status_code == status, (r.status_code, r.text[:300])
    if message:
        assert message in r.json()["error"]
    assert server.alive()


def test_odd_but_valid_query_strings_are_searched(server):
    for q in ["%zz%", "%ff%fe electron", '"unbalanced (quote', "a" * 5000, "électron* OR TEM", "x" * 3 + "\u202e",
              "electron'); DROP TABLE labels; --", "NEAR(a b)", "*"]:
        r = requests.get(server.url + "/api/search?q=" + q, timeout=60)
        assert r.status_code in (200, 400), (q, r.text[:200])
        assert ("results" in r.json()) if r.status_code == 200 else r.json()["error"]
    long = get(server, "/api/search", params={"q": "electron " * 600}).json()
    assert any("cut" in w for w in long["warnings"])


def test_a_query_with_no_words_matches_nothing(server):
    # /openapi.json cannot state the query grammar, so such a q is valid there: answered, not refused.
    for q, why in (("-silver", "not excluded"), ("\x00\x00", "no words"), ("- *", "no words")):
        body = get(server, "/api/search", params={"q": q}).json()
        assert body["total"] == 0 and body["results"] == [] and any(why in w for w in body["warnings"]), body
        assert any(why in w for w in get(server, "/api/overview", params={"q": q}).json()["warnings"])
        r = get(server, "/api/export", params={"q": q})
        assert r.status_code == 200 and r.headers["X-Figdex-Export-Rows"] == "0"


def test_wrong_host_method_and_origin_are_refused(server):
    for path in ("/api/search?q=x", "/", f"/images/{PANEL_ID}"):  # DNS rebinding: another name for 127.0.0.1
        r = requests.get(server.url + path, headers={"Host": "evil.example"}, timeout=30)
        assert r.status_code == 400 and "not trusted" in r.json()["error"]
    r = requests.delete(server.url + "/api/search", timeout=30)
    assert r.status_code == 405 and "not allowed" in r.json()["error"]
    r = requests.post(server.url + "/api/labels", json={"id": WHOLE_ID, "label": "x", "action": "add"},
                      headers={"Origin": "http://evil.example"}, timeout=30)
    assert r.status_code == 403 and "cross-site" in r.json()["error"]
    for body, status, message in [(None, 400, "JSON object"), ({"id": WHOLE_ID, "label": "x", "action": "zap"}, 400,
                                   "add"), ({"id": "nope", "label": "x", "action": "add"}, 404, "no image"),
                                  ({"id": WHOLE_ID, "label": "  ", "action": "add"}, 400, "empty"),
                                  ({"id": WHOLE_ID, "label": "a\x00b", "action": "add"}, 400, "control"),
                                  ({"id": ["x"], "label": "x", "action": "add"}, 400, "not an image id")]:
        r = requests.post(server.url + "/api/labels", json=body, timeout=30)
        assert r.status_code == status and message in r.json()["error"], (body, r.text)
    assert server.alive()


def test_user_labels_are_saved_searchable_and_survive_relabelling(server, dataset):
    r = requests.post(server.url + "/api/labels", json={"id": WHOLE_ID, "label": "groovy surface", "action": "add"},
                      timeout=30)
    assert r.status_code == 200 and "user:groovy surface" in r.json()["labels"]
    found = get(server, "/api/search", params={"q": "groovy"}).json()["results"]
    assert [h["id"] for h in found] == [WHOLE_ID]  # the text index follows at once
    # Taking off a computed label records the decision: relabelling does not bring it back.
    r = requests.post(server.url + "/api/labels", json={"id": PANEL_ID, "label": "sem", "action": "remove"},
                      timeout=30)
    assert r.status_code == 200 and r.json()["present"] is False
    with Dataset.open(dataset, create=False) as ds:
        mid = ds.master_id(PANEL_ID)
        with ds.transaction():
            ds.set_computed_labels(mid, "term", ["SEM", "TEM"], "a retrained model")
        kinds = [tuple(r) for r in ds.conn.execute("SELECT kind, value FROM labels WHERE master_image_id = ?", (mid,))]
    assert ("term", "TEM") in kinds and ("term", "SEM") not in kinds
    assert get(server, f"/api/images/{PANEL_ID}").json()["labels_by_kind"]["rejected"] == ["sem"]
    labels = get(server, "/api/labels").json()["labels"]
    assert {"label": "groovy surface", "images": 1, "user": 1} in labels


def test_edits_are_refused_without_allow_edits(dataset):
    srv = Server(dataset)
    try:
        r = requests.post(srv.url + "/api/labels", json={"id": WHOLE_ID, "label": "x", "action": "add"}, timeout=30)
        assert r.status_code == 403 and "--allow-edits" in r.json()["error"]
        r = requests.post(srv.url + "/tags/move", data={"id": WHOLE_ID, "label": "x", "to": "has"}, timeout=30)
        assert r.status_code == 403
        assert requests.get(srv.url + "/api/search?q=electron", timeout=30).status_code == 200
    finally:
        srv.stop()


def test_export_is_the_result_set_in_the_cli_layout(server, dataset, tmp_path):
    r = get(server, "/api/export", params={"q": "electron", "has_image": "true"})
    assert r.status_code == 200 and r.headers["Content-Type"] == "application/zip"
    names = sorted(zipfile.ZipFile(io.BytesIO(r.content)).namelist())
    rows = [json.loads(line) for line in zipfile.ZipFile(io.BytesIO(r.content)).read("metadata.jsonl").splitlines()]
    # Export matches at panel level by default (#16.6): the images whose own text has the query.
    hits = get(server, "/api/search", params={"q": "electron", "has_image": "true", "limit": 200,
                                              "match": "panel"}).json()
    assert [row["id"] for row in rows] == [h["id"] for h in hits["results"]]
    figure = get(server, "/api/export", params={"q": "electron", "has_image": "true", "match": "figure"})
    rows_figure = zipfile.ZipFile(io.BytesIO(figure.content)).read("metadata.jsonl").splitlines()
    everything = get(server, "/api/search", params={"q": "electron", "has_image": "true", "limit": 200}).json()
    assert [json.loads(r)["id"] for r in rows_figure] == [h["id"] for h in everything["results"]]
    assert len(rows_figure) > len(rows)  # the abstract or title alone takes every image of an article
    out = tmp_path / "cli-export"
    result = CliRunner().invoke(cli, ["export", "--dataset", str(dataset), "--out", str(out), "--query", "electron",
                                      "--has-image"])
    assert result.exit_code == 0, result.output
    assert names == sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
    assert {"metadata.jsonl", "metadata.csv", "exsclaim.json"} <= set(names)


def test_openapi_is_served_and_describes_the_contract(server):
    doc = get(server, "/openapi.json").json()
    assert doc["openapi"].startswith("3.")
    for path in ("/api/search", "/api/similar", "/api/images/{image_id}", "/api/images/{image_id}/file",
                 "/api/labels", "/api/export"):
        assert path in doc["paths"]
    assert "post" in doc["paths"]["/api/similar"] and "multipart/form-data" in \
        doc["paths"]["/api/similar"]["post"]["requestBody"]["content"]
