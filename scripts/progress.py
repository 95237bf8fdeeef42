"""A one-line progress display for long steps, shown only when stderr is a terminal."""

from __future__ import annotations

import sys


def progress(message: str) -> None:
    """Replace the progress line with `message`; an empty message clears it."""
    if sys.stderr.isatty():
        print(f"\r\033[K{message}", end="" if message else "\r", file=sys.stderr, flush=True)
