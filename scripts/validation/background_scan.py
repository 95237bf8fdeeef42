"""The coverage check's scan of every archived text, in a second process for a large package.

    python -m scripts.validation.background_scan datapackage.json   (writes its result to standard output)

Finding every quotation and number (scripts.package.textscan) is Python, row by row, about 5 s for a
million claims; DuckDB's staging and checks meanwhile release the interpreter. So a large package's
texts are scanned by a child process from the start, and the coverage check takes its result. The
child reads the package as the parent does (through `inside()`), writes nothing, and is killed when
the parent ends for any reason."""

from __future__ import annotations

import pickle
import subprocess
import sys
from array import array
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from scripts.messages import clip
from scripts.package import textscan
from scripts.package.read import DataPackage

# sources.csv larger than this (about 3,000 articles) is scanned in a child process: for fewer, the
# child's start-up would cost more than it saves.
BACKGROUND_SOURCES_BYTES = 1 << 20


@dataclass
class Scanned:
    """Every span the scan finds, as columns: the text's index in `source_ids`, start, end, kind."""

    source_ids: list[str] = field(default_factory=list)
    text_index: array = field(default_factory=lambda: array("i"))
    starts: array = field(default_factory=lambda: array("q"))
    ends: array = field(default_factory=lambda: array("q"))
    kinds: array = field(default_factory=lambda: array("b"))


def scan(package: DataPackage) -> Scanned:
    result = Scanned()
    for index, (source_id, text) in enumerate(package.archived_texts.items()):
        result.source_ids.append(source_id)
        for kind, span in textscan.spans(text):
            result.text_index.append(index)
            result.starts.append(span.start)
            result.ends.append(span.end)
            result.kinds.append(kind)
    return result


class Background:
    """The scan of a package's texts in a child process; `result()` waits for it. If the child failed,
    `result()` says why on standard error (and in `failure`) and scans here instead: the checks then
    still run, and a broken child process is seen, not hidden."""

    def __init__(self, package: DataPackage) -> None:
        self.package = package
        self.failure: str | None = None
        command = [sys.executable, "-m", "scripts.validation.background_scan", str(package.descriptor_path)]
        root = Path(__file__).resolve().parents[2]  # the project, so that `scripts` imports in the child
        self.process = subprocess.Popen(command, cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE)

    def result(self) -> Scanned:
        output, errors = self.process.communicate()
        scanned, self.failure = _read_result(self.process.returncode, output, errors)
        if scanned is not None:
            return scanned
        print(f"warning: the background scan of the texts failed ({self.failure}); scanning them here", file=sys.stderr)
        return scan(self.package)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()


def _read_result(returncode: int | None, output: bytes, errors: bytes) -> tuple[Scanned | None, str | None]:
    """(the child's scan, None), or (None, why there is none)."""
    if returncode != 0:
        last = errors.decode("utf-8", errors="replace").strip().splitlines()[-1:] or ["no message"]
        return None, f"the child process exited with {returncode}: {clip(last[0])}"
    try:
        scanned = pickle.loads(output)  # our own child's output, never the package's bytes
    except Exception as error:  # any unreadable output: reported below, with its reason
        return None, f"its output cannot be read: {clip(f'{type(error).__name__}: {error}')}"
    if not isinstance(scanned, Scanned):
        return None, f"its output is a {type(scanned).__name__}, not a scan"
    return scanned, None


@contextmanager
def scanning(package: DataPackage) -> Iterator[Background | None]:
    """A background scan for a large package (None for a small one); the child never outlives it."""
    sources = package.tables.get("sources")
    try:
        large = (
            sources is not None and sources.file.is_file() and sources.file.stat().st_size > BACKGROUND_SOURCES_BYTES
        )
    except Exception:
        large = False
    background = Background(package) if large else None
    try:
        yield background
    finally:
        if background is not None:
            background.stop()


def main(argv: list[str] | None = None) -> int:
    (descriptor,) = argv if argv is not None else sys.argv[1:]
    sys.stdout.buffer.write(pickle.dumps(scan(DataPackage(Path(descriptor))), protocol=pickle.HIGHEST_PROTOCOL))
    return 0


if __name__ == "__main__":
    # Run as the importable module, not as __main__: its Scanned then pickles under the name the parent
    # unpickles it by (scripts.validation.background_scan.Scanned, not __main__.Scanned).
    from scripts.validation import background_scan

    sys.exit(background_scan.main())
