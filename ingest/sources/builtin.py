"""Imports every built-in parser so that it registers itself."""

from figdex.ingest.sources import nature  # noqa: F401
from figdex.ingest.sources import rsc, acs, generic  # noqa: F401
from figdex.ingest.sources import jats, elsevier  # noqa: F401
from figdex.ingest.sources import arxiv  # noqa: F401
from figdex.ingest.sources import pdf  # noqa: F401  (pypdfium2 is imported only when a PDF is parsed)
