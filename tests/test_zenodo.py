"""The DOI path (scripts/releases/zenodo.py) against a fake Zenodo on 127.0.0.1, never the network:
the built archive and .zenodo.json are deposited, the DOI printed; without a token nothing happens
and it says why; a previous version's DOI makes the deposit a new version of its record."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from scripts.cli import run
from scripts.package.citing import Release, find, older_than, read_releases
from scripts.releases import registry, zenodo
from tests.conftest import ROOT

TOKEN = "test-token-never-printed"


class FakeZenodo(ThreadingHTTPServer):
    """Zenodo's deposit API as far as the deposit uses it, recording every request."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), Handler)
        self.api = f"http://127.0.0.1:{self.server_address[1]}/api"
        self.requests: list[tuple[str, str, bytes, str]] = []  # method, path, body, Authorization
        self.refuse_metadata = False
        self.bucket_host = ""  # another host for the bucket link: a link that leaves the API
        self.next_id = 100


class Handler(BaseHTTPRequestHandler):
    server: FakeZenodo

    def log_message(self, *args: Any) -> None:  # quiet
        pass

    def answer(self, status: int, document: dict[str, Any] | None = None) -> None:
        body = json.dumps(document).encode() if document is not None else b""
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def draft(self, number: int) -> dict[str, Any]:
        api = self.server.api
        bucket = f"{self.server.bucket_host or api}/files/bucket-{number}"
        return {"id": number, "links": {"bucket": bucket, "html": f"{api}/records/{number}"}, "files": []}

    def handle_any(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        self.server.requests.append((self.command, self.path, body, self.headers.get("Authorization", "")))
        if self.headers.get("Authorization") != f"Bearer {TOKEN}":
            return self.answer(401, {"status": 401, "message": "The server could not verify that you are authorized"})
        parts, api = self.path.split("/"), self.server.api
        if (self.command, self.path) == ("POST", "/api/deposit/depositions"):
            self.server.next_id += 1
            return self.answer(201, self.draft(self.server.next_id))
        if self.command == "POST" and self.path.endswith("/actions/newversion"):
            self.server.next_id += 1
            return self.answer(201, {"links": {"latest_draft": f"{api}/deposit/depositions/{self.server.next_id}"}})
        if self.command == "GET" and parts[:4] == ["", "api", "deposit", "depositions"]:
            return self.answer(200, {**self.draft(int(parts[4])), "files": [{"id": "inherited-file"}]})
        if self.command == "DELETE" and "/files/" in self.path:
            return self.answer(204)
        if self.command == "PUT" and self.path.startswith("/api/files/"):
            return self.answer(201, {"key": parts[-1]})
        if self.command == "PUT" and parts[:4] == ["", "api", "deposit", "depositions"]:
            if self.server.refuse_metadata:
                errors = [{"field": "metadata.creators", "messages": ["Missing data for required field."]}]
                return self.answer(400, {"status": 400, "message": "Validation error.", "errors": errors})
            return self.answer(200, self.draft(int(parts[4])))
        if self.command == "POST" and self.path.endswith("/actions/publish"):
            return self.answer(202, {**self.draft(int(parts[4])), "doi": f"10.5281/zenodo.{parts[4]}"})
        return self.answer(404, {"status": 404, "message": "not found"})

    do_GET = do_POST = do_PUT = do_DELETE = handle_any


@pytest.fixture
def fake_zenodo() -> Iterator[FakeZenodo]:
    server = FakeZenodo()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


def project(root: Path) -> Path:
    """What the deposit reads of the project: its Zenodo metadata and its releases."""
    root.mkdir()
    for name in (".zenodo.json", "releases.json"):
        shutil.copy2(ROOT / name, root / name)
    return root


def project_with_archive(tmp_path: Path) -> tuple[Path, Path]:
    """The project, its current version recorded in releases.json, and that archive built in dist/."""
    root = project(tmp_path / "project")
    version = json.loads((root / ".zenodo.json").read_text(encoding="utf-8"))["version"]
    releases = read_releases(root)
    recorded = find(releases, version)
    if recorded is None:  # a version being prepared: recorded here as `make release` would
        recorded = Release(version, "2000-01-01", "0" * 40, f"nk-russia-claims-{version}.zip", "0" * 64)
        registry.write_releases(root, [*releases, recorded])
    archive = tmp_path / "dist" / recorded.archive
    archive.parent.mkdir()
    archive.write_bytes(b"PK\x05\x06" + bytes(18) + b"the built archive's bytes")
    return root, archive


def deposit(
    root: Path, archive: Path, environment: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    argv = [str(archive), "--metadata", str(root / ".zenodo.json"), "--root", str(root)]
    code = run(lambda args: zenodo.main(args, environment), argv)
    out, err = capsys.readouterr()
    return code, out, err


def test_without_a_token_nothing_is_deposited_and_it_says_why(
    tmp_path: Path, fake_zenodo: FakeZenodo, capsys: pytest.CaptureFixture[str]
) -> None:
    root, archive = project_with_archive(tmp_path)
    code, out, err = deposit(root, archive, {"NK_ZENODO_API": fake_zenodo.api}, capsys)
    assert (code, out) == (0, "")
    assert "Zenodo deposit skipped: no ZENODO_TOKEN is configured" in err
    assert fake_zenodo.requests == []


def test_the_built_archive_is_deposited_with_zenodo_json_and_its_doi_printed(
    tmp_path: Path, fake_zenodo: FakeZenodo, capsys: pytest.CaptureFixture[str]
) -> None:
    root, archive = project_with_archive(tmp_path)
    code, out, err = deposit(root, archive, {"NK_ZENODO_API": fake_zenodo.api, "ZENODO_TOKEN": TOKEN}, capsys)
    assert code == 0, err
    made = fake_zenodo.next_id
    assert out == f"DOI: https://doi.org/10.5281/zenodo.{made}\n" and "a new record" in err
    assert [(method, path) for method, path, _, _ in fake_zenodo.requests] == [
        ("POST", "/api/deposit/depositions"),
        ("PUT", f"/api/files/bucket-{made}/{archive.name}"),
        ("PUT", f"/api/deposit/depositions/{made}"),
        ("POST", f"/api/deposit/depositions/{made}/actions/publish"),
    ]
    bodies = [body for _, _, body, _ in fake_zenodo.requests]
    assert bodies[1] == archive.read_bytes()
    assert json.loads(bodies[2]) == {"metadata": json.loads((root / ".zenodo.json").read_text(encoding="utf-8"))}
    assert {auth for *_, auth in fake_zenodo.requests} == {f"Bearer {TOKEN}"}
    assert TOKEN not in out + err


def test_a_previous_versions_zenodo_doi_makes_the_deposit_a_new_version_of_its_record(
    tmp_path: Path, fake_zenodo: FakeZenodo, capsys: pytest.CaptureFixture[str]
) -> None:
    root, archive = project_with_archive(tmp_path)
    version = json.loads((root / ".zenodo.json").read_text(encoding="utf-8"))["version"]
    releases = read_releases(root)
    before = older_than(releases, version)
    assert before is not None, "no release before the current one"
    registry.write_releases(root, [replace(r, doi="10.5281/zenodo.4242") if r == before else r for r in releases])
    environment = {"NK_ZENODO_API": fake_zenodo.api, "ZENODO_TOKEN": TOKEN}
    code, out, err = deposit(root, archive.parent, environment, capsys)  # the folder: the recorded archive in it
    assert code == 0, err
    made = fake_zenodo.next_id
    assert fake_zenodo.requests[3][2] == archive.read_bytes()
    assert out == f"DOI: https://doi.org/10.5281/zenodo.{made}\n" and "a new version of record 4242" in err
    assert [(method, path) for method, path, _, _ in fake_zenodo.requests] == [
        ("POST", "/api/deposit/depositions/4242/actions/newversion"),
        ("GET", f"/api/deposit/depositions/{made}"),
        ("DELETE", f"/api/deposit/depositions/{made}/files/inherited-file"),  # the old version's archive
        ("PUT", f"/api/files/bucket-{made}/{archive.name}"),
        ("PUT", f"/api/deposit/depositions/{made}"),
        ("POST", f"/api/deposit/depositions/{made}/actions/publish"),
    ]


def test_a_refused_deposit_names_zenodos_reasons_and_fails(
    tmp_path: Path, fake_zenodo: FakeZenodo, capsys: pytest.CaptureFixture[str]
) -> None:
    root, archive = project_with_archive(tmp_path)
    fake_zenodo.refuse_metadata = True
    code, out, err = deposit(root, archive, {"NK_ZENODO_API": fake_zenodo.api, "ZENODO_TOKEN": TOKEN}, capsys)
    assert (code, out) == (1, "")
    assert "answered 400: Validation error.; metadata.creators: Missing data for required field." in err
    assert not any(path.endswith("/actions/publish") for _, path, _, _ in fake_zenodo.requests)


def test_a_link_that_leaves_the_api_host_is_not_sent_the_token(
    tmp_path: Path, fake_zenodo: FakeZenodo, capsys: pytest.CaptureFixture[str]
) -> None:
    root, archive = project_with_archive(tmp_path)
    fake_zenodo.bucket_host = "http://127.0.0.2:9"
    code, out, err = deposit(root, archive, {"NK_ZENODO_API": fake_zenodo.api, "ZENODO_TOKEN": TOKEN}, capsys)
    assert (code, out) == (1, "") and "leaves" in err and "the token is not sent there" in err
    assert len(fake_zenodo.requests) == 1  # the deposition made; nothing uploaded anywhere


def test_zenodo_sandbox_is_chosen_by_its_variable_and_its_dois_are_no_production_record(tmp_path: Path) -> None:
    assert zenodo.api_of({"ZENODO_SANDBOX": "true"}) == zenodo.SANDBOX == "https://sandbox.zenodo.org/api"
    assert zenodo.api_of({}) == zenodo.api_of({"ZENODO_SANDBOX": ""}) == zenodo.PRODUCTION
    root = project(tmp_path / "project")
    releases = read_releases(root)
    current = releases[-1]
    before = older_than(releases, current.version)
    assert before is not None
    registry.write_releases(root, [replace(r, doi="10.5072/zenodo.77") if r == before else r for r in releases])
    assert zenodo.previous_record(root, current.version, zenodo.PRODUCTION) is None
    assert zenodo.previous_record(root, current.version, zenodo.SANDBOX) == "77"


def test_a_sandbox_deposit_says_in_the_notes_that_its_doi_is_a_test() -> None:
    assert zenodo.notes_line("10.5072/zenodo.5", zenodo.SANDBOX).startswith("Sandbox DOI (a test")
    assert zenodo.notes_line("10.5281/zenodo.5", zenodo.PRODUCTION) == "DOI: https://doi.org/10.5281/zenodo.5"
