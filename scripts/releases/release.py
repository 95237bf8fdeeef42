"""Write a release: dist/nk-russia-claims-<version>.zip, dist/SHA256SUMS and the release notes.

    python -m scripts.releases.release [--dist dist]

The archive is reproducible: the same commit gives the same bytes (sorted entries, fixed
timestamps and permissions). It holds datapackage.json, the CSVs, schemas and archived texts, every
table as typed Parquet (scripts/releases/parquet.py), every claim, quote and figure as W3C Web
Annotations (scripts/releases/web_annotations.py), the SQLite database, README, CHANGELOG, CITATION.cff
and LICENSE. The descriptor gives `bytes` and `hash` of every resource but the Parquet files.

The notes are the version's changelog entry and its data diff against the previous release in
releases.json. With --record (as `make release` runs it), a version not yet recorded
is added to releases.json with its commit and the archive's sha256; that needs a committed tree."""

from __future__ import annotations

import argparse
import copy
import hashlib
import json
import os
import sys
import zipfile
from pathlib import Path

from scripts.atomic import atomic_output, temporary_folder, write_atomically
from scripts.cli import run
from scripts.package.read import DataPackage, clip, package_file, quote
from scripts.package.site import DATABASE_FILE
from scripts.publishing.build import BuildError, build
from scripts.releases import parquet, registry, versioning, web_annotations
from scripts.releases.diff import diff_packages, snapshot, to_markdown
from scripts.validation.checks import descriptor_problems

FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: no build time leaks in
DOCUMENTS = ("README.md", "CHANGELOG.md", "CITATION.cff", "LICENSE")
DATABASE_NAME = DATABASE_FILE  # the database in the archive


def archive_name(descriptor: dict) -> str:
    return f"{descriptor['name']}-{descriptor['version']}.zip"


def derived_files(package: DataPackage) -> dict[str, tuple[dict, bytes]]:
    """The typed encodings a release adds, by path: every table as Parquet, and every claim, quote and
    figure as Web Annotations with the context that expands them offline. Each with its resource."""
    resources = {r["name"]: r for r in package.descriptor["resources"]}
    files = {
        parquet.parquet_path(table): (parquet.parquet_resource(table, resources[name]), parquet.parquet_bytes(table))
        for name, table in package.tables.items()
    }
    files[web_annotations.RELEASE_PATH] = (ANNOTATIONS_RESOURCE, web_annotations.jsonld_bytes(package))
    files[web_annotations.CONTEXT_RELEASE_PATH] = (CONTEXT_RESOURCE, web_annotations.CONTEXT_FILE.read_bytes())
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
    """A resource of the package may not take a name or path that the release gives a derived file."""
    names = {f"{name}-parquet" for name in package.tables} | {"annotations", "annotations-context"}
    paths = {parquet.parquet_path(t) for t in package.tables.values()}
    paths |= {web_annotations.RELEASE_PATH, web_annotations.CONTEXT_RELEASE_PATH}
    return [
        f"datapackage.json: resource {quote(str(r.get('name')))} takes a name or path that a release gives its "
        "Parquet or JSON-LD files"
        for r in package.descriptor.get("resources", [])
        if isinstance(r, dict) and (r.get("name") in names or r.get("path") in paths)
    ]


def with_size_and_hash(resource: dict, data: bytes) -> dict:
    return {**resource, "bytes": len(data), "hash": f"sha256:{hashlib.sha256(data).hexdigest()}"}


def released_descriptor(package: DataPackage, derived: dict[str, tuple[dict, bytes]]) -> dict:
    """The descriptor with the size and SHA-256 of every resource, which frictionless verifies, and
    the resources of the derived files after the tables."""
    descriptor = copy.deepcopy(package.descriptor)
    descriptor["resources"] = [
        with_size_and_hash(resource, package_file(package.root, resource["path"]).read_bytes())
        for resource in descriptor["resources"]
    ]
    # frictionless reads Parquet through pyarrow, not its byte stream, so it would report any `bytes`
    # or `hash` of a Parquet resource as a mismatch; SHA256SUMS still covers them in the archive.
    descriptor["resources"] += [
        resource if resource.get("format") == "parquet" else with_size_and_hash(resource, data)
        for resource, data in derived.values()
    ]
    return descriptor


def named_files(package: DataPackage) -> list[str]:
    """Every file the package names: resources, their schemas and the sources' archived texts.
    Nothing else under data/ goes into a release, and nothing outside the package can."""
    paths = [path for table in package.tables.values() for path in (table.path, table.schema_path)]
    paths += [row["text_path"] for _, row in package.tables["sources"].rows(["text_path"]) if row["text_path"]]
    return sorted(set(paths) - {"datapackage.json"})


def release_members(package: DataPackage, database: Path) -> dict[str, bytes]:
    """Every file of the release by its path in the archive."""
    derived = derived_files(package)
    descriptor = released_descriptor(package, derived)
    members = {"datapackage.json": (json.dumps(descriptor, indent=2, ensure_ascii=False) + "\n").encode()}
    for path in named_files(package):
        members[path] = package_file(package.root, path).read_bytes()
    members.update({path: data for path, (_, data) in derived.items()})
    for name in DOCUMENTS:
        members[name] = package_file(package.root, name).read_bytes()
    members[DATABASE_NAME] = database.read_bytes()
    return members


def write_zip(members: dict[str, bytes], output: Path) -> None:
    with atomic_output(output) as temporary, zipfile.ZipFile(temporary, "w") as archive:
        for name in sorted(members):
            info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o100644 << 16
            info.create_system = 3
            archive.writestr(info, members[name], compresslevel=9)


def release_notes(root: Path, version: str) -> str:
    changelog = versioning.read_document(root, "CHANGELOG.md")
    notes = versioning.release_notes(changelog, version) or f"## [{version}]"
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


def record(root: Path, version: str, archive: Path) -> str:
    """Add the release to releases.json, or compare a rebuild with its record. Returns what happened."""
    digest = hashlib.sha256(archive.read_bytes()).hexdigest()
    recorded = registry.find(root, version)
    if recorded is not None:
        if recorded.sha256 == digest:
            return f"{archive.name} is byte for byte the recorded release of {version}"
        return (
            f"note: {archive.name} is not the published {version}, which was built from commit "
            f"{recorded.commit[:12]} (sha256 {recorded.sha256[:12]}…): this build from the current tree differs "
            f"(its files or code changed since), and releases.json keeps the record. To publish it, cut a new version."
        )
    dates = dict(versioning.releases(versioning.read_document(root, "CHANGELOG.md")))
    entry = registry.Release(version, dates[version], registry.head_commit(root), archive.name, digest)
    registry.write_releases(root, [*registry.read_releases(root), entry])
    return f"recorded {version} (commit {entry.commit[:12]}) in {registry.RELEASES_FILE}: commit that file"


def release(descriptor_path: Path, dist: Path, record_it: bool = False) -> Path:
    """Write the archive, its SHA256SUMS and notes; with record_it, also record it in releases.json."""
    package = DataPackage(descriptor_path)
    problems = [str(p) for p in descriptor_problems(package)] or versioning.version_problems(package.root)
    version = package.descriptor.get("version", "")
    problems = problems or derived_name_problems(package)
    if record_it and not problems:
        problems = recording_problems(package.root, version)
    if problems:
        raise BuildError("\n".join(problems))
    with temporary_folder(f"nk-release-{os.getpid()}-") as folder:
        database = folder / DATABASE_NAME
        build(descriptor_path, database)  # validates first: a package that does not validate is not released
        members = release_members(package, database)
    # Everything that can fail is done before the first file is written: no half release in dist/.
    notes = release_notes(package.root, version)
    output = dist / archive_name(package.descriptor)
    write_zip(members, output)
    digest = hashlib.sha256(output.read_bytes()).hexdigest()
    write_atomically(dist / "SHA256SUMS", f"{digest}  {output.name}\n")
    write_atomically(dist / f"{output.stem}-notes.md", notes)
    if record_it:
        print(record(package.root, version, output), file=sys.stderr)
    return output


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="release", description=__doc__.split("\n\n")[0])
    parser.add_argument("datapackage", nargs="?", default="datapackage.json", type=Path)
    parser.add_argument("--dist", default=Path("dist"), type=Path)
    parser.add_argument(
        "--record", action="store_true", help=f"record a new version's commit and hash in {registry.RELEASES_FILE}"
    )
    args = parser.parse_args(argv)
    output = release(args.datapackage, args.dist, record_it=args.record)
    print(f"wrote {output}, {args.dist / 'SHA256SUMS'} and the release notes", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
