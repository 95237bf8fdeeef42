"""How to cite a version, and what has been released: the facts that the release files and the site share.

Two stages need them (scripts/releases writes CITATION.cff, .zenodo.json and the README's citing
section from them; scripts/publishing shows them on the site's home page), so they live here, below
both. The facts come from datapackage.json (title, version, description, keywords, licence,
contributors), CHANGELOG.md (the release date), releases.json (every release's archive and hash,
and a DOI once Zenodo has minted one) and publication.toml (the site's and the repository's
addresses, when configured). Nothing is invented: an address or DOI that is not known is left out.

releases.json: every released version with the commit it was built from and its archive's hash.
An entry: {"version", "date", "commit" (40 hex digits), "archive" (the zip's name), "sha256" (the
zip's hash), optional "doi" (once Zenodo has minted one) and "note"}."""

from __future__ import annotations

import re
from dataclasses import asdict, dataclass
from datetime import date
from pathlib import Path

from scripts.package.publication import Urls, read_urls
from scripts.package.read import PackageError, clip, inside, read_json

RELEASES_FILE = "releases.json"
CHANGELOG_FILE = "CHANGELOG.md"
# Each is matched whole (fullmatch: `$` would also match before a final line feed), in ASCII
# digits ([0-9]: Python's \d takes any script's).
VERSION = re.compile(r"[0-9]+\.[0-9]+\.[0-9]+")
COMMIT = re.compile(r"[0-9a-f]{40}")
SHA256 = re.compile(r"[0-9a-f]{64}")
DOI = re.compile(r"10\.[0-9]{4,9}/\S+")
FIELDS = {"version", "date", "commit", "archive", "sha256", "doi", "note"}
RELEASE_HEADING = re.compile(r"^## \[(\d+\.\d+\.\d+[^\]]*)\] - (\d{4}-\d{2}-\d{2})\s*$", re.M)
MAX_DOCUMENT_BYTES = 4 * 1024 * 1024


# --------------------------------------------------------------------------- releases.json
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
    return sorted((Release(**entry) for entry in entries), key=lambda r: version_key(r.version))


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(part) for part in version.split("."))


def find(releases: list[Release], version: str) -> Release | None:
    """The recorded release of `version` ("0.1.0" or "v0.1.0"), if any."""
    wanted = version.removeprefix("v")
    return next((r for r in releases if r.version == wanted), None)


def older_than(releases: list[Release], version: str) -> Release | None:
    """The newest recorded release older than `version`."""
    older = [r for r in releases if not VERSION.fullmatch(version) or version_key(r.version) < version_key(version)]
    return older[-1] if older else None


# --------------------------------------------------------------------------- CHANGELOG.md
def read_document(root: Path, name: str) -> str:
    """A project document (CHANGELOG.md, CITATION.cff), opened like every package file: inside the
    root, never through a link that leaves it."""
    file = inside(root, name)
    if not file.is_file() or file.stat().st_size > MAX_DOCUMENT_BYTES:
        raise PackageError(f"{name}: not a regular file of at most {MAX_DOCUMENT_BYTES} bytes")
    return file.read_text(encoding="utf-8", errors="replace")


def changelog_releases(changelog: str) -> list[tuple[str, str]]:
    """(version, date) of every released entry of a changelog, newest first as written."""
    return RELEASE_HEADING.findall(changelog)


# --------------------------------------------------------------------------- the citation
@dataclass(frozen=True)
class Citation:
    title: str
    version: str
    date_released: str  # YYYY-MM-DD, or "" before the version is released
    authors: tuple[str, ...]  # entities (a project, an organisation), never split into given and family names
    abstract: str
    keywords: tuple[str, ...]
    licence: str
    url: str = ""  # the site (publication.toml's urls.base)
    doi: str = ""  # this version's, once recorded in releases.json
    name: str = "dataset"  # the package's name, for citation keys
    repository: str = ""  # the source repository (publication.toml's urls.repository)
    previous_doi: str = ""  # the DOI of the newest older release, where releases.json records one

    @property
    def year(self) -> str:
        return self.date_released[:4]

    @property
    def issues(self) -> str:
        """Where to reach the maintainers: the repository's issues, on a forge that has them at /issues."""
        return f"{self.repository}/issues" if is_forge(self.repository) else ""

    @property
    def link(self) -> str:
        """The one address a reference gives where there is no DOI: the site, else the repository."""
        return self.url or self.repository


NO_URLS = Urls()  # none configured
FORGES = ("https://github.com/", "https://gitlab.com/", "https://codeberg.org/")


def is_forge(repository: str) -> bool:
    """A repository on a forge whose issues are at <repository>/issues."""
    return repository.startswith(FORGES) and repository.count("/") == 4


def citation_facts(
    descriptor: dict, date_released: str, urls: Urls = NO_URLS, doi: str = "", previous_doi: str = ""
) -> Citation:
    authors = tuple(
        c.get("title") or f"{c.get('givenName', '')} {c.get('familyName', '')}".strip()
        for c in descriptor.get("contributors", [])
    )
    licences = descriptor.get("licenses") or [{}]
    licence = licences[0] if isinstance(licences, list) and isinstance(licences[0], dict) else {}
    return Citation(
        title=descriptor.get("title") or descriptor.get("name") or "dataset",  # the title is optional, the name not
        version=descriptor["version"],
        date_released=date_released,
        authors=authors,
        abstract=descriptor.get("description", ""),
        keywords=tuple(descriptor.get("keywords", [])),
        licence=licence.get("name") or licence.get("title") or licence.get("path") or "",  # the spec asks one
        url=urls.base,
        doi=doi,
        name=descriptor.get("name", "dataset"),
        repository=urls.repository,
        previous_doi=previous_doi,
    )


def citation_of(root: Path, descriptor: dict) -> Citation:
    """The citation of the package at `root` whose descriptor is `descriptor`. A project without a
    changelog (a bare copy of the package) has no release date; a malformed releases.json is
    reported by the version checks, not here: its DOIs are then unknown."""
    changelog = read_document(root, CHANGELOG_FILE) if (root / CHANGELOG_FILE).is_file() else ""
    dates = dict(changelog_releases(changelog))
    try:
        recorded = read_releases(root)
    except PackageError:
        recorded = []
    version = descriptor["version"]
    current, previous = find(recorded, version), older_than(recorded, version)
    doi, previous_doi = (current.doi if current else ""), (previous.doi if previous else "")
    return citation_facts(descriptor, dates.get(version, ""), read_urls(root), doi, previous_doi)


def _bibtex_escape(text: str) -> str:
    return "".join(f"\\{ch}" if ch in "&%$#_{}" else ch for ch in text)


WORD = re.compile(r"([^\W_]+(?:['’-][^\W_]+)*)")  # letters and digits, with inner apostrophes and hyphens


def bibtex_title(title: str) -> str:
    """The title with every word that holds a capital braced (neighbours in one pair: {North Korean}):
    styles that lowercase titles ("North korean troops in russia") keep the proper nouns and
    acronyms of a sentence-case title, and lowercase the rest as it was written to be."""
    pieces = WORD.split(title)  # odd indices are words
    braced = "".join(
        "{" + piece + "}" if i % 2 and any(c.isupper() for c in piece) else _bibtex_escape(piece)
        for i, piece in enumerate(pieces)
    )
    return re.sub(r"(?<!\\)\}(\s+)\{", r"\1", braced)


def bibtex(c: Citation, doi: str = "") -> str:
    """A BibTeX @misc entry. The author is braced twice, so that BibTeX takes the whole entity as
    one name; `version` is read by biblatex, `note` carries it for classic BibTeX styles; `url` is
    the site, else the repository, where one is configured."""
    doi = doi or c.doi
    key = re.sub(r"[^a-z0-9]", "", c.name.lower()) + f"{c.year}v{c.version.replace('.', '')}"
    fields = [
        ("author", "{" + " and ".join("{" + _bibtex_escape(a) + "}" for a in c.authors) + "}"),
        ("title", "{" + bibtex_title(c.title) + "}"),
        ("year", "{" + c.year + "}"),
        ("version", "{" + c.version + "}"),
        ("note", "{Dataset, version " + c.version + "}"),
    ]
    fields += [("url", "{" + c.link + "}")] if c.link else []
    fields += [("doi", "{" + doi + "}")] if doi else []
    body = ",\n".join(f"  {name:<7} = {value}" for name, value in fields)
    return f"@misc{{{key},\n{body}\n}}"


def apa(c: Citation, doi: str = "") -> str:
    """An APA 7 reference for a dataset: Author. (Year). *Title* (Version x) [Data set]. DOI, else URL."""
    doi = doi or c.doi
    where = f" https://doi.org/{doi}" if doi else (f" {c.link}" if c.link else "")
    year = c.year or "n.d."
    return f"{', '.join(c.authors)}. ({year}). *{c.title}* (Version {c.version}) [Data set].{where}"
