"""Files written whole or not at all, readable by everyone, with no leftovers from a killed run.

A writer builds into a temporary file beside its output, named after its process, and renames it
over the output only when complete. SIGTERM unwinds like an exception (scripts.cli), so the
temporary file goes; SIGKILL cannot be caught, so every writer first removes the temporary files
of processes that no longer exist."""

from __future__ import annotations

import os
import shutil
import signal
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

FILE_MODE = 0o644  # published files are world-readable; mkstemp's 0600 would hide them
FOLDER_MODE = 0o755


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # another user's live process
    return True


def remove_stale(folder: Path, prefix: str) -> None:
    """Remove `<prefix><pid>-…` files and folders left in `folder` by processes that are gone."""
    if not folder.is_dir():
        return
    for entry in folder.iterdir():
        pid = entry.name.removeprefix(prefix).split("-", 1)[0]
        if entry.name.startswith(prefix) and pid.isdigit() and not _alive(int(pid)):
            if entry.is_dir() and not entry.is_symlink():
                shutil.rmtree(entry, ignore_errors=True)
            else:
                with suppress(FileNotFoundError):
                    entry.unlink()


@contextmanager
def sigterm_deferred() -> Iterator[None]:
    """SIGTERM waits until the block is done: creating and removing temporary files is never cut in
    half, which would leave a file that no `finally` still knows of. A signal that came meanwhile is
    delivered when the block ends."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


@contextmanager
def temporary_folder(prefix: str) -> Iterator[Path]:
    """A temporary folder (in the system's temporary directory) that is removed whole, even when
    SIGTERM comes while it is being made or removed."""
    with sigterm_deferred():
        folder = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield folder
    finally:
        with sigterm_deferred():
            shutil.rmtree(folder, ignore_errors=True)


def make_folder(folder: Path) -> None:
    missing = [parent for parent in (folder, *folder.parents) if not parent.exists()]
    folder.mkdir(parents=True, exist_ok=True)
    for created in missing:
        os.chmod(created, FOLDER_MODE)


def temporary_prefix(output: Path) -> str:
    return f".{output.name}."


@contextmanager
def atomic_output(output: Path) -> Iterator[Path]:
    """A temporary path to write `output` to; renamed over it (mode 0644) if the block succeeds,
    removed with its SQLite journal if it fails. A folder it creates is world-readable too (0755),
    whatever the umask: a 0700 dist/ would hide the 0644 files in it."""
    make_folder(output.parent)
    prefix = temporary_prefix(output)
    remove_stale(output.parent, prefix)
    temporary = output.parent / f"{prefix}{os.getpid()}-{os.urandom(4).hex()}.tmp"
    try:
        yield temporary
        os.chmod(temporary, FILE_MODE)
        os.replace(temporary, output)
    finally:
        with sigterm_deferred():
            for leftover in (temporary, temporary.with_name(temporary.name + "-journal")):
                with suppress(FileNotFoundError):
                    leftover.unlink()


def write_atomically(output: Path, data: bytes | str) -> Path:
    """Write a whole file at once: readers see the old file or the new one, never half of one."""
    with atomic_output(output) as temporary:
        if isinstance(data, str):
            temporary.write_text(data, encoding="utf-8")
        else:
            temporary.write_bytes(data)
    return output


def replace_folder_atomically(folder: Path, files: dict[str, str]) -> Path:
    """Replace `folder` with one holding exactly `files` (name → text): they are written in a
    temporary sibling folder, which then takes the old one's place. Between the two renames the
    folder is briefly absent, never half-written; a failure leaves the old folder as it was."""
    make_folder(folder.parent)
    prefix = temporary_prefix(folder)
    remove_stale(folder.parent, prefix)
    fresh = folder.parent / f"{prefix}{os.getpid()}-{os.urandom(4).hex()}.tmp"
    stale = fresh.with_name(fresh.name + ".old")
    try:
        fresh.mkdir(mode=0o755)
        for name, text in files.items():
            (fresh / name).write_text(text, encoding="utf-8")
            os.chmod(fresh / name, FILE_MODE)
        with sigterm_deferred():
            if folder.exists():
                os.replace(folder, stale)
            os.replace(fresh, folder)
    finally:
        with sigterm_deferred():
            for leftover in (fresh, stale):
                if leftover.exists():
                    shutil.rmtree(leftover, ignore_errors=True)
    return folder
