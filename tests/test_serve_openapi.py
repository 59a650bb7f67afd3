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
        print(f"\ntest_api_fuzz_long: {sum(API_CASES.values())} cases: {dict(sorted(API_CASES.items()))}; "
              f"negative cases that serialized into an allowed query: {dict(sorted(API_SERIALIZED_VALID.items()))}")


@pytest.mark.fuzz
@schema.parametrize()
@settings(max_examples=max(1, int(API_LONG * float(os.environ.get("FIGDEX_FUZZ_SCALE", "1")))),
          deadline=None, suppress_health_check=HEALTH, database=None, print_blob=True)
def test_api_agrees_with_its_description_long(case):
    from tests.fuzz_support import time_limit

    from schemathesis.core.failures import AcceptedNegativeData, FailureGroup

    label = f"{case.method} {case.path}"
    with time_limit(60, label):
        try:
            case.call_and_validate()
        except FailureGroup as group:
            # schemathesis' "negative" query values can serialize into a valid query: a number sent
            # for a string item of an array goes out as "with_label=0.0", a one-item array of
            # numbers as "scale_min=0.0" (its issues #2312, #3056, #4600).  The long run met that
            # once: the request as sent is checked against the description here, and only a
            # request the description allows is let through (counted, not hidden).
            sent = _sent_query(case)
            if not (all(isinstance(f, AcceptedNegativeData) for f in group.exceptions) and case.method == "GET"
                    and sent is not None and query_allowed(case.operation.definition.raw, sent)):
                raise
            API_SERIALIZED_VALID[label] = API_SERIALIZED_VALID.get(label, 0) + 1
    API_CASES[label] = API_CASES.get(label, 0) + 1


API_SERIALIZED_VALID: dict[str, int] = {}


def _sent_query(case) -> str | None:
    """The query string as requests sends ``case.query`` (None when the case has a body)."""
    from requests.models import RequestEncodingMixin
    from schemathesis.core import NOT_SET

    if case.body is not NOT_SET:
        return None
    return RequestEncodingMixin._encode_params(case.query or {})


def query_allowed(operation: dict, query: str) -> bool:
    """Whether a query string, as strings on the wire, satisfies the operation's query parameters:
    every name declared, arrays item by item, numbers parsed as the server parses them."""
    from urllib.parse import parse_qs

    declared = {p["name"]: p["schema"] for p in operation.get("parameters", []) if p["in"] == "query"}
    for name, values in parse_qs(query, keep_blank_values=True).items():
        schema = declared.get(name)
        if schema is None:
            return False
        if schema.get("type") == "array":
            if len(values) > schema.get("maxItems", len(values)) or not all(_value_allowed(schema["items"], v) for v in values):
                return False
        elif len(values) != 1 or not _value_allowed(schema, values[0]):
            return False
    return all(name in parse_qs(query) for name, p in declared.items()
               if any(q["name"] == name and q.get("required") for q in operation.get("parameters", [])))


def _value_allowed(schema: dict, raw: str) -> bool:
    import jsonschema_rs

    kind = schema.get("type")
    try:
        value = {"number": float, "integer": int}.get(kind, str)(raw)
    except ValueError:
        return False
    if kind == "boolean":
        return False  # how a boolean serializes is the server's choice: never excused
    return jsonschema_rs.is_valid(schema, value)


def test_the_long_run_excuses_only_queries_the_description_allows(app):
    """The one AcceptedNegativeData of the long run, as sent, is an allowed query; nearby ones that
    break the description are not excused."""
    operation = app.test_client().get("/openapi.json").get_json()["paths"]["/api/search"]["get"]
    assert query_allowed(operation, "scale_min=0.0&with_label=0.0&facet_size=1")
    for bad in ("scale_min=abc", "scale_min=-1", "with_label=nokind%3Ax", "facet_size=0", "facet_size=1.5",
                "unknown=1", "scale_min=1&scale_min=2"):
        assert not query_allowed(operation, bad), bad
