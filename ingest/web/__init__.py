"""Live scraping: a query or article URLs -> search -> fetch -> parse -> store.

``query`` reads EXSCLAIM query JSON, ``search`` builds and parses publishers' search
pages, ``http`` is the one polite HTTP layer (robots.txt, rate limit, retries, cache),
``fetchers`` the interface behind which a headless browser can replace it, and
``scrape`` runs the whole path into a dataset.  Nothing here is imported by
``figdex --help``.
"""
