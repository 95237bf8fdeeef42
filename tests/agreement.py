"""Filters and judges agree: every rule of every check, run with its SQL filter and on every row,
finds the same problems (tests/test_check_registry.py, the mutation suite, the hostile packages)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scripts.package.read import DataPackage, Problem
from scripts.validation import checks
from scripts.validation.registry import RowRule
from scripts.validation.staging import Stage
from scripts.validation.validate import checked


def _judged(rule: RowRule, package: DataPackage, db: Stage, filtered: bool) -> tuple[list[tuple[str, str]], int]:
    """(the rule's problems as (line, code), sorted; how many rows its judge read)."""
    problems: list[Problem] = []
    read = 0
    for suspects in rule.suspects(package, db):
        for number, row in suspects.rows(db, filtered):
            read += 1
            problems += rule.judge(package, suspects.table, number, row)
    return sorted((str(p), p.code) for p in problems), read


def judges_agree_with_filters(package: DataPackage, db: Stage) -> tuple[int, int, set[str]]:
    """Runs every rule of every check both ways on a staged package; returns (rows judged
    unfiltered, rows judged filtered, codes found)."""
    judged_every = judged_filtered = 0
    found: set[str] = set()
    for check in checks.CHECKS:
        for index, rule in enumerate(check.rules):
            filtered, read_filtered = _judged(rule, package, db, filtered=True)
            every, read_every = _judged(rule, package, db, filtered=False)
            assert every == filtered, f"the {check.name} check's rule {index}: its judge and filter disagree"
            assert {code for _, code in every} <= set(check.codes), f"the {check.name} check: undeclared code"
            judged_every += read_every
            judged_filtered += read_filtered
            found |= {code for _, code in every}
    return judged_every, judged_filtered, found


def assert_filters_agree_with_judges(descriptor: Path) -> tuple[int, int, set[str]]:
    """judges_agree_with_filters on the package at `descriptor`; skips a package that no content
    check reads (its descriptor or a CSV is refused)."""
    with checked(descriptor) as (_, package, db):
        if package is None or db is None:
            pytest.skip("the descriptor or a CSV is refused: no content check runs")
        return judges_agree_with_filters(package, db)
