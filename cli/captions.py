"""`figdex captions split` and `figdex eval captions`."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

import figdex
from figdex.cli.options import DEVSET_PARTS, DEVSET_PARTS_HELP, devset_part
from figdex.cli.output import emit

REPO_ROOT = Path(figdex.__file__).resolve().parent
DEFAULT_GOLD = REPO_ROOT / "tests" / "data" / "captions_gold.jsonl"
DEVSET = REPO_ROOT / "eval" / "devset"
DEFAULT_COMPFIGSEP = REPO_ROOT.parent / "shared" / "corpus" / "compfigsep" / "caption_splitting" / \
    "prostate_data_only_annotated_captions.json"


@click.group()
def captions() -> None:
    """Caption distribution: split captions into per-panel sub-captions."""


@captions.command("split")
@click.argument("file", required=False, type=click.File("r", encoding="utf-8"))
@click.option("--keyword", "keywords", multiple=True, help="Query keyword/synonym to look for (repeatable).")
def split_command(file, keywords: tuple[str, ...]) -> None:
    """Read JSON lines {"id", "caption"[, "html"]} (stdin without FILE); write one JSON line per caption."""
    from figdex.ingest.captions import distribute_caption

    stream = file or sys.stdin
    name = getattr(stream, "name", "<stdin>")
    for n, line in enumerate(stream, 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
            caption = row["caption"]
        except (json.JSONDecodeError, KeyError, TypeError) as exc:
            raise click.ClickException(
                f"{name}:{n}: not a JSON object with a \"caption\" ({exc}); write one "
                '{"id": ..., "caption": "..."} per line') from exc
        if not isinstance(caption, str):
            raise click.ClickException(f"{name}:{n}: \"caption\" must be a string")
        split = distribute_caption(caption, row.get("html"), tuple(keywords))
        out = {
            "id": row.get("id"),
            "scheme": split.scheme,
            "subcaptions": [
                {"label": s.label, "text": s.text, "keywords": list(s.keywords), "terms": list(s.terms)}
                for s in split.subcaptions
            ],
            "shared": split.shared,
        }
        sys.stdout.write(json.dumps(out, ensure_ascii=False) + "\n")


@click.group(name="eval")
def eval_group() -> None:
    """Evaluate figdex's stages against hand-made ground truth."""


@eval_group.command("captions")
@click.option("--in-sample", is_flag=True,
              help="Score the captions figdex was tuned on (development folds 0-2, figdex gold, compfigsep) "
                   "instead of the held-out folds.")
@click.option("--set", "part", type=click.Choice(DEVSET_PARTS), default="held-out", show_default=True,
              help=DEVSET_PARTS_HELP)
@click.option("--gold", type=click.Path(exists=True, path_type=Path), default=str(DEFAULT_GOLD),
              show_default="tests/data/captions_gold.jsonl", help="figdex gold file (JSON lines), with --in-sample.")
@click.option("--compfigsep", type=click.Path(path_type=Path), default=str(DEFAULT_COMPFIGSEP),
              show_default="../shared/corpus/compfigsep/...", help="compfigsep's hand-split captions, with --in-sample.")
@click.option("--failures", is_flag=True, help="List the captions whose split differs from the gold.")
@click.option("--format", "fmt", type=click.Choice(["table", "json", "jsonl"]), default="table")
def eval_captions(in_sample: bool, part: str, gold: Path, compfigsep: Path, failures: bool, fmt: str) -> None:
    """Label-set exact match, per-label token F1 and unsplit share of caption splitting.

    By default on the development set's held-out folds (papers nothing was tuned on), overall and
    per field and publisher; --set fresh scores only the fresh set; --in-sample scores what the
    rules were tuned on."""
    from figdex.ingest.captions.evaluate import (evaluate, evaluate_grouped, load_compfigsep_gold,
                                                 load_devset_captions, load_figdex_gold)

    which, label = devset_part(in_sample, part)
    items = load_devset_captions(DEVSET / "captions_dev.json", DEVSET / "separation_dev.json", which)
    click.echo(f"# {label}", err=True)
    if not items:
        raise click.ClickException(f"no captions in development-set part {part!r} (eval/devset/captions_dev.json, "
                                   "separation_dev.json): a fresh set is registered in eval/devset/build.py")
    results = evaluate_grouped({"tune": "dev folds 0-2", "held_out": "held-out"}.get(which, which), items)
    if in_sample:
        results.append(evaluate(f"figdex gold ({gold.name})", load_figdex_gold(gold, REPO_ROOT)))
        if compfigsep.exists():
            results.append(evaluate("compfigsep (biomedical)", load_compfigsep_gold(compfigsep)))
        else:
            click.echo(f"note: {compfigsep} not found; compfigsep set skipped", err=True)
    rows = [r.as_dict() for r in results]
    if not failures:
        for row in rows:
            row.pop("failures")
    if fmt == "table":
        emit(rows, "table", ["name", "captions", "label_set_exact", "token_f1", "unsplit_predicted", "unsplit_gold"])
        if failures:
            for r in results:
                for f in r.failures:
                    click.echo(f"  {r.name}: {f[0]} gold {''.join(f[1])} predicted {''.join(f[2])} worst F1 {f[3]}")
    else:
        emit(rows, fmt)
