"""Counts over a result set for plots and facets: images per class, year and label kind, and
the distribution of physical scale (nm per pixel).

Scale is a number, not a term, so the text engines' facets do not bucket it; each bucket is
counted with ``facet_counts`` under a scale-range filter, which works the same on every text
backend (FTS5, Elasticsearch, OpenSearch) and with or without a text query.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from figdex.index.db import Dataset
from figdex.index.fulltext import TextIndex, open_text_index
from figdex.index.query import SearchFilters
from figdex.retrieval.search import facet_counts

# Decades of nm per pixel: atomic resolution, HRTEM, TEM, SEM, optical/low-magnification.
SCALE_FACET_EDGES = (0.0, 0.1, 1.0, 10.0, 100.0, math.inf)
# Half-decades from 0.01 to 10 000 nm/px for the overview's histogram.
SCALE_HISTOGRAM_EDGES = (0.0, *(10 ** (k / 2) for k in range(-4, 9)), math.inf)


@dataclass(frozen=True)
class ScaleBucket:
    low: float  # nm/px, inclusive
    high: float  # nm/px, exclusive (inf: no upper bound)
    count: int

    @property
    def label(self) -> str:
        if self.low <= 0:
            return f"< {_num(self.high)}"
        if math.isinf(self.high):
            return f"≥ {_num(self.low)}"
        return f"{_num(self.low)}–{_num(self.high)}"

    def filter_values(self) -> dict:
        """scale_min / scale_max query values selecting this bucket (inclusive bounds)."""
        out = {}
        if self.low > 0:
            out["scale_min"] = self.low
        if not math.isinf(self.high):
            out["scale_max"] = math.nextafter(self.high, 0)
        return out


def _num(x: float) -> str:
    return f"{x:g}" if x >= 0.01 else f"{x:.1e}"


def scale_histogram(ds: Dataset, query: str | None, filters: SearchFilters | None = None,
                    edges=SCALE_FACET_EDGES, *, index: TextIndex | None = None) -> list[ScaleBucket]:
    """Matching images per scale bucket [edges[i], edges[i+1]); images without a scale are not counted."""
    filters = filters or SearchFilters()
    index = index or open_text_index(ds)
    buckets = []
    for low, high in zip(edges, edges[1:]):
        lo = max(low, filters.scale_min) if filters.scale_min is not None else low
        hi = math.nextafter(high, 0) if not math.isinf(high) else None
        if filters.scale_max is not None:
            hi = filters.scale_max if hi is None else min(hi, filters.scale_max)
        if hi is not None and lo > hi:
            buckets.append(ScaleBucket(low, high, 0))
            continue
        narrowed = SearchFilters(**{**filters.__dict__, "scale_min": lo if lo > 0 else None, "scale_max": hi,
                                    "has_scale": True})
        counts = facet_counts(ds, query, narrowed, ("publisher",), size=10_000, index=index)
        buckets.append(ScaleBucket(low, high, sum(n for _, n in counts["publisher"])))
    return buckets


@dataclass(frozen=True)
class Overview:
    total: int
    per_class: list[tuple[str, int]]
    per_year: list[tuple[int, int]]  # by year
    per_label_kind: dict[str, list[tuple[str, int]]]  # kind -> (value, count), most frequent first
    scale: list[ScaleBucket]
    without_scale: int


def overview(ds: Dataset, query: str | None = None, filters: SearchFilters | None = None, *,
             top: int = 15, index: TextIndex | None = None) -> Overview:
    """What the overview page plots, for the images matching ``query`` (None: all) and filters."""
    filters = filters or SearchFilters()
    index = index or open_text_index(ds)
    facets = facet_counts(ds, query, filters, ("image_class", "year", "label", "publisher"), size=10_000,
                          index=index)
    per_kind: dict[str, list[tuple[str, int]]] = {}
    for pair, n in facets["label"]:
        kind, _, value = str(pair).partition(":")
        if len(per_kind.setdefault(kind, [])) < top:
            per_kind[kind].append((value, n))
    unscaled = SearchFilters(**{**filters.__dict__, "has_scale": False, "scale_min": None, "scale_max": None})
    no_scale = facet_counts(ds, query, unscaled, ("publisher",), size=10_000, index=index)["publisher"]
    return Overview(
        total=sum(n for _, n in facets["publisher"]),
        per_class=[(str(k), n) for k, n in facets["image_class"]],
        per_year=sorted((int(k), n) for k, n in facets["year"]),
        per_label_kind=dict(sorted(per_kind.items())),
        scale=scale_histogram(ds, query, filters, SCALE_HISTOGRAM_EDGES, index=index),
        without_scale=0 if filters.has_scale or filters.scale_min is not None or filters.scale_max is not None
        else sum(n for _, n in no_scale),
    )
