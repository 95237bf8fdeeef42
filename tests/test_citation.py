"""Citations that the tools users cite with accept: CITATION.cff valid for cffconvert and converted
by it, a .zenodo.json that Zenodo can deposit, and BibTeX and APA in the README that keep the
author an entity and carry the version, year and (where known) URL and DOI."""

from __future__ import annotations

import json
import os
import re
import subprocess
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
import yaml

from scripts.releases import citation, registry, versioning
from scripts.releases.docs import CITATION_END, CITATION_START
from tests.conftest import ROOT
from tests.mutations import edit_json
from tests.test_release import copy_project

CFFCONVERT = ROOT / os.environ.get("NK_CFFCONVERT", ".venv-cffconvert/bin/cffconvert")  # relative to the project
DESCRIPTOR = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
ZENODO_UPLOAD_TYPES = {"publication", "poster", "presentation", "dataset", "image", "video", "software", "lesson",
                       "physicalobject", "other"}  # fmt: skip


def cffconvert(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess[str]:
    assert CFFCONVERT.is_file(), f"{CFFCONVERT} is missing: `make test` installs it (make .venv-cffconvert/.setup-done)"
    return subprocess.run([str(CFFCONVERT), *args], cwd=cwd, capture_output=True, text=True, timeout=60)


def package_with_homepage_and_doi(tmp_path: Path) -> Path:
    root = copy_project(tmp_path)
    edit_json(root / "datapackage.json", lambda d: d.update(homepage="https://example.org/nk-russia-claims"))
    version, released_on = versioning.releases((root / "CHANGELOG.md").read_text(encoding="utf-8"))[0]
    others = [r for r in registry.read_releases(root) if r.version != version]
    archive = f"nk-russia-claims-{version}.zip"
    current = registry.find(root, version) or registry.Release(version, released_on, "0" * 40, archive, "0" * 64)
    registry.write_releases(root, [*others, replace(current, doi="10.5281/zenodo.1234567")])
    versioning.main(["citation", "--root", str(root)])
    return root


def test_cffconvert_validates_the_citation() -> None:
    result = cffconvert("--validate", "-i", "CITATION.cff")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid according to schema version 1.2.0" in result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["bibtex", "apalike", "ris", "endnote", "zenodo", "codemeta", "schema.org"])
def test_cffconvert_converts_the_citation_to_every_format(fmt: str) -> None:
    result = cffconvert("-f", fmt, "-i", "CITATION.cff")
    assert result.returncode == 0 and DESCRIPTOR["title"] in result.stdout, result.stdout + result.stderr


def test_cffconvert_apa_and_bibtex_give_title_version_and_year() -> None:
    year = versioning.releases((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))[0][1][:4]
    apa = cffconvert("-f", "apalike", "-i", "CITATION.cff").stdout
    assert f"({year})" in apa and DESCRIPTOR["title"] in apa and f"version {DESCRIPTOR['version']}" in apa
    bibtex = cffconvert("-f", "bibtex", "-i", "CITATION.cff").stdout
    assert f"year = {{{year}}}" in bibtex and f"title = {{{DESCRIPTOR['title']}}}" in bibtex


def test_the_old_dataset_type_of_the_preferred_citation_is_what_cffconvert_refuses(tmp_path: Path) -> None:
    # Guards the test above: cffconvert does reject a citation with the reference type `dataset`.
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    broken = tmp_path / "CITATION.cff"
    broken.write_text(text.replace("  type: data\n", "  type: dataset\n"))
    assert broken.read_text() != text
    assert cffconvert("--validate", "-i", str(broken)).returncode != 0


def test_authors_are_entities_never_split_into_given_and_family_names() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    for authors in (cff["authors"], cff["preferred-citation"]["authors"]):
        assert authors and all(set(author) == {"name"} for author in authors)
    assert cff["type"] == "dataset" and cff["preferred-citation"]["type"] == "data"


def test_a_known_homepage_and_doi_reach_the_citation_and_its_conversions(tmp_path: Path) -> None:
    root = package_with_homepage_and_doi(tmp_path)
    cff = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["url"] == cff["preferred-citation"]["url"] == "https://example.org/nk-russia-claims"
    assert cff["doi"] == cff["preferred-citation"]["doi"] == "10.5281/zenodo.1234567"
    assert cffconvert("--validate", cwd=root).returncode == 0
    bibtex = cffconvert("-f", "bibtex", cwd=root).stdout
    assert "doi = {10.5281/zenodo.1234567}" in bibtex and "url = {https://example.org/nk-russia-claims}" in bibtex
    assert "10.5281/zenodo.1234567" in cffconvert("-f", "apalike", cwd=root).stdout
    zenodo = json.loads((root / ".zenodo.json").read_text())
    assert zenodo["related_identifiers"] == [
        {"identifier": "https://example.org/nk-russia-claims", "relation": "isSupplementTo", "scheme": "url"}
    ]
    assert versioning.version_problems(root) == []


def test_zenodo_metadata_has_the_fields_a_deposit_requires() -> None:
    zenodo = json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))
    assert zenodo["upload_type"] in ZENODO_UPLOAD_TYPES and zenodo["upload_type"] == "dataset"
    assert zenodo["title"] == DESCRIPTOR["title"] and zenodo["version"] == DESCRIPTOR["version"]
    assert zenodo["description"].strip()
    assert zenodo["creators"] and all(creator["name"].strip() for creator in zenodo["creators"])
    assert zenodo["access_right"] == "open" and zenodo["license"] == "cc-by-4.0"
    date.fromisoformat(zenodo["publication_date"])
    assert set(zenodo["keywords"]) == set(DESCRIPTOR["keywords"])


def test_a_stale_zenodo_file_fails_the_version_checks(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    edit_json(root / ".zenodo.json", lambda d: d.update(version="0.0.1"))
    assert ".zenodo.json: out of step with datapackage.json, CHANGELOG.md and releases.json; run `make citation`" in (
        versioning.version_problems(root)
    )


def test_bibtex_keeps_the_entity_whole_and_gives_version_year_title() -> None:
    facts = versioning.expected_citation(ROOT)
    entry = citation.bibtex(facts)
    assert "  author  = {{nk-russia-claims contributors}}," in entry
    assert f"  version = {{{DESCRIPTOR['version']}}}," in entry and f"  year    = {{{facts.year}}}," in entry
    assert re.match(r"@misc\{nkrussiaclaims\d{4}v\d+,\n", entry)
    assert "doi" not in entry and "url" not in entry  # neither is known: nothing is invented
    assert entry.count("{") == entry.count("}")


def test_bibtex_escapes_special_characters_and_apa_names_the_doi() -> None:
    facts = replace(versioning.expected_citation(ROOT), title="Troops & figures: 50% of_it", authors=("A {B}",))
    entry = citation.bibtex(facts, "10.5281/zenodo.1")
    assert r"title   = {Troops \& figures: 50\% of\_it}" in entry and r"{{A \{B\}}}" in entry
    assert "doi     = {10.5281/zenodo.1}" in entry
    assert citation.apa(facts, "10.5281/zenodo.1").endswith("[Data set]. https://doi.org/10.5281/zenodo.1")


def test_readme_shows_how_to_cite_with_and_without_a_doi() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(CITATION_START) : readme.index(CITATION_END)]
    facts = versioning.expected_citation(ROOT)
    assert citation.bibtex(replace(facts, doi="")) in section and citation.apa(replace(facts, doi="")) in section
    assert citation.bibtex(facts, facts.doi or citation.DOI_PLACEHOLDER) in section
    assert "https://doi.org/" in section
