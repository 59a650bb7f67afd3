"""`figdex serve`: the web interface and JSON API over a dataset (Flask on waitress).

Only click is imported here: Flask, waitress and the library load when the command runs, so
`figdex --help` stays instant.
"""

from __future__ import annotations

import ipaddress
import logging
import sys

import click

from figdex.cli.options import dataset_option


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@click.command()
@dataset_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on; the default answers this machine only (0.0.0.0: every network).")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port; 0 picks a free one (printed).")
@click.option("--allow-edits", is_flag=True, help="Let the pages and the API add and remove user labels.")
@click.option("--max-upload-mb", default=16.0, show_default=True, type=click.FloatRange(0.01, 512),
              help="Largest query-by-example upload.")
@click.option("--max-export", default=2000, show_default=True, type=click.IntRange(1),
              help="Most images one export zip holds.")
@click.option("--threads", default=4, show_default=True, type=click.IntRange(1, 64), help="Worker threads.")
def serve(dataset: str, host: str, port: int, allow_edits: bool, max_upload_mb: float, max_export: int,
          threads: int) -> None:
    """Serve a web interface (search, image pages, query by example, tag review, overview, export)
    and a JSON API (/api/..., described at /openapi.json) over the dataset."""
    try:
        from figdex.cli.web.app import LOOPBACK_NAMES, create_app
    except ImportError as exc:
        raise click.ClickException(f"the web interface needs Flask ({exc}); pip install 'figdex[web]'") from exc
    loopback = _is_loopback(host)
    # On the loopback, answer only to loopback names (DNS rebinding cannot reach the API); werkzeug's
    # Host check cannot parse IPv6 literals, so [::1] goes without it.
    trusted = [*LOOPBACK_NAMES, host] if loopback and ":" not in host else None
    app = create_app(dataset, allow_edits=allow_edits, max_upload_mb=max_upload_mb, max_export=max_export,
                     trusted_hosts=trusted)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    if not loopback:
        click.echo(f"note: listening on {host}: anyone who can reach this machine can use the dataset"
                   + (" and change its user labels" if allow_edits else ""), err=True)
    try:
        from waitress.server import create_server
    except ImportError:
        create_server = None
    try:
        if create_server is not None:
            server = create_server(app, host=host, port=port, threads=threads, clear_untrusted_proxy_headers=True)
            bound = server.effective_port
            run, stop = server.run, server.close
        else:  # waitress is in the web extra; without it, werkzeug's threaded server still works locally
            from werkzeug.serving import make_server

            server = make_server(host, port, app, threaded=True)
            bound = server.server_port
            run, stop = server.serve_forever, server.server_close
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port} ({exc.strerror or exc}); "
                                   "choose another --port (0 picks a free one)") from exc
    shown = f"[{host}]" if ":" in host else host
    click.echo(f"figdex: serving {dataset} at http://{shown}:{bound}/ "
               f"(label edits {'on' if allow_edits else 'off'}; Ctrl-C stops)")
    sys.stdout.flush()
    try:
        run()
    except KeyboardInterrupt:
        pass
    finally:
        stop()
