"""Versioned, citable releases: versions agree, archives are reproducible and valid, diffs show
what changed, and data never changes unannounced after a release."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import re
import shlex
import shutil
import stat
import subprocess
import sys
import tomllib
import zipfile
from dataclasses import replace
from pathlib import Path

import pytest
import yaml
from frictionless import Package

from scripts.package.read import DataPackage, PackageError
from scripts.package.site import DATABASE_FILE
from scripts.publishing.build import BuildError
from scripts.releases import registry, versioning
from scripts.releases.diff import main as diff_main
from scripts.releases.release import release
from scripts.validation.validate import validate
from tests.conftest import PACKAGE, PROJECT_FILES, ROOT, read_table
from tests.mutations import delete_row, edit_json, first_key, row_of, set_cells

# Releases built in git clones of the project: seconds each. `make check` leaves them out.
pytestmark = [pytest.mark.slow, pytest.mark.package]

VERSION = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))["version"]
PATCH = ".".join([*VERSION.split(".")[:2], str(int(VERSION.split(".")[2]) + 1)])


def copy_project(destination: Path) -> Path:
    """The project's files around the package under test (PACKAGE) in `destination`."""
    for name in PROJECT_FILES:
        source = PACKAGE / name
        (shutil.copytree if source.is_dir() else shutil.copy2)(source, destination / name)
    return destination


def git(root: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=True).stdout


SHALLOW = "(a shallow clone? `git fetch --unshallow`)"


def correct_a_place(root: Path) -> tuple[str, str, str]:
    """A curator's correction: the first figure with a place that a diff shows whole (short, no `|`)
    gets a more precise one. (its key, the place before, the place after)"""
    key = first_key(root, "figures", lambda row: 0 < len(row["place"]) < 40 and "|" not in row["place"])
    before = row_of(root, "figures", key)["place"]
    after = f"{before}, near the Ukrainian border"
    set_cells(root, "figures", key, place=after)
    return key, before, after


def commit_all(root: Path, message: str) -> str:
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A")
    # --allow-empty: at a release commit itself the working tree is already "as just released"
    git(root, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "--allow-empty", "-qm", message)
    return git(root, "rev-parse", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A clone of the project without tags, holding the working tree as just released: the current
    version recorded in releases.json by `release --record` at its own commit."""
    root = tmp_path / "repo"
    git(PACKAGE, "clone", "-q", "--no-tags", str(PACKAGE), str(root))
    for name in PROJECT_FILES:
        shutil.rmtree(root / name) if (root / name).is_dir() else None
    copy_project(root)
    changelog = root / "CHANGELOG.md"  # as just released: nothing under Unreleased
    notes = versioning.unreleased_notes(changelog.read_text())
    changelog.write_text(changelog.read_text().replace(f"## [Unreleased]\n\n{notes}\n", "## [Unreleased]\n", 1))
    assert versioning.unreleased_notes(changelog.read_text()) == ""
    registry.write_releases(root, [r for r in registry.read_releases(root) if r.version != VERSION])
    commit = commit_all(root, "release")
    release(root / "datapackage.json", tmp_path / "first-dist", record_it=True)
    assert registry.find(root, VERSION).commit == commit
    commit_all(root, f"record {VERSION}")
    assert git(root, "tag") == ""
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
    assert versioning.version_problems(PACKAGE) == []


def test_citation_cff_holds_the_required_fields_of_the_current_version() -> None:
    citation = yaml.safe_load((PACKAGE / "CITATION.cff").read_text(encoding="utf-8"))
    descriptor = json.loads((PACKAGE / "datapackage.json").read_text(encoding="utf-8"))
    assert citation["cff-version"] == "1.2.0"
    preferred = citation["preferred-citation"]
    assert (preferred["title"], preferred["version"]) == (descriptor["title"], descriptor["version"])
    assert citation["title"] == f"{descriptor['title']} (version {descriptor['version']})"
    assert citation["license"] == descriptor["licenses"][0]["name"] == citation["preferred-citation"]["license"]
    assert (
        citation["authors"]
        and citation["date-released"]
        == versioning.releases((PACKAGE / "CHANGELOG.md").read_text(encoding="utf-8"))[0][1]
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
    recorded = registry.find(repo, VERSION)
    assert versioning.release_problems(repo, recorded) == []
    correct_a_place(repo)
    assert versioning.release_problems(repo, recorded)[0].startswith(f"the data changed since release {VERSION}")
    assert versioning.history_problems(repo, in_ci=True)[0][0].startswith("the data changed since release")
    add_unreleased_note(repo, "Clarified the place of a figure.")
    assert versioning.release_problems(repo, recorded) == []


def test_every_recorded_release_resolves_here_and_no_data_changed_unannounced() -> None:
    # Runs in every clone with history: releases.json, not tags, names the commits.
    assert registry.is_git_repository(PACKAGE), "the version checks need the project's git history"
    assert versioning.history_problems(PACKAGE, in_ci=True) == ([], [])
    assert versioning.recorded_problems(PACKAGE) == []
    changelog_versions = [v for v, _ in versioning.releases((PACKAGE / "CHANGELOG.md").read_text())]
    recorded = [r.version for r in registry.read_releases(PACKAGE)]
    assert set(changelog_versions) - {VERSION} <= set(recorded) <= set(changelog_versions)


def test_recorded_commit_missing_or_holding_another_version_is_refused(repo: Path) -> None:
    recorded = registry.read_releases(repo)
    first = git(repo, "rev-list", "--max-parents=0", "HEAD").strip()
    wrong = [replace(r, commit=first) if r.version == VERSION else r for r in recorded]
    registry.write_releases(repo, wrong)
    problems, _ = versioning.history_problems(repo, in_ci=False)
    assert problems == [f"releases.json: commit {first[:12]} holds version 0.1.0, not {VERSION}"]
    missing = [replace(r, commit="f" * 40) if r.version == VERSION else r for r in recorded]
    registry.write_releases(repo, missing)
    problems, _ = versioning.history_problems(repo, in_ci=False)
    assert problems == [f"releases.json: commit ffffffffffff of {VERSION} is not in this clone " + SHALLOW]


def test_outside_git_the_history_checks_warn_and_fail_in_ci(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    problems, warnings = versioning.history_problems(root, in_ci=False)
    assert problems == [] and "not a git repository" in warnings[0]
    problems, warnings = versioning.history_problems(root, in_ci=True)
    assert "not a git repository" in problems[0] and warnings == []
    result = subprocess.run(
        [sys.executable, "-m", "scripts.releases.versioning", "check", "--root", str(root)],
        cwd=ROOT, capture_output=True, text=True, env={**os.environ, "CI": "true"},
    )  # fmt: skip
    assert result.returncode == 1 and "not a git repository" in result.stderr


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda e: e[0].update(sha256="abc"), "releases.json: releases[0].sha256: 'abc' is not a valid sha256"),
        (lambda e: e[0].update(commit="HEAD"), "releases.json: releases[0].commit: 'HEAD' is not a valid commit"),
        (
            lambda e: e[0].update(date="2026-02-30"),
            "releases.json: releases[0].date: 2026-02-30 is not a calendar date",
        ),
        (lambda e: e[0].update(doi="zenodo 1"), "releases.json: releases[0].doi: 'zenodo 1' is not a DOI (10.NNNN/…)"),
        (
            lambda e: e[0].update(date="2026-11-21"),
            "releases.json: 0.1.0 is dated 2026-11-21, CHANGELOG.md says 2026-11-22",
        ),
        (lambda e: e.append(dict(e[0])), "releases.json: version 0.1.0 is recorded twice"),
        (
            lambda e: e.append({**e[0], "version": "0.0.1"}),
            "releases.json: 0.0.1 has no '## [0.0.1] - date' entry in CHANGELOG.md",
        ),
        (lambda e: e.pop(0), "releases.json: 0.1.0 is released in CHANGELOG.md but not recorded"),
    ],
)
def test_a_malformed_or_incomplete_releases_file_is_refused(tmp_path: Path, edit, message: str) -> None:
    root = copy_project(tmp_path)
    edit_json(root / "releases.json", lambda d: edit(d["releases"]))
    assert any(problem.startswith(message) for problem in versioning.version_problems(root)), (
        versioning.version_problems(root)
    )


def test_version_check_shows_control_characters_of_a_version_as_visible_escapes(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    edit_json(root / "datapackage.json", lambda d: d.update(version="9.9.9\x1b[2J\u009b"))
    problems = versioning.version_problems(root)
    assert any(p.endswith("but datapackage.json is 9.9.9\\x1b[2J\\x9b") for p in problems), problems
    assert not any(re.search("[\x00-\x1f\x7f-\x9f]", p) for p in problems), problems


def test_make_diff_from_a_version_number_works_in_a_clone_without_tags(tmp_path: Path) -> None:
    clone = tmp_path / "clone"
    git(PACKAGE, "clone", "-q", "--no-tags", str(PACKAGE), str(clone))
    assert git(clone, "tag") == ""
    result = subprocess.run(
        [sys.executable, "-m", "scripts.releases.diff", "0.1.0", str(PACKAGE), "--repo", str(clone)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("## Data changes from 0.1.0 to")
    added = entities_added_since(PACKAGE, "0.1.0")
    assert added and f"### entities: {len(added)} added" in result.stdout
    assert all(f"- added `{entity_id}`" in result.stdout for entity_id in added)
    made = subprocess.run(["make", "-s", "diff", "FROM=0.1.0"], cwd=ROOT, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert all(f"- added `{entity_id}`" in made.stdout for entity_id in entities_added_since(ROOT, "0.1.0"))


def entities_added_since(root: Path, version: str) -> list[str]:
    """The entity ids of the working tree at `root` that the recorded release `version` lacks."""
    then = git(root, "show", f"{registry.find(root, version).commit}:data/entities.csv")
    before = {row["entity_id"] for row in csv.DictReader(io.StringIO(then))}
    return [row["entity_id"] for row in read_table("entities", root) if row["entity_id"] not in before]


def test_release_twice_gives_identical_archives(tmp_path: Path) -> None:
    first = release(PACKAGE / "datapackage.json", tmp_path / "one")
    second = release(PACKAGE / "datapackage.json", tmp_path / "two")
    assert first.name == second.name and first.name.startswith(f"nk-russia-claims-{VERSION}")
    assert first.read_bytes() == second.read_bytes()
    assert (tmp_path / "one/SHA256SUMS").read_text() == (tmp_path / "two/SHA256SUMS").read_text()
    folder = first.name.removesuffix(".zip")
    with zipfile.ZipFile(first) as archive:
        names = archive.namelist()
        assert names == sorted(names)
        assert {name.split("/")[0] for name in names} == {folder}
        inside = {name.removeprefix(f"{folder}/") for name in names}
        assert {"datapackage.json", DATABASE_FILE, "README.md", "CHANGELOG.md", "CITATION.cff", "SHA256SUMS"} <= inside
        texts = {source["text_path"] for source in read_table("sources") if source["text_path"]}
        assert texts and {"data/claims.csv", "schemas/claims.schema.json", *texts} <= inside
        assert {info.date_time for info in archive.infolist()} == {(1980, 1, 1, 0, 0, 0)}


def unpack(archive: Path, destination: Path) -> Path:
    """The archive unzipped into `destination`, as a user does: the one folder it holds."""
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(destination)
    (folder,) = destination.iterdir()
    return folder


def test_unzipped_release_validates_in_an_empty_folder_and_pins_every_file(tmp_path: Path) -> None:
    archive = release(PACKAGE / "datapackage.json", tmp_path / "dist")
    folder = unpack(archive, tmp_path / "unzipped")
    descriptor = json.loads((folder / "datapackage.json").read_text())
    pinned = [r for r in descriptor["resources"] if r.get("format") != "parquet"]  # frictionless cannot check those
    assert all(r["hash"].startswith("sha256:") and r["bytes"] > 0 for r in pinned)
    assert {r["name"] for r in descriptor["resources"]} - {r["name"] for r in pinned} == {
        f"{name}-parquet" for name in DataPackage(PACKAGE / "datapackage.json").tables
    }
    frictionless = Path(sys.executable).with_name("frictionless")
    result = subprocess.run([frictionless, "validate", "datapackage.json"], cwd=folder, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout[-2000:]
    assert validate(folder / "datapackage.json") == []
    claims = folder / "data/claims.csv"
    claims.write_bytes(claims.read_bytes().replace(b"Thousands", b"Hundreds", 1))
    errors = [e.type for task in Package(str(folder / "datapackage.json")).validate().tasks for e in task.errors]
    assert "hash-count" in errors


def test_diff_between_two_versions_shows_a_correction(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    old_archive = release(PACKAGE / "datapackage.json", tmp_path / "dist")
    (tmp_path / "new").mkdir()
    new = copy_project(tmp_path / "new")
    key, before, after = correct_a_place(new)
    assert diff_main([str(old_archive), str(new)]) == 0
    out = capsys.readouterr().out
    assert "### figures: 0 added, 0 removed, 1 changed" in out
    assert f"| `{key}` | `place` | {before} | {after} |" in out
    assert "### claims" not in out


def test_diff_as_json_gives_each_tables_rows_added_removed_and_changed_by_key(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    old_archive = release(PACKAGE / "datapackage.json", tmp_path / "dist")
    (tmp_path / "new").mkdir()
    new = copy_project(tmp_path / "new")
    key, before, after = correct_a_place(new)
    gone = first_key(new, "quotes")
    delete_row(new, "quotes", gone)
    assert diff_main(["--format", "json", str(old_archive), str(new)]) == 0
    document = json.loads(capsys.readouterr().out)
    assert (document["from"], document["to"], document["changed"]) == (str(old_archive), str(new), True)
    tables = {table["name"]: table for table in document["tables"]}
    assert set(tables) == set(DataPackage(PACKAGE / "datapackage.json").tables)
    figures = tables["figures"]
    assert figures["key_columns"] == ["figure_id"]
    assert (figures["added"], figures["removed"]) == ({"count": 0, "keys": []}, {"count": 0, "keys": []})
    cell = {"old": {"value": before, "clipped": False}, "new": {"value": after, "clipped": False}}
    assert figures["changed"] == {"count": 1, "rows": [{"key": key, "cells": {"place": cell}}]}
    assert tables["quotes"]["removed"] == {"count": 1, "keys": [gone]}
    assert tables["claims"]["changed"] == {"count": 0, "rows": []}


def test_make_diff_format_json_prints_json_and_an_unknown_format_exits_1_unrun(tmp_path: Path) -> None:
    made = subprocess.run(["make", "-s", "diff", "FROM=0.1.0", "FORMAT=json"], cwd=ROOT, capture_output=True, text=True)
    assert made.returncode == 0, made.stderr
    assert json.loads(made.stdout)["from"] == "0.1.0"
    marker = tmp_path / "ran"
    for format_ in ("yaml", f"json; touch {marker}", f"$(touch {marker})"):
        refused = subprocess.run(
            ["make", "-s", "diff", "FROM=0.1.0", f"FORMAT={format_}"], cwd=ROOT, capture_output=True, text=True
        )
        # make says the recipe's status ("Error 1") and exits 2 itself, as for every failed recipe
        assert refused.returncode == 2 and "diff] Error 1" in refused.stderr and refused.stdout == ""
        assert "diff: unknown format" in refused.stderr and "use markdown or json" in refused.stderr
    assert not marker.exists()  # the value reached the program, never the shell
    direct = [sys.executable, "-m", "scripts.releases.diff", "--format", "JSON", "0.1.0"]
    assert subprocess.run(direct, cwd=ROOT, capture_output=True).returncode == 1


def test_make_diff_compares_a_release_zip_with_the_working_tree(tmp_path: Path) -> None:
    archive = release(ROOT / "datapackage.json", tmp_path)
    result = subprocess.run(["make", "-s", "diff", f"FROM={archive}"], cwd=ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert f"## Data changes from {archive} to the working tree" in result.stdout


def test_diff_from_a_version_and_a_recorded_patch_release_with_its_notes(
    repo: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    key, _, _ = correct_a_place(repo)
    add_unreleased_note(repo, "Clarified the place of a figure.")
    cut_patch_release(repo, PATCH)
    assert diff_main([VERSION, str(repo), "--repo", str(repo)]) == 0
    assert f"| `{key}` | `place` |" in capsys.readouterr().out
    with pytest.raises(BuildError, match="uncommitted changes"):
        release(repo / "datapackage.json", repo / "dist", record_it=True)
    assert not (repo / "dist").exists()
    commit = commit_all(repo, f"release {PATCH}")
    archive = release(repo / "datapackage.json", repo / "dist", record_it=True)
    notes = (repo / f"dist/nk-russia-claims-{PATCH}-notes.md").read_text()
    assert notes.startswith(f"## [{PATCH}] - 2026-12-01")
    assert f"Data changes from {VERSION} to {PATCH}" in notes and f"`{key}`" in notes
    recorded = registry.find(repo, PATCH)
    assert (recorded.commit, recorded.date, recorded.archive) == (commit, "2026-12-01", archive.name)
    assert recorded.sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()
    commit_all(repo, f"record {PATCH}")
    assert versioning.history_problems(repo, in_ci=True) == ([], [])
    rebuilt = release(repo / "datapackage.json", repo / "again", record_it=True)
    assert rebuilt.read_bytes() == archive.read_bytes()
    assert registry.read_releases(repo)[-1] == recorded


def test_release_refuses_a_stale_changelog(tmp_path: Path) -> None:
    root = copy_project(tmp_path)
    edit_json(root / "datapackage.json", lambda d: d.update(version="9.9.9"))
    with pytest.raises(BuildError, match=rf"newest released entry is {re.escape(VERSION)}"):
        release(root / "datapackage.json", tmp_path / "dist")
    assert not (tmp_path / "dist").exists() or not list((tmp_path / "dist").iterdir())


def test_a_release_whose_notes_cannot_be_made_writes_nothing(repo: Path, tmp_path: Path) -> None:
    # An earlier release whose descriptor points outside its package: the data diff refuses it.
    edit_json(repo / "datapackage.json", lambda d: d["resources"][0].update(path="/etc/passwd"))
    broken = commit_all(repo, "broken")
    git(repo, "checkout", "-q", "HEAD~1", "--", "datapackage.json")
    older = registry.previous(repo, VERSION)
    recorded = registry.read_releases(repo)
    registry.write_releases(repo, [replace(r, commit=broken) if r == older else r for r in recorded])
    dist = tmp_path / "dist"
    with pytest.raises(PackageError, match="path is absolute"):
        release(repo / "datapackage.json", dist)
    assert not dist.exists() or list(dist.iterdir()) == []


def test_under_a_private_umask_every_file_in_and_around_the_archive_is_world_readable(tmp_path: Path) -> None:
    previous = os.umask(0o077)
    try:
        archive = release(PACKAGE / "datapackage.json", tmp_path / "new" / "dist")
    finally:
        os.umask(previous)
    for path in (tmp_path / "new", archive.parent, *archive.parent.iterdir()):
        expected = 0o755 if path.is_dir() else 0o644
        assert stat.S_IMODE(path.stat().st_mode) == expected, path
    with zipfile.ZipFile(archive) as opened:
        assert {info.external_attr >> 16 for info in opened.infolist()} == {0o100644}
        assert {info.create_system for info in opened.infolist()} == {3}  # Unix, so unzip applies the modes


def test_a_malformed_releases_file_fails_the_check_command_with_a_message_not_a_crash(repo: Path) -> None:
    (repo / "releases.json").write_text('{"releases": [{"version": "0.1.0"}]}')
    result = subprocess.run(
        [sys.executable, "-m", "scripts.releases.versioning", "check", "--root", str(repo)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert result.returncode == 1, result.stderr
    assert "releases.json: releases[0].commit: None is not a valid commit" in result.stderr
    assert "Traceback" not in result.stderr and "internal error" not in result.stderr


def test_diff_names_rows_by_their_whole_key_and_new_tables_without_column_noise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "old").mkdir(), (tmp_path / "new").mkdir()
    old, new = copy_project(tmp_path / "old"), copy_project(tmp_path / "new")
    first_link = read_table("claim_links", new)[0]
    delete_row(new, "claim_links", first_link["from_claim_id"])
    assert diff_main([str(old), str(new)]) == 0
    out = capsys.readouterr().out
    assert f"- removed `{first_link['from_claim_id']}|{first_link['to_claim_id']}`" in out
    edit_json(
        old / "datapackage.json", lambda d: d.update(resources=[r for r in d["resources"] if r["name"] != "flags"])
    )
    assert diff_main([str(old), str(new)]) == 0
    flags = capsys.readouterr().out.split("### flags")[1].split("###")[0]
    assert "- table added" in flags and "column added" not in flags


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("version", "1١.0.0"),
        ("version", "0.9.0\n"),
        ("date", "٢٠٢٤-10-31"),
        ("archive", "x.zip\n"),
        ("doi", "10.١٢٣٤/x"),
    ],
)
def test_a_recorded_release_is_in_ascii_digits_and_has_no_final_line_feed(
    tmp_path: Path, field: str, value: str
) -> None:
    entry = {"version": "0.9.0", "date": "2024-10-31", "commit": "0" * 40, "archive": "x.zip", "sha256": "0" * 64}
    (tmp_path / registry.RELEASES_FILE).write_text(
        json.dumps({"releases": [{**entry, field: value}]}), encoding="utf-8"
    )
    with pytest.raises(PackageError, match=rf"releases\[0\]\.{field}: "):
        registry.read_releases(tmp_path)


# The archive as its users check it: unzipped, `sha256sum -c`, frictionless with the pinned extras.


def markdown_links(text: str) -> list[str]:
    """The relative targets of a Markdown document's links and images (no web address, no anchor)."""
    targets = re.findall(r"\]\(\s*<?([^)\s#>]+)", text)
    return [t for t in targets if not re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", t) and not t.endswith("/")]


def test_the_archive_unpacks_into_one_folder_whose_every_file_is_hashed_described_and_licensed(
    tmp_path: Path,
) -> None:
    frictionless = pytest.importorskip("frictionless")
    pytest.importorskip("pandas")  # frictionless[parquet] reads the Parquet resources through pandas
    archive = release(PACKAGE / "datapackage.json", tmp_path / "dist")
    folder = unpack(archive, tmp_path / "unzipped")
    assert folder.name == archive.name.removesuffix(".zip")
    files = {path.relative_to(folder).as_posix() for path in folder.rglob("*") if path.is_file()}
    # SHA256SUMS: every other file, in sorted order, each line as `sha256sum -c` reads it.
    lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    summed = [line.split("  ", 1) for line in lines]
    assert [path for _, path in summed] == sorted(files - {"SHA256SUMS"})
    for digest, path in summed:
        assert hashlib.sha256((folder / path).read_bytes()).hexdigest() == digest, path
    if shutil.which("sha256sum"):
        checked = subprocess.run(["sha256sum", "-c", "--strict", "SHA256SUMS"], cwd=folder, capture_output=True)
        assert checked.returncode == 0, checked.stdout + checked.stderr
    report = frictionless.validate(str(folder / "datapackage.json"))
    assert report.valid, report.flatten(["resourcePath", "type", "note"])[:10]
    # Every file is a resource or in otherFiles, with a licence; the archived texts keep their publishers'.
    descriptor = json.loads((folder / "datapackage.json").read_text(encoding="utf-8"))
    entries = {entry["path"]: entry for entry in [*descriptor["resources"], *descriptor["otherFiles"]]}
    assert set(entries) == files
    assert all(entry["licenses"] for entry in entries.values())
    local = {
        licence["path"] for e in entries.values() for licence in e["licenses"] if "://" not in licence.get("path", "")
    }
    assert local == {"LICENSE"} and (folder / "LICENSE").is_file()  # the texts' terms, in the folder
    texts = {source["text_path"] for source in read_table("sources") if source["text_path"]}
    open_licence = descriptor["licenses"][0]["name"]
    for path, entry in entries.items():
        names = [licence.get("name") for licence in entry["licenses"]]
        assert (open_licence not in names) == (path in texts), path
        if open_licence in names:  # and the words quoted from the articles stay their publishers'
            assert any("quoted from the archived articles" in licence.get("title", "") for licence in entry["licenses"])
    database = entries[DATABASE_FILE]["licenses"]
    assert [licence.get("name") for licence in database] == [open_licence, None, None]
    assert "texts" in database[2]["title"] and "no licence" in database[2]["title"]
    # The README's links (the codebook, CONTRIBUTING, the screenshots) work in the folder.
    for document in ("README.md", "CONTRIBUTING.md"):
        links = markdown_links((folder / document).read_text(encoding="utf-8"))
        assert links and all((folder / document).parent.joinpath(link).is_file() for link in links), document


def test_a_build_that_is_not_the_recorded_release_is_named_and_noted_as_one(repo: Path, tmp_path: Path) -> None:
    recorded = registry.find(repo, VERSION)
    rebuilt = release(repo / "datapackage.json", tmp_path / "rebuilt")
    assert rebuilt.name == recorded.archive == f"nk-russia-claims-{VERSION}.zip"
    assert hashlib.sha256(rebuilt.read_bytes()).hexdigest() == recorded.sha256
    assert (tmp_path / f"rebuilt/nk-russia-claims-{VERSION}-notes.md").read_text().startswith(f"## [{VERSION}]")
    assert versioning.tag_problems(repo, f"v{VERSION}", tmp_path / "rebuilt") == []
    correct_a_place(repo)
    add_unreleased_note(repo, "Clarified the place of a figure.")
    uncommitted = release(repo / "datapackage.json", tmp_path / "uncommitted")
    assert uncommitted.name == f"nk-russia-claims-{VERSION}-dev.zip"
    commit = commit_all(repo, "a correction")
    changed = release(repo / "datapackage.json", tmp_path / "changed")
    stem = f"nk-russia-claims-{VERSION}+{commit[:12]}"
    assert changed.name == f"{stem}.zip" and sorted(p.name for p in changed.parent.iterdir()) == [
        "SHA256SUMS",
        f"{stem}-notes.md",
        f"{stem}.zip",
    ]
    assert (
        tmp_path / "changed/SHA256SUMS"
    ).read_text() == f"{hashlib.sha256(changed.read_bytes()).hexdigest()}  {stem}.zip\n"
    notes = (tmp_path / f"changed/{stem}-notes.md").read_text()
    assert notes.startswith(
        f"> **This is not the release of {VERSION}.** {stem}.zip was built from commit {commit[:12]}"
    )
    assert f"commit {recorded.commit[:12]}" in notes.split("\n")[0]
    with zipfile.ZipFile(changed) as opened:
        assert {name.split("/")[0] for name in opened.namelist()} == {stem}
    (problem,) = versioning.tag_problems(repo, f"v{VERSION}", tmp_path / "changed")
    assert problem.endswith(f"tag the recorded commit (built instead: {stem}.zip)")


def test_an_unknown_version_is_named_against_the_recorded_ones(tmp_path: Path) -> None:
    recorded = ", ".join(r.version for r in registry.read_releases(PACKAGE))
    expected = f"9.9.9 is not a recorded release; recorded: {recorded}"
    result = subprocess.run(
        [sys.executable, "-m", "scripts.releases.diff", "9.9.9", str(PACKAGE), "--repo", str(PACKAGE)],
        cwd=ROOT, capture_output=True, text=True,
    )  # fmt: skip
    assert (result.returncode, result.stderr) == (1, expected + "\n")
    assert f"releases.json: {expected}" in versioning.tag_problems(PACKAGE, "v9.9.9")
    known = registry.read_releases(PACKAGE)[0]
    assert registry.recorded_release(PACKAGE, f"v{known.version}") == known
    assert registry.recorded_release(PACKAGE, "HEAD") is None  # a revision, not a version


def test_the_readme_tells_users_to_install_the_frictionless_extras_that_the_lock_file_pins() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (line,) = re.findall(r"^pip install .*frictionless.*$", readme, re.M)
    named = shlex.split(line.split("#")[0])[2:]
    dependencies = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["dependencies"]
    (pinned,) = [d.split("==")[0] for d in dependencies if d.startswith("frictionless")]
    assert pinned in named  # the same extras: frictionless[parquet]
    locked = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    for package in named:
        assert re.search(rf"^{re.escape(package.split('[')[0])}==", locked, re.M), package


@pytest.mark.parametrize(
    ("link", "reason"),
    [("docs/missing.md", "no such file"), (".venv/pyvenv.cfg", "is hidden"), ("../outside.md", "'..' segment")],
)
def test_a_readme_link_that_the_release_would_break_refuses_it_before_anything_is_written(
    tmp_path: Path, link: str, reason: str
) -> None:
    root = copy_project(tmp_path)
    (root / ".venv").mkdir()
    (root / ".venv/pyvenv.cfg").write_text("home = /usr\n")
    readme = root / "README.md"
    readme.write_text(readme.read_text(encoding="utf-8") + f"\nSee [this]({link}).\n", encoding="utf-8")
    with pytest.raises(BuildError, match=rf"README.md: the link to '{re.escape(link)}' would be broken .*{reason}"):
        release(root / "datapackage.json", tmp_path / "dist")
    assert not (tmp_path / "dist").exists()
