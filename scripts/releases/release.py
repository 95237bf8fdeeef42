"""Write a release: dist/nk-russia-claims-<version>.zip, dist/SHA256SUMS and the release notes.

    python -m scripts.releases.release [--dist dist] [--record]

The zip holds one folder, nk-russia-claims-<version>/: datapackage.json, the CSVs, schemas and
archived texts, every table as typed Parquet (scripts/releases/parquet.py), every claim, quote and
figure as W3C Web Annotations (scripts/releases/web_annotations.py), the SQLite database, README,
CHANGELOG, CITATION.cff, LICENSE, and every file the README links to (the codebook, CONTRIBUTING,
the screenshots) at its path in the repository, so that the README's links work in the folder. The
descriptor describes every file with its licence: each data file as a resource (with `bytes` and
`hash` where frictionless can check them: every one but the Parquet files), every other file in
`otherFiles`. The folder's SHA256SUMS holds the SHA-256 of every other file (`sha256sum -c
SHA256SUMS`). The archive is reproducible: the same commit gives the same bytes (sorted entries,
fixed timestamps and permissions).

At a million claims the release holds some 4 GB of files; none is held in memory whole. The
Parquet files and the annotations are written from the validation's staging database while the
build still has it open (`build(…, then=…)`), streamed; every member is deflated and hashed once,
from its file, on both cores (scripts/releases/archive.py), and the archive assembled on disk.

Only the recorded release takes the release's name. An archive whose bytes are not those that
releases.json records for its version is named <name>-<version>+<commit> (or <name>-<version>-dev,
built outside git or from uncommitted changes), folder and notes included, and its notes say so
first. The notes are the version's changelog entry and its data diff against the previous release
in releases.json (or, with --previous, against the package in a folder or release zip: the
benchmark's synthetic previous version). With --record (as `make release` runs it), a version not
yet recorded is added to releases.json with its commit and the archive's sha256, under the
release's name; that needs a committed tree."""

from __future__ import annotations

import argparse
import contextlib
import copy
import json
import os
import posixpath
import re
import shutil
import sys
from pathlib import Path
from typing import Any

from scripts.atomic import atomic_output, temporary_folder, write_atomically
from scripts.cli import run
from scripts.package.read import DataPackage, PackageError, clip, package_file, quote
from scripts.package.site import DATABASE_FILE
from scripts.progress import progress
from scripts.publishing.build import BuildError, build
from scripts.releases import archive, parquet, registry, versioning, web_annotations
from scripts.releases.diff import diff_packages, snapshot, to_markdown
from scripts.validation.checks import descriptor_problems

# DuckDB's memory while the Parquet and annotations are written from the stage: less than validation's,
# so that their batches fit under the 1 GiB goal beside it (the stage spills to its folder beyond this).
STAGE_MEMORY_WHILE_WRITING = "400MB"
FIXED_TIMESTAMP = archive.FIXED_TIMESTAMP
DOCUMENTS = ("README.md", "CHANGELOG.md", "CITATION.cff", "LICENSE")
DATABASE_NAME = DATABASE_FILE  # the database in the archive
CHECKSUMS = "SHA256SUMS"  # in the archive's folder: the SHA-256 of every other file
SHORT_COMMIT = 12  # hex digits of the commit in a build's name, as the messages show commits
# A Markdown link or image: its target up to a space, a `#` or the closing parenthesis.
MARKDOWN_LINK = re.compile(r"\]\(\s*<?([^)\s#>]+)")
TEXTS_TERMS = (
    "Not licensed by this dataset: the article remains the work of its publisher, who holds its rights. It is "
    "included unchanged, only so that every span of the dataset can be verified against it; no licence to reuse "
    "it is granted (see LICENSE)."
)
TEXTS_LICENSES = [{"path": "LICENSE", "title": TEXTS_TERMS}]


def release_stem(descriptor: dict) -> str:
    """The published release's name, without .zip: also the folder the archive unpacks into."""
    return f"{descriptor['name']}-{descriptor['version']}"


QUOTATIONS_TERMS = (
    "Except the words quoted from the archived articles, if this file holds any (the exact spans, the "
    "annotations' selectors, the codebook's examples, the article text in the screenshots): quotations given "
    "as evidence, which remain their publishers' work and are not licensed by this dataset (see LICENSE)."
)


def open_licenses(descriptor: dict) -> list[dict]:
    """The package's licence (datapackage.json's `licenses`), as each file the project made names it."""
    return [
        {key: value for key, value in licence.items() if key in ("name", "path")}
        for licence in descriptor.get("licenses", [])
        if isinstance(licence, dict)
    ]


def data_licenses(descriptor: dict) -> list[dict]:
    """The licences of a file the project made: the package's, with the exception LICENSE makes for
    the words quoted from the articles."""
    return [*open_licenses(descriptor), {"path": "LICENSE", "title": QUOTATIONS_TERMS}]


Derived = dict[str, tuple[dict, Path]]  # a release's path: (its resource, the file holding it)


def write_derived(package: DataPackage, folder: Path, packer: archive.Packer | None = None) -> Derived:
    """The typed encodings a release adds, written into `folder`, by path: every table as Parquet, and
    every claim, quote and figure as Web Annotations with the context that expands them offline. Each
    with its resource. Streamed from the staging database when the package has one attached (else
    read from the CSVs); each file is handed to `packer` as soon as it is whole."""
    resources = {r["name"]: r for r in package.descriptor["resources"]}
    files: Derived = {}

    def written(path: str, resource: dict, file: Path) -> None:
        files[path] = (resource, file)
        if packer is not None:
            packer.add(path, file)

    for name, table in package.tables.items():
        path = parquet.parquet_path(table)
        file = folder / path
        file.parent.mkdir(parents=True, exist_ok=True)
        progress(f"writing {path}")
        parquet.write_table(table, file)
        written(path, parquet.parquet_resource(table, resources[name]), file)
    progress(f"writing {web_annotations.RELEASE_PATH}")
    web_annotations.write_jsonld(package, folder / web_annotations.RELEASE_PATH)
    written(web_annotations.RELEASE_PATH, ANNOTATIONS_RESOURCE, folder / web_annotations.RELEASE_PATH)
    written(web_annotations.CONTEXT_RELEASE_PATH, CONTEXT_RESOURCE, web_annotations.CONTEXT_FILE)
    progress("")
    return files


ANNOTATIONS_RESOURCE = {
    "name": "annotations",
    "path": web_annotations.RELEASE_PATH,
    "format": "jsonld",
    "mediatype": web_annotations.MEDIATYPE,
    "title": "Claims, quotes and figures as W3C Web Annotations",
    "description": "Every claim, quote and figure as a Web Annotation (JSON-LD): its target is the archived "
    "source text with a TextQuoteSelector and a TextPositionSelector, its body a schema.org Claim or Quotation.",
}
CONTEXT_RESOURCE = {
    "name": "annotations-context",
    "path": web_annotations.CONTEXT_RELEASE_PATH,
    "format": "jsonld",
    "mediatype": web_annotations.MEDIATYPE,
    "title": "Web Annotation terms, for offline JSON-LD processing",
    "description": "The terms of the Web Annotation context (http://www.w3.org/ns/anno.jsonld) that "
    "annotations.jsonld uses, with the IRIs of the Web Annotation Vocabulary: map that URL to this file to "
    "expand the annotations with no network. Written for this project, not a copy of the W3C file.",
}


def derived_name_problems(package: DataPackage) -> list[str]:
    """A resource of the package may not take a name or path that the release gives a file of its own."""
    names = {f"{name}-parquet" for name in package.tables} | {"annotations", "annotations-context", "database"}
    names |= {f"text-{source_id}" for source_id in archived_texts(package)}
    paths = {parquet.parquet_path(t) for t in package.tables.values()}
    paths |= {web_annotations.RELEASE_PATH, web_annotations.CONTEXT_RELEASE_PATH, DATABASE_NAME, CHECKSUMS}
    return [
        f"datapackage.json: resource {quote(str(r.get('name')))} takes a name or path that a release gives its "
        "Parquet or JSON-LD files"
        for r in package.descriptor.get("resources", [])
        if isinstance(r, dict) and (r.get("name") in names or r.get("path") in paths)
    ]


def archived_texts(package: DataPackage) -> dict[str, str]:
    """The path of every source's archived text, by source id."""
    rows = package.tables["sources"].rows(["source_id", "text_path"])
    return {row["source_id"]: row["text_path"] for _, row in rows if row["text_path"]}


def with_size_and_hash(resource: dict, packed: archive.Packed) -> dict:
    return {**resource, "bytes": packed.size, "hash": f"sha256:{packed.sha256}"}


def text_resource(source_id: str, path: str) -> dict:
    return {
        "name": f"text-{source_id}",
        "path": path,
        "format": "txt",
        "mediatype": "text/plain",
        "encoding": "utf-8",
        "title": f"Archived text of source {source_id}",
        "description": f"The article {source_id} of sources.csv exactly as received, byte for byte: the text that "
        "the spans (exact, char_start, char_end) of every table point into. " + TEXTS_TERMS,
        "licenses": TEXTS_LICENSES,
    }


def database_resource(descriptor: dict) -> dict:
    return {
        "name": "database",
        "path": DATABASE_NAME,
        "format": "sqlite",
        "mediatype": "application/vnd.sqlite3",
        "title": "The SQLite database the site serves",
        "description": "Every table of the package, with the site's views and full-text indexes, and a `texts` "
        "table holding the archived article texts in full. Every table is licensed as the CSVs are, except `texts`: "
        "the texts remain their publishers' work, included unchanged only so that the spans can be verified, and "
        "no licence to reuse them is granted (see LICENSE).",
        "licenses": [
            *({**licence, "title": "every table but texts"} for licence in open_licenses(descriptor)),
            {"path": "LICENSE", "title": QUOTATIONS_TERMS},
            {"path": "LICENSE", "title": "the texts table: the archived article texts. " + TEXTS_TERMS},
        ],
    }


def released_descriptor(
    package: DataPackage, derived: Derived, packer: archive.Packer, other_files: list[dict]
) -> dict:
    """The descriptor with every data file a resource, each with its licence and (but the Parquet files) the
    size and SHA-256 that frictionless verifies; the release's other files in `otherFiles`."""
    descriptor = copy.deepcopy(package.descriptor)
    licenses = data_licenses(descriptor)
    resources = [{**resource, "licenses": licenses} for resource in descriptor["resources"]]
    resources += [{**resource, "licenses": licenses} for resource, _ in derived.values()]
    resources.append(database_resource(descriptor))
    resources += [text_resource(source_id, path) for source_id, path in archived_texts(package).items()]
    # frictionless reads Parquet through pyarrow, not its byte stream, so it would report any `bytes`
    # or `hash` of a Parquet resource as a mismatch; SHA256SUMS still covers them in the archive.
    descriptor["resources"] = [
        r if r.get("format") == "parquet" else with_size_and_hash(r, packer.packed(r["path"])) for r in resources
    ]
    descriptor["otherFiles"] = other_files
    return descriptor


def named_files(package: DataPackage) -> list[str]:
    """Every file the package names: resources, their schemas and the sources' archived texts.
    Nothing else under data/ goes into a release, and nothing outside the package can."""
    paths = [path for table in package.tables.values() for path in (table.path, table.schema_path)]
    paths += archived_texts(package).values()
    return sorted(set(paths) - {"datapackage.json"})


def linked_documents(root: Path) -> tuple[list[str], list[str]]:
    """(files, problems): every file that README.md links to by a relative path, and those that the
    Markdown files among them link to in turn, as paths from the root; a link to no file is a problem
    (it would be broken in the release), and so is a link to a hidden file (under .git or .venv, never
    released). Links to web addresses, anchors and folders are not followed."""
    found: set[str] = set()
    problems: list[str] = []
    pending = ["README.md"]
    while pending:
        document = pending.pop()
        text = package_file(root, document).read_text(encoding="utf-8", errors="replace")
        for target in MARKDOWN_LINK.findall(text):
            if re.match(r"[a-zA-Z][a-zA-Z0-9+.-]*:", target) or target.endswith("/"):
                continue  # a web address, mailto: and the like, or a folder
            path = posixpath.normpath(posixpath.join(posixpath.dirname(document), target))
            if path in found or path in DOCUMENTS:
                continue
            try:
                if any(part.startswith(".") and part != ".." for part in path.split("/")):  # .git, .venv
                    raise PackageError(f"path {quote(path)} is hidden; link to it in the repository instead")
                package_file(root, path)
            except PackageError as error:
                problems.append(f"{document}: the link to {quote(target)} would be broken in the release: {error}")
                continue
            found.add(path)
            if path.endswith(".md"):
                pending.append(path)
    return sorted(found), problems


def other_file(path: str, descriptor: dict, tables: dict[str, str]) -> dict:
    """The entry of a file that is not a resource in `otherFiles`: what it is and its licence (the
    package's, with the exception for the words quoted from the articles)."""
    if path in tables:
        entry = {"path": path, "title": f"Table Schema of the {tables[path]} table"}
    elif path == CHECKSUMS:
        entry = {"path": path, "title": "The SHA-256 of every other file of the release (sha256sum -c SHA256SUMS)"}
    else:
        entry = {"path": path}
    return {**entry, "licenses": data_licenses(descriptor)}


def checksums(digests: dict[str, str]) -> bytes:
    """SHA256SUMS in the format of sha256sum (and `sha256sum -c`): hash, two spaces, path; sorted."""
    return "".join(f"{digests[path]}  {path}\n" for path in sorted(digests)).encode()


def member_files(package: DataPackage, database: Path, derived: Derived) -> dict[str, Path]:
    """Every file of the release but the descriptor and SHA256SUMS, by its path in the archive."""
    files = {path: package_file(package.root, path) for path in named_files(package)}
    files.update({path: file for path, (_, file) in derived.items()})
    files[DATABASE_NAME] = database
    documents, _ = linked_documents(package.root)  # a broken link is refused before the release is built
    for path in (*DOCUMENTS, *documents):
        files[path] = package_file(package.root, path)
    return files


def release_members(
    package: DataPackage, database: Path, derived: Derived | None = None, packer: archive.Packer | None = None
) -> dict[str, Path]:
    """Every file of the release by its path in the archive's folder, each packed by `packer` (which
    gives the sizes and hashes that the descriptor and SHA256SUMS hold). The derived files are written
    beside the database unless given; the descriptor and SHA256SUMS are written there too."""
    folder = database.parent
    with archive.Packer(folder / "packed") if packer is None else contextlib.nullcontext(packer) as packing:
        if derived is None:
            derived = write_derived(package, folder / "derived", packing)
        files = member_files(package, database, derived)
        for path, file in files.items():
            packing.add(path, file)
        schemas = {table.schema_path: name for name, table in package.tables.items()}
        described = {r["path"] for r, _ in derived.values()} | {t.path for t in package.tables.values()}
        described |= {DATABASE_NAME, *archived_texts(package).values()}
        others = sorted({*files, CHECKSUMS, "datapackage.json"} - described)
        other_files = [other_file(path, package.descriptor, schemas) for path in others]
        descriptor = released_descriptor(package, derived, packing, other_files)
        files["datapackage.json"] = folder / "datapackage.json"
        files["datapackage.json"].write_text(json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n", "utf-8")
        packing.add("datapackage.json", files["datapackage.json"])
        files[CHECKSUMS] = folder / CHECKSUMS
        files[CHECKSUMS].write_bytes(
            checksums({path: packing.packed(path).sha256 for path in files if path != CHECKSUMS})
        )
        packing.add(CHECKSUMS, files[CHECKSUMS])
    return files


def release_notes(root: Path, version: str, previous_package: Path | None = None) -> str:
    """The version's changelog entry and its data diff against the previous release in releases.json,
    or against `previous_package` (a folder or release zip) when given."""
    changelog = versioning.read_document(root, "CHANGELOG.md")
    notes = versioning.release_notes(changelog, version) or f"## [{version}]"
    if previous_package is not None:
        with snapshot(str(previous_package), root) as old_root:
            changes = diff_packages(old_root, root)  # refuses a folder or zip that holds no package
            label = DataPackage(old_root / "datapackage.json").descriptor.get("version") or str(previous_package)
            return f"{notes}\n\n{to_markdown(changes, str(label), version)}"
    previous = registry.previous(root, version)
    if previous is None:
        return f"{notes}\n\nFirst release: no earlier release to compare with.\n"
    with snapshot(previous.commit, root) as old_root:
        return f"{notes}\n\n{to_markdown(diff_packages(old_root, root), previous.version, version)}"


def recording_problems(root: Path, version: str) -> list[str]:
    """Why this tree cannot be recorded as the release of `version`, if it cannot."""
    if registry.find(root, version) is not None:
        return []  # already recorded: a rebuild is compared with the record, not recorded again
    if not registry.is_git_repository(root):
        return [f"{root}: not a git repository, so the release of {version} cannot be recorded by its commit"]
    changed = registry.uncommitted_changes(root)
    if changed:
        shown = ", ".join(clip(path, 60) for path in changed[:5])
        return [f"uncommitted changes ({shown}): commit them first, so that {version} names the commit it comes from"]
    return []


def build_stem(root: Path, published: str) -> tuple[str, str]:
    """The name of a build that is not the release, and where it comes from: `+<commit>` from a
    committed tree, `-dev` from uncommitted changes or outside git (no commit names it)."""
    if not registry.is_git_repository(root):
        return f"{published}-dev", "a folder outside git"
    commit = registry.head_commit(root)[:SHORT_COMMIT]
    if registry.uncommitted_changes(root):
        return f"{published}-dev", f"uncommitted changes on commit {commit}"
    return f"{published}+{commit}", f"commit {commit}"


def archive_stem(root: Path, version: str, published: str, digest: str, recording: bool) -> tuple[str, str]:
    """(the archive's name without .zip, what its notes must say first). The published name is kept
    by the recorded release rebuilt byte for byte, and by a new version being recorded (from a
    committed tree: recording_problems); any other build is named as one, and its notes say why."""
    recorded = registry.find(root, version)
    if (recorded is not None and recorded.sha256 == digest) or (recorded is None and recording):
        return published, ""
    stem, origin = build_stem(root, published)
    if recorded is None:
        why = f"{version} is not recorded in {registry.RELEASES_FILE}: no release of it exists yet"
    else:
        why = (
            f"its bytes are not those of the published {version} (commit {recorded.commit[:SHORT_COMMIT]}, "
            f"sha256 {recorded.sha256[:SHORT_COMMIT]}…): its files or code changed since"
        )
    note = (
        f"> **This is not the release of {version}.** {stem}.zip was built from {origin}, and {why}. "
        "Cite and share the published release; to publish these changes, cut a new version.\n\n"
    )
    return stem, note


def record(root: Path, version: str, archive: Path, digest: str) -> str:
    """Add the release to releases.json, or compare a rebuild with its record. Returns what happened."""
    recorded = registry.find(root, version)
    if recorded is not None:
        if recorded.sha256 == digest:
            return f"{archive.name} is byte for byte the recorded release of {version}"
        return f"{archive.name}: releases.json keeps the record of {version}, which this build is not"
    dates = dict(versioning.releases(versioning.read_document(root, "CHANGELOG.md")))
    entry = registry.Release(version, dates[version], registry.head_commit(root), archive.name, digest)
    registry.write_releases(root, [*registry.read_releases(root), entry])
    return f"recorded {version} (commit {entry.commit[:12]}) in {registry.RELEASES_FILE}: commit that file"


def release(descriptor_path: Path, dist: Path, record_it: bool = False, previous_package: Path | None = None) -> Path:
    """Write the archive, its SHA256SUMS and notes; with record_it, also record it in releases.json.
    The notes diff against `previous_package` when given (see release_notes)."""
    package = DataPackage(descriptor_path)
    problems = [str(p) for p in descriptor_problems(package)] or versioning.version_problems(package.root)
    version = package.descriptor.get("version", "")
    problems = problems or derived_name_problems(package) + linked_documents(package.root)[1]
    if record_it and not problems:
        problems = recording_problems(package.root, version)
    if problems:
        raise BuildError("\n".join(problems))
    with temporary_folder(f"nk-release-{os.getpid()}-") as folder, archive.Packer(folder / "packed") as packer:
        database = folder / DATABASE_NAME
        derived: Derived = {}

        def write_from_stage(validated: DataPackage, stage: Any, written: Path) -> None:
            # The database, whole, is deflated on one core while the other writes the derived files
            # from the staging database, still open here (the validated package reads from it).
            stage.run(f"SET memory_limit = '{STAGE_MEMORY_WHILE_WRITING}'")  # room for the writers' batches
            packer.add(DATABASE_NAME, written, open_now=True)
            derived.update(write_derived(validated, folder / "derived", packer))

        # Validates first: a package that does not validate is not released.
        build(descriptor_path, database, then=write_from_stage)
        for path, file in member_files(package, database, derived).items():
            packer.add(path, file)
        # The notes' diff (Python, one core) runs while the members are deflated (zlib, the other).
        notes = release_notes(package.root, version, previous_package)
        members = release_members(package, database, derived, packer)
        # Everything that can fail is done before the first file is written: no half release in dist/.
        published = release_stem(package.descriptor)
        packed = {path: packer.packed(path) for path in members}
        output, stem, warning = write_archive(package.root, version, published, packed, dist, folder, record_it)
        digest = archive.file_sha256(output)
        write_atomically(dist / "SHA256SUMS", f"{digest}  {output.name}\n")
        write_atomically(dist / f"{stem}-notes.md", warning + notes)
    if record_it:
        print(record(package.root, version, output, digest), file=sys.stderr)
    if warning:
        print(f"note: {output.name} is not the release of {version}: see the top of its notes", file=sys.stderr)
    return output


def write_archive(
    root: Path,
    version: str,
    published: str,
    packed: dict[str, archive.Packed],
    dist: Path,
    scratch: Path,
    recording: bool,
) -> tuple[Path, str, str]:
    """(the archive in dist/, its name without .zip, what its notes must say first). The archive is
    assembled under the published name first only when releases.json records the version (its
    digest then decides the name); the folder inside carries the name the archive takes."""
    stem = warning = ""
    if registry.find(root, version) is not None:
        candidate = scratch / f"{published}.zip"
        archive.write_zip(packed, published, candidate)
        stem, warning = archive_stem(root, version, published, archive.file_sha256(candidate), recording)
        if stem == published:
            return move_atomically(candidate, dist / f"{stem}.zip"), stem, warning
    else:
        stem, warning = archive_stem(root, version, published, "", recording)
    with atomic_output(dist / f"{stem}.zip") as temporary:
        archive.write_zip(packed, stem, temporary)
    return dist / f"{stem}.zip", stem, warning


def move_atomically(source: Path, output: Path) -> Path:
    """`source` moved to `output`, which readers see whole or not at all (copied across file systems)."""
    with atomic_output(output) as temporary:
        try:
            os.replace(source, temporary)
        except OSError:
            shutil.copyfile(source, temporary)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="release", description=__doc__.split("\n\n")[0])
    parser.add_argument("datapackage", nargs="?", default="datapackage.json", type=Path)
    parser.add_argument("--dist", default=Path("dist"), type=Path)
    parser.add_argument(
        "--record", action="store_true", help=f"record a new version's commit and hash in {registry.RELEASES_FILE}"
    )
    parser.add_argument(
        "--previous",
        type=Path,
        help="diff the notes against the package in this folder or release zip instead of the previous "
        f"release in {registry.RELEASES_FILE}",
    )
    args = parser.parse_args(argv)
    output = release(args.datapackage, args.dist, record_it=args.record, previous_package=args.previous)
    print(f"wrote {output}, {args.dist / 'SHA256SUMS'} and the release notes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
