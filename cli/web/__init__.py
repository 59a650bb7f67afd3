"""`figdex serve`: the web interface and HTTP API (Flask imported only when the command runs)."""
