"""Adding an article never breaks a test about another: a generated third article, added to a
curator's clone by CONTRIBUTING.md's walk-through (tests/articles/third.py), and the data, build,
site and release tests (marker `package`) run on that clone through NK_PACKAGE_ROOT."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.validation.validate import validate
from tests.articles import ARTICLES
from tests.articles.third import STORY, project_with_a_third_article
from tests.conftest import ROOT, read_table

pytestmark = pytest.mark.slow  # a curator's clone, and the package tests run again on it


@pytest.fixture(scope="module")
def third(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """A curator's clone with the synthetic story merged, and the story's source id."""
    folder = tmp_path_factory.mktemp("third-article")
    return project_with_a_third_article(folder / "project", folder)


def package_tests(root: Path, scratch: Path, *selection: str) -> subprocess.CompletedProcess[str]:
    """The `package` tests run on the package at `root`, with a temporary folder of their own."""
    command = [sys.executable, "-m", "pytest", "-m", "package", "-q", "-rA", "-p", "no:cacheprovider"]
    # The walk-through and check-article run pytest inside themselves; they ran on this package already.
    command += ["-k", "not contributing_walk_through and not make_check_article_passes"]
    command += ["--basetemp", str(scratch / "basetemp"), *selection]
    environment = {**os.environ, "NK_PACKAGE_ROOT": str(root)}
    return subprocess.run(command, cwd=ROOT, env=environment, capture_output=True, text=True, check=False)


def test_the_walk_through_adds_a_third_article_that_validates(third: tuple[Path, str]) -> None:
    root, source_id = third
    articles = [s["source_id"] for s in read_table("sources", root) if s["text_path"]]
    assert articles == [*(s["source_id"] for s in read_table("sources") if s["text_path"]), source_id]
    assert source_id not in ARTICLES  # no expectations of its own: only the tests over every article see it
    assert (root / f"data/texts/{source_id}.txt").read_text(encoding="utf-8") == STORY
    assert validate(root / "datapackage.json") == []


def test_the_data_build_site_and_release_tests_pass_with_a_third_article(
    third: tuple[Path, str], tmp_path: Path
) -> None:
    root, source_id = third
    result = package_tests(root, tmp_path)
    assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
    # They ran on the clone: the tests over every article saw the third one.
    scanned = f"PASSED tests/test_package.py::test_every_quotation_the_scanner_finds_is_a_quote_row[{source_id}]"
    assert scanned in result.stdout
    for file in ("test_package", "test_build", "test_datasette", "test_reader", "test_release", "test_release_formats"):
        assert f"PASSED tests/{file}.py::" in result.stdout, file


def test_the_package_tests_fail_on_a_clone_whose_third_article_is_broken(
    third: tuple[Path, str], tmp_path: Path
) -> None:
    root, source_id = third
    broken = shutil.copytree(root, tmp_path / "broken")
    text = broken / f"data/texts/{source_id}.txt"
    text.write_text(STORY.replace("Most of them", "Most of them (all 5,000)"), encoding="utf-8")
    result = package_tests(broken, tmp_path, "tests/test_package.py")
    assert result.returncode == 1, result.stdout[-3000:]
    failed = set(re.findall(r"^FAILED tests/test_package.py::(\w+)", result.stdout, re.M))
    assert "test_archived_texts_are_the_received_files_byte_for_byte" in failed
    assert "test_the_real_package_validates_without_problems" in failed
