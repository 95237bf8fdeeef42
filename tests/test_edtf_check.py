"""The fast EDTF check agrees with the `edtf` library, the reference, on valid and invalid values."""

from __future__ import annotations

import pytest
from edtf import parse_edtf

from scripts.validation.edtf_check import is_edtf

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
