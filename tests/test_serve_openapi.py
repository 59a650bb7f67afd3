"""/openapi.json is exact: schemathesis generates requests from it (valid ones and, for the
negative checks, invalid ones) against the real app over a small real dataset, and checks that
no request makes a server error, that valid requests are answered as described and that
invalid ones are refused.

The default run keeps a small budget per operation (a few seconds in all); ``-m slow`` runs the
bigger one, ``-m fuzz`` the long fuzzing run (1,000 cases per operation).
"""

from __future__ import annotations

import os

import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings, strategies as st  # noqa: E402  (schemathesis brings hypothesis)

from figdex.cli.web.app import create_app  # noqa: E402
from tests.serve_support import dataset_copy  # noqa: E402


def _image(fmt: str, size: tuple[int, int], color: tuple[int, int, int]) -> bytes:
    import io

    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", size, color).save(buf, format=fmt)
    return buf.getvalue()


# The upload's part is described as one of the image types the server decodes; a JSON schema
# cannot say "a PNG", so the images are drawn from small real ones of each type.
for _fmt, _type in (("PNG", "image/png"), ("JPEG", "image/jpeg"), ("TIFF", "image/tiff"), ("GIF", "image/gif"),
                    ("BMP", "image/bmp"), ("WEBP", "image/webp")):
    schemathesis.openapi.media_type(_type, st.sampled_from(
        [_image(_fmt, (24, 16), (200, 30, 30)), _image(_fmt, (40, 40), (10, 120, 250))]))


@pytest.fixture(scope="module")
def app(web_dataset, tmp_path_factory):
    # Edits on: POST /api/labels is exercised too (on this module's own copy of the dataset).
    return create_app(dataset_copy(web_dataset, tmp_path_factory, "openapi"), allow_edits=True, max_upload_mb=1)


# In the default run an upload is drawn 8 times, without the coverage phase's many boundary
# cases: each upload without nm_per_px reads the image's scale bar (OCR, ~1 s on a CPU).
QUICK = """
[[operations]]
include-name = "POST /api/similar"
phases.coverage.enabled = false
"""


@pytest.fixture(scope="module")
def api_schema(app):
    return schemathesis.openapi.from_wsgi("/openapi.json", app,
                                          config=schemathesis.config.SchemathesisConfig.from_str(QUICK))


@pytest.fixture(scope="module")
def full_api_schema(app):
    return schemathesis.openapi.from_wsgi("/openapi.json", app)


def _parameter(doc, path, name):
    return next(p for p in doc["paths"][path]["get"]["parameters"] if p["name"] == name)


# The disagreements issue #16 named: (path, query string, valid for the description).
NAMED = [
    ("/api/search", "year_min=-25751", False),
    ("/api/search", "year_min=2018", True),
    ("/api/tags", "label=", False),
    ("/api/tags", "label=SEM", True),
    ("/api/search", "limit=", False),
    ("/api/search", "q=" + "a" * 2001, True),  # searched in part, with a warning
    ("/api/search", "q=" + "a" * 20_001, False),
]


@pytest.mark.parametrize("path,query,valid", NAMED, ids=[f"{p}?{q[:20]}" for p, q, _ in NAMED])
def test_named_disagreements_are_gone(app, path, query, valid):
    import jsonschema_rs

    doc = app.test_client().get("/openapi.json").get_json()
    name, _, raw = query.partition("=")
    schema = _parameter(doc, path, name)["schema"]
    value = int(raw) if schema["type"] == "integer" and raw.lstrip("-").isdigit() else raw
    assert jsonschema_rs.Draft4Validator(schema).is_valid(value) is valid
    status = app.test_client().get(f"{path}?{query}").status_code
    assert (status == 200) is valid, status


def test_every_definition_is_valid_openapi_3_0(app):
    """OpenAPI 3.0 schemas are JSON Schema draft 4 (``exclusiveMinimum`` is a boolean there)."""
    import jsonschema_rs

    doc = app.test_client().get("/openapi.json").get_json()
    draft4 = {"$schema": "http://json-schema.org/draft-04/schema#"}
    for path, operations in doc["paths"].items():
        for method, op in operations.items():
            for p in op.get("parameters", []):  # nm_per_px had "exclusiveMinimum": 0 (3.1's form)
                assert jsonschema_rs.meta.is_valid({**p["schema"], **draft4}), (path, method, p["name"])


schema = schemathesis.pytest.from_fixture("api_schema")
HEALTH = [HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture,
          HealthCheck.data_too_large]


@schema.parametrize()
@settings(max_examples=8, deadline=None, suppress_health_check=HEALTH, derandomize=True)
def test_api_agrees_with_its_description(case):
    case.call_and_validate()


@pytest.mark.slow
@schemathesis.pytest.from_fixture("full_api_schema").parametrize()
@settings(max_examples=150, deadline=None, suppress_health_check=HEALTH)
def test_api_agrees_with_its_description_at_length(case):
    case.call_and_validate()


# The long fuzzing run (`pytest -m fuzz`, tests/fuzz_support.py): API_LONG cases per operation,
# FIGDEX_FUZZ_SCALE of them when set.  The quick config keeps uploads without the coverage phase's
# boundary cases (each reads a scale bar by OCR, ~1 s).  Cases run are counted per operation and
# printed when the module ends, as the other fuzz targets print theirs.
API_LONG = 1000
API_CASES: dict[str, int] = {}


@pytest.fixture(scope="module", autouse=True)
def _report_api_cases():
    yield
    if API_CASES:
        print(f"\ntest_api_fuzz_long: {sum(API_CASES.values())} cases: {dict(sorted(API_CASES.items()))}")


@pytest.mark.fuzz
@schema.parametrize()
@settings(max_examples=max(1, int(API_LONG * float(os.environ.get("FIGDEX_FUZZ_SCALE", "1")))),
          deadline=None, suppress_health_check=HEALTH, database=None, print_blob=True)
def test_api_agrees_with_its_description_long(case):
    from tests.fuzz_support import time_limit

    with time_limit(60, f"{case.method} {case.path}"):
        case.call_and_validate()
    label = f"{case.method} {case.path}"
    API_CASES[label] = API_CASES.get(label, 0) + 1
