"""Hierarchical labels: word dropout, Word2Vec/LDA trained on the demo corpus, user labels, export."""

import json
import subprocess
import sys
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from click.testing import CliRunner

from figdex.cli.main import cli
from figdex.index.curation import CurationError, image_labels, tag_image
from figdex.index.db import Dataset
from figdex.ingest.label_assign import assign_labels
from figdex.ingest.labels import LabelModelError, load_models, model_folder, train_label_models
from figdex.ingest.pipeline import ingest_paths
from figdex.models.text_prep import is_formula, label_candidates, preprocess
from figdex.models.topics import TOPICS_FILE, assign_topic, best_topic
from figdex.models.word_labels import abstract_labels, word_dropout
from figdex.retrieval.export import ExportError, export_dataset
from figdex.retrieval.search import search
from tests.conftest import DEMO

pytest.importorskip("gensim")


def lookup(table):
    def vector(word):
        v = table.get(word)
        return None if v is None else np.asarray(v, float) / np.linalg.norm(v)
    return vector


# -- pure functions ---------------------------------------------------------------------------
def test_dropout_removes_the_outlier_and_stops_when_tight():
    vec = lookup({"nanowire": [1, 0.1], "silver": [1, 0.2], "growth": [0.9, 0.15], "buffer": [-0.2, 1]})
    result = word_dropout(["nanowire", "silver", "buffer", "growth", "unknown"], vec, tightness=0.9)
    assert [w for w, _ in result.kept] == ["growth", "nanowire", "silver"] or \
        {w for w, _ in result.kept} == {"nanowire", "silver", "growth"}
    assert result.dropped == ("buffer",) and result.steps == 1
    assert all(score >= 0.9 for _, score in result.kept)


def test_dropout_always_terminates_and_is_deterministic():
    rng = np.random.default_rng(0)
    table = {f"w{i}": rng.normal(size=16) for i in range(40)}
    words = list(table)
    first = word_dropout(words, lookup(table), tightness=0.99, min_words=2, max_words=6)
    assert len(first.kept) == 2 and first.steps == 38  # an unreachable tightness stops at min_words
    assert word_dropout(words, lookup(table), tightness=0.99) == first
    # Ties go by caption order: "a" and "b" are equally far from the centre; the later one drops first.
    tie = lookup({"a": [1, 0], "b": [0, 1], "c": [1, 1]})
    assert word_dropout(["a", "b", "c"], tie, tightness=0.999, min_words=2).dropped == ("b",)
    assert word_dropout(["b", "a", "c"], tie, tightness=0.999, min_words=2).dropped == ("a",)
    assert word_dropout([], tie).kept == ()


def test_abstract_labels_add_context_not_repeats():
    vec = lookup({"perovskite": [1, 0.1], "film": [1, 0.0], "stability": [0.8, 0.3], "budget": [-1, 0.2]})
    ctx = abstract_labels(["film"], ["film", "perovskite", "stability", "budget"], vec, n=2)
    assert [w for w, _ in ctx] == ["perovskite", "stability"]


def test_text_prep_keeps_formulas_drops_numbers_units_and_panels():
    toks = next(preprocess(["(a) TEM image of MoS2 and Fe3O4 nanoparticles on Au, 200 nm, 3.5 eV (b)"]))
    words = [t.text for t in toks]
    assert {"MoS2", "Fe3O4", "Au"} <= set(words)
    assert not {"200", "3.5", "nm", "ev", "a", "b", "image"} & set(words)
    assert "nanoparticle" in label_candidates(toks) or "nanoparticles" in label_candidates(toks)
    assert [is_formula(w) for w in ("TiO2", "ZnO", "In", "TEM", "CH3NH3PbI3")] == [True, True, False, False, True]


def test_word2vec_is_reproducible_across_processes():
    """gensim seeds vectors with a string hash: ours must not depend on PYTHONHASHSEED."""
    code = ("from figdex.models.word_labels import train_word2vec, Word2VecParams;"
            "import hashlib;s=[['silver','nanowire','growth','tem']*3,['gold','nanorod','sem','growth']*3]*20;"
            "m=train_word2vec(s, Word2VecParams(epochs=3));print(hashlib.sha256(m.wv.vectors.tobytes()).hexdigest())")
    outs = {subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                           env={"PYTHONHASHSEED": seed, "PATH": "/usr/bin:/bin"}).stdout for seed in ("1", "2")}
    assert len(outs) == 1


# -- trained on the demo corpus ---------------------------------------------------------------
@pytest.fixture(scope="module")
def lds(tmp_path_factory):
    ds = Dataset.open(tmp_path_factory.mktemp("labels") / "ds")
    ingest_paths(ds, [DEMO])
    summary = train_label_models(ds)
    assert summary.version == "v1" and summary.articles == 14 and summary.vocabulary > 500
    assign_labels(ds)
    yield ds
    ds.close()


def first_with(ds, kind):
    return ds.conn.execute("SELECT m.uid, m.id FROM master_images m JOIN labels l ON l.master_image_id = m.id "
                           "WHERE l.kind = ? ORDER BY m.id LIMIT 1", (kind,)).fetchone()


def test_most_images_get_caption_abstract_and_topic_labels(lds):
    total = lds.conn.execute("SELECT count(*) FROM master_images WHERE subcaption != ''").fetchone()[0]
    for kind in ("caption", "abstract"):
        n = lds.conn.execute("SELECT count(DISTINCT master_image_id) FROM labels WHERE kind=?", (kind,)).fetchone()[0]
        assert n >= 0.9 * total
    # Caption labels are words of the image's own caption.
    uid, mid = first_with(lds, "caption")
    caption = lds.conn.execute("SELECT subcaption FROM master_images WHERE id=?", (mid,)).fetchone()[0]
    for item in image_labels(lds, uid)["caption"]:
        assert item["value"].lower()[:5] in caption.lower()
    assert search(lds, image_labels(lds, uid)["caption"][0]["value"]).total >= 1  # labels are searchable


def test_topic_threshold_is_honoured(lds):
    version, _, lda, dictionary, _ = load_models(lds)
    for row in lds.conn.execute("SELECT l.score, l.source FROM labels l WHERE kind='topic'"):
        assert row["score"] >= 0.80
    best = lds.conn.execute("SELECT min(probability), max(probability) FROM article_topics").fetchone()
    strict = (best[0] + best[1]) / 2  # a threshold some articles pass and others do not
    if best[0] == best[1]:
        pytest.skip("every article has the same topic probability")
    summary = assign_labels(lds, threshold=strict)
    kept = lds.conn.execute("SELECT count(*) FROM article_topics WHERE probability >= ?", (strict,)).fetchone()[0]
    assert summary.articles_with_topic == kept < summary.articles
    labelled = {r[0] for r in lds.conn.execute(
        "SELECT DISTINCT f.article_id FROM labels l JOIN master_images m ON m.id = l.master_image_id "
        "JOIN figures f ON f.id = m.figure_id WHERE l.kind='topic'")}
    passing = {r[0] for r in lds.conn.execute("SELECT article_id FROM article_topics WHERE probability >= ?",
                                              (strict,))}
    assert labelled <= passing
    assert assign_topic(lda, dictionary, ["zzz-never-seen"]) is None and best_topic(lda, dictionary, []) is None
    assign_labels(lds)  # back to the default threshold for the other tests


def test_assign_resumes_and_training_is_skipped_for_an_unchanged_corpus(lds):
    again = assign_labels(lds)
    assert again.labelled == 0 and again.unchanged == again.images
    assert train_label_models(lds).unchanged


def test_user_labels_and_rejections_survive_retraining(lds):
    uid, mid = first_with(lds, "caption")
    computed = image_labels(lds, uid)["caption"][0]["value"]
    assert tag_image(lds, uid, "my sample batch 7").changed
    assert tag_image(lds, uid, computed, present=False).changed
    retrained = train_label_models(lds, force=True)
    assert retrained.version == "v2"
    assign_labels(lds, redo=True)
    labels = image_labels(lds, uid)
    assert {"value": "my sample batch 7", "score": None, "source": "cli"} in labels["user"]
    assert computed not in {i["value"] for k, items in labels.items() if k != "rejected" for i in items}
    assert computed in {i["value"] for i in labels["rejected"]}
    assert search(lds, '"my sample batch 7"').hits[0].id == uid
    tag_image(lds, uid, computed, present=True)  # the user changes their mind: the rejection goes
    assert "rejected" not in image_labels(lds, uid)
    with pytest.raises(CurationError, match="no image with this id"):
        tag_image(lds, "no-such-image", "x")
    with pytest.raises(CurationError, match="empty"):
        tag_image(lds, uid, "  ")


def test_topic_names_from_the_user_file(lds):
    folder = model_folder(lds)
    path = folder / TOPICS_FILE
    original = path.read_text()
    used = lds.conn.execute("SELECT topic FROM article_topics WHERE probability >= 0.8 AND model = ? LIMIT 1",
                            (lds.config["label_model"],)).fetchone()[0]
    renamed = [f"{used}\tmy named topic\t" + line.split("\t", 2)[2] if line.startswith(f"{used}\t") else line
               for line in original.splitlines()]
    path.write_text("\n".join(renamed) + "\n")
    try:
        assign_labels(lds)
        topic_names = {r[0] for r in lds.conn.execute("SELECT value FROM labels WHERE kind='topic'")}
        assert "my named topic" in topic_names
        assert search(lds, '"my named topic"').total >= 1  # names are searchable at once
        path.write_text(original.replace("topic\tname", "topic\tname\nseven\tbad"))
        with pytest.raises(ValueError, match="row 2.*not a number"):
            load_models(lds)
    finally:
        path.write_text(original)
        assign_labels(lds)


def test_changed_model_file_is_refused(lds):
    folder = model_folder(lds)
    target = folder / "lda.dictionary"
    data = target.read_bytes()
    target.write_bytes(data + b"x")
    try:
        with pytest.raises(LabelModelError, match="checksum"):
            load_models(lds)
    finally:
        target.write_bytes(data)


def test_export_by_label_kind_with_xml_sidecars(lds, tmp_path):
    uid, _ = first_with(lds, "topic")
    tag_image(lds, uid, "reviewed")
    summary = export_dataset(lds, tmp_path / "by-topic", label_kind="topic")
    topics = {r[0].replace("/", "-") for r in lds.conn.execute("SELECT value FROM labels WHERE kind='topic'")}
    assert set(summary.per_label) == topics and summary.rows > 0
    rows = [json.loads(line) for line in (tmp_path / "by-topic" / "metadata.jsonl").read_text().splitlines()]
    mine = [r for r in rows if r["id"] == uid]
    if mine and mine[0]["file"]:
        sidecar = ET.parse(tmp_path / "by-topic" / mine[0]["labels_xml"]).getroot()
        assert ("user", "reviewed") in {(e.get("kind"), e.text) for e in sidecar.iter("label")}
    only = export_dataset(lds, tmp_path / "one-topic", label_kind="topic", label=sorted(topics)[0])
    assert set(only.per_label) == {sorted(topics)[0]}
    with pytest.raises(ExportError, match="unknown label kind"):
        export_dataset(lds, tmp_path / "bad", label_kind="colour")


def test_labels_cli(lds, tmp_path):
    runner = CliRunner()
    root = str(lds.root)
    uid, _ = first_with(lds, "caption")
    out = runner.invoke(cli, ["labels", "add", "cli label", uid, "--dataset", root, "--format", "jsonl"])
    assert out.exit_code == 0 and json.loads(out.stdout)["changed"] is True
    shown = runner.invoke(cli, ["labels", "show", uid, "--dataset", root, "--format", "jsonl"])
    kinds = {json.loads(line)["kind"] for line in shown.stdout.splitlines()}
    assert {"caption", "user"} <= kinds
    topics = runner.invoke(cli, ["labels", "topics", "--dataset", root, "--format", "jsonl"])
    assert topics.exit_code == 0 and len(topics.stdout.splitlines()) >= 2
    unknown = runner.invoke(cli, ["labels", "remove", "x", "nope", "--dataset", root])
    assert unknown.exit_code != 0 and "no image with this id" in unknown.output
    fresh = runner.invoke(cli, ["labels", "assign", "--dataset", str(tmp_path / "empty")])
    assert fresh.exit_code != 0
    exported = runner.invoke(cli, ["export", "--dataset", root, "--out", str(tmp_path / "x"), "--label-kind", "user",
                                   "--format", "jsonl"])
    assert exported.exit_code == 0 and "cli label" in json.loads(exported.stdout)["per_label"]
