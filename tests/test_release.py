"""Versioned, citable releases: versions agree, archives are reproducible and valid, diffs show
what changed, and data never changes unannounced after a release."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
import yaml
from frictionless import Package

from scripts.package.read import PackageError
from scripts.publishing.build import BuildError
from scripts.releases import versioning
from scripts.releases.diff import main as diff_main
from scripts.releases.release import release
from scripts.validation.validate import validate
from tests.conftest import ROOT
from tests.mutations import edit_json, set_cells

VERSION = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))["version"]
PATCH = ".".join([*VERSION.split(".")[:2], str(int(VERSION.split(".")[2]) + 1)])
PROJECT_FILES = ("datapackage.json", "data", "schemas", "README.md", "CHANGELOG.md", "CITATION.cff", "LICENSE")


def copy_project(destination: Path) -> Path:
    for name in PROJECT_FILES:
        source = ROOT / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, destination / name)
    return destination


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository holding the project, with its current state tagged as a release."""
    root = copy_project(tmp_path)
    changelog = root / "CHANGELOG.md"  # as just released: nothing under Unreleased
    notes = versioning.unreleased_notes(changelog.read_text())
    changelog.write_text(changelog.read_text().replace(f"## [Unreleased]\n\n{notes}\n", "## [Unreleased]\n", 1))
    assert versioning.unreleased_notes(changelog.read_text()) == ""
    git(root, "init", "-q")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "release")
    version = json.loads((root / "datapackage.json").read_text())["version"]
    git(root, "tag", f"v{version}")
    return root


def add_unreleased_note(root: Path, note: str) -> None:
    path = root / "CHANGELOG.md"
    path.write_text(path.read_text().replace("## [Unreleased]\n", f"## [Unreleased]\n\n### Fixed\n- {note}\n"))


def cut_patch_release(root: Path, version: str) -> None:
    edit_json(root / "datapackage.json", lambda d: d.update(version=version))
    path = root / "CHANGELOG.md"
    path.write_text(path.read_text().replace("## [Unreleased]\n", f"## [Unreleased]\n\n## [{version}] - 2026-12-01\n"))
    versioning.main(["citation", "--root", str(root)])


def test_package_changelog_and_citation_agree() -> None:
    assert versioning.version_problems(ROOT) == []


def test_citation_cff_holds_the_required_fields_of_the_current_version() -> None:
    citation = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    descriptor = json.loads((ROOT / "datapackage.json").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    assert (citation["title"], citation["version"]) == (descriptor["title"], descriptor["version"])
    assert citation["license"] == descriptor["licenses"][0]["name"] == citation["preferred-citation"]["license"]
    assert (
        citation["authors"]
        and citation["date-released"] == versioning.releases((ROOT / "CHANGELOG.md").read_text(encoding="utf-8"))[0][1]
    )


def test_version_checks_fail_on_a_stale_changelog(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    edit_json(root / "datapackage.json", lambda d: d.update(version="9.9.9"))
    problems = versioning.version_problems(root)
    assert any(
        p.startswith(f"CHANGELOG.md: newest released entry is {VERSION}, but datapackage.json is 9.9.9")
        for p in problems
    )
    assert any(p.startswith("CITATION.cff: out of step") for p in problems)


def test_version_checks_require_an_unreleased_section(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    changelog = root / "CHANGELOG.md"
    changelog.write_text(changelog.read_text().replace("## [Unreleased]\n", ""))
    assert "CHANGELOG.md: no '## [Unreleased]' section for work in progress" in versioning.version_problems(root)


def test_data_changed_since_release_without_version_or_changelog_fails(repo: Path) -> None:
    assert versioning.release_problems(repo, f"v{VERSION}") == []
    set_cells(repo, "figures", "a000-f05", place="Kursk region, near the Ukrainian border")
    assert versioning.release_problems(repo, f"v{VERSION}")[0].startswith(f"the data changed since v{VERSION}")
    add_unreleased_note(repo, "Clarified the place of the 50 km figure.")
    assert versioning.release_problems(repo, f"v{VERSION}") == []


def test_no_data_changed_unannounced_since_the_last_release_tag() -> None:
    tag = versioning.last_release_tag(ROOT)
    if tag is None:
        pytest.skip("this clone has no release tag (tags are not part of every clone)")
    assert versioning.release_problems(ROOT, tag) == []


def test_release_twice_gives_identical_archives(tmp_path: Path) -> None:
    first = release(ROOT / "datapackage.json", tmp_path / "one")
    second = release(ROOT / "datapackage.json", tmp_path / "two")
    assert first.name == f"nk-russia-claims-{VERSION}.zip"
    assert first.read_bytes() == second.read_bytes()
    assert (tmp_path / "one/SHA256SUMS").read_text() == (tmp_path / "two/SHA256SUMS").read_text()
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {"datapackage.json", "nk-russia-claims.db", "README.md", "CHANGELOG.md", "CITATION.cff"} <= set(names)
        assert {"data/claims.csv", "schemas/claims.schema.json", "data/texts/article-000.txt"} <= set(names)
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def test_unzipped_release_validates_in_an_empty_folder_and_pins_every_file(tmp_path: Path) -> None:
    archive = release(ROOT / "datapackage.json", tmp_path / "dist")
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(folder)
    descriptor = json.loads((folder / "datapackage.json").read_text())
    assert all(r["hash"].startswith("sha256:") and r["bytes"] > 0 for r in descriptor["resources"])
    frictionless = Path(sys.executable).with_name("frictionless")
    result = subprocess.run([frictionless, "validate", "datapackage.json"], cwd=folder, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
    assert validate(folder / "datapackage.json") == []
    claims = folder / "data/claims.csv"
    claims.write_bytes(claims.read_bytes().replace(b"Thousands", b"Hundreds", 1))
    errors = [e.type for task in Package(str(folder / "datapackage.json")).validate().tasks for e in task.errors]
    assert "hash-count" in errors


def test_diff_between_two_versions_shows_a_correction(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old_archive = release(ROOT / "datapackage.json", tmp_path / "dist")
    (tmp_path / "new").mkdir()
    new = copy_project(tmp_path / "new")
    set_cells(new, "figures", "a000-f05", place="Kursk region, near the Ukrainian border")
    assert diff_main([str(old_archive), str(new)]) == 0
    out = capsys.readouterr().out
    assert "### figures: 0 added, 0 removed, 1 changed" in out
    assert "| `a000-f05` | `place` | Russia's Kursk region | Kursk region, near the Ukrainian border |" in out
    assert "### claims" not in out


def test_make_diff_compares_a_release_zip_with_the_working_tree(tmp_path: Path) -> None:
    archive = release(ROOT / "datapackage.json", tmp_path)
    result = subprocess.run(["make", "-s", "diff", f"FROM={archive}"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"## Data changes from {archive} to the working tree" in result.stdout


def test_diff_from_a_git_tag_and_release_notes_include_the_diff(repo: Path, capsys: pytest.CaptureFixture[str]) -> None:
    set_cells(repo, "figures", "a000-f05", place="Kursk region, near the Ukrainian border")
    add_unreleased_note(repo, "Clarified the place of the 50 km figure.")
    cut_patch_release(repo, PATCH)
    assert diff_main([f"v{VERSION}", str(repo), "--repo", str(repo)]) == 0
    assert "| `a000-f05` | `place` |" in capsys.readouterr().out
    release(repo / "datapackage.json", repo / "dist")
    notes = (repo / f"dist/nk-russia-claims-{PATCH}-notes.md").read_text()
    assert notes.startswith(f"## [{PATCH}] - 2026-12-01")
    assert f"Data changes from v{VERSION} to v{PATCH}" in notes and "`a000-f05`" in notes


def test_release_refuses_a_stale_changelog(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    edit_json(root / "datapackage.json", lambda d: d.update(version="9.9.9"))
    with pytest.raises(BuildError, match=rf"newest released entry is {re.escape(VERSION)}"):
        release(root / "datapackage.json", tmp_path / "dist")
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())


def test_a_release_whose_notes_cannot_be_made_writes_nothing(repo: Path, tmp_path: Path) -> None:
    # An earlier release whose descriptor points outside its package: the data diff refuses it.
    edit_json(repo / "datapackage.json", lambda d: d["resources"][0].update(path="/etc/passwd"))
    git(repo, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qam", "broken")
    git(repo, "tag", "v0.0.9")
    git(repo, "checkout", "-q", "HEAD~1", "--", "datapackage.json")
    dist = tmp_path / "dist"
    with pytest.raises(PackageError, match="path is absolute"):
        release(repo / "datapackage.json", dist)
    assert not dist.exists() or list(dist.iterdir()) == []
