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

from scripts.package.publication import read_urls
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


SITE, REPOSITORY = "https://example.org/nk-russia-claims", "https://github.com/example/nk-russia-claims"
PREVIOUS_DOI, CURRENT_DOI = "10.5281/zenodo.1111111", "10.5281/zenodo.1234567"


def configure(root: Path, base: str = "", repository: str = "") -> None:
    (root / "publication.toml").write_text(f'[urls]\nbase = "{base}"\nrepository = "{repository}"\n', encoding="utf-8")


def package_with_addresses_and_dois(tmp_path: Path) -> Path:
    """A copy of the project whose site and repository are configured, with a DOI recorded for the
    current version and for the one before it; its citation files regenerated."""
    root = copy_project(tmp_path)
    configure(root, SITE, REPOSITORY)
    version, released_on = versioning.releases((root / "CHANGELOG.md").read_text(encoding="utf-8"))[0]
    recorded = registry.read_releases(root)
    archive = f"nk-russia-claims-{version}.zip"
    current = registry.find(root, version) or registry.Release(version, released_on, "0" * 40, archive, "0" * 64)
    older = [r for r in recorded if r.version != version]
    assert older, "no release older than the current one to link"
    registry.write_releases(
        root, [*older[:-1], replace(older[-1], doi=PREVIOUS_DOI), replace(current, doi=CURRENT_DOI)]
    )
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
    titled = f"{DESCRIPTOR['title']} (version {DESCRIPTOR['version']})"
    apa = cffconvert("-f", "apalike", "-i", "CITATION.cff").stdout
    assert f"({year})" in apa and titled in apa and apa.count(f"version {DESCRIPTOR['version']}") == 1, apa
    bibtex = cffconvert("-f", "bibtex", "-i", "CITATION.cff").stdout
    assert f"year = {{{year}}}" in bibtex and f"title = {{{titled}}}" in bibtex, bibtex


def test_the_preferred_citation_gives_the_title_and_version_apart() -> None:
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    preferred = cff["preferred-citation"]
    assert (preferred["title"], preferred["version"]) == (DESCRIPTOR["title"], DESCRIPTOR["version"])


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


def test_configured_addresses_and_dois_reach_the_citation_files_and_their_conversions(tmp_path: Path) -> None:
    root = package_with_addresses_and_dois(tmp_path)
    cff = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    for work in (cff, cff["preferred-citation"]):
        assert (work["url"], work["repository-code"], work["doi"]) == (SITE, REPOSITORY, CURRENT_DOI)
    assert cff["contact"] == [{"name": "nk-russia-claims maintainers", "website": f"{REPOSITORY}/issues"}]
    assert cffconvert("--validate", cwd=root).returncode == 0
    bibtex = cffconvert("-f", "bibtex", cwd=root).stdout
    assert f"doi = {{{CURRENT_DOI}}}" in bibtex and f"url = {{{SITE}}}" in bibtex
    assert CURRENT_DOI in cffconvert("-f", "apalike", cwd=root).stdout
    zenodo = json.loads((root / ".zenodo.json").read_text())
    assert zenodo["related_identifiers"] == [
        {"identifier": REPOSITORY, "relation": "isDerivedFrom", "scheme": "url"},
        {"identifier": SITE, "relation": "isSourceOf", "scheme": "url"},
        {"identifier": PREVIOUS_DOI, "relation": "isNewVersionOf", "scheme": "doi"},
    ]
    assert "doi" not in zenodo  # the deposit mints the version's DOI; a `doi` would claim one exists elsewhere
    assert zenodo["notes"].endswith(f"Questions and corrections: {REPOSITORY}/issues")
    assert json.loads((root / "datapackage.json").read_text(encoding="utf-8"))["homepage"] == SITE
    facts = versioning.expected_citation(root)
    assert f"  url     = {{{SITE}}}," in citation.bibtex(facts) and citation.apa(facts).endswith(CURRENT_DOI)
    assert versioning.version_problems(root) == []


def test_unconfigured_addresses_stay_out_of_every_citation_file(tmp_path: Path) -> None:
    root = package_with_addresses_and_dois(tmp_path)
    configure(root)  # both addresses emptied again
    versioning.main(["citation", "--root", str(root)])
    cff = yaml.safe_load((root / "CITATION.cff").read_text(encoding="utf-8"))
    for work in (cff, cff["preferred-citation"]):
        assert not {"url", "repository-code"} & set(work)
    assert "contact" not in cff and "Questions" not in (root / ".zenodo.json").read_text()
    related = json.loads((root / ".zenodo.json").read_text())["related_identifiers"]
    assert related == [{"identifier": PREVIOUS_DOI, "relation": "isNewVersionOf", "scheme": "doi"}]
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    assert "homepage" not in descriptor
    facts = versioning.expected_citation(root)
    assert "url" not in citation.bibtex(replace(facts, doi="")) and citation.apa(replace(facts, doi="")).endswith(
        "[Data set]."
    )
    assert versioning.version_problems(root) == []


def test_a_homepage_out_of_step_with_publication_toml_fails_the_version_checks(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    configure(root, SITE)
    assert "datapackage.json: homepage out of step with publication.toml; run `make citation`" in (
        versioning.version_problems(root)
    )
    versioning.main(["citation", "--root", str(root)])
    assert versioning.version_problems(root) == []
    edit_json(root / "datapackage.json", lambda d: d.update(homepage="https://example.org/elsewhere"))
    assert "datapackage.json: homepage out of step with publication.toml; run `make citation`" in (
        versioning.version_problems(root)
    )
    configure(root)
    versioning.main(["citation", "--root", str(root)])
    descriptor = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))
    assert "homepage" not in descriptor
    (root / "datapackage.json").write_text(json.dumps(descriptor, indent=4), encoding="utf-8")  # another layout
    assert not any(p.startswith("datapackage.json") for p in versioning.version_problems(root))


def test_the_repository_data_package_has_no_address_that_publication_toml_does_not_configure() -> None:
    urls = read_urls(ROOT)
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert DESCRIPTOR.get("homepage", "") == cff.get("url", "") == urls.base
    assert cff.get("repository-code", "") == urls.repository


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
    assert r"title   = {{Troops} \& figures: 50\% of\_it}" in entry and r"{{A \{B\}}}" in entry
    assert "doi     = {10.5281/zenodo.1}" in entry
    assert citation.apa(facts, "10.5281/zenodo.1").endswith("[Data set]. https://doi.org/10.5281/zenodo.1")


def plain_style_title(field: str) -> str:
    """A title as BibTeX's plain styles print it (change.case$ "t"): its first letter kept, every other
    letter outside braces lowercased."""
    out, depth = [], 0
    for i, ch in enumerate(field):
        depth += (ch == "{") - (ch == "}")
        out.append(ch if ch in "{}" or depth > 0 or i == 0 else ch.lower())
    return "".join(out).replace("{", "").replace("}", "")


def test_bibtex_title_keeps_its_proper_nouns_in_plain_styles_and_lowercases_the_rest() -> None:
    title = "North Korean troops in Russia, 2024: Claims by NATO and the UN"
    printed = plain_style_title(
        citation_title(citation.bibtex(replace(versioning.expected_citation(ROOT), title=title)))
    )
    assert printed == title
    assert plain_style_title("Title Case Words") == "Title case words"  # unbraced words are lowercased


def citation_title(entry: str) -> str:
    line = next(line for line in entry.splitlines() if line.lstrip().startswith("title"))
    return line.split("= {", 1)[1].removesuffix(",").removesuffix("}")


def test_readme_shows_how_to_cite_with_and_without_a_doi() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index(CITATION_START) : readme.index(CITATION_END)]
    facts = versioning.expected_citation(ROOT)
    assert citation.bibtex(replace(facts, doi="")) in section and citation.apa(replace(facts, doi="")) in section
    assert citation.bibtex(facts, facts.doi or citation.DOI_PLACEHOLDER) in section
    assert "https://doi.org/" in section
