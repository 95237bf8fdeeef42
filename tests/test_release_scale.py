"""The release at scale: Parquet and annotations streamed from the staging database in the bytes the
row-by-row, in-memory writers give; the archive assembled from deflated files in the bytes zipfile
gives; the benchmark's synthetic previous version diffed in the notes. Never a timing."""

from __future__ import annotations

import io
import json
import shutil
import subprocess
import sys
import zipfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from scripts.benchmark import bench
from scripts.benchmark.synth import generate
from scripts.package.read import DataPackage
from scripts.publishing.build import build
from scripts.releases import archive, diff, parquet, web_annotations
from scripts.releases.release import release
from tests.conftest import PACKAGE
from tests.mutations import edit_json
from tests.test_release import copy_project

pytestmark = pytest.mark.package


def staged_outputs(descriptor: Path, folder: Path) -> dict[str, tuple[bytes, bytes]]:
    """(streamed from the stage, written by the reference) of every Parquet file and of the
    annotations, for the package at `descriptor`."""
    outputs: dict[str, tuple[bytes, bytes]] = {}

    def compare(package: DataPackage, stage: object, _: Path) -> None:
        for name, table in package.tables.items():
            parquet.write_parquet(stage, table, folder / f"{name}.parquet")  # type: ignore[arg-type]
        web_annotations.write_jsonld(package, folder / "annotations.jsonld")
        package.attach(None)  # the references read the CSVs
        try:
            for name, table in package.tables.items():
                outputs[name] = ((folder / f"{name}.parquet").read_bytes(), parquet.parquet_bytes(table))
            outputs["annotations"] = (
                (folder / "annotations.jsonld").read_bytes(),
                web_annotations.jsonld_bytes(package),
            )
        finally:
            package.attach(stage)

    build(descriptor, folder / "nk.db", then=compare)
    return outputs


@pytest.fixture(scope="module")
def real_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bytes, bytes]]:
    return staged_outputs(PACKAGE / "datapackage.json", tmp_path_factory.mktemp("real"))


@pytest.fixture(scope="module")
def synthetic_outputs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, tuple[bytes, bytes]]:
    folder = tmp_path_factory.mktemp("synthetic")
    return staged_outputs(generate(120, folder / "package"), folder)


@pytest.mark.parametrize("outputs", ["real_outputs", "synthetic_outputs"])
def test_parquet_streamed_from_the_stage_is_byte_for_byte_the_row_by_row_file(
    outputs: str, request: pytest.FixtureRequest
) -> None:
    found = request.getfixturevalue(outputs)
    tables = [name for name in found if name != "annotations"]
    assert tables and all(pq.read_table(io.BytesIO(found[name][0])).num_rows >= 0 for name in tables)
    for name in tables:
        streamed, reference = found[name]
        assert streamed == reference, name


def test_parquet_types_are_the_registrys_with_enums_in_schema_order(real_outputs: dict) -> None:
    figures = PACKAGE_TABLES["figures"]
    read = pq.read_table(io.BytesIO(real_outputs["figures"][0]))
    assert read.schema == parquet.arrow_schema(figures)
    enum = figures.field("qualifier")["constraints"]["enum"]
    assert read.schema.field("qualifier").type == pa.dictionary(pa.int8(), pa.string())
    assert read.column("qualifier").chunk(0).dictionary.to_pylist() == enum
    assert read.schema.field("as_of_earliest").type == pa.date32()


PACKAGE_TABLES = DataPackage(PACKAGE / "datapackage.json").tables


def test_parquet_row_groups_do_not_depend_on_how_the_rows_are_batched(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parquet, "ROW_GROUP_ROWS", 7)
    schema = pa.schema([("n", pa.int64()), ("s", pa.string())])
    rows = pa.table({"n": list(range(40)), "s": [f"row {i}" for i in range(40)]}, schema=schema)

    def batches(size: int) -> Iterator[pa.RecordBatch]:
        return iter(rows.to_batches(max_chunksize=size))

    parquet.write_batches(batches(3), schema, tmp_path / "a.parquet")
    parquet.write_batches(batches(11), schema, tmp_path / "b.parquet")
    assert (tmp_path / "a.parquet").read_bytes() == (tmp_path / "b.parquet").read_bytes()
    groups = pq.ParquetFile(tmp_path / "a.parquet").metadata
    assert [groups.row_group(i).num_rows for i in range(groups.num_row_groups)] == [7, 7, 7, 7, 7, 5]
    assert pq.read_table(tmp_path / "a.parquet").equals(rows)


def test_an_empty_table_gives_the_file_the_reference_writes(tmp_path: Path) -> None:
    schema = pa.schema([("n", pa.int64())])
    parquet.write_batches(iter([]), schema, tmp_path / "empty.parquet")
    reference = io.BytesIO()
    pq.write_table(schema.empty_table(), reference, **parquet.WRITE_OPTIONS)
    assert (tmp_path / "empty.parquet").read_bytes() == reference.getvalue()


@pytest.mark.parametrize("outputs", ["real_outputs", "synthetic_outputs"])
def test_annotations_streamed_to_disk_are_byte_for_byte_the_document_in_memory(
    outputs: str, request: pytest.FixtureRequest
) -> None:
    streamed, reference = request.getfixturevalue(outputs)["annotations"]
    assert streamed == reference
    document = json.loads(streamed)
    assert document == json.loads(reference) and document["total"] == len(document["first"]["items"]) > 0


@pytest.mark.parametrize(
    "value",
    [
        {"a": 'quote " backslash \\ newline \n tab \t bell \x07 é 北 \u2028 😀', "b": [], "c": {}},
        {"n": [1, -2, 0.5, 1e-07, 12345678901234567890, True, False, None], "nested": [{"x": [["y"]]}]},
        [],
        "plain",
    ],
)
def test_the_fast_encoder_writes_what_json_dumps_writes(value: object) -> None:
    for indent in ("", "   "):
        expected = json.dumps(value, indent=1, ensure_ascii=False).replace("\n", "\n" + indent)
        assert web_annotations.encoded(value, indent) == expected


def test_annotations_are_written_one_at_a_time(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    package = DataPackage(PACKAGE / "datapackage.json")
    output = io.StringIO()
    handed: list[str] = []
    original = web_annotations.annotation_texts

    def watched(package: DataPackage) -> Iterator[str]:
        for text in original(package):
            if handed:  # the one before was written before this one was made
                assert output.getvalue().endswith(handed[-1])
            handed.append(text)
            yield text

    monkeypatch.setattr(web_annotations, "annotation_texts", watched)
    web_annotations.write_annotations(package, output)
    assert len(handed) > 1 and output.getvalue().encode() == web_annotations.jsonld_bytes(package)


# ----------------------------------------------------------------------------- the archive
MEMBERS = {
    "data/large.csv": b"id,text\n" + b"".join(b"%d,row %d\n" % (i, i * 7919 % 1000) for i in range(300_000)),
    "datapackage.json": b'{"name": "x"}\n',
    "empty.txt": b"",
    "docs/café.md": "café\n".encode(),
}


def zipfile_archive(members: dict[str, bytes], folder: str) -> bytes:
    """The archive as zipfile's writestr makes it (the former in-memory writer)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as opened:
        for name in sorted(members):
            info = zipfile.ZipInfo(f"{folder}/{name}", date_time=archive.FIXED_TIMESTAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = archive.MODE << 16
            info.create_system = 3
            opened.writestr(info, members[name], compresslevel=archive.COMPRESS_LEVEL)
    return buffer.getvalue()


@pytest.mark.parametrize("workers", [1, 2])
def test_the_archive_assembled_from_deflated_files_is_zipfiles_own(tmp_path: Path, workers: int) -> None:
    sources = tmp_path / "sources"
    sources.mkdir()
    with archive.Packer(tmp_path / "packed", workers) as packer:
        for number, (name, data) in enumerate(reversed(MEMBERS.items())):  # added in no sorted order
            (sources / str(number)).write_bytes(data)
            packer.add(name, sources / str(number))
        packed = packer.all()
    archive.write_zip(packed, "folder-1.0.0", tmp_path / "out.zip")
    assert (tmp_path / "out.zip").read_bytes() == zipfile_archive(MEMBERS, "folder-1.0.0")
    with zipfile.ZipFile(tmp_path / "out.zip") as opened:
        assert opened.testzip() is None
        assert {name.split("/", 1)[1]: opened.read(name) for name in opened.namelist()} == MEMBERS


def test_a_member_opened_now_is_read_whole_even_when_renamed_after_it_is_added(tmp_path: Path) -> None:
    source = tmp_path / "database.tmp"
    source.write_bytes(MEMBERS["data/large.csv"])
    with archive.Packer(tmp_path / "packed", 1) as packer:
        packer.add("nk.db", source, open_now=True)
        source.rename(tmp_path / "nk.db")  # as the build renames its database into place
        packed = packer.packed("nk.db")
    assert packed.size == len(MEMBERS["data/large.csv"])


# ----------------------------------------------------------------------------- notes and diff
def made(folder: Path) -> Path:
    folder.mkdir()
    return folder


def test_the_notes_diff_against_a_named_previous_package(tmp_path: Path) -> None:
    root = copy_project(made(tmp_path / "project"))
    previous = tmp_path / "previous"
    shutil.copytree(root, previous, ignore=shutil.ignore_patterns("docs", "*.md"))
    edit_json(previous / "datapackage.json", lambda descriptor: descriptor.update(version="0.0.1"))
    claims = previous / "data/claims.csv"
    header, first, *rest = claims.read_text(encoding="utf-8").splitlines(keepends=True)
    claims.write_text(header + "".join(rest), encoding="utf-8")  # the first claim was added since
    archive_path = release(root / "datapackage.json", tmp_path / "dist", previous_package=previous)
    notes = (archive_path.parent / f"{archive_path.name.removesuffix('.zip')}-notes.md").read_text(encoding="utf-8")
    version = json.loads((root / "datapackage.json").read_text(encoding="utf-8"))["version"]
    assert f"## Data changes from 0.0.1 to {version}" in notes
    key = first.split(",", 1)[0]
    assert f"- added `{key}`" in notes
    assert "1 added, 0 removed, 0 changed" in notes


def test_a_previous_folder_without_a_package_is_refused_by_name_and_no_release_is_written(tmp_path: Path) -> None:
    root = copy_project(made(tmp_path / "project"))
    empty = made(tmp_path / "previous")
    command = [sys.executable, "-m", "scripts.releases.release", str(root / "datapackage.json"),
               "--dist", str(tmp_path / "dist"), "--previous", str(empty)]  # fmt: skip
    result = subprocess.run(command, cwd=PACKAGE, capture_output=True, text=True, check=False)
    assert result.returncode == 1, result.stderr
    assert f"{empty / 'datapackage.json'}: cannot be read" in result.stderr
    assert not (tmp_path / "dist").exists() or not any((tmp_path / "dist").iterdir())


def test_an_unchanged_table_is_not_read_row_by_row(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    old_root = copy_project(made(tmp_path / "old"))
    monkeypatch.setattr(diff, "_rows", lambda *_: (_ for _ in ()).throw(AssertionError("read row by row")))
    assert all(d.empty for d in diff.diff_packages(old_root, PACKAGE))


def test_a_table_changed_within_the_same_size_is_still_diffed(tmp_path: Path) -> None:
    old_root = copy_project(made(tmp_path / "old"))
    claims = old_root / "data/claims.csv"
    text = claims.read_text(encoding="utf-8")
    position = text.index("\n") + 1 + text[text.index("\n") + 1 :].index(",") + 1  # the second cell of row 2
    same_size = text[:position] + ("X" if text[position] != "X" else "Y") + text[position + 1 :]
    claims.write_text(same_size, encoding="utf-8")
    diffs = {d.name: d for d in diff.diff_packages(old_root, PACKAGE)}
    assert len(diffs["claims"].changed) == 1
    assert all(d.empty for name, d in diffs.items() if name != "claims")


def test_the_benchmarks_previous_version_differs_by_the_claims_it_says(tmp_path: Path) -> None:
    package = DataPackage(generate(60, tmp_path / "package"))
    previous = bench.previous_version(package, tmp_path / "previous")
    diffs = {d.name: d for d in diff.diff_packages(previous.parent, package.root)}
    claims = diffs["claims"]
    counts = (len(claims.added), len(claims.removed), len(claims.changed))
    assert counts == (bench.CHANGED_CLAIMS,) * 3
    assert all(d.empty for name, d in diffs.items() if name != "claims")


@pytest.mark.parametrize("segment", ["c1", "article-1", "A_b.c~d-e", "", "é", "Ⅻ", "٣", "a b", "x/y", "%", "p:1"])
def test_an_id_segment_is_encoded_as_quote_encodes_it(segment: str) -> None:
    assert web_annotations._segment(segment) == quote(segment, safe="")


def test_members_are_opened_only_when_packed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # A release adds tens of thousands of texts at once: they cannot all be open (EMFILE).
    import resource
    import threading

    added = threading.Event()
    pack = archive.pack
    monkeypatch.setattr(archive, "pack", lambda *args: added.wait() and pack(*args))  # packing waits for every add

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    limit = 512
    sources = tmp_path / "texts"
    sources.mkdir()
    for number in range(limit + 10):
        (sources / f"{number}.txt").write_bytes(b"text %d\n" % number)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(limit, soft), hard))
    try:
        with archive.Packer(tmp_path / "packed", 1) as packer:
            try:
                for number in range(limit + 10):
                    packer.add(f"data/texts/{number}.txt", sources / f"{number}.txt")
            finally:
                added.set()
            assert len(packer.all()) == limit + 10
    finally:
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
