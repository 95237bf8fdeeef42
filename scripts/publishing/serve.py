"""Serve the built database with Datasette, with settings safe for a public deployment.

    python -m scripts.publishing.serve [--port 8001] [--host 127.0.0.1] [--workers N]

The database is opened immutable (read-only, no write endpoint); free SQL stays allowed because
users ask for it, bounded by a time limit and a row limit. One Datasette process answers one
request at a time in Python, so uvicorn runs one worker per core (by default), each the Datasette
that `datasette serve` would run with the same options (docs/benchmark.md)."""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from scripts.atomic import write_atomically
from scripts.cli import run
from scripts.package.read import DataPackage
from scripts.publishing.build import DEFAULT_OUTPUT
from scripts.publishing.metadata import datasette_metadata
from scripts.publishing.plugins.nk_datasette.compat import serve_instance

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


ARGUMENTS_VARIABLE = "NK_DATASETTE_ARGUMENTS"  # how each uvicorn worker gets the `datasette serve` options
ROOT = Path(__file__).resolve().parents[2]


def default_workers() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def server_command(database: Path, metadata: Path, host: str, port: int, workers: int) -> tuple[list[str], dict]:
    """uvicorn with `workers` processes, each running `app()`, and the environment that tells them
    the options of `datasette_command`."""
    arguments = datasette_command(database, metadata, host, port)[2:]
    command = [str(Path(sys.executable).with_name("uvicorn")), "--factory", "scripts.publishing.serve:app"]
    command += ["--app-dir", str(ROOT), "--host", host, "--port", str(port), "--workers", str(workers)]
    command += ["--lifespan", "on", "--log-level", "info"]  # as `datasette serve`: startup hooks, access log
    return command, {**os.environ, ARGUMENTS_VARIABLE: json.dumps(arguments)}


def app() -> Any:
    """uvicorn's app factory, called in each worker: the Datasette that `datasette serve` runs."""
    return serve_instance(json.loads(os.environ[ARGUMENTS_VARIABLE])).app()


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
    parser.add_argument("--workers", default=default_workers(), type=int, help="processes (default: one per core)")
    args = parser.parse_args(argv)
    metadata = write_metadata(args.datapackage, args.database.with_name("metadata.json"))
    write_inspect_file(args.database)
    command, environment = server_command(args.database, metadata, args.host, args.port, max(args.workers, 1))
    print(f"serving http://{args.host}:{args.port}/ with {args.workers} worker(s)", file=sys.stderr)
    os.execve(command[0], command, environment)
    return 1  # unreachable: execve replaces this process


if __name__ == "__main__":
    sys.exit(run(main))
