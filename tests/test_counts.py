"""One definition of every count: the ingest summary, the dataset line after it, `figdex stats` and the
harvest summary agree, and say what they leave out (#16.5)."""

import json
import re
import shutil

from click.testing import CliRunner

from figdex.cli.main import cli
from figdex.index.db import Dataset
from tests.conftest import DEMO


def test_the_ingest_summary_the_dataset_line_and_stats_count_the_same_figures(tmp_path):
    corpus = tmp_path / "corpus"
    shutil.copytree(DEMO, corpus)
    # The same article saved twice (two files, one DOI): one article in the dataset.
    shutil.copy(corpus / "nature" / "html" / "srep23945.html", corpus / "srep23945-again.html")
    runner = CliRunner()
    args = ["ingest", str(corpus), "--dataset", str(tmp_path / "d"), "--no-separate", "--no-embed"]
    table = runner.invoke(cli, args)
    assert table.exit_code == 0, table.output
    summary_line = next(line for line in table.output.splitlines() if line.startswith("15 files"))
    dataset_line = next(line for line in table.output.splitlines() if line.startswith("dataset "))
    got = {k: int(v) for v, k in re.findall(r"(\d+) (articles|figures|graphical abstracts)", summary_line)}
    stats = json.loads(runner.invoke(cli, ["stats", "--dataset", str(tmp_path / "d"), "--format", "json"]).output)
    assert got == {"articles": stats["articles"], "figures": stats["figures"],
                   "graphical abstracts": stats["graphical_abstracts"]} == {"articles": 14, "figures": 59,
                                                                            "graphical abstracts": 2}
    assert f"{stats['images_missing']} missing" in summary_line
    assert f"figures {stats['figures']}" in dataset_line and "graphical_abstracts 2" in dataset_line
    # Per publisher, figures and graphical abstracts add up to the rows of the figures table.
    with Dataset.open(tmp_path / "d") as ds:
        rows = dict(ds.conn.execute("SELECT a.publisher, count(*) FROM figures f JOIN articles a ON a.id = "
                                    "f.article_id GROUP BY 1").fetchall())
    per = stats["per_publisher"]
    assert {p: v["figures"] + v["graphical_abstracts"] for p, v in per.items()} == rows
    assert per["acs"]["graphical_abstracts"] == 2
    # ...and the table says so instead of leaving them out silently.
    text = runner.invoke(cli, ["stats", "--dataset", str(tmp_path / "d")]).output
    assert "graphical_abstracts" in text.splitlines()[0] and "not counted as figures" in text
    # A re-run stores nothing new and says so; the dataset line is unchanged.
    again = runner.invoke(cli, args)
    assert "0 articles, 0 figures" in again.output and dataset_line in again.output
