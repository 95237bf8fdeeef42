"""The layers of scripts/ hold (core, package, validation, publishing, releases, then curation and
the benchmark), imports inside functions included, and the site's shape has one home
(scripts/package/site.py). `make lint` runs the same contracts (pyproject.toml)."""

from __future__ import annotations

import ast
import re
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from scripts.package.read import DataPackage
from scripts.package.site import DATABASE, FTS_COLUMNS, SEARCH_RESULTS, SPAN_OWNERS, VIEWS, fts_table, reserved_names
from scripts.publishing.metadata import datasette_metadata
from tests.conftest import ROOT
from tests.makefile import StandIn
from tests.source_code import string_constants

LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(LINT_IMPORTS), "--no-cache"], cwd=root, capture_output=True, text=True, timeout=120)


def tree_copy(destination: Path) -> Path:
    """scripts/ and pyproject.toml (the contracts), where a test may add an import."""
    shutil.copytree(ROOT / "scripts", destination / "scripts", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy2(ROOT / "pyproject.toml", destination / "pyproject.toml")
    return destination


def add_function_import(file: Path, module: str) -> None:
    """An import inside a function, as the back-edges that hid the old cycles were written."""
    with file.open("a", encoding="utf-8") as handle:
        handle.write(f"\n\ndef _back_edge() -> None:\n    import {module}  # noqa\n")


def test_the_layers_and_folders_keep_their_contracts() -> None:
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout[-3000:]
    assert "2 kept, 0 broken" in result.stdout


def test_make_lint_runs_the_import_contracts(tmp_path: Path) -> None:
    project = StandIn(tmp_path / "project")
    assert project.make("lint", *project.defaults()).returncode == 0
    assert [c.arguments for c in project.calls() if c.program == "lint-imports"] == [["--no-cache"]]


BACK_EDGES = {
    # importer (a file of scripts/), imported module, what lint-imports names
    "validation_reads_the_build": (
        "validation/checks.py",
        "scripts.publishing.build",
        "scripts.validation is not allowed to import scripts.publishing",
    ),
    "core_reads_the_package": (
        "cli.py",
        "scripts.package.read",
        "scripts.cli is not allowed to import scripts.package",
    ),
    "publishing_reads_a_release": (
        "publishing/metadata.py",
        "scripts.releases.citation",
        "scripts.publishing is not allowed to import scripts.releases",
    ),
    "curation_reads_the_benchmark": (
        "curation/todo.py",
        "scripts.benchmark.synth",
        "scripts.curation is not allowed to import scripts.benchmark",
    ),
    "a_cycle_in_one_folder": ("publishing/summaries.py", "scripts.publishing.build", "No cycles are allowed"),
}


@pytest.mark.parametrize("case", BACK_EDGES)
def test_an_import_inside_a_function_that_breaks_a_layer_fails_lint(tmp_path: Path, case: str) -> None:
    importer, imported, named = BACK_EDGES[case]
    root = tree_copy(tmp_path)
    add_function_import(root / "scripts" / importer, imported)
    result = lint_imports(root)
    assert result.returncode != 0, result.stdout[-3000:]
    assert named in result.stdout


def test_a_new_folder_of_scripts_needs_its_place_in_the_layers(tmp_path: Path) -> None:
    root = tree_copy(tmp_path)
    (root / "scripts" / "newstage").mkdir()
    (root / "scripts" / "newstage" / "__init__.py").write_text('"""A stage no contract names."""\n')
    result = lint_imports(root)
    assert result.returncode != 0 and "newstage" in result.stdout


def test_the_database_name_is_written_only_in_the_site_registry() -> None:
    # The deployed plugins stand alone: they get the name from the metadata ("nk-site"), and are
    # held to it by their own tests.
    registry, plugins = ROOT / "scripts/package/site.py", ROOT / "scripts/publishing/plugins"
    writers = []
    for file in sorted((ROOT / "scripts").rglob("*.py")):
        if file == registry or plugins in file.parents:
            continue
        for node in string_constants(ast.parse(file.read_text(encoding="utf-8"))):
            if DATABASE in node.value:
                writers.append(f"{file.relative_to(ROOT)}:{node.lineno}")
    assert writers == []


def test_the_plugins_get_the_site_shape_from_the_metadata() -> None:
    site = datasette_metadata(DataPackage(ROOT / "datapackage.json"))["plugins"]["nk-site"]
    assert site["database"] == DATABASE
    assert {table: searched["index"] for table, searched in site["search"].items()} == {
        table: fts_table(table) for table in SEARCH_RESULTS
    }
    indexes = [through[1] for searched in site["search"].values() for through in searched["through"]]
    assert set(indexes) <= {fts_table(table) for table in FTS_COLUMNS}  # every index searched is built
    assert site["spans"] == SPAN_OWNERS and set(site["reader_spans"]) <= set(SPAN_OWNERS)
    assert {site["texts"], site["facet_counts"], site["timeline_summary"], site["troop_estimates"]} <= reserved_names()


def test_every_table_the_build_adds_is_reserved(database: Path) -> None:
    resources = set(DataPackage(ROOT / "datapackage.json").tables)
    with sqlite3.connect(database) as db:
        tables = {name for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    fts_shadows = {t for t in tables for fts in map(fts_table, FTS_COLUMNS) if t.startswith(f"{fts}_")}
    assert tables - resources - fts_shadows == reserved_names()
    assert set(VIEWS) <= tables  # the real package has every column the views read


ARTICLE_COUNT = re.compile(r"\b(?:two|three|four|five|both|neither)\s+(?:(?:archived|news|seed)\s+)*articles?\b", re.I)
PROSE = ("README.md", "CONTRIBUTING.md", "docs/codebook.md", "datapackage.json", "schemas", "scripts")


def prose_that_counts_articles(root: Path) -> list[str]:
    """Places where the project's prose (docs, descriptor, schemas, templates, code strings) counts
    the articles: the package grows, so such words go stale with the next article."""
    found = []
    for name in PROSE:
        paths = [root / name] if (root / name).is_file() else sorted((root / name).rglob("*"))
        for path in paths:
            if path.is_file() and path.suffix in (".md", ".json", ".py", ".j2", ".html"):
                for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
                    if ARTICLE_COUNT.search(line):
                        found.append(f"{path.relative_to(root)}:{number}")
    return found


def test_no_prose_counts_the_articles() -> None:
    assert prose_that_counts_articles(ROOT) == []


def test_the_article_count_search_finds_a_count_in_any_prose_file(tmp_path: Path) -> None:
    (tmp_path / "schemas").mkdir()
    (tmp_path / "schemas/x.schema.json").write_text('{"description": "in both articles"}\n', encoding="utf-8")
    (tmp_path / "README.md").write_text("The package covers two news articles.\n", encoding="utf-8")
    assert prose_that_counts_articles(tmp_path) == ["README.md:1", "schemas/x.schema.json:1"]
