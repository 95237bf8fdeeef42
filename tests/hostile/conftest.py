"""Fixtures of the hostile-input suite: a package copy beside a folder of secrets it must never
read, a network that refuses every connection, and a runner that captures a command as CI sees it."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from scripts.cli import run
from tests.conftest import copy_package

SECRET = "SECRET_TOKEN=hunter2"
SECRET_NUMBER = "65534"  # as in /etc/passwd's nobody: a number the coverage check would quote
SECRET_TEXT = f'{SECRET}\nnobody:x:{SECRET_NUMBER}:{SECRET_NUMBER}:"a quotation from outside"\n'
LONGEST_LINE = 1000  # no message line repeats more than this of anything


class NetworkUsed(AssertionError):
    pass


@pytest.fixture(autouse=True)
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Every attempt to reach the network fails the test, even one that the code under test catches
    (nothing that reads a package may fetch anything)."""
    attempts: list[object] = []

    def refuse(*args: object, **kwargs: object) -> None:
        attempts.append(args)
        raise NetworkUsed(f"network used: {args!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield
    assert attempts == [], f"the network was used: {attempts}"


@dataclass
class Site:
    """A package copy in `root`, and beside it `outside`: files no reader may open."""

    root: Path
    outside: Path

    @property
    def descriptor(self) -> Path:
        return self.root / "datapackage.json"

    def files(self) -> dict[str, bytes]:
        """Every file under the package root (links not followed), to prove nothing was written."""
        return {
            str(p.relative_to(self.root)): (p.read_bytes() if not p.is_symlink() else str(p.readlink()).encode())
            for p in sorted(self.root.rglob("*"))
            if p.is_file() or p.is_symlink()
        }


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[Site]:
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text(SECRET_TEXT, encoding="utf-8")
    (outside / "secret.csv").write_text(f"{SECRET}\n{SECRET_NUMBER}\n", encoding="utf-8")
    shutil.copy(Path(__file__).parents[2] / "schemas" / "exclusions.schema.json", outside / "schema.json")
    root = tmp_path / "package"
    root.mkdir()
    copy_package(root)
    yield Site(root, outside)


@dataclass
class Outcome:
    code: int
    out: str
    err: str

    @property
    def text(self) -> str:
        return self.out + self.err


Runner = Callable[[Callable[[list[str] | None], int], list[str]], Outcome]


@pytest.fixture
def command(capsys: pytest.CaptureFixture[str]) -> Runner:
    """Run a command's main() as its `python -m` entry point would, capturing what it prints."""

    def invoke(main: Callable[[list[str] | None], int], argv: list[str]) -> Outcome:
        capsys.readouterr()
        code = run(main, argv)
        captured = capsys.readouterr()
        return Outcome(code, captured.out, captured.err)

    return invoke


def assert_refused_cleanly(outcome: Outcome, expected: str) -> None:
    """Exit 1 with the expected message; no traceback, no secret, no line longer than needed."""
    assert outcome.code == 1, outcome.text[-2000:]
    assert expected in outcome.text, outcome.text[-2000:]
    assert "Traceback" not in outcome.text and "internal error" not in outcome.text, outcome.text[-2000:]
    assert "hunter2" not in outcome.text and SECRET_NUMBER not in outcome.text, outcome.text[-2000:]
    assert all(len(line) <= LONGEST_LINE for line in outcome.text.splitlines()), "a message quotes too much"
