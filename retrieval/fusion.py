"""Reciprocal rank fusion, shared by hybrid text+image search (`search --like`) and the text search
modes (`search --mode hybrid`, `--by-content`): score = Σ wᵢ / (k + rankᵢ) over the rankings
that hold an item (Cormack et al. 2009; k = 60 by default)."""

from __future__ import annotations


def rrf(rankings: dict[str, list[tuple[int, float]]], *, k: int = 60,
        weights: dict[str, float] | None = None) -> list[tuple[int, dict]]:
    """Fuse rankings given as {name: [(id, score), ...] best first}.

    Returns [(id, entry)] best first (ties: smaller id first); each entry holds ``<name>_rank``,
    ``<name>_score`` for each ranking that has the id, and ``rrf``, the fused score."""
    weights = weights or {}
    fused: dict[int, dict] = {}
    for name, ranked in rankings.items():
        for rank, (item, score) in enumerate(ranked, 1):
            entry = fused.setdefault(item, {})
            entry[f"{name}_rank"], entry[f"{name}_score"] = rank, round(float(score), 4)
    for entry in fused.values():
        entry["rrf"] = round(sum(weights.get(name, 1.0) / (k + entry[f"{name}_rank"])
                                 for name in rankings if f"{name}_rank" in entry), 6)
    return sorted(fused.items(), key=lambda kv: (-kv[1]["rrf"], kv[0]))
