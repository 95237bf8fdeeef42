"""Find what every archived text must account for: quotations and numeric quantities.

Offsets are 0-based code points, end exclusive, like every span of the package."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Iterator
from dataclasses import dataclass

DOUBLE_MARKS = '"“”'
OPENING_MARKS = "\"“‘'"
CLOSING_MARKS = "\"”’'"
MONTHS = (
    "January|February|March|April|May|June|July|August|September|October|November|December"
    "|Jan|Feb|Mar|Apr|Jun|Jul|Aug|Sep|Sept|Oct|Nov|Dec"
)
NUMBER = re.compile(r"(?=[$\d])\$?\d+(?:[,.]\d+)*")  # the lookahead lets the regex skip other characters fast
QUANTITY_WORDS = (
    "thousands",
    "hundreds",
    "dozens",
    "millions",
    "few",
    "several",
    "many",
    "some",
    "most",
    "majority",
    "all",
)
NUMBER_WORD = re.compile(rf"\b(?:{'|'.join(QUANTITY_WORDS)})\b", re.IGNORECASE)
DAY_AFTER_MONTH = re.compile(rf"\b(?:{MONTHS})\.? $")
MONTH_AFTER_DAY = re.compile(rf"^ (?:{MONTHS})\b")  # "19 December", as British and many other texts date
YEAR = re.compile(r"^(?:19|20)\d\d$")
NEWLINE = re.compile("\n")
KIND_QUOTATION, KIND_NUMBER = 0, 1  # the two kinds of span the scan finds, as the coverage check stages them


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    exact: str
    what: str  # "quotation", "number", or "unbalanced quotation mark"


def quotations(text: str) -> Iterator[Span]:
    """Text between quotation marks, nested single quotations included.

    Double marks pair up within a paragraph. A single ‘ or ' opens a quotation only after a space,
    a line start or another mark, and closes only before a non-letter, so that apostrophes
    (don't, Russia’s, troops’) are not taken for quotation marks."""
    offset = 0
    for paragraph in text.splitlines(keepends=True):
        if ANY_MARK.search(paragraph):  # most paragraphs have none: skip them at C speed
            yield from _double_quotations(paragraph, offset)
            yield from _single_quotations(paragraph, offset)
        offset += len(paragraph)


# Only these characters can open or close a quotation: the scans below visit them and nothing else.
DOUBLE_MARK = re.compile(f"[{DOUBLE_MARKS}]")
SINGLE_MARK = re.compile("[‘'’]")
ANY_MARK = re.compile(f"[{DOUBLE_MARKS}‘'’]")


def _double_quotations(paragraph: str, offset: int) -> Iterator[Span]:
    opened: int | None = None
    for mark in DOUBLE_MARK.finditer(paragraph):
        index = mark.start()
        if opened is None:
            opened = index
        else:
            yield Span(offset + opened + 1, offset + index, paragraph[opened + 1 : index], "quotation")
            opened = None
    if opened is not None:
        yield Span(offset + opened, offset + opened + 1, paragraph[opened], "unbalanced quotation mark")


def _single_quotations(paragraph: str, offset: int) -> Iterator[Span]:
    opened: int | None = None
    for mark in SINGLE_MARK.finditer(paragraph):
        index, char = mark.start(), mark.group()
        before = paragraph[index - 1] if index else " "
        after = paragraph[index + 1] if index + 1 < len(paragraph) else " "
        if char in "‘'" and opened is None and (before.isspace() or before in DOUBLE_MARKS) and after.isalnum():
            opened = index
        elif char in "’'" and opened is not None and not after.isalpha():
            yield Span(offset + opened + 1, offset + index, paragraph[opened + 1 : index], "quotation")
            opened = None


def numbers(text: str) -> Iterator[Span]:
    """Numeric quantities in digits or in words; days and years of dates ("October 31", "19 December",
    "2024") are left out."""
    for match in NUMBER.finditer(text):
        token = match.group().rstrip(",.")
        start = match.start()
        if DAY_AFTER_MONTH.search(text[max(0, start - 12) : start]) or YEAR.match(token):
            continue
        if (
            token.isdigit()
            and 1 <= int(token) <= 31
            and MONTH_AFTER_DAY.match(text[start + len(token) : start + len(token) + 12])
        ):
            continue
        yield Span(start, start + len(token), token, "number")
    yield from number_words(text)


# Characters that IGNORECASE matches to an ASCII letter although lower() does not make them one.
SPECIAL_FOLDS = ("İ", "ı", "ſ", "K")


def number_words(text: str) -> Iterator[Span]:
    """NUMBER_WORD's matches, in order. The regex tries its alternation at every position (about
    5 s for a million-claim corpus); searching the lower-cased text for each word is exact and ten
    times faster wherever lower() keeps every offset and no special case fold occurs."""
    lower = text.lower()
    if len(lower) != len(text) or any(fold in text for fold in SPECIAL_FOLDS):
        for match in NUMBER_WORD.finditer(text):
            yield Span(match.start(), match.end(), match.group(), "number")
        return
    found = []
    for word in QUANTITY_WORDS:
        start = lower.find(word)
        while start >= 0:
            end = start + len(word)
            if not (_word_char(text, start - 1) or _word_char(text, end)):  # \b on both sides
                found.append(Span(start, end, text[start:end], "number"))
            start = lower.find(word, start + 1)
    yield from sorted(found, key=lambda span: span.start)


def _word_char(text: str, index: int) -> bool:
    """Whether text[index] is a regex word character (\\w in a str pattern); outside the text, no."""
    return 0 <= index < len(text) and (text[index].isalnum() or text[index] == "_")


def spans(text: str) -> Iterator[tuple[int, Span]]:
    """(KIND_QUOTATION or KIND_NUMBER, span) of everything the text must account for: the one scan
    that the coverage check and the curator's to-do list share."""
    for span in quotations(text):
        yield KIND_QUOTATION, span
    for span in numbers(text):
        yield KIND_NUMBER, span


def span_at(text: str, kind: int, start: int, end: int) -> Span:
    """The span that `spans` found at start..end, from its kind alone, so that a report need not scan
    the text again. A lone double mark is the only one-character quotation span that is a double mark:
    double quotations end at the next one, and single ones begin with a letter or digit."""
    exact = text[start:end]
    if kind == KIND_NUMBER:
        return Span(start, end, exact, "number")
    lone = end == start + 1 and exact in DOUBLE_MARKS
    return Span(start, end, exact, "unbalanced quotation mark" if lone else "quotation")


class Lines:
    """Where each line of a text starts, found in one pass, so that the line of any offset is a
    bisection: counting the newlines before each offset again made a long report quadratic."""

    def __init__(self, text: str) -> None:
        self.starts = array("q", [0])
        self.starts.extend(newline.end() for newline in NEWLINE.finditer(text))

    def line_and_column(self, offset: int) -> tuple[int, int]:
        """1-based line and column of a code-point offset, for problem reports on a text file."""
        line = bisect_right(self.starts, offset)
        return line, offset - self.starts[line - 1] + 1


MAGNITUDE = re.compile(r"\s+(thousand|million|billion)\b")
MAGNITUDES = {"thousand": 1e3, "million": 1e6, "billion": 1e9}


def number_value(exact: str) -> float | None:
    """The number written in a figure's span: `8,000` -> 8000, `$2,000` -> 2000, `1.5 million` ->
    1500000; None for words."""
    values = number_values(exact)
    return values[0] if values else None


def number_values(exact: str) -> list[float]:
    """Every number written in a figure's span, in order: a range states two ("between 10,000 and 12,000");
    a magnitude word after a number multiplies it ("1.5 million")."""
    values = []
    for match in NUMBER.finditer(exact):
        magnitude = MAGNITUDE.match(exact, match.end())
        values.append(_as_number(match.group()) * (MAGNITUDES[magnitude.group(1)] if magnitude else 1))
    return values


def _as_number(written: str) -> float:
    return float(written.lstrip("$").rstrip(",.").replace(",", ""))
