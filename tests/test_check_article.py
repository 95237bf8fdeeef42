"""`make check-article SOURCE=id`: the package validated, only that article's problems shown, and
the tests written for that article run on this package."""

from __future__ import annotations

import subprocess
import time
from itertools import pairwise
from pathlib import Path

import pytest

from scripts.curation import check_article
from scripts.package.read import DataPackage
from tests.conftest import ROOT
from tests.mutations import first_key, row_number, set_cells


def _two_articles(root: Path) -> tuple[str, str]:
    first, second, *_ = sorted(DataPackage(root / "datapackage.json").archived_texts)
    return first, second


def _break_a_figure_of(root: Path, source_id: str) -> int:
    """An exact that stands nowhere in the article: one problem on that figure's row."""
    key = first_key(root, "figures", lambda row: row["source_id"] == source_id)
    return set_cells(root, "figures", key, exact="words that stand in no article")


def test_check_article_shows_only_the_problems_of_its_article(
    package_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = package_copy.parent
    mine, other = _two_articles(root)
    row = _break_a_figure_of(root, mine)
    _break_a_figure_of(root, other)
    assert check_article.main([str(package_copy), "--source", mine, "--no-tests"]) == 1
    out, err = capsys.readouterr()
    lines = out.splitlines()
    assert lines and all(line.startswith(f"data/figures.csv:{row}:") for line in lines), out
    assert f"problem(s) in {mine}; " in err and "more elsewhere in the package (make validate)" in err


def test_check_article_passes_an_article_whose_problems_are_all_elsewhere(
    package_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = package_copy.parent
    mine, other = _two_articles(root)
    _break_a_figure_of(root, other)
    assert check_article.main([str(package_copy), "--source", mine, "--no-tests"]) == 0
    out, err = capsys.readouterr()
    assert out == "" and f"0 problem(s) in {mine}; " in err


def test_a_row_without_a_source_id_belongs_to_the_article_its_foreign_key_names(package_copy: Path) -> None:
    root = package_copy.parent
    mine, other = _two_articles(root)
    quote = first_key(root, "quotes", lambda row: row["source_id"] == mine)
    link = first_key(root, "quote_claims", lambda row: row["quote_id"] == quote)
    row = row_number(root, "quote_claims", link)
    set_cells(root, "quote_claims", link, claim_id="no-such-claim")  # the quote still names the article
    problems, _, placed = check_article.article_problems(package_copy, mine)
    assert placed and any(p.path == "data/quote_claims.csv" and p.row == row for p in problems)
    problems, _, _ = check_article.article_problems(package_copy, other)
    assert not any(p.path == "data/quote_claims.csv" for p in problems)


def test_check_article_refuses_a_source_the_package_does_not_have(package_copy: Path) -> None:
    result = subprocess.run(
        ["make", "--silent", "check-article", "SOURCE=no-such-article", f"DATAPACKAGE={package_copy}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0 and "SOURCE 'no-such-article' is no source of data/sources.csv" in result.stderr


def test_check_article_runs_the_package_tests_selected_by_the_source_on_that_package(
    package_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine, _ = _two_articles(package_copy.parent)
    calls: list[tuple[list[str], str]] = []

    def recorded(command: list[str], env: dict[str, str], check: bool) -> subprocess.CompletedProcess[str]:
        calls.append((command, env["NK_PACKAGE_ROOT"]))
        return subprocess.CompletedProcess(command, 1)  # a test failed

    monkeypatch.setattr(check_article.subprocess, "run", recorded)
    assert check_article.main([str(package_copy), "--source", mine]) == 1
    ((command, package_root),) = calls
    assert command[command.index("-k") + 1] == mine and ("-m", "package") in pairwise(command)
    assert command[-1].endswith("tests/test_package.py") and package_root == str(package_copy.parent.resolve())


@pytest.mark.slow
@pytest.mark.package
def test_make_check_article_passes_a_valid_article_and_runs_its_tests(package_copy: Path) -> None:
    mine, _ = _two_articles(package_copy.parent)
    started = time.perf_counter()
    result = subprocess.run(
        ["make", "--silent", "check-article", f"SOURCE={mine}", f"DATAPACKAGE={package_copy}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    print(f"make check-article: {time.perf_counter() - started:.1f} s")  # measured, not asserted
    assert result.returncode == 0, result.stdout + result.stderr
    assert " passed" in result.stdout and f"0 problem(s) in {mine}" in result.stderr
