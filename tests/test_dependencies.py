"""Every third-party package the code imports is a direct, pinned dependency in pyproject.toml, at the
version requirements.lock installs; the test-only libraries stay out of the runtime set."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
# Run as a program, not imported: `make serve` starts the virtualenv's uvicorn (scripts/publishing/serve.py).
EXECUTABLES = {"uvicorn"}


def normalized(name: str) -> str:
    """A distribution's name as PEP 503 compares them."""
    return re.sub(r"[-_.]+", "-", name).lower()


def pins(requirements: list[str]) -> dict[str, str]:
    """`name==version` requirements by normalized name (an extra, `name[extra]==version`, pins `name`)."""
    found = {}
    for requirement in requirements:
        name, _, version = requirement.partition("==")
        found[normalized(name.split("[")[0].strip())] = version.split(";")[0].strip()
    return found


def locked() -> dict[str, str]:
    """The versions requirements.lock installs, by normalized name."""
    text = (ROOT / "requirements.lock").read_text(encoding="utf-8")
    return {normalized(name): version for name, version in re.findall(r"^([A-Za-z0-9_.-]+)==(\S+)", text, re.M)}


def imported_modules(folder: Path) -> dict[str, str]:
    """The top-level module of every absolute import in `folder`'s code (imports inside functions
    included), with one file that imports it."""
    modules: dict[str, str] = {}
    for file in sorted(folder.rglob("*.py")):
        for node in ast.walk(ast.parse(file.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                modules.setdefault(name.split(".")[0], str(file.relative_to(ROOT)))
    return modules


def own_top_level_modules(folder: Path) -> set[str]:
    """The project's own importable names: `scripts`, and every package or module of a folder that
    puts itself on sys.path (the site's plugins import their shared `nk_datasette` so)."""
    own = {"scripts"}
    for file in folder.rglob("*.py"):
        if "sys.path" in file.read_text(encoding="utf-8"):
            own |= {p.stem for p in file.parent.iterdir() if p.suffix == ".py" or (p / "__init__.py").is_file()}
    return own


def third_party_imports(folder: Path) -> dict[str, str]:
    """The imported modules that are neither the standard library nor the project's own."""
    own = own_top_level_modules(folder)
    return {
        module: file
        for module, file in imported_modules(folder).items()
        if module not in sys.stdlib_module_names and module not in own
    }


def test_every_third_party_import_of_the_code_is_a_declared_runtime_dependency() -> None:
    declared = set(pins(PYPROJECT["project"]["dependencies"]))
    distributions = packages_distributions()
    undeclared = []
    for module, file in sorted(third_party_imports(ROOT / "scripts").items()):
        names = {normalized(name) for name in distributions.get(module, [module])}
        if not names & declared:
            undeclared.append(f"{module} (imported by {file}; distribution {', '.join(sorted(names))})")
    assert not undeclared, "imported but not in pyproject.toml's dependencies: " + "; ".join(undeclared)


def test_the_programs_the_code_runs_are_declared_runtime_dependencies() -> None:
    declared = set(pins(PYPROJECT["project"]["dependencies"]))
    missing = sorted(EXECUTABLES - declared)
    assert not missing, f"run but not in pyproject.toml's dependencies: {missing}"


def test_every_direct_dependency_is_pinned_at_the_version_the_lock_installs() -> None:
    lock = locked()
    requirements = [*PYPROJECT["project"]["dependencies"], *PYPROJECT["project"]["optional-dependencies"]["dev"]]
    differ = {
        name: (version, lock.get(name)) for name, version in pins(requirements).items() if lock.get(name) != version
    }
    assert not differ, f"pyproject.toml pins (version, lock's version): {differ}"


def test_test_only_libraries_stay_out_of_the_runtime_dependencies() -> None:
    runtime = set(pins(PYPROJECT["project"]["dependencies"]))
    test_only = set(pins(PYPROJECT["project"]["optional-dependencies"]["dev"]))
    assert not runtime & test_only, f"both runtime and dev: {sorted(runtime & test_only)}"
