"""The fast EDTF check agrees with the `edtf` library, the reference, on valid and invalid values; one
module (scripts/package/edtf_dates.py) reads EDTF, for the validator and the Parquet bounds alike."""

from __future__ import annotations

import ast

import pytest
from edtf import parse_edtf

from scripts.package.edtf_dates import edtf_bounds, edtf_day, is_edtf
from tests.test_sql_quoting import ROOT, scanned_files

VALUES = [
    "2024", "2024-10", "2024-10-31", "2024-10~", "2024-06?", "2024-11-02%", "2024-21", "2024-24",
    "2024-1X", "2024-XX", "2024-10-XX", "202X", "20XX", "Y170000002", "2024-10/2024-11",
    "2024-10-28/2024-10-31", "../2024-10", "2024-10/..", "/2024-10", "2024-10/",
    "2024-13", "2024-00", "2024-02-30", "2024-02-29", "2024-10-32",
    "24-10", "2024-1", "2024/10", "2024-10-31T", "October 31", "2024-10~~", "2024~10", "",
    "2024-10/2024-11/2024-12", "Y2024", "2024-21-01",
]  # fmt: skip


def reference(value: str) -> bool:
    try:
        parse_edtf(value)
    except Exception:
        return False
    return True


@pytest.mark.parametrize("value", VALUES)
def test_fast_check_agrees_with_the_edtf_library(value: str) -> None:
    assert is_edtf(value) == reference(value)


@pytest.mark.parametrize("value", [" 2024-10", "2024-10 ", "2024- 10"])
def test_stray_spaces_are_never_edtf(value: str) -> None:
    assert not is_edtf(value)


@pytest.mark.parametrize("value", ["2023-02-29", "2024-25", "2024-41"])
def test_stricter_than_the_library_on_impossible_days_and_level_2_seasons(value: str) -> None:
    assert reference(value) and not is_edtf(value)


@pytest.mark.parametrize(
    "value", ["٢٠٢٤-١٠-٣١", "２０２４-１０", "2024-1٠", "Y１７００００００２", "2024\n", "2024-10-31\n"]
)
def test_only_ascii_digits_and_no_final_line_feed_are_edtf(value: str) -> None:
    assert not is_edtf(value)


@pytest.mark.parametrize("value", [v for v in VALUES if is_edtf(v)])
def test_every_value_the_check_accepts_has_bounds_in_order_or_none(value: str) -> None:
    earliest, latest = edtf_bounds(value)
    assert (earliest is None) == (latest is None)
    assert earliest is None or earliest <= latest


def edtf_readings(source: str) -> list[int]:
    """The lines of a module that import the `edtf` library or match EDTF's qualifiers (`[?~%]`)."""
    return [
        node.lineno
        for node in ast.walk(ast.parse(source))
        if (isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "edtf")
        or (isinstance(node, ast.Import) and any(a.name.split(".")[0] == "edtf" for a in node.names))
        or (isinstance(node, ast.Constant) and isinstance(node.value, str) and "?~%" in node.value)
    ]


def test_edtf_is_read_by_one_module() -> None:
    home = ROOT / "scripts" / "package" / "edtf_dates.py"
    offences = [
        f"{path.relative_to(ROOT)}:{line}"
        for path in scanned_files()
        if path != home
        for line in edtf_readings(path.read_text(encoding="utf-8"))
    ]
    assert edtf_readings(home.read_text(encoding="utf-8")), "the one EDTF module reads the library"
    assert not offences, "read EDTF through scripts.package.edtf_dates:\n" + "\n".join(offences)


@pytest.mark.parametrize("value", [*VALUES, "2024-10-31?", "2024-10-31%", "2024-10-31~", None, 20241031])
def test_a_day_on_the_timeline_is_a_valid_edtf_day_with_its_bounds(value: object) -> None:
    day = edtf_day(value)
    if day is not None:
        assert isinstance(value, str) and is_edtf(value)
        assert edtf_bounds(value) == (day[0], day[0])
        assert day[1] == (not value.endswith(("?", "%")))
