"""The codebook's range rule: "between 10,000 and 12,000" is one figure whose ends are value_low and
value_high, with no value. The validator holds a range row to its text, and the timeline, its
summary and the README's table draw and write it as one range, never as a number of ours."""

from __future__ import annotations

import re

import pytest

from scripts.package.read import DataPackage
from scripts.publishing.plugins.reader import summary_svg, timeline_svg
from scripts.publishing.summaries import TimelineColumn
from scripts.releases.docs import troop_count
from scripts.validation.checks import _figure_problems
from tests.conftest import PACKAGE

RANGE = {"exact": "between 10,000 and 12,000", "value": "", "value_low": "10000", "value_high": "12000"}


def judged(**cells: str) -> list[tuple[str | None, str, str]]:
    figures = DataPackage(PACKAGE / "datapackage.json").tables["figures"]
    return [(p.column, p.code, p.message) for p in _figure_problems(None, figures, 7, {**RANGE, **cells})]  # type: ignore[arg-type]


def test_a_range_with_its_two_ends_and_no_value_is_right() -> None:
    assert judged() == []
    assert judged(exact="10,000 to 12,000") == []


def test_a_range_given_a_value_is_refused_with_what_to_do() -> None:
    (problem,) = judged(value="11000")
    assert problem[:2] == ("value", "range-with-value") and "leave value empty" in problem[2]


@pytest.mark.parametrize(
    ("column", "cells"), [("value_low", {"value_low": "1000"}), ("value_high", {"value_high": ""})]
)
def test_a_range_end_that_is_not_the_texts_is_refused_at_its_column(column: str, cells: dict[str, str]) -> None:
    problems = judged(**cells)
    assert [(c, code) for c, code, _ in problems] == [(column, "range-end-not-exact")]
    assert "write 1" in problems[0][2]  # says what to write: the end the text states


def test_a_single_number_keeps_its_rule() -> None:
    assert judged(exact="12,000", value="12000", value_low="", value_high="") == []
    assert [code for _, code, _ in judged(exact="12,000", value="", value_low="", value_high="")] == ["value-not-exact"]


def estimate(**cells: object) -> dict[str, object]:
    base = {"as_of": "2024-11-05", "value": None, "value_low": 10000.0, "value_high": 12000.0,
            "qualifier": "between", "second_qualifier": "", "claimant": "Ms Example",
            "exact": "between 10,000 and 12,000", "source_id": "s"}  # fmt: skip
    return {**base, **cells}


def test_the_timeline_draws_a_range_as_one_bar_with_its_two_ends_and_no_point() -> None:
    svg = str(timeline_svg([estimate(), estimate(value=8000.0, value_low=None, value_high=None)], "soldiers"))
    assert svg.count('class="estimate-point') == 2  # the range and the number, each one estimate
    assert len(re.findall(r"<rect [^>]*estimate-range", svg)) == 1
    assert "10,000–12,000" in svg and "(no number)" not in svg
    assert "11,000" not in svg  # no midpoint of ours


def test_the_summary_widens_its_bar_by_a_range_but_takes_no_median_from_it() -> None:
    column = TimelineColumn()
    column.add(None, None, 10000, 12000)
    column.add(None, None, None, None)  # a number in words
    *_, estimates, in_words, lowest, highest, median = column.row()
    assert (estimates, in_words, lowest, highest, median) == (2, 1, 10000, 12000, None)
    column.add(None, 9000, None, None)
    assert column.row()[-3:] == (9000, 12000, 9000)
    only_ranges = {"day_from": None, "day_to": None, "year_stated": 1, "estimates": 1, "in_words": 0,
                   "lowest": 10000.0, "highest": 12000.0, "median": None}  # fmt: skip
    svg = str(summary_svg([only_ranges], "soldiers"))
    assert "ranges from 10,000 to 12,000 soldiers" in svg and "(no number)" not in svg


def test_the_readme_table_writes_a_range_by_its_two_ends() -> None:
    assert troop_count({"value": "", "value_low": "10000", "value_high": "12000"}) == "10,000–12,000"
    assert troop_count({"value": "8000", "value_low": "", "value_high": ""}) == "8,000"
    assert troop_count({"value": "", "value_low": "", "value_high": ""}) == "(no number)"
