"""Versions that agree: datapackage.json, CHANGELOG.md, CITATION.cff, releases.json and git history.

    python -m scripts.releases.versioning check        # exit 1 on any disagreement
    python -m scripts.releases.versioning citation     # rewrite CITATION.cff, .zenodo.json, datapackage.json's homepage
    python -m scripts.releases.versioning tag v1.2.3 [--archive dist]   # a release tag is the version

CITATION.cff and .zenodo.json are generated (scripts/releases/citation.py), never edited by hand,
so they cannot drift from datapackage.json; datapackage.json's `homepage` is publication.toml's
site, or absent."""

from __future__ import annotations

import argparse
import hashlib
import os
import re
import sys
from pathlib import Path

from scripts.atomic import write_atomically
from scripts.cli import run
from scripts.package import citing
from scripts.package.read import PackageError, clip, inside, read_json
from scripts.releases import citation, registry

RELEASE_HEADING = citing.RELEASE_HEADING
UNRELEASED_HEADING = re.compile(r"^## \[Unreleased\]\s*$", re.M)
DATA_PATHS = ("datapackage.json", "data", "schemas")


MAX_DOCUMENT_BYTES = citing.MAX_DOCUMENT_BYTES
read_document = citing.read_document


def read_descriptor(root: Path) -> dict:
    descriptor = read_json(inside(root, "datapackage.json"), "datapackage.json")
    if not isinstance(descriptor, dict) or not isinstance(descriptor.get("version"), str):
        raise PackageError("datapackage.json: a JSON object with a version string is needed")
    return descriptor


def releases(changelog: str) -> list[tuple[str, str]]:
    """(version, date) of every released entry, newest first as written."""
    return citing.changelog_releases(changelog)


def unreleased_notes(changelog: str) -> str | None:
    """The text of the Unreleased section (stripped), or None when there is no such section."""
    match = UNRELEASED_HEADING.search(changelog)
    if not match:
        return None
    following = re.search(r"^## ", changelog[match.end() :], re.M)
    end = match.end() + following.start() if following else len(changelog)
    return changelog[match.end() : end].strip()


def release_notes(changelog: str, version: str) -> str:
    """The changelog section of one released version."""
    match = re.search(rf"^## \[{re.escape(version)}\] - .*$", changelog, re.M)
    if not match:
        return ""
    following = re.search(r"^## ", changelog[match.end() :], re.M)
    return changelog[match.start() : match.end() + following.start() if following else None].strip()


def expected_citation(root: Path) -> citation.Citation:
    read_document(root, "CHANGELOG.md")  # a project without its changelog is refused here
    return citation.citation_of(root, read_descriptor(root))


GENERATED = {"CITATION.cff": citation.citation_cff, ".zenodo.json": citation.zenodo_json}
DESCRIPTOR = "datapackage.json"  # its `homepage` is generated; the rest is the package's


def generated_files(root: Path) -> dict[str, str]:
    """Each generated file's expected text; datapackage.json's only where its homepage is not the
    configured site (a descriptor written by other hands keeps its layout otherwise)."""
    facts = expected_citation(root)
    expected = {name: render(facts) for name, render in GENERATED.items()}
    if read_descriptor(root).get("homepage", "") != facts.url:
        expected[DESCRIPTOR] = citation.descriptor_with_homepage(read_document(root, DESCRIPTOR), facts)
    return expected


def version_problems(root: Path) -> list[str]:
    """Disagreements between datapackage.json, CHANGELOG.md and CITATION.cff."""
    version = read_descriptor(root)["version"]
    changelog = read_document(root, "CHANGELOG.md")
    problems = []
    released = releases(changelog)
    if not released or released[0][0] != version:
        newest = released[0][0] if released else "none"
        message = f"CHANGELOG.md: newest released entry is {clip(newest)}, but datapackage.json is {clip(version)}"
        problems.append(message)
    if unreleased_notes(changelog) is None:
        problems.append("CHANGELOG.md: no '## [Unreleased]' section for work in progress")
    for name, text in generated_files(root).items():
        if name == DESCRIPTOR:
            problems.append(f"{name}: homepage out of step with publication.toml; run `make citation`")
        elif not (root / name).is_file() or read_document(root, name) != text:
            problems.append(
                f"{name}: out of step with datapackage.json, CHANGELOG.md and releases.json; run `make citation`"
            )
    return problems + recorded_problems(root)


def recorded_problems(root: Path) -> list[str]:
    """releases.json against CHANGELOG.md: every older released version is recorded, with its date."""
    try:
        recorded = {r.version: r for r in registry.read_releases(root)}
    except PackageError as error:
        return str(error).splitlines()
    released = releases(read_document(root, "CHANGELOG.md"))
    current = read_descriptor(root)["version"]
    dates = dict(released)
    problems = [
        f"{registry.RELEASES_FILE}: {clip(v)} has no '## [{clip(v)}] - date' entry in CHANGELOG.md"
        for v in recorded
        if v not in dates
    ]
    problems += [
        f"{registry.RELEASES_FILE}: {clip(v)} is dated {clip(r.date)}, CHANGELOG.md says {clip(dates[v])}"
        for v, r in recorded.items()
        if v in dates and dates[v] != r.date
    ]
    # The current version may be released but not yet recorded: `make release` records it.
    problems += [
        f"{registry.RELEASES_FILE}: {clip(v)} is released in CHANGELOG.md but not recorded; "
        "rebuild it from its release commit and record the commit and the archive's sha256"
        for v, _ in released
        if v not in recorded and v != current
    ]
    return problems


def history_problems(root: Path, in_ci: bool) -> tuple[list[str], list[str]]:
    """(problems, warnings) from git: every recorded commit exists here and holds its version, and the
    data has not changed since the newest release without a changelog note. Outside git the checks
    cannot run: a warning, and in CI a problem, never a silent skip."""
    if not registry.is_git_repository(root):
        message = f"{root}: not a git repository, so the recorded releases cannot be checked against their commits"
        return ([message], []) if in_ci else ([], [message])
    try:
        recorded = registry.read_releases(root)
    except PackageError:
        return [], []  # a malformed releases.json is reported by recorded_problems
    problems = []
    for release in recorded:
        short = release.commit[:12]
        if not registry.has_commit(root, release.commit):
            problems.append(
                f"{registry.RELEASES_FILE}: commit {short} of {release.version} is not in this clone "
                "(a shallow clone? `git fetch --unshallow`)"
            )
        elif (found := registry.version_at(root, release.commit)) != release.version:
            problems.append(
                f"{registry.RELEASES_FILE}: commit {short} holds version {clip(str(found))}, not {release.version}"
            )
    if recorded and not problems:
        problems += release_problems(root, recorded[-1])
    return problems, []


def release_problems(root: Path, release: registry.Release) -> list[str]:
    """Data changed since `release` while neither the version nor Unreleased did."""
    if registry.git(root, "diff", "--quiet", release.commit, "--", *DATA_PATHS).returncode == 0:
        return []
    version = read_descriptor(root)["version"]
    notes = unreleased_notes(read_document(root, "CHANGELOG.md"))
    if version == release.version and not notes:
        return [
            f"the data changed since release {release.version} (commit {release.commit[:12]}), but the version "
            "is still the same and CHANGELOG.md's Unreleased section is empty: say what changed there "
            "(and bump the version when releasing)"
        ]
    return []


def tag_problems(root: Path, tag: str, dist: Path | None = None) -> list[str]:
    """A release tag must be `v` + the package version, with that version's changelog entry and its
    record in releases.json; with `dist`, the archive built there must be the recorded one."""
    version = read_descriptor(root)["version"]
    problems = []
    if tag != f"v{version}":
        problems.append(
            f"tag {clip(tag)} is not the package version: datapackage.json says {clip(version)} (tag v{clip(version)})"
        )
    if version not in dict(releases(read_document(root, "CHANGELOG.md"))):
        problems.append(f"CHANGELOG.md: no '## [{clip(version)}] - YYYY-MM-DD' entry for the tagged version")
    tagged = tag.removeprefix("v")
    if tagged != version and registry.VERSION.fullmatch(tagged) and registry.find(root, tagged) is None:
        problems.append(f"{registry.RELEASES_FILE}: {registry.unknown_version(root, tagged)}")
    recorded = registry.find(root, version)
    if recorded is None:
        problems.append(
            f"{registry.RELEASES_FILE}: {registry.unknown_version(root, version)}: tag the commit that records it "
            "(make release, then commit releases.json)"
        )
    elif dist is not None:
        problems += archive_problems(recorded, dist)
    return problems


def archive_problems(recorded: registry.Release, dist: Path) -> list[str]:
    """The archive built in `dist` must be the recorded one: a build whose bytes differ is written under
    another name (<name>-<version>+<commit>.zip), so the recorded name is then missing."""
    archive = dist / recorded.archive
    digest = hashlib.sha256(archive.read_bytes()).hexdigest() if archive.is_file() else "missing"
    if digest == recorded.sha256:
        return []
    built = sorted(path.name for path in dist.glob("*.zip") if path.name != recorded.archive) if dist.is_dir() else []
    instead = f" (built instead: {clip(', '.join(built))})" if digest == "missing" and built else ""
    return [
        f"{archive}: sha256 {digest[:12]}… is not the {recorded.version} that releases.json records "
        f"({recorded.sha256[:12]}…, commit {recorded.commit[:12]}): tag the recorded commit{instead}"
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="versioning", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["check", "citation", "tag"])
    parser.add_argument("tag", nargs="?", help="with `tag`: the release tag, e.g. v1.2.3")
    parser.add_argument("--root", default=Path("."), type=Path)
    parser.add_argument("--archive", type=Path, help="with `tag`: the folder holding the built release")
    args = parser.parse_args(argv)
    if args.command == "tag":
        problems = tag_problems(args.root, args.tag or "", args.archive)
        for problem in problems:
            print(problem, file=sys.stderr)
        return 1 if problems else 0
    if args.command == "citation":
        for name, text in generated_files(args.root).items():
            if not (args.root / name).is_file() or read_document(args.root, name) != text:
                write_atomically(args.root / name, text)
        return 0
    history, warnings = history_problems(args.root, in_ci=bool(os.environ.get("CI")))
    problems = version_problems(args.root) + history
    for line in warnings:
        print(f"warning: {line}", file=sys.stderr)
    for problem in problems:
        print(problem, file=sys.stderr)
    if not problems:
        checked = "" if warnings else " and the git history"
        print(f"versions agree: datapackage.json, CHANGELOG.md, CITATION.cff, .zenodo.json, releases.json{checked}",
              file=sys.stderr)  # fmt: skip
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(run(main))
