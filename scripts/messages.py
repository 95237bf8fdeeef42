"""How a message repeats its input, and the error every command turns into exit 1.

The core layer (scripts.cli uses them): no stage of the pipeline is imported here."""

from __future__ import annotations

import re

MAX_QUOTED_CHARS = 200  # how much of any input a message repeats
# C0, DEL and C1, and the characters that reorder or break a terminal's line without being seen: the
# bidirectional marks, embeddings, overrides and isolates, and the line and paragraph separators.
BIDI_AND_SEPARATORS = "\u200e\u200f\u2028-\u202e\u2066-\u2069"
CONTROL_CHARACTERS = re.compile(f"[\x00-\x1f\x7f-\x9f{BIDI_AND_SEPARATORS}]")
LINE_CONTROL_CHARACTERS = re.compile(f"[\x00-\x09\x0b-\x1f\x7f-\x9f{BIDI_AND_SEPARATORS}]")


class PackageError(Exception):
    """The package cannot be read as asked: a clear message for the user, exit code 1."""


def printable(text: str, lines: bool = False) -> str:
    """`text` with every C0 and C1 control character, DEL, bidirectional control and line or paragraph
    separator written as a visible escape (`\\x1b`, `\\u202e`), so that input shown in a terminal or a
    log cannot move the cursor, clear the screen, reorder what a line shows or start a line of its own
    (newlines are kept with `lines`: a message of several lines)."""
    controls = LINE_CONTROL_CHARACTERS if lines else CONTROL_CHARACTERS
    return controls.sub(_escape, text)


def _escape(match: re.Match[str]) -> str:
    code = ord(match.group())
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[:limit] + "…"


def clip(text: str, limit: int = MAX_QUOTED_CHARS, lines: bool = False) -> str:
    """At most `limit` characters of some input, marked when cut, made printable, with no quote marks
    added: for input a message shows as it is (a path, a line). `quote()` puts a value in quote marks."""
    return printable(cut(text, limit), lines)


def quote(value: object, limit: int = MAX_QUOTED_CHARS) -> str:
    """A value of the input as a message quotes it: repr (quote marks around it, control characters
    escaped), cut to about `limit` characters. For messages only; not SQL quoting, and `clip()` is the
    same cut without quote marks."""
    text = value if isinstance(value, str) else str(value)
    return repr(cut(text, limit))
