"""Shared helpers: the real package, read-only, and copies of it to break."""

from __future__ import annotations

import csv
import os
import shutil
import socket
import subprocess
import tempfile
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from datasette.app import Datasette

from scripts.package.read import DataPackage
from scripts.package.site import DATABASE
from scripts.publishing.build import build
from scripts.publishing.metadata import datasette_metadata
from scripts.publishing.serve import (
    PLUGINS_DIR,
    SETTINGS,
    TEMPLATES_DIR,
    server_command,
    write_inspect_file,
    write_metadata,
)

ROOT = Path(__file__).resolve().parent.parent
# The package the data, build, site and release tests (marker `package`) read: this repository's, or
# the copy NK_PACKAGE_ROOT names (tests/test_articles.py runs them on a copy with one more article).
PACKAGE = Path(os.environ.get("NK_PACKAGE_ROOT") or ROOT).resolve()
PACKAGE_FILES = ("datapackage.json", "data", "schemas")
# The files around the package that releases read: a copy of the project for the release tests.
PROJECT_FILES = (
    *(*PACKAGE_FILES, "README.md", "CHANGELOG.md", "CITATION.cff", "LICENSE"),
    *("releases.json", ".zenodo.json"),
    *("CONTRIBUTING.md", "docs"),  # what the README links to, which a release holds
)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "package: a data, build, site or release test of the package at PACKAGE")


@pytest.fixture(autouse=True)
def not_in_a_github_step(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run the validator as a user does; under GitHub Actions its annotations and step summary
    would otherwise land on the CI run itself. Tests of those set the variables themselves."""
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    monkeypatch.delenv("GITHUB_STEP_SUMMARY", raising=False)


@pytest.fixture(autouse=True)
def own_temporary_folder(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's temporary files (this process's tempfile, and TMPDIR for the processes it starts)
    go to a folder of its own: the machine's is shared with every other process, and a test that
    looks at it would see theirs."""
    folder = tmp_path_factory.mktemp("tmp")
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    monkeypatch.setenv("TMPDIR", str(folder))
    return folder


@pytest.fixture(scope="session")
def released(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The current release, built once and unzipped into an empty folder: the folder it unpacks into."""
    from scripts.releases.release import release

    folder = tmp_path_factory.mktemp("release")
    archive = release(PACKAGE / "datapackage.json", folder / "dist")
    with zipfile.ZipFile(archive) as opened:
        opened.extractall(folder / "unzipped")
    return folder / "unzipped" / archive.name.removesuffix(".zip")


def read_table(name: str, root: Path = PACKAGE) -> list[dict[str, str]]:
    with (root / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def country_names(root: Path = PACKAGE) -> dict[str, str]:
    """The name vocabulary.csv gives each ISO code of entities.country (the site shows the name)."""
    rows = read_table("vocabulary", root)
    return {v["value"]: v["definition"] for v in rows if (v["table"], v["column"]) == ("entities", "country")}


def archived_text(source_id: str, root: Path = PACKAGE) -> str:
    return (root / "data" / "texts" / f"{source_id}.txt").read_bytes().decode("utf-8")


def copy_package(destination: Path) -> Path:
    """A copy of the package's files (descriptor, data, schemas) in `destination`."""
    for name in PACKAGE_FILES:
        source = PACKAGE / name
        if source.is_dir():
            shutil.copytree(source, destination / name)
        else:
            shutil.copy2(source, destination / name)
    return destination / "datapackage.json"


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """A test that must not reach the network: any connection or name look-up fails it."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError(f"network access attempted: {args[:2]}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    yield


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real package built and served as `make serve` serves it, once per test module (the browser tests)."""
    database = tmp_path_factory.mktemp("serve") / f"{DATABASE}.db"
    build(PACKAGE / "datapackage.json", database)
    with served(database) as url:
        yield url


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    return copy_package(tmp_path)


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The real package, built as `make build` builds it."""
    path = tmp_path_factory.mktemp("site") / f"{DATABASE}.db"
    build(PACKAGE / "datapackage.json", path)
    return path


def site_of(database: Path) -> Datasette:
    """The site as `make serve` runs it on `database`, in this process (Datasette's test client)."""
    metadata = datasette_metadata(DataPackage(PACKAGE / "datapackage.json"))
    return Datasette(
        immutables=[str(database)], metadata=metadata, settings=SETTINGS, plugins_dir=str(PLUGINS_DIR),
        template_dir=str(TEMPLATES_DIR),
    )  # fmt: skip


@pytest.fixture
def site(database: Path) -> Datasette:
    """The site as `make serve` runs it, through Datasette's own test client."""
    return site_of(database)


def free_port() -> int:
    """A port of 127.0.0.1 that the kernel has just handed out and taken back: free now, though another
    process (a parallel test worker) may take it before a server binds it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def answers(url: str, process: subprocess.Popen) -> bool:
    """Whether the server at `url` answers while `process` runs; False once it has exited (its port was
    taken) or after a bounded wait (each worker starts its own Datasette)."""
    for _ in range(600):
        if process.poll() is not None:
            return False
        try:
            urllib.request.urlopen(f"{url}/-/versions.json", timeout=1).close()
            return process.poll() is None  # our server answered, not another one on a port it took first
        except OSError:
            time.sleep(0.1)
    return False


@contextmanager
def served(database: Path, workers: int = 2, tries: int = 3) -> Iterator[str]:
    """The site as `make serve` runs it (uvicorn, `workers` processes) on a free port of
    127.0.0.1: its base URL while it runs. A port that another process took first is given up for
    another one."""
    metadata = write_metadata(PACKAGE / "datapackage.json", database.with_name("metadata.json"))
    write_inspect_file(database)
    for _ in range(tries):
        port = free_port()
        command, environment = server_command(database, metadata, "127.0.0.1", port, workers=workers)
        process = subprocess.Popen(command, env=environment, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            if answers(f"http://127.0.0.1:{port}", process):
                yield f"http://127.0.0.1:{port}"
                return
        finally:
            process.terminate()
            process.wait(timeout=10)
    pytest.fail(f"datasette did not start on a free port of 127.0.0.1 ({tries} tries)")
