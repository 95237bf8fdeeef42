"""EDTF dates (Library of Congress, ISO 8601-2), levels 0 and 1: the one reading of them that the
validator, the build's timeline summary and the Parquet export share. (The site's timeline plugin,
deployed on its own, keeps a copy of `edtf_day`: scripts/publishing/plugins/reader.py.)

`is_edtf` is a strict, fast check. The `edtf` library parses with pyparsing at about 26 ms a value,
too slow for a million rows; it stays the reference in the tests, and gives `edtf_bounds`, the first
and last day a value can mean. Covered: dates (YYYY, YYYY-MM, YYYY-MM-DD) with ? ~ % qualifiers,
unspecified digits (X: trailing in a year, whole month or day), seasons (21-24), Y-prefixed long
years, and intervals with open or unknown ends. Stricter than the library in two ways: a day must
exist in its month (the library takes 2023-02-29), and level-2 seasons (25-41) are refused.
Date-times are not used by this dataset and are refused. `edtf_day` reads a single day, as the
site's timeline plots it.

(Named edtf_dates, not edtf, so that it never stands in for the `edtf` library it imports.)"""

from __future__ import annotations

import calendar
import datetime
import re
import time
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


EDTF_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[?~%]?")  # a day, with a qualifier or none


def edtf_day(value: object) -> tuple[datetime.date, bool] | None:
    """(the day, whether its year is stated) of an EDTF day such as 2024-10-31 or 2024-10-31?; None
    for anything else (a month, an interval). The site's timeline plots such days (the deployed
    plugin, scripts/publishing/plugins/reader.py, holds a copy)."""
    if not isinstance(value, str) or not EDTF_DAY.fullmatch(value):
        return None
    try:
        return datetime.date.fromisoformat(value[:10]), not value.endswith(("?", "%"))
    except ValueError:  # 2024-13-45
        return None


def _day(moment: time.struct_time) -> datetime.date:
    return datetime.date(moment.tm_year, moment.tm_mon, moment.tm_mday)


def edtf_bounds(text: str) -> tuple[datetime.date | None, datetime.date | None]:
    """The first and last day an EDTF value can mean; (None, None) when empty or open-ended."""
    if not text:
        return None, None
    # Imported here: the library builds its grammar on import (0.1 s), which validation never needs.
    from edtf import parse_edtf

    parsed = parse_edtf(text)
    try:
        return _day(parsed.lower_strict()), _day(parsed.upper_strict())
    except (OverflowError, ValueError, AttributeError):
        return None, None  # an open or unknown end ("2024-10/..") has no day to give
