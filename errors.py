"""The one base of figdex's errors, with the exit status and HTTP status it is reported with.

It sits at the bottom of the import graph (it imports nothing of figdex) so that every layer,
models/ and index/ included, can derive from it.  Library code raises a subclass with a message
that says what to do; the CLI (``cli.main.FriendlyGroup``) and the web app (``cli.web.app``)
each render it in one place, so a new error class needs no mapping anywhere.

Each class keeps the builtin base it had (``class QueryError(FigdexError, ValueError)``) so
that existing ``except ValueError`` code still catches it.
"""

from __future__ import annotations


class FigdexError(Exception):
    """An error the user can act on; ``str(exc)`` is the whole message."""

    exit_code = 1  # the status `figdex` exits with
    http_status = 400  # the status `figdex serve` answers with: by default the request was wrong


class NotFoundError(FigdexError, LookupError):
    """Something named in the request (an image id, a family, a backend) does not exist."""

    http_status = 404


class UnavailableError(FigdexError, RuntimeError):
    """Something figdex needs is not there: an optional package, a server, a program."""

    http_status = 503


class InputError(FigdexError, ValueError):
    """A value given, or the dataset's state, does not allow the request (too few images, an empty
    label, a malformed file of the user's); the message says what to give instead."""
