"""The measure the site charts comes from the package (the descriptor's headlineMeasure), not from
code: the troop_estimates view and the README's opening table follow whichever measure it names."""

from __future__ import annotations

import ast
import sqlite3
from collections import Counter
from pathlib import Path

import pytest

from scripts.package.read import DataPackage
from scripts.publishing.build import build
from scripts.releases.docs import INFERRED_YEAR_NOTE, troop_estimates
from tests.conftest import PACKAGE, ROOT, read_table
from tests.mutations import edit_json
from tests.source_code import string_constants


def other_measure() -> str:
    """The measure, besides the headline one, that the most figures have."""
    headline = DataPackage(PACKAGE / "datapackage.json").headline_measure
    counts = Counter(row["measure"] for row in read_table("figures") if row["measure"] != headline)
    return counts.most_common(1)[0][0]


def headlined(package: Path, measure: str) -> Path:
    edit_json(package, lambda d: d.update(headlineMeasure=measure))
    return package


def test_troop_estimates_hold_the_figures_of_the_measure_the_descriptor_names(
    package_copy: Path, tmp_path: Path
) -> None:
    measure = other_measure()
    output = tmp_path / "site.db"
    build(headlined(package_copy, measure), output)
    stored = {figure_id for (figure_id,) in sqlite3.connect(output).execute("SELECT figure_id FROM troop_estimates")}
    assert stored == {row["figure_id"] for row in read_table("figures") if row["measure"] == measure}


def test_the_readme_table_lists_the_figures_of_the_measure_the_descriptor_names(package_copy: Path) -> None:
    measure = other_measure()
    table = troop_estimates(DataPackage(headlined(package_copy, measure)))
    figures = [row for row in read_table("figures") if row["measure"] == measure]
    rows = [line for line in table.splitlines() if line.startswith("| ") and line.endswith("` |")]
    assert len(rows) == len(figures)
    assert all(f"“{row['exact']}”" in table for row in figures)
    assert (INFERRED_YEAR_NOTE in table) == any(row["as_of"].endswith("?") for row in figures)


@pytest.mark.package  # a new article brings new ids: no code may name them either
def test_no_code_names_a_measure_or_a_row_id_of_the_package() -> None:
    """String literals of scripts/ hold no figures.measure of the vocabulary and no id of a row
    (ids with a digit: the articles' rows, not the controlled values)."""
    measures = {
        row["value"] for row in read_table("vocabulary") if (row["table"], row["column"]) == ("figures", "measure")
    }
    ids = {
        value
        for table in ("sources", "claims", "quotes", "figures", "flags", "exclusions")
        for row in read_table(table)
        for column, value in row.items()
        if column.endswith("_id") and any(character.isdigit() for character in value)
    }
    named = [
        f"{file.relative_to(ROOT)}: {name}"
        for file in sorted((ROOT / "scripts").rglob("*.py"))
        for literal in string_literals(file)
        for name in measures | ids
        if name in literal
    ]
    assert not named, named


def string_literals(file: Path) -> list[str]:
    """The string constants of a module's code; docstrings are prose and may illustrate an id."""
    return [node.value for node in string_constants(ast.parse(file.read_text(encoding="utf-8")))]
