"""The plugins reach into Datasette in one module only, which checks Datasette's version at start-up,
and share their facts through a package that loads wherever the plugins folder is deployed."""

from __future__ import annotations

import ast
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from datasette.app import Datasette

from scripts.package.read import DataPackage
from scripts.publishing.metadata import DATABASE, datasette_metadata
from scripts.publishing.plugins.nk_datasette import compat
from scripts.publishing.plugins.nk_datasette.site import database_name
from scripts.publishing.publish import pinned
from scripts.publishing.serve import PLUGINS_DIR, SETTINGS

ROOT = Path(__file__).resolve().parent.parent
COMPAT = PLUGINS_DIR / "nk_datasette" / "compat.py"
PUBLIC_MODULES = {"datasette", "datasette.utils", "datasette.utils.asgi", "datasette.database", "datasette.app"}
SQL_WORDS = ("select ", " from ", " where ", " join ")
DATASETTE = Path(sys.executable).with_name("datasette")


def plugin_files() -> list[Path]:
    return sorted(p for p in PLUGINS_DIR.rglob("*.py") if p != COMPAT and "__pycache__" not in p.parts)


def internals_touched(tree: ast.Module) -> list[str]:
    """Where a module uses Datasette beyond its public API: a private name, a module of Datasette's
    own workings, an attribute set on an object the module did not make (a monkeypatch)."""
    found = []
    made_here = {
        t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets if isinstance(t, ast.Name)
    }
    for node in ast.walk(tree):
        line = getattr(node, "lineno", 0)
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("datasette"):
            if node.module not in PUBLIC_MODULES or any(a.name.startswith("_") for a in node.names):
                found.append(f"{line}: from {node.module} import …")
        elif isinstance(node, ast.Import):
            found += [f"{line}: import {a.name}" for a in node.names if a.name.startswith("datasette.")]
        elif isinstance(node, ast.Attribute) and node.attr.startswith("_") and not node.attr.startswith("__"):
            if isinstance(node.value, ast.Name) and node.value.id == "self":
                continue  # the plugin's own class
            found.append(f"{line}: .{node.attr}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "setattr":
            found.append(f"{line}: setattr")
        elif isinstance(node, ast.Assign | ast.AugAssign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                root = target
                while isinstance(root, ast.Attribute):
                    root = root.value
                if target is not root and isinstance(root, ast.Name) and root.id not in {"self", *made_here}:
                    found.append(f"{line}: sets {root.id}.…")
    return found


def hand_quoted_identifiers(tree: ast.Module) -> list[int]:
    """Lines of SQL f-strings that quote a name by hand ("{name}") instead of through quoted()."""
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.JoinedStr):
            continue
        literal = "".join(p.value for p in node.values if isinstance(p, ast.Constant)).lower()
        if not any(word in literal for word in SQL_WORDS):
            continue
        for before, after in zip(node.values, node.values[1:], strict=False):
            if (
                isinstance(before, ast.Constant)
                and str(before.value).endswith('"')
                and isinstance(after, ast.FormattedValue)
            ):
                lines.append(node.lineno)
    return lines


def test_no_plugin_but_the_compatibility_module_touches_datasette_internals() -> None:
    touched = {}
    for path in plugin_files():
        found = internals_touched(ast.parse(path.read_text(encoding="utf-8")))
        if found:
            touched[str(path.relative_to(PLUGINS_DIR))] = found
    assert touched == {}


def test_no_script_but_the_compatibility_module_imports_datasette_internals() -> None:
    """The scripts around the site (serve.py builds the instance `datasette serve` runs) too."""
    imports = {}
    for path in sorted((ROOT / "scripts").rglob("*.py")):
        if path != COMPAT and "__pycache__" not in path.parts:
            tree = ast.parse(path.read_text(encoding="utf-8"))
            found = [f for f in internals_touched(tree) if "import" in f]
            if found:
                imports[str(path.relative_to(ROOT))] = found
    assert imports == {}


def test_the_internals_check_finds_each_kind_of_patch() -> None:
    patches = (
        "import datasette.handle_exception as h\nh.rich = None\n",
        "from datasette.facets import ColumnFacet\n",
        "from datasette.utils import _private\n",
        "def f(datasette):\n    datasette.refresh_schemas = None\n",
        "def f(db):\n    setattr(db, 'table_names', None)\n",
        "def f(datasette):\n    return datasette._table_permission_allows\n",
    )
    assert all(internals_touched(ast.parse(source)) for source in patches)


def test_no_plugin_quotes_an_sql_identifier_by_hand() -> None:
    found = {p.name: lines for p in plugin_files() if (lines := hand_quoted_identifiers(ast.parse(p.read_text())))}
    assert found == {}
    assert hand_quoted_identifiers(ast.parse("f'SELECT * FROM \"{table}\"'"))


def test_another_datasette_version_is_refused_naming_both_versions() -> None:
    with pytest.raises(compat.DatasetteVersionError) as refused:
        compat.check_version("0.66.0")
    assert f"need Datasette {compat.EXPECTED_VERSION}, found Datasette 0.66.0" in str(refused.value)
    compat.check_version(compat.EXPECTED_VERSION)
    assert pinned(("datasette",)) == [f"datasette=={compat.EXPECTED_VERSION}"]


@pytest.mark.slow
def test_the_site_does_not_start_on_another_datasette_version() -> None:
    script = (
        "import datasette.version\n"
        "datasette.version.__version__ = '0.64.0'\n"
        "from datasette.app import Datasette\n"
        f"Datasette(memory=True, plugins_dir={str(PLUGINS_DIR)!r})\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60)
    assert result.returncode != 0
    assert f"need Datasette {compat.EXPECTED_VERSION}, found Datasette 0.64.0" in " ".join(result.stderr.split())


@pytest.mark.slow
def test_a_page_that_is_not_there_is_a_404_in_a_worker_of_the_served_site() -> None:
    """A uvicorn worker of `make serve` imports scripts.publishing.serve before anything of Datasette's:
    its pages that are not there must still be 404 pages, not 500s (Datasette's exception handler lost)."""
    script = (
        "import asyncio, sys\n"
        "from scripts.publishing.serve import serve_instance\n"
        f"site = serve_instance(['--memory', '--plugins-dir', {str(PLUGINS_DIR)!r}])\n"
        "for path in ('/no-such-database', '/no-such-database.json'):\n"
        "    response = asyncio.run(site.client.get(path))\n"
        "    print(path, response.status_code, response.headers['content-type'])\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert result.returncode == 0, result.stderr[-2000:]
    assert result.stdout.split("\n")[:2] == [
        "/no-such-database 404 text/html; charset=utf-8",
        "/no-such-database.json 404 application/json; charset=utf-8",
    ]


def test_the_plugins_folder_runs_alone_as_the_deployed_image_runs_it(tmp_path: Path) -> None:
    """As in the Cloud Run image: the folder copied as `plugins/`, `datasette serve --plugins-dir
    plugins/` from its parent, where `scripts` cannot be imported."""
    shutil.copytree(PLUGINS_DIR, tmp_path / "plugins", ignore=shutil.ignore_patterns("__pycache__"))
    command = [str(DATASETTE), "serve", "--memory", "--plugins-dir", "plugins/", "--get", "/-/plugins.json"]
    result = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=60, env={"PATH": "/usr/bin"})
    assert result.returncode == 0, result.stderr[-2000:]
    names = {plugin["name"] for plugin in __import__("json").loads(result.stdout)}
    assert {p.name for p in PLUGINS_DIR.glob("*.py") if p.name != "__init__.py"} <= names
    assert not any("nk_datasette" in name for name in names)  # shared code, not a plugin


async def test_a_source_without_a_title_has_one_label_on_every_page(tmp_path: Path) -> None:
    path = tmp_path / "labels.db"
    db = sqlite3.connect(path)
    db.execute("CREATE TABLE sources (source_id TEXT PRIMARY KEY, title TEXT, kind TEXT)")
    db.execute("CREATE TABLE notes (id TEXT PRIMARY KEY, source_id TEXT REFERENCES sources (source_id))")
    db.execute("INSERT INTO sources VALUES ('interview-1', NULL, 'interview')")
    db.execute("INSERT INTO notes VALUES ('n1', 'interview-1')")
    db.commit()
    db.close()
    metadata = {"databases": {"labels": {"tables": {"sources": {"label_column": "title"}}}}}
    site = Datasette(immutables=[str(path)], metadata=metadata, settings=SETTINGS, plugins_dir=str(PLUGINS_DIR))
    page = (await site.client.get("/labels/notes")).text
    assert "Untitled source (interview-1)" in page and "Untitled news article" not in page


def test_the_plugins_serve_the_database_the_metadata_names() -> None:
    metadata = datasette_metadata(DataPackage(ROOT / "datapackage.json"))
    assert database_name(Datasette(memory=True, metadata=metadata)) == DATABASE
    other = {"plugins": {"nk-site": {**metadata["plugins"]["nk-site"], "database": "other"}}}
    assert database_name(Datasette(memory=True, metadata=other)) == "other"


@pytest.mark.parametrize("path", ["/-/timeline", "/-/articles/a", "/-/search?q=x"])
async def test_a_site_whose_metadata_names_no_database_has_no_pages_of_ours(path: str) -> None:
    site = Datasette(memory=True, settings=SETTINGS, plugins_dir=str(PLUGINS_DIR))
    response = await site.client.get(path)
    assert response.status_code == 404 and "serves no database of the package" in response.text
