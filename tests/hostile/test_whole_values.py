"""A value checked against a pattern is checked whole: a final newline, which `$` lets through
`re.match`, is refused by the curator's tools, the release record and the EDTF check."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from scripts.curation.add_source import add_source
from scripts.package.edtf_dates import is_edtf
from scripts.package.read import PackageError
from scripts.releases import registry
from tests.conftest import ROOT
from tests.hostile.conftest import Site

ARTICLE = "A short article that no other source holds.\n"


def _make_add_source(site: Site, text: Path, source_id: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--silent", "--no-print-directory", "add-source", f"TEXT={text}", f"ID={source_id}",
         f"DATAPACKAGE={site.descriptor}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip


@pytest.mark.parametrize(("source_id", "accepted"), [("article-new", True), ("article-new\n", False)])
def test_make_add_source_refuses_an_id_with_a_final_newline(
    sandbox: Site, tmp_path: Path, source_id: str, accepted: bool
) -> None:
    text = tmp_path / "article.txt"
    text.write_text(ARTICLE, encoding="utf-8")
    before = sandbox.files()
    result = _make_add_source(sandbox, text, source_id)
    if accepted:
        assert result.returncode == 0, result.stderr
        assert (sandbox.root / "data/texts/article-new.txt").read_text(encoding="utf-8") == ARTICLE
    else:
        assert result.returncode != 0 and "use lowercase letters, digits, - and _" in result.stderr
        assert sandbox.files() == before  # nothing written


def test_add_source_refuses_a_published_date_with_a_final_newline(sandbox: Site, tmp_path: Path) -> None:
    text = tmp_path / "article.txt"
    text.write_text(ARTICLE, encoding="utf-8")
    before = sandbox.files()
    with pytest.raises(PackageError, match="is not an EDTF date"):
        add_source(sandbox.descriptor, text, "article-new", published="2024-11-04\n")
    assert sandbox.files() == before


@pytest.mark.parametrize("value", ["2024-11-04", "2024-11", "2024", "2024-11-04?", "2024-11/2024-12", "../2024"])
def test_an_edtf_date_with_a_final_newline_is_no_date(value: str) -> None:
    assert is_edtf(value) and not is_edtf(value + "\n")


@pytest.mark.parametrize("field", ["version", "commit", "archive", "sha256", "doi"])  # a date is no calendar date
def test_releases_json_refuses_a_field_with_a_final_newline(tmp_path: Path, field: str) -> None:
    (entry, *_) = json.loads((ROOT / registry.RELEASES_FILE).read_text(encoding="utf-8"))["releases"]
    entry = {**entry, "doi": "10.5281/zenodo.1"}
    releases = tmp_path / registry.RELEASES_FILE
    releases.write_text(json.dumps({"releases": [entry]}), encoding="utf-8")
    assert len(registry.read_releases(tmp_path)) == 1
    releases.write_text(json.dumps({"releases": [{**entry, field: entry[field] + "\n"}]}), encoding="utf-8")
    with pytest.raises(PackageError, match=rf"releases\[0\]\.{field}: "):
        registry.read_releases(tmp_path)
