"""Deploy the site to Google Cloud Run with `datasette publish`, as `make serve` runs it locally.

    python -m scripts.publishing.publish --service nk-russia-claims [--dry-run]

The same database, metadata, plugins, templates and settings as `make serve` (scripts/publishing/
serve.py), with Datasette and its plugin pinned to the versions of requirements.lock. Needs an
authenticated `gcloud` with a default project (the publish workflow sets them up from its secret);
`--dry-run` prints the command instead of running it."""

from __future__ import annotations

import argparse
import re
import shlex
import subprocess
import sys
from pathlib import Path

from scripts.cli import run
from scripts.package.site import DATABASE
from scripts.publishing.build import DEFAULT_OUTPUT
from scripts.publishing.serve import PLUGINS_DIR, TEMPLATES_DIR, setting_options, write_metadata

LOCK_FILE = Path(__file__).resolve().parents[2] / "requirements.lock"
SITE_PACKAGES = ("datasette", "datasette-vega")  # what the deployed site installs
DEFAULT_SERVICE = DATABASE  # a Cloud Run service name may be the database's


def pinned(packages: tuple[str, ...], lock: Path = LOCK_FILE) -> list[str]:
    """`name==version` of each package, as requirements.lock pins it."""
    text = lock.read_text(encoding="utf-8")
    pins = []
    for name in packages:
        match = re.search(rf"^{re.escape(name)}==([^\s\\]+)", text, re.M)
        if match is None:
            raise SystemExit(f"{lock}: {name} is not pinned")
        pins.append(f"{name}=={match.group(1)}")
    return pins


def serve_options() -> str:
    """The `datasette serve` settings of `make serve`, for the deployed server."""
    return shlex.join(setting_options())


def publish_command(database: Path, metadata: Path, service: str) -> list[str]:
    command = ["datasette", "publish", "cloudrun", str(database), "--service", service]
    command += ["--metadata", str(metadata), "--plugins-dir", str(PLUGINS_DIR), "--template-dir", str(TEMPLATES_DIR)]
    for requirement in pinned(SITE_PACKAGES):
        command += ["--install", requirement]
    command += ["--extra-options", serve_options()]
    return command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="publish", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datapackage", default="datapackage.json", type=Path)
    parser.add_argument("--database", default=DEFAULT_OUTPUT, type=Path)
    parser.add_argument("--service", default=DEFAULT_SERVICE)
    parser.add_argument("--dry-run", action="store_true", help="print the command, run nothing")
    args = parser.parse_args(argv)
    if not re.fullmatch(r"[a-z]([-a-z0-9]{0,61}[a-z0-9])?", args.service):
        raise SystemExit(f"--service: {args.service[:80]!r} is not a Cloud Run service name")
    metadata = write_metadata(args.datapackage, args.database.with_name("metadata.json"))
    command = publish_command(args.database, metadata, args.service)
    if args.dry_run:
        print(shlex.join(command))
        return 0
    executable = Path(sys.executable).with_name("datasette")
    return subprocess.run([str(executable), *command[1:]], check=False).returncode


if __name__ == "__main__":
    sys.exit(run(main))
