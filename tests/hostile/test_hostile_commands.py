"""Hostile inputs to the commands around the validator: diff, release, build on a signal, and the
exit codes that tell a crash from a refused package."""

from __future__ import annotations

import os
import signal
import sqlite3
import stat
import subprocess
import sys
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from scripts.benchmark.synth import generate
from scripts.cli import EXIT_CRASH, run
from scripts.package.read import DataPackage
from scripts.publishing import build
from scripts.releases import diff
from scripts.releases.release import named_files, release_members
from scripts.validation import validate
from tests.conftest import ROOT
from tests.hostile.conftest import SECRET, Runner, Site, assert_refused_cleanly
from tests.mutations import edit_json, set_cells


# ----------------------------------------------------------------------------- exit codes
def test_an_unexpected_exception_exits_2_with_one_line_and_no_traceback(capsys: pytest.CaptureFixture[str]) -> None:
    def broken(argv: list[str] | None) -> int:
        raise ZeroDivisionError("x" * 10_000)

    assert run(broken, []) == EXIT_CRASH
    err = capsys.readouterr().err
    assert err.startswith("internal error: ZeroDivisionError: ") and err.count("\n") == 1
    assert "Traceback" not in err and len(err) < 300


def test_a_refused_package_exits_1_and_a_valid_one_0(sandbox: Site, command: Runner) -> None:
    assert command(validate.main, [str(sandbox.descriptor)]).code == 0
    (sandbox.root / "data/texts/article-000.txt").write_text("changed", encoding="utf-8")
    assert command(validate.main, [str(sandbox.descriptor)]).code == 1


# ----------------------------------------------------------------------------- identifiers
def test_a_field_named_with_a_double_quote_validates_and_builds(sandbox: Site, command: Runner, tmp_path: Path) -> None:
    def rename(schema: dict) -> None:
        next(f for f in schema["fields"] if f["name"] == "notes")["name"] = 'no"tes'

    edit_json(sandbox.root / "schemas/claims.schema.json", rename)
    csv = sandbox.root / "data/claims.csv"
    csv.write_text(csv.read_text(encoding="utf-8").replace(",notes\n", ',"no""tes"\n', 1), encoding="utf-8")
    output = tmp_path / "nk.db"
    assert command(build.main, [str(sandbox.descriptor), "--output", str(output)]).code == 0
    columns = [row[1] for row in sqlite3.connect(output).execute("PRAGMA table_info(claims)")]
    assert columns[-1] == 'no"tes'


def test_a_pattern_with_a_quote_mark_is_checked_not_injected(sandbox: Site, command: Runner) -> None:
    def quoted_pattern(schema: dict) -> None:
        next(f for f in schema["fields"] if f["name"] == "entity_id")["constraints"]["pattern"] = "^[a-z'][a-z0-9'_-]*$"

    edit_json(sandbox.root / "schemas/entities.schema.json", quoted_pattern)
    assert command(validate.main, [str(sandbox.descriptor)]).code == 0
    set_cells(sandbox.root, "entities", "kbs", entity_id="KBS'")
    outcome = command(validate.main, [str(sandbox.descriptor)])
    assert (
        outcome.code == 1
        and "data/entities.csv:" in outcome.out
        and ':entity_id: constraint-error: constraint "pattern"' in outcome.out
    )


# ----------------------------------------------------------------------------- diff
def test_diff_never_hands_an_option_to_git(tmp_path: Path) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("keep me", encoding="utf-8")
    result = subprocess.run(
        ["make", "--no-print-directory", "diff", f"FROM=--output={victim}"],
        cwd=ROOT, capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert result.returncode != 0
    assert "neither a folder, a release zip nor a git revision" in result.stderr
    assert victim.read_text(encoding="utf-8") == "keep me"


def _zip(path: Path, members: dict[str, bytes]) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return path


def _release_members(sandbox: Site) -> dict[str, bytes]:
    names = ["datapackage.json", *named_files(DataPackage(sandbox.descriptor))]
    return {name: (sandbox.root / name).read_bytes() for name in names}


def test_diff_refuses_a_zip_bomb_before_it_fills_the_disk(sandbox: Site, command: Runner, tmp_path: Path) -> None:
    members = _release_members(sandbox)
    bomb = tmp_path / "bomb.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
        with archive.open("data/padding.csv", "w") as padding:  # 200 MB of zeros, streamed
            for _ in range(200):
                padding.write(bytes(1 << 20))
    outcome = command(diff.main, [str(bomb), str(sandbox.root)])
    assert_refused_cleanly(outcome, "is compressed more than 100 times (a zip bomb?)")


def test_diff_refuses_a_zip_member_that_climbs_out(sandbox: Site, command: Runner, tmp_path: Path) -> None:
    members = {**_release_members(sandbox), "../escaped.csv": b"x\n"}
    outcome = command(diff.main, [str(_zip(tmp_path / "evil.zip", members)), str(sandbox.root)])
    assert_refused_cleanly(outcome, "member '../escaped.csv' has a '..' segment")
    assert not (tmp_path / "escaped.csv").exists()


def test_diff_refuses_a_zip_whose_descriptor_points_at_a_system_file(
    sandbox: Site, command: Runner, tmp_path: Path
) -> None:
    members = _release_members(sandbox)
    edit_json(sandbox.descriptor, lambda d: d["resources"][0].update(path=str(sandbox.outside / "secret.csv")))
    members["datapackage.json"] = sandbox.descriptor.read_bytes()
    outcome = command(diff.main, [str(_zip(tmp_path / "evil.zip", members)), str(ROOT)])
    assert_refused_cleanly(outcome, "resources.0.path: Value error, path is absolute")


def test_diff_refuses_a_descriptor_that_is_not_json(sandbox: Site, command: Runner) -> None:
    sandbox.descriptor.write_text("{not json", encoding="utf-8")
    outcome = command(diff.main, [str(sandbox.root), str(ROOT)])
    assert_refused_cleanly(outcome, "datapackage.json: not valid JSON")


# ----------------------------------------------------------------------------- release
def test_a_release_holds_only_the_files_the_package_names(sandbox: Site, tmp_path: Path) -> None:
    (sandbox.root / "data/texts/unlisted.txt").write_text(SECRET, encoding="utf-8")
    (sandbox.root / "data/notes.csv").write_text("private\n", encoding="utf-8")
    database = tmp_path / "nk.db"
    database.write_bytes(b"db")
    for name in ("README.md", "CHANGELOG.md", "CITATION.cff", "LICENSE"):
        (sandbox.root / name).write_bytes((ROOT / name).read_bytes())
    members = release_members(DataPackage(sandbox.descriptor), database)
    assert "data/texts/unlisted.txt" not in members and "data/notes.csv" not in members
    assert {"data/texts/article-000.txt", "data/texts/article-001.txt", "schemas/claims.schema.json"} <= set(members)
    assert not any(".." in name.split("/") or name.startswith("/") for name in members)


# ----------------------------------------------------------------------------- signals and leftovers
def _start_build(descriptor: Path, output: Path, temp: Path) -> subprocess.Popen[bytes]:
    env = {**os.environ, "TMPDIR": str(temp)}
    command = [sys.executable, "-m", "scripts.publishing.build", str(descriptor), "--output", str(output)]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _wait_for(condition: Callable[[], bool], process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 120
    while not condition():
        assert process.poll() is None, "the build ended before it could be interrupted"
        assert time.monotonic() < deadline
        time.sleep(0.005)


@pytest.fixture(scope="module")
def large_package(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Large enough that a build takes seconds, so that a signal reaches it midway."""
    return generate(30_000, tmp_path_factory.mktemp("large"))


def test_sigterm_during_a_build_leaves_nothing_behind(large_package: Path, tmp_path: Path) -> None:
    output, temp = tmp_path / "out" / "nk.db", tmp_path / "tmp"
    temp.mkdir()
    process = _start_build(large_package, output, temp)
    _wait_for(lambda: any(temp.iterdir()), process)  # staging has begun
    process.send_signal(signal.SIGTERM)
    _, err = process.communicate(timeout=120)
    assert process.returncode == 143, err
    assert b"Traceback" not in err
    assert list(temp.iterdir()) == []
    assert not output.parent.exists() or list(output.parent.iterdir()) == []


def test_the_next_build_clears_what_a_killed_build_left(large_package: Path, tmp_path: Path) -> None:
    output, temp = tmp_path / "out" / "nk.db", tmp_path / "tmp"
    temp.mkdir()
    process = _start_build(large_package, output, temp)
    _wait_for(lambda: output.parent.is_dir() and any(output.parent.iterdir()), process)  # writing the database
    process.kill()
    process.wait(timeout=60)
    assert list(output.parent.iterdir()) and list(temp.iterdir())  # SIGKILL cannot be cleaned up after
    finished = _start_build(ROOT / "datapackage.json", output, temp)
    assert finished.wait(timeout=120) == 0
    assert [p.name for p in output.parent.iterdir()] == ["nk.db"]
    assert list(temp.iterdir()) == []
    assert stat.S_IMODE(output.stat().st_mode) == 0o644


def test_build_output_is_world_readable(tmp_path: Path, command: Runner) -> None:
    output = tmp_path / "nk.db"
    assert command(build.main, [str(ROOT / "datapackage.json"), "--output", str(output)]).code == 0
    assert stat.S_IMODE(output.stat().st_mode) == 0o644
    assert output.read_bytes()[:16] == b"SQLite format 3\x00"
