"""releases.json: every released version with the commit it was built from and its archive's hash.

Git tags do not travel with every clone, so versions are resolved from this file instead: `make
diff FROM=0.1.0`, the release notes and the version checks all read it. A release is recorded by
`make release` on a clean, committed tree; the record is then committed like any other change.

An entry: {"version", "date", "commit" (40 hex digits), "archive" (the zip's name), "sha256"
(the zip's hash), optional "doi" (once Zenodo has minted one) and "note"}."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from scripts.atomic import write_atomically

# releases.json's reader and its entries live with the citation facts (scripts.package.citing), which
# the site reads too; this module adds what only a release needs: recording, and resolving by git.
from scripts.package.citing import RELEASES_FILE, VERSION, Release, older_than, read_releases, version_key
from scripts.package.citing import find as find_in
from scripts.package.read import PackageError, clip


def find(root: Path, version: str) -> Release | None:
    """The recorded release of `version` ("0.1.0" or "v0.1.0"), if any."""
    return find_in(read_releases(root), version)


def unknown_version(root: Path, version: str) -> str:
    """What a command says of a version that releases.json does not record: the versions it does."""
    recorded = ", ".join(r.version for r in read_releases(root)) or "none"
    return f"{clip(version.removeprefix('v'))} is not a recorded release; recorded: {recorded}"


def recorded_release(root: Path, ref: str) -> Release | None:
    """The recorded release that a version ("0.1.0", "v0.1.0") names; None for any other reference (a
    path, a git revision). A version that releases.json does not record is refused with the versions it
    does record, unless git knows it as a revision (a tag of that name)."""
    release = find(root, ref)
    if release is None and VERSION.fullmatch(ref.removeprefix("v")) and not is_revision(root, ref):
        raise PackageError(unknown_version(root, ref))
    return release


def previous(root: Path, version: str) -> Release | None:
    """The newest recorded release older than `version`."""
    return older_than(read_releases(root), version)


def write_releases(root: Path, releases: list[Release]) -> None:
    ordered = sorted(releases, key=lambda r: version_key(r.version))
    document = {"releases": [r.as_json() for r in ordered]}
    write_atomically(root / RELEASES_FILE, json.dumps(document, indent=2, ensure_ascii=False) + "\n")


def git(root: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=False)


def is_git_repository(root: Path) -> bool:
    return git(root, "rev-parse", "--is-inside-work-tree").stdout.strip() == "true"


def is_revision(root: Path, ref: str) -> bool:
    """Whether git resolves `ref` to a commit here (False outside git)."""
    return git(root, "rev-parse", "--verify", "--quiet", "--end-of-options", f"{ref}^{{commit}}").returncode == 0


def has_commit(root: Path, commit: str) -> bool:
    return git(root, "cat-file", "-e", f"{commit}^{{commit}}").returncode == 0


def head_commit(root: Path) -> str:
    result = git(root, "rev-parse", "HEAD")
    if result.returncode != 0:
        raise PackageError(f"{root}: not a git repository with a commit; a release is recorded by its commit")
    return result.stdout.strip()


def uncommitted_changes(root: Path) -> list[str]:
    """Tracked files that differ from HEAD: a release recorded from them could not be rebuilt."""
    status = git(root, "status", "--porcelain", "--untracked-files=no")
    return [line[3:] for line in status.stdout.splitlines()]


def version_at(root: Path, commit: str) -> str | None:
    shown = git(root, "show", f"{commit}:datapackage.json")
    try:
        return json.loads(shown.stdout).get("version") if shown.returncode == 0 else None
    except (json.JSONDecodeError, AttributeError):
        return None
