"""The optional browser fetcher: pages rendered by headless Chromium (`chromium --headless --dump-dom`).

ACS, Wiley and other Cloudflare-fronted sites often answer plain HTTP clients with a
JavaScript challenge.  This fetcher reads *pages* through Debian's ``chromium`` package
instead; images, robots.txt, rate limiting, retries and the cache stay those of
``HttpClient`` (it subclasses it), so politeness does not depend on the transport.
Chromium is looked up on PATH (or ``FIGDEX_CHROMIUM`` / ``HttpConfig.browser_path``);
when it is missing the fetcher refuses to start and says how to install it.

Limits: ``--dump-dom`` gives no HTTP status (a rendered page counts as 200), no redirect
chain, and a challenge that needs a human still fails, and is then reported as such.
"""

from __future__ import annotations

import os
import shutil
import subprocess

from figdex import settings
from figdex.ingest.web.fetchers import PAGE, FetchError, FetcherUnavailable, register_fetcher
from figdex.ingest.web.http import HttpClient, HttpConfig, TransientError

CANDIDATES = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")


def find_chromium(explicit: str | None = None) -> str | None:
    for name in (explicit, settings.get("chromium"), *CANDIDATES):
        if name:
            path = shutil.which(name)
            if path:
                return path
    return None


@register_fetcher
class BrowserFetcher(HttpClient):
    name = "browser"

    def __init__(self, config: HttpConfig | None = None):
        super().__init__(config)
        self.binary = find_chromium(self.config.browser_path)
        if self.binary is None:
            raise FetcherUnavailable(
                "the browser fetcher needs headless Chromium, which was not found on PATH: install Debian's "
                "package (`sudo apt-get install chromium`) or set FIGDEX_CHROMIUM=/path/to/chromium; "
                "otherwise use --fetcher requests"
            )

    def _send(self, url: str, kind: str, data: dict | None):
        if kind != PAGE or data:
            return super()._send(url, kind, data)  # images and form posts need no rendering
        cmd = [self.binary, "--headless", "--disable-gpu", "--no-first-run", "--no-default-browser-check",
               "--hide-scrollbars", f"--user-agent={self.config.user_agent}",
               f"--timeout={int(self.config.timeout * 1000)}", "--dump-dom", url]
        if hasattr(os, "geteuid") and os.geteuid() == 0:
            cmd.insert(1, "--no-sandbox")  # Chromium refuses to run as root with its sandbox
        try:
            proc = subprocess.run(cmd, capture_output=True, timeout=self.config.timeout + 30, check=False)
        except subprocess.TimeoutExpired:
            raise TransientError("timeout", f"headless Chromium did not finish within {self.config.timeout + 30:g} s")
        except OSError as exc:
            raise FetchError(url, "connection", f"{url}: could not run {self.binary} ({exc})") from None
        self.requests_sent += 1
        if proc.returncode != 0 or not proc.stdout.strip():
            tail = proc.stderr.decode("utf-8", "replace").strip().splitlines()[-1:] or ["no output"]
            raise TransientError("connection", f"headless Chromium failed (exit {proc.returncode}: {tail[0][:160]})")
        if len(proc.stdout) > self.config.max_page_bytes:
            raise FetchError(url, "too-large", f"{url}: rendered page is over the page size limit; not saved")
        return 200, {"Content-Type": "text/html; charset=utf-8"}, proc.stdout, url
