"""`figdex labels ...`: train the label models, label images, name topics, curate user labels."""

from __future__ import annotations

import sys
from dataclasses import asdict

import click

from figdex.cli.options import dataset_option, format_option
from figdex.cli.output import emit


@click.group("labels")
def labels_group() -> None:
    """Hierarchical labels: caption and abstract words (Word2Vec), article topics (LDA), user labels."""


def _open(dataset: str):
    from figdex.index.db import Dataset

    return Dataset.open(dataset, create=False)


@labels_group.command("train")
@dataset_option
@click.option("--force", is_flag=True, help="Train a new version even when the corpus has not changed.")
@click.option("--topics", "num_topics", type=click.IntRange(2, 500), help="Number of LDA topics (default 8).")
@click.option("--seed", type=int, default=13, show_default=True, help="Seed of both models (same seed, same models).")
@click.option("--assign/--no-assign", "then_assign", default=True, show_default=True,
              help="Label every image with the new model afterwards.")
@format_option("table")
def train_command(dataset, force, num_topics, seed, then_assign, fmt) -> None:
    """Train Word2Vec and LDA on the dataset's captions, abstracts and article text (a new version)."""
    from figdex.ingest.labels import train_label_models
    from figdex.models.topics import LdaParams
    from figdex.models.word_labels import Word2VecParams

    lda = LdaParams(seed=seed, **({"num_topics": num_topics} if num_topics else {}))
    with _open(dataset) as ds:
        summary = train_label_models(ds, force=force, word2vec=Word2VecParams(seed=seed), lda=lda,
                                     on_step=lambda msg: click.echo(msg, err=True))
    if fmt == "table":
        if summary.unchanged:
            click.echo(f"corpus unchanged since {summary.version}; nothing trained (use --force to retrain)")
        else:
            click.echo(f"{summary.version}: {summary.articles} articles ({summary.bodies} with body text), "
                       f"{summary.sentences} sentences, {summary.tokens} tokens, vocabulary {summary.vocabulary}, "
                       f"{summary.topics} topics in {summary.seconds} s -> {summary.folder}")
    else:
        emit([asdict(summary)], fmt)
    if then_assign:
        _assign(dataset, redo=False, threshold=None, fmt="table" if fmt == "table" else "none")


@labels_group.command("assign")
@dataset_option
@click.option("--redo", is_flag=True, help="Label every image again, not only new or changed ones.")
@click.option("--topic-threshold", type=click.FloatRange(0.0, 1.0, min_open=True),
              help="Minimum topic probability for a topic label (default 0.80).")
@format_option("table")
def assign_command(dataset, redo, topic_threshold, fmt) -> None:
    """Label images with the current model (new or changed ones; topic names are re-read)."""
    _assign(dataset, redo, topic_threshold, fmt)


def _assign(dataset: str, redo: bool, threshold: float | None, fmt: str) -> None:
    from figdex.ingest.label_assign import assign_labels
    from figdex.models.topics import TOPIC_THRESHOLD

    with _open(dataset) as ds:
        total = ds.conn.execute("SELECT count(*) FROM master_images").fetchone()[0]
        with click.progressbar(length=total, label="labelling", file=sys.stderr) as bar:
            summary = assign_labels(ds, redo=redo, threshold=threshold or TOPIC_THRESHOLD, on_batch=bar.update)
    if fmt == "table":
        n = max(summary.images, 1)
        click.echo(f"{summary.model}: {summary.labelled} images labelled, {summary.unchanged} unchanged; "
                   f"with a caption label {summary.with_caption_label}/{summary.images} "
                   f"({summary.with_caption_label / n:.0%}), abstract label {summary.with_abstract_label} "
                   f"({summary.with_abstract_label / n:.0%}), topic label {summary.with_topic_label} "
                   f"({summary.with_topic_label / n:.0%}); articles with a topic "
                   f"{summary.articles_with_topic}/{summary.articles}")
    elif fmt != "none":
        emit([asdict(summary)], fmt)


@labels_group.command("topics")
@dataset_option
@format_option("table")
def topics_command(dataset, fmt) -> None:
    """The topic table: name, top words and articles per topic; where to edit the names."""
    from figdex.ingest.labels import load_models, model_folder
    from figdex.models.topics import TOPICS_FILE, topic_table

    with _open(dataset) as ds:
        version, _, lda, _, names = load_models(ds)
        counts = {r[0]: (r[1], r[2]) for r in ds.conn.execute(
            "SELECT topic, count(*), sum(probability >= 0.8) FROM article_topics WHERE model=? GROUP BY topic",
            (version,))}
        folder = model_folder(ds)
    rows = [{"topic": t.topic, "name": names.get(t.topic, t.name), "articles_best": counts.get(t.topic, (0, 0))[0],
             "articles_labelled": counts.get(t.topic, (0, 0))[1],
             "top_words": " ".join(w for w, _ in t.top_words)} for t in topic_table(lda)]
    emit(rows, fmt)
    if fmt == "table":
        click.echo(f"names: edit {folder / TOPICS_FILE}, then `figdex labels assign`", err=True)


def _edit(dataset: str, image_ids, label: str, present: bool, fmt: str) -> None:
    from figdex.index.curation import tag_image

    rows = []
    with _open(dataset) as ds:
        for image_id in image_ids:
            rows.append(asdict(tag_image(ds, image_id, label, present, source="cli")))
    emit(rows, fmt, ["image", "label", "present", "changed"])


@labels_group.command("add")
@click.argument("label")
@click.argument("image_ids", nargs=-1, required=True, metavar="ID...")
@dataset_option
@format_option("table")
def add_command(label, image_ids, dataset, fmt) -> None:
    """Add a user label to images (kept apart from computed labels; retraining never removes it)."""
    _edit(dataset, image_ids, label, True, fmt)


@labels_group.command("remove")
@click.argument("label")
@click.argument("image_ids", nargs=-1, required=True, metavar="ID...")
@dataset_option
@format_option("table")
def remove_command(label, image_ids, dataset, fmt) -> None:
    """Take a label off images (of any kind); recorded so that no later computation puts it back."""
    _edit(dataset, image_ids, label, False, fmt)


@labels_group.command("show")
@click.argument("image_ids", nargs=-1, required=True, metavar="ID...")
@dataset_option
@format_option("table")
def show_command(image_ids, dataset, fmt) -> None:
    """The labels of images by kind (caption, abstract, topic, keyword, term, class, user), with scores."""
    from figdex.index.curation import image_labels

    rows = []
    with _open(dataset) as ds:
        for image_id in image_ids:
            by_kind = image_labels(ds, image_id)
            caption = ds.conn.execute("SELECT subcaption FROM master_images WHERE uid=? OR key=?",
                                      (image_id, image_id)).fetchone()[0]
            for kind, items in by_kind.items():
                for item in items:
                    rows.append({"image": image_id, "kind": kind, **item, "caption": caption})
    emit(rows, fmt, ["image", "kind", "value", "score", "source"])


@labels_group.command("sample")
@dataset_option
@click.option("--n", "count", type=click.IntRange(1, 1000), default=10, show_default=True)
@click.option("--seed", type=int, default=1, show_default=True, help="Which sample (same seed, same images).")
@format_option("table")
def sample_command(dataset, count, seed, fmt) -> None:
    """Labels of a random sample of captioned images beside their captions (to judge the labels)."""
    import random

    with _open(dataset) as ds:
        ids = [r[0] for r in ds.conn.execute("SELECT m.id FROM master_images m JOIN figures f ON f.id = m.figure_id "
                                             "WHERE f.caption != '' ORDER BY m.id")]
        chosen = sorted(random.Random(seed).sample(ids, min(count, len(ids))))
        rows = []
        for mid in chosen:
            m = ds.conn.execute("SELECT uid, subcaption FROM master_images WHERE id=?", (mid,)).fetchone()
            by_kind = {k: [r[0] for r in ds.conn.execute(
                "SELECT value FROM labels WHERE master_image_id=? AND kind=? ORDER BY score DESC, value", (mid, k))]
                for k in ("caption", "abstract", "topic", "term", "user")}
            rows.append({"image": m["uid"], "text": m["subcaption"], **by_kind})
    if fmt == "table":
        for row in rows:
            click.echo(f"{row['image']}\n  caption text:     {row['text'][:200]}")
            for kind in ("caption", "abstract", "topic", "term", "user"):
                if row[kind]:
                    click.echo(f"  {kind + ' labels:':<17} {', '.join(row[kind])}")
    else:
        emit(rows, fmt)
