"""The release archive written to disk from files, in bounded memory, on both cores.

Each member is read once, in chunks: deflated into a scratch file (zlib's raw deflate, as zipfile
writes it) while its CRC-32 and SHA-256 are computed, on a pool of threads (zlib and hashlib let go
of the interpreter lock on large buffers, so two members compress at once). The archive is then
assembled from the deflated files in sorted order, with fixed timestamps and permissions: the same
bytes that zipfile's own `writestr` gives for the same members (a test holds them equal), whatever
the order in which the threads finish. Assembling again under another folder name (a build that is
not the release) copies the deflated bytes; nothing is compressed twice."""

from __future__ import annotations

import hashlib
import shutil
import zipfile
import zlib
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO, NamedTuple

FIXED_TIMESTAMP = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can hold: no build time leaks in
MODE = 0o100644  # a regular file, rw-r--r--
# zlib's default level. On the files of a 100,000-claim release, level 9 deflates the SQLite
# database at 6 MB/s and the JSON-LD at 34 MB/s, level 6 at 47 and 218 MB/s, for members 3% and 6%
# larger: at a million claims level 9 would spend minutes on the database alone.
COMPRESS_LEVEL = 6
CHUNK_BYTES = 1 << 20
WORKERS = 2  # the benchmark's machine has two cores


class Packed(NamedTuple):
    """One member, deflated: its size, digests and where its deflated bytes wait."""

    size: int
    sha256: str
    crc: int
    deflated: Path
    deflated_size: int


def pack(source: BinaryIO, deflated: Path) -> Packed:
    """Deflate `source` into `deflated`, reading it once: (size, SHA-256, CRC-32, deflated size)."""
    compressor = zlib.compressobj(COMPRESS_LEVEL, zlib.DEFLATED, -15)
    digest, crc, size, written = hashlib.sha256(), 0, 0, 0
    with source as reader, deflated.open("wb") as writer:
        while chunk := reader.read(CHUNK_BYTES):
            digest.update(chunk)
            crc = zlib.crc32(chunk, crc)
            size += len(chunk)
            written += writer.write(compressor.compress(chunk))
        written += writer.write(compressor.flush())
    return Packed(size, digest.hexdigest(), crc, deflated, written)


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as reader:
        while chunk := reader.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


class Packer:
    """Members packed on a pool of threads as they are added; `packed` waits for one."""

    def __init__(self, scratch: Path, workers: int = WORKERS) -> None:
        scratch.mkdir(parents=True, exist_ok=True)
        self.scratch = scratch
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="nk-pack")
        self.futures: dict[str, Future[Packed]] = {}

    def add(self, name: str, source: Path, open_now: bool = False) -> None:
        """Pack the file at `source` as the member `name`. With open_now it is opened at once, so
        that a file renamed meanwhile (the database, which the build renames into place) is still
        read whole; else when a thread takes it (tens of thousands of texts: never all open at once)."""
        if name not in self.futures:
            deflated = self.scratch / f"{len(self.futures)}.deflate"
            opened = source.open("rb") if open_now else None
            self.futures[name] = self.pool.submit(lambda: pack(opened or source.open("rb"), deflated))

    def packed(self, name: str) -> Packed:
        return self.futures[name].result()

    def all(self) -> dict[str, Packed]:
        return {name: future.result() for name, future in self.futures.items()}

    def close(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)

    def __enter__(self) -> Packer:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()


def _member_info(name: str, packed: Packed) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=FIXED_TIMESTAMP)
    info.compress_type = zipfile.ZIP_DEFLATED
    info.external_attr = MODE << 16
    info.create_system = 3
    info.flag_bits = 0
    info.file_size, info.compress_size, info.CRC = packed.size, packed.deflated_size, packed.crc
    return info


def write_zip(members: dict[str, Packed], folder: str, output: Path) -> None:
    """The archive at `output`: every member under `folder`, in sorted order. Each local header is
    written as zipfile's `open(…, "w")` leaves it once closed (ZIP64 extras on the same rule), then
    the deflated bytes; zipfile writes the central directory."""
    with output.open("wb") as raw, zipfile.ZipFile(raw, "w") as archive:
        for name in sorted(members):
            packed = members[name]
            info = _member_info(f"{folder}/{name}", packed)
            zip64 = info.file_size * 1.05 > zipfile.ZIP64_LIMIT
            info.header_offset = raw.tell()
            archive._writecheck(info)  # zipfile's own checks (names, ZIP64 limits)
            archive._didModify = True  # so that close() writes the central directory
            raw.write(info.FileHeader(zip64))
            with packed.deflated.open("rb") as deflated:
                shutil.copyfileobj(deflated, raw, CHUNK_BYTES)
            archive.start_dir = raw.tell()
            archive.filelist.append(info)
            archive.NameToInfo[info.filename] = info
