"""Deposit the built release archive on Zenodo, and print the DOI it gets.

    python -m scripts.releases.zenodo dist [--metadata .zenodo.json] [--root .]   # the archive releases.json records
    python -m scripts.releases.zenodo dist/nk-russia-claims-X.Y.Z.zip                # or this archive

The release workflow runs it after attaching the archive to the GitHub release. Zenodo's GitHub
integration would deposit GitHub's zip of the tag's source instead, which lacks the built Parquet,
database and annotations: the DOI must point at the archive users are told to use, so this
deposits that file, with .zenodo.json's metadata, through Zenodo's REST API (urllib, no client).

- ZENODO_TOKEN: a Zenodo personal access token (scopes deposit:write and deposit:actions). Without
  one nothing is deposited: the command says so and why, and succeeds.
- ZENODO_SANDBOX=true: deposit on sandbox.zenodo.org (a sandbox token; its DOIs, 10.5072/…, are
  tests that resolve nowhere): try the path there first.
- NK_ZENODO_API: another API address (the tests' local server); the token goes to no other host.

When releases.json records a DOI of this Zenodo for the version before, the deposit is a new version
of that record (Zenodo then groups every version under one concept DOI); otherwise a new record.
The line that the release notes get (`DOI: https://doi.org/…`, or `Sandbox DOI …`) is printed alone
on stdout; what happens, on stderr. Nothing is written to the project: the
maintainer records the DOI in releases.json (`"doi"`), and `make citation` carries it from there."""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

from scripts.cli import run
from scripts.package.citing import find, older_than, read_releases
from scripts.package.read import PackageError, clip, read_json

PRODUCTION, SANDBOX = "https://zenodo.org/api", "https://sandbox.zenodo.org/api"
DOI_PREFIX = {PRODUCTION: "10.5281/zenodo.", SANDBOX: "10.5072/zenodo."}  # a record's DOI: prefix + record id
TIMEOUT = 300  # seconds for one request: the archive's upload is the longest
TRUE = {"1", "true", "yes", "on"}


class Zenodo:
    """Zenodo's deposit API at `api`, with `token`; every link it hands back must stay on its host."""

    def __init__(self, api: str, token: str) -> None:
        self.api, self.token = api.rstrip("/"), token
        self.origin = urlsplit(self.api)[:2]

    def call(self, method: str, url: str, body: bytes | None = None, kind: str = "application/json") -> dict[str, Any]:
        if urlsplit(url)[:2] != self.origin:
            raise PackageError(f"Zenodo: a link to {clip(url, 80)} leaves {self.api}; the token is not sent there")
        headers = {"Authorization": f"Bearer {self.token}", "Accept": "application/json"}
        if body is not None:
            headers["Content-Type"] = kind
        request = urllib.request.Request(url, data=body, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
                answer = response.read()
        except urllib.error.HTTPError as error:
            raise PackageError(
                f"Zenodo: {method} {urlsplit(url).path} answered {error.code}: {refusal(error)}"
            ) from None
        except (urllib.error.URLError, TimeoutError) as error:
            raise PackageError(f"Zenodo: {self.api} cannot be reached ({clip(str(error), 120)})") from None
        try:
            return json.loads(answer) if answer.strip() else {}
        except json.JSONDecodeError:
            raise PackageError(f"Zenodo: {method} {urlsplit(url).path} answered something other than JSON") from None

    def deposition(self, previous_record: str | None) -> dict[str, Any]:
        """A new draft: a new version of `previous_record` (its files removed), or a new record."""
        if previous_record is None:
            return self.call("POST", f"{self.api}/deposit/depositions", b"{}")
        made = self.call("POST", f"{self.api}/deposit/depositions/{quote(previous_record)}/actions/newversion")
        draft = self.call("GET", link(made, "latest_draft"))
        for file in draft.get("files") or []:
            self.call("DELETE", f"{self.api}/deposit/depositions/{draft['id']}/files/{quote(str(file['id']))}")
        return draft

    def deposit(self, archive: Path, metadata: dict[str, Any], previous_record: str | None) -> dict[str, Any]:
        """The published record of `archive` with `metadata`: its JSON, with its `doi`."""
        draft = self.deposition(previous_record)
        self.call(
            "PUT", f"{link(draft, 'bucket')}/{quote(archive.name)}", archive.read_bytes(), "application/octet-stream"
        )
        self.call("PUT", f"{self.api}/deposit/depositions/{draft['id']}", json.dumps({"metadata": metadata}).encode())
        return self.call("POST", f"{self.api}/deposit/depositions/{draft['id']}/actions/publish")


def link(answer: dict[str, Any], name: str) -> str:
    found = (answer.get("links") or {}).get(name)
    if not isinstance(found, str):
        raise PackageError(f"Zenodo: the answer has no {name} link")
    return found


def refusal(error: urllib.error.HTTPError) -> str:
    """What Zenodo says is wrong: its message and each field's errors, clipped."""
    try:
        said = json.loads(error.read() or b"{}")
    except (json.JSONDecodeError, OSError):
        return clip(str(error.reason), 200)
    if not isinstance(said, dict):
        return clip(str(error.reason), 200)
    fields = [f"{e.get('field', '')}: {' '.join(map(str, e.get('messages', [])))}" for e in said.get("errors") or []
              if isinstance(e, dict)]  # fmt: skip
    return clip("; ".join([str(said.get("message", error.reason)), *fields]), 300)


def api_of(environment: dict[str, str]) -> str:
    if environment.get("NK_ZENODO_API"):
        return environment["NK_ZENODO_API"]
    return SANDBOX if environment.get("ZENODO_SANDBOX", "").strip().lower() in TRUE else PRODUCTION


def previous_record(root: Path, version: str, api: str) -> str | None:
    """The Zenodo record of the newest release before `version`, where releases.json records its DOI
    on this Zenodo (a sandbox DOI is no production record, nor the other way round)."""
    before = older_than(read_releases(root), version)
    prefix = DOI_PREFIX.get(api, DOI_PREFIX[PRODUCTION])
    if before is None or not before.doi.startswith(prefix):
        return None
    record = before.doi.removeprefix(prefix)
    return record if re.fullmatch(r"[0-9]+", record) else None


def archive_in(path: Path, root: Path, version: str) -> Path:
    """The archive to deposit: `path` itself, or in the folder `path` the archive that releases.json
    records for `version` (the release workflow's dist/, whatever the archive is named)."""
    if path.is_dir():
        recorded = find(read_releases(root), version)
        if recorded is None:
            raise PackageError(
                f"releases.json: {clip(version)} is not recorded, so no archive of it is known in {path}"
            )
        path = path / recorded.archive
    if not path.is_file():
        raise PackageError(f"{path}: no such archive: build it first (make release)")
    return path


def notes_line(doi: str, api: str) -> str:
    """The line that the GitHub release notes get: a sandbox DOI says it is a test."""
    if api == SANDBOX:
        return f"Sandbox DOI (a test on sandbox.zenodo.org, resolvable nowhere): {doi}"
    return f"DOI: https://doi.org/{doi}"


def main(argv: list[str] | None = None, environment: dict[str, str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="zenodo", description=__doc__.split("\n\n")[0])
    parser.add_argument("archive", type=Path, help="the built release archive, or the folder (dist) holding it")
    parser.add_argument("--metadata", type=Path, default=Path(".zenodo.json"))
    parser.add_argument("--root", type=Path, default=Path("."), help="the project (its releases.json)")
    args = parser.parse_args(argv)
    environment = dict(os.environ) if environment is None else environment
    token = environment.get("ZENODO_TOKEN", "").strip()
    if not token:
        print("Zenodo deposit skipped: no ZENODO_TOKEN is configured (a repository secret; see the README, "
              "Releases), so the release has no DOI yet", file=sys.stderr)  # fmt: skip
        return 0
    metadata = read_json(args.metadata, str(args.metadata))
    if not isinstance(metadata, dict) or not isinstance(metadata.get("version"), str):
        raise PackageError(f"{args.metadata}: a JSON object with a version is needed (make citation writes it)")
    archive = archive_in(args.archive, args.root, metadata["version"])
    api = api_of(environment)
    record = previous_record(args.root, metadata["version"], api)
    what = f"a new version of record {record}" if record else "a new record"
    print(f"Zenodo: depositing {archive.name} on {api} as {what}", file=sys.stderr)
    published = Zenodo(api, token).deposit(archive, metadata, record)
    doi = published.get("doi")
    if not isinstance(doi, str) or not doi:
        raise PackageError("Zenodo: the record was published without a DOI in the answer; see it on Zenodo")
    print(f"Zenodo: published {(published.get('links') or {}).get('html', '')} with DOI {doi}", file=sys.stderr)
    print(notes_line(doi, api))
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
