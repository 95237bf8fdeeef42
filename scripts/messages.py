"""How a message repeats its input, and the error every command turns into exit 1.

The core layer (scripts.cli uses them): no stage of the pipeline is imported here."""

from __future__ import annotations

import re

MAX_QUOTED_CHARS = 200  # how much of any input a message repeats
CONTROL_CHARACTERS = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0, DEL and C1
LINE_CONTROL_CHARACTERS = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f]")


class PackageError(Exception):
    """The package cannot be read as asked: a clear message for the user, exit code 1."""


def printable(text: str, lines: bool = False) -> str:
    """`text` with every C0 and C1 control character and DEL written as a visible escape (`\\x1b`),
    so that input shown in a terminal or a log cannot move the cursor, clear the screen, or start a
    line of its own (newlines are kept with `lines`: a message of several lines)."""
    controls = LINE_CONTROL_CHARACTERS if lines else CONTROL_CHARACTERS
    return controls.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


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
