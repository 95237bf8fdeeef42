"""A strict, fast check of EDTF level 0 and 1 strings (Library of Congress, ISO 8601-2).

The `edtf` library parses with pyparsing at about 26 ms a value, too slow for a million rows; it
stays the reference in the tests. Covered: dates (YYYY, YYYY-MM, YYYY-MM-DD) with ? ~ % qualifiers,
unspecified digits (X: trailing in a year, whole month or day), seasons (21-24), Y-prefixed long
years, and intervals with open or unknown ends. Stricter than the library in two ways: a day
must exist in its month (the library takes 2023-02-29), and level-2 seasons (25-41) are refused.
Date-times are not used by this dataset and are refused."""

from __future__ import annotations

import calendar
import re
from functools import lru_cache

# [0-9], not \d: Python's \d takes any script's digits (Arabic-Indic, full-width), and so do int()
# and the `edtf` library, but no other reader of the dates does.
DATE = re.compile(
    r"^(?P<year>-?(?:[0-9]{4}|[0-9]{3}X|[0-9]{2}XX)|Y-?[0-9]{5,})"
    r"(?:-(?P<month>[0-9]{2}|XX)(?:-(?P<day>[0-9]{2}|XX))?)?"
    r"(?P<qualifier>[?~%])?$"
)


@lru_cache(maxsize=65536)
def is_edtf(value: str) -> bool:
    if "/" in value:
        start, _, end = value.partition("/")
        if "/" in end:
            return False
        return all(side in ("", "..") or _is_date(side) for side in (start, end)) and (start, end) != ("", "")
    return _is_date(value)


def _is_date(value: str) -> bool:
    match = DATE.fullmatch(value)  # `$` alone would let a final newline in
    if not match:
        return False
    year, month, day = match.group("year"), match.group("month"), match.group("day")
    if year.startswith("Y"):
        return month is None
    if month is None or month == "XX":
        return True
    number = int(month)
    if 21 <= number <= 24:
        return day is None and "X" not in year  # a season has no day
    if not 1 <= number <= 12:
        return False
    if day is None or day == "XX":
        return True
    if "X" in year:
        return 1 <= int(day) <= 31
    return 1 <= int(day) <= calendar.monthrange(int(year.lstrip("-")) or 2000, number)[1]
