"""Serve the built database with Datasette, with settings safe for a public deployment.

    python -m scripts.publishing.serve [--port 8001] [--host 127.0.0.1]

The database is opened immutable (read-only, no write endpoint); free SQL stays allowed because
users ask for it, bounded by a time limit and a row limit."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

from scripts.atomic import write_atomically
from scripts.cli import run
from scripts.package.read import DataPackage
from scripts.publishing.build import DEFAULT_OUTPUT
from scripts.publishing.metadata import datasette_metadata

PLUGINS_DIR = Path(__file__).parent / "plugins"
TEMPLATES_DIR = Path(__file__).parent / "templates" / "site"
SETTINGS = {
    "sql_time_limit_ms": 1500,
    "max_returned_rows": 1000,
    "allow_download": True,
    "default_page_size": 50,
    "facet_time_limit_ms": 400,
    "suggest_facets": False,  # suggestions run a query per column on every page; facets are configured
}


def write_metadata(descriptor: Path, output: Path) -> Path:
    metadata = json.dumps(datasette_metadata(DataPackage(descriptor)), indent=2, ensure_ascii=False)
    return write_atomically(output, metadata)


def write_inspect_file(database: Path) -> Path:
    """Row counts of the immutable database, computed once instead of on every page."""
    output = database.with_suffix(".inspect.json")
    executable = Path(sys.executable).with_name("datasette")
    subprocess.run([str(executable), "inspect", str(database), "--inspect-file", str(output)], check=True)
    return output


def datasette_command(database: Path, metadata: Path, host: str, port: int) -> list[str]:
    command = ["datasette", "serve", "--immutable", str(database), "--metadata", str(metadata)]
    command += ["--plugins-dir", str(PLUGINS_DIR), "--template-dir", str(TEMPLATES_DIR)]
    inspect_file = database.with_suffix(".inspect.json")
    if inspect_file.is_file():
        command += ["--inspect-file", str(inspect_file)]
    return [*command, "--host", host, "--port", str(port), *setting_options()]


def setting_options() -> list[str]:
    """SETTINGS as `datasette serve` options (JSON booleans: `true`, not `True`)."""
    options = []
    for name, value in SETTINGS.items():
        options += ["--setting", name, json.dumps(value) if isinstance(value, bool) else str(value)]
    return options


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="serve", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datapackage", default="datapackage.json", type=Path)
    parser.add_argument("--database", default=DEFAULT_OUTPUT, type=Path)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", default=8001, type=int)
    args = parser.parse_args(argv)
    metadata = write_metadata(args.datapackage, args.database.with_name("metadata.json"))
    write_inspect_file(args.database)
    command = datasette_command(args.database, metadata, args.host, args.port)
    executable = Path(sys.executable).with_name("datasette")
    os.execv(executable, [str(executable), *command[1:]])
    return 1  # unreachable: execv replaces this process


if __name__ == "__main__":
    sys.exit(run(main))
