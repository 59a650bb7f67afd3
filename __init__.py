"""figdex: a dataset-as-database search engine for the images inside scientific papers.

The repository root is the ``figdex`` package (see ``[tool.setuptools]`` in
pyproject.toml), so the design card's top-level folders ``ingest/ index/
retrieval/ models/ cli/`` import as ``figdex.ingest`` and so on.
"""

__version__ = "0.1.0"
