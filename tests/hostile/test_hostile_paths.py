"""The paths a package names, through every reader besides validate and build (which probes.py covers):
DuckDB itself, the release, `make diff` on a folder and the curation tools. Each reads only regular
files inside the package, by paths that no reader can expand to other files (issue 19)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from scripts.curation import add_source
from scripts.package.read import DataPackage
from scripts.releases import diff, release
from scripts.validation import validate
from scripts.validation.staging import staged
from tests.conftest import ROOT, copy_package
from tests.hostile.conftest import Runner, Site, assert_refused_cleanly
from tests.hostile.probes import glob_path_beside_a_symlink_out, symlink_to_a_glob_name_beside_a_symlink_out
from tests.mutations import first_key, set_cells

GLOB_ATTACKS = [glob_path_beside_a_symlink_out, symlink_to_a_glob_name_beside_a_symlink_out]


def test_duckdb_opens_no_file_but_the_csvs_that_were_checked(sandbox: Site) -> None:
    secret = sandbox.outside / "secret.csv"
    claims = sandbox.root / "data/claims.csv"
    with staged(DataPackage(sandbox.descriptor)) as (db, _, _):
        assert db.one(f"SELECT count(*) FROM read_csv('{claims}')") > 0  # the checked path itself
        for other in (secret, claims.with_name("cl[a]ims.csv")):  # another file; a pattern for the same one
            with pytest.raises(duckdb.PermissionException):
                db.one(f"SELECT count(*) FROM read_csv('{other}')")


def test_a_package_whose_folder_name_is_a_glob_pattern_is_read_from_its_own_files(
    tmp_path: Path, command: Runner
) -> None:
    """`p[a]ckage/data/claims.csv`, handed to DuckDB, would read `package/data/claims.csv`: another package."""
    for name in ("package", "p[a]ckage"):  # a valid decoy beside the package that is read
        (tmp_path / name).mkdir()
        descriptor = copy_package(tmp_path / name)
    row = set_cells(descriptor.parent, "claims", first_key(descriptor.parent, "claims"), char_start="not a number")
    outcome = command(validate.main, [str(descriptor)])
    assert outcome.code == 1 and f"data/claims.csv:{row}:char_start:" in outcome.out, outcome.text[-2000:]


@pytest.mark.parametrize("attack", GLOB_ATTACKS, ids=lambda a: a.__name__)
def test_release_archives_nothing_a_glob_path_would_reach(
    sandbox: Site, command: Runner, tmp_path: Path, attack: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(release, "release_notes", lambda root, version: "")  # the diff with git history: not here
    for name in ("README.md", "CHANGELOG.md", "CITATION.cff", "LICENSE", ".zenodo.json", "releases.json"):
        shutil.copy(ROOT / name, sandbox.root / name)
    attack(sandbox)  # type: ignore[operator]
    dist = tmp_path / "dist"
    outcome = command(release.main, [str(sandbox.descriptor), "--dist", str(dist)])
    assert_refused_cleanly(outcome, "resources.12.path")
    assert not dist.exists()


@pytest.mark.parametrize("attack", GLOB_ATTACKS, ids=lambda a: a.__name__)
def test_diff_of_a_folder_refuses_a_glob_path(sandbox: Site, command: Runner, attack: object) -> None:
    attack(sandbox)  # type: ignore[operator]
    outcome = command(diff.main, [str(ROOT), str(sandbox.root)])
    assert_refused_cleanly(outcome, "resources.12.path")


def test_add_source_writes_no_text_through_a_folder_that_links_out(
    sandbox: Site, command: Runner, tmp_path: Path
) -> None:
    texts = sandbox.root / "data/texts"
    shutil.copytree(texts, sandbox.outside / "texts")
    shutil.rmtree(texts)
    texts.symlink_to(sandbox.outside / "texts")
    article = tmp_path / "article.txt"
    article.write_text("An article that was never archived before.\n", encoding="utf-8")
    before = sorted(p.name for p in (sandbox.outside / "texts").iterdir())
    outcome = command(add_source.main, [str(article), "article-new", "--datapackage", str(sandbox.descriptor)])
    assert_refused_cleanly(outcome, "path 'data/texts/article-new.txt' resolves outside the package root")
    assert sorted(p.name for p in (sandbox.outside / "texts").iterdir()) == before


def test_the_curators_checklist_refuses_a_table_that_is_a_fifo(sandbox: Site) -> None:
    """Opening a FIFO blocks until someone writes to it: `make todo` would wait for ever."""
    sources = sandbox.root / "data/sources.csv"
    sources.unlink()
    os.mkfifo(sources)
    command = [sys.executable, "-m", "scripts.curation.todo", str(sandbox.descriptor)]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 1, result.stderr[-2000:]
    assert "path 'data/sources.csv' is not a regular file" in result.stderr
