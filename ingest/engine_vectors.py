"""The dense vectors a dataset gives its Elasticsearch/OpenSearch documents (issue 20).

``index/es_vectors.py`` writes and searches vector fields; what fills them depends on the dataset's
embedders and alignment, which live up here:

* ``caption_vector``: the caption sentence vectors of the dataset's text embedder (``index embed``);
* ``content_vector``: the image vectors of the newest alignment's image embedder through its image
  head (``index align``), the vectors the content ranking compares a query with.
"""

from __future__ import annotations

from functools import partial

from figdex.index.db import Dataset
from figdex.index.es_vectors import VectorField
from figdex.index.fulltext import TextIndex, open_text_index

VECTOR_BACKENDS = ("elasticsearch", "opensearch")


def dataset_vector_fields(ds: Dataset) -> tuple[VectorField, ...]:
    """The vector fields this dataset can fill now (none before `index embed` / `index align`)."""
    from figdex.ingest.text_embed import text_embedder_name

    fields = []
    row = ds.conn.execute("SELECT embedder, dim FROM embeddings WHERE embedder LIKE ? AND vector IS NOT NULL "
                          "ORDER BY embedder DESC LIMIT 1", (f"{text_embedder_name(ds)}@%",)).fetchone()
    if row is not None:
        fields.append(VectorField("caption_vector", row[0], row[0], int(row[1])))
    if (ds.root / "alignment").is_dir():
        from figdex.ingest.align import AlignmentMissing, load_alignment
        from figdex.models.tuning import apply_head

        try:
            alignment = load_alignment(ds)
        except AlignmentMissing:
            alignment = None
        if alignment is not None:
            fields.append(VectorField("content_vector", alignment.name, alignment.meta["image_embedder"],
                                      int(alignment.image_head.shape[1]),
                                      partial(apply_head, head=alignment.image_head)))
    return tuple(fields)


def open_engine_index(ds: Dataset, backend: str | None = None, url: str | None = None) -> TextIndex:
    """The dataset's text index (or ``backend``), given the dataset's vectors where it is an engine
    that holds them: what `index sync` and `index rebuild` push."""
    name = backend or ds.config["text_index"]
    options = {"vector_fields": dataset_vector_fields(ds)} if name in VECTOR_BACKENDS else {}
    return open_text_index(ds, backend, url, **options)
