"""releases.json: every released version with the commit it was built from and its archive's hash.

Git tags do not travel with every clone, so versions are resolved from this file instead: `make
diff FROM=0.1.0`, the release notes and the version checks all read it. A release is recorded by
`make release` on a clean, committed tree; the record is then committed like any other change.

An entry: {"version", "date", "commit" (40 hex digits), "archive" (the zip's name), "sha256"
(the zip's hash), optional "doi" (once Zenodo has minted one) and "note"}."""

from __future__ import annotations

import json
import re
import subprocess
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from scripts.atomic import write_atomically
from scripts.package.read import PackageError, clip, inside, read_json

RELEASES_FILE = "releases.json"
# Each is matched whole (fullmatch: `$` would also match before a final line feed), in ASCII
# digits ([0-9]: Python's \d takes any script's).
VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")
COMMIT = re.compile(r"[0-9a-f]{40}")
SHA256 = re.compile(r"[0-9a-f]{64}")
DOI = re.compile(r"10\.[0-9]{4,9}/\S+")
FIELDS = {"version", "date", "commit", "archive", "sha256", "doi", "note"}


@dataclass(frozen=True)
class Release:
    version: str
    date: str
    commit: str
    archive: str
    sha256: str
    doi: str = ""
    note: str = ""

    def as_json(self) -> dict[str, str]:
        return {key: value for key, value in asdict(self).items() if value}


def _entry_problems(entry: object, where: str) -> list[str]:
    if not isinstance(entry, dict):
        return [f"{where}: an object is needed"]
    problems = [f"{where}: unknown field {clip(str(key))}" for key in entry if key not in FIELDS]
    checks = {
        "version": VERSION,
        "date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
        "commit": COMMIT,
        "archive": re.compile(r"[\w.-]+\.zip"),
        "sha256": SHA256,
    }
    for key, pattern in checks.items():
        value = entry.get(key)
        if not isinstance(value, str) or not pattern.fullmatch(value):
            problems.append(f"{where}.{key}: {clip(repr(value))} is not a valid {key}")
    if "date" not in " ".join(problems):
        try:
            date.fromisoformat(entry["date"])
        except ValueError:
            problems.append(f"{where}.date: {clip(entry['date'])} is not a calendar date")
    if "doi" in entry and not (isinstance(entry["doi"], str) and DOI.fullmatch(entry["doi"])):
        problems.append(f"{where}.doi: {clip(repr(entry['doi']))} is not a DOI (10.NNNN/…)")
    if "note" in entry and not isinstance(entry["note"], str):
        problems.append(f"{where}.note: a string is needed")
    return problems


def read_releases(root: Path) -> list[Release]:
    """The recorded releases, oldest first; [] when the file does not exist yet. A malformed file is
    refused with the entry and field that are wrong."""
    path = inside(root, RELEASES_FILE)
    if not path.exists():
        return []
    document = read_json(path, RELEASES_FILE)
    entries = document.get("releases") if isinstance(document, dict) else None
    if not isinstance(entries, list):
        raise PackageError(f'{RELEASES_FILE}: a JSON object with a "releases" list is needed')
    problems = [p for i, entry in enumerate(entries) for p in _entry_problems(entry, f"{RELEASES_FILE}: releases[{i}]")]
    versions = [entry.get("version") for entry in entries if isinstance(entry, dict)]
    problems += [f"{RELEASES_FILE}: version {clip(str(v))} is recorded twice" for v in set(versions)
                 if versions.count(v) > 1]  # fmt: skip
    if problems:
        raise PackageError("\n".join(problems))
    return sorted((Release(**entry) for entry in entries), key=lambda r: _key(r.version))


def find(root: Path, version: str) -> Release | None:
    """The recorded release of `version` ("0.1.0" or "v0.1.0"), if any."""
    wanted = version.removeprefix("v")
    return next((r for r in read_releases(root) if r.version == wanted), None)


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


def _key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def previous(root: Path, version: str) -> Release | None:
    """The newest recorded release older than `version`."""
    older = [r for r in read_releases(root) if not VERSION.fullmatch(version) or _key(r.version) < _key(version)]
    return older[-1] if older else None


def write_releases(root: Path, releases: list[Release]) -> None:
    ordered = sorted(releases, key=lambda r: _key(r.version))
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
