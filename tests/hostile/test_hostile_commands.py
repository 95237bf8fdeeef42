"""Hostile inputs to the commands around the validator: diff, release, build on a signal, and the
exit codes that tell a crash from a refused package."""

from __future__ import annotations

import json
import os
import random
import re
import shutil
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
from scripts.cli import EXIT_CRASH, EXIT_PROBLEMS, run
from scripts.curation import todo
from scripts.package.read import DataPackage, PackageError, clip
from scripts.publishing import build
from scripts.releases import diff
from scripts.releases.release import main as release_main
from scripts.releases.release import named_files, release_members
from scripts.validation import validate
from tests.conftest import ROOT, read_table
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


def test_a_reader_that_stops_reading_ends_the_command_quietly_with_sigpipes_status() -> None:
    """`make link-candidates ALL=1 | head`: the closed pipe is no internal error."""
    command = [sys.executable, "-m", "scripts.curation.link_candidates", str(ROOT / "datapackage.json"), "--all"]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(10)
        process.stdout.close()
        err = process.stderr.read().decode()
        assert process.wait(timeout=120) == 141
    assert "internal error" not in err and "Traceback" not in err


def test_make_link_candidates_into_a_reader_that_stops_is_no_failure() -> None:
    """`make link-candidates ALL=1 | head`: make itself reports no error for the closed pipe."""
    command = ["make", "-s", "--no-print-directory", "link-candidates", "ALL=1"]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, bufsize=0) as process:
        assert process.stdout is not None and process.stderr is not None
        process.stdout.read(10)
        process.stdout.close()
        err = process.stderr.read().decode()
        assert process.wait(timeout=300) == 0, err
    assert "Error" not in err


def test_a_command_error_keeps_its_lines_and_escapes_every_control_character(
    capsys: pytest.CaptureFixture[str],
) -> None:
    def refused(argv: list[str] | None) -> int:
        raise PackageError("first \x1b[2J line\nsecond \u009b line\r")

    def broken(argv: list[str] | None) -> int:
        raise ValueError("one\nline \x07")

    assert run(refused, []) == EXIT_PROBLEMS
    assert capsys.readouterr().err == "first \\x1b[2J line\nsecond \\x9b line\\x0d\n"
    assert run(broken, []) == EXIT_CRASH
    assert capsys.readouterr().err == "internal error: ValueError: one\\x0aline \\x07\n"


def test_a_refused_package_exits_1_and_a_valid_one_0(sandbox: Site, command: Runner) -> None:
    assert command(validate.main, [str(sandbox.descriptor)]).code == 0
    text_path = next(row["text_path"] for row in read_table("sources", sandbox.root) if row["text_path"])
    (sandbox.root / text_path).write_text("changed", encoding="utf-8")
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
        and ':entity_id: constraint-error: "KBS\'" does not match the pattern' in outcome.out
    )


# ----------------------------------------------------------------------------- control characters
CONTROLS = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f]")  # C0 but the newline, DEL, C1


def test_validator_messages_show_control_characters_as_visible_escapes(sandbox: Site, command: Runner) -> None:
    def escaping_pattern(schema: dict) -> None:
        field = next(f for f in schema["fields"] if f["name"] == "entity_id")
        field["constraints"]["pattern"] = "^[a-z][a-z0-9_-]*$|\x1b\\[2J\u009b31m\x07\r"

    edit_json(sandbox.root / "schemas/entities.schema.json", escaping_pattern)
    set_cells(sandbox.root, "entities", read_table("entities", sandbox.root)[0]["entity_id"], entity_id="BAD")
    outcome = command(validate.main, [str(sandbox.descriptor)])
    assert outcome.code == 1 and not CONTROLS.search(outcome.text), outcome.text[-2000:]
    assert 'the pattern "^[a-z][a-z0-9_-]*$|\\x1b\\[2J\\x9b31m\\x07\\x0d"' in outcome.out


def test_validator_json_shows_control_characters_as_visible_escapes(sandbox: Site, command: Runner) -> None:
    """`--format json` prints no raw DEL or C1 control (JSON itself escapes only C0): the pattern is
    quoted with visible escapes, as in the text format."""
    pattern = "^[a-z][a-z0-9_-]*$|\u009b31m\x7f"

    def escaping_pattern(schema: dict) -> None:
        next(f for f in schema["fields"] if f["name"] == "entity_id")["constraints"]["pattern"] = pattern

    edit_json(sandbox.root / "schemas/entities.schema.json", escaping_pattern)
    set_cells(sandbox.root, "entities", read_table("entities", sandbox.root)[0]["entity_id"], entity_id="BAD")
    outcome = command(validate.main, [str(sandbox.descriptor), "--format", "json"])
    assert outcome.code == 1 and not CONTROLS.search(outcome.text), outcome.text[-2000:]
    assert any("\\x9b31m\\x7f" in problem["message"] for problem in json.loads(outcome.out))


def test_messages_show_bidirectional_controls_and_separators_as_visible_escapes() -> None:
    """U+202E would show `data/evil\u202etxt.csv` reversed; U+2028 would break a line unseen."""
    shown = clip("claims\u202ecsv.exe \u2066x\u2069 a\u2028b \u200f")
    assert shown == "claims\\u202ecsv.exe \\u2066x\\u2069 a\\u2028b \\u200f"


def test_todo_prints_no_control_character_of_a_text_path(sandbox: Site, command: Runner) -> None:
    source = read_table("sources", sandbox.root)[0]
    renamed = source["text_path"].replace(".txt", "\u009b2J\x7f.txt")
    (sandbox.root / source["text_path"]).rename(sandbox.root / renamed)
    set_cells(sandbox.root, "sources", source["source_id"], text_path=renamed)
    outcome = command(todo.main, [str(sandbox.descriptor), "--source", source["source_id"]])
    assert not CONTROLS.search(outcome.text), outcome.text[-2000:]
    assert outcome.code == 1 or "\\x9b2J\\x7f.txt:" in outcome.out, outcome.text[-2000:]


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
    assert_refused_cleanly(outcome, "resources.0.path: path is absolute")


def test_diff_refuses_a_descriptor_that_is_not_json(sandbox: Site, command: Runner) -> None:
    sandbox.descriptor.write_text("{not json", encoding="utf-8")
    outcome = command(diff.main, [str(sandbox.root), str(ROOT)])
    assert_refused_cleanly(outcome, "datapackage.json: not valid JSON")


def _git_commit_all(repo: Path) -> None:
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run(["git", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"], cwd=repo, check=True)


def _peak_memory_of_diff(argv: list[str]) -> tuple[subprocess.CompletedProcess[str], int]:
    """A diff run in its own process, and the most memory that process held, in bytes (git not
    counted). VmHWM counts from the process's own start: ru_maxrss would count the memory of the
    test process it was forked from."""
    program = (
        "import sys; from scripts.cli import run; from scripts.releases.diff import main; code = run(main); "
        "print(open('/proc/self/status').read().split('VmHWM:')[1].split()[0], file=sys.stderr); sys.exit(code)"
    )
    result = subprocess.run(
        [sys.executable, "-c", program, *argv], cwd=ROOT, capture_output=True, text=True, check=False
    )
    return result, int(result.stderr.strip().splitlines()[-1]) * 1024  # in kB


@pytest.mark.parametrize("form", ["folder", "zip"])
def test_diff_refuses_a_table_past_the_byte_cap_naming_it(
    sandbox: Site, command: Runner, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    size = (sandbox.root / "data/claims.csv").stat().st_size
    monkeypatch.setattr(diff, "MAX_FILE_BYTES", size - 1)
    old = str(sandbox.root) if form == "folder" else str(_zip(tmp_path / "old.zip", _release_members(sandbox)))
    outcome = command(diff.main, [old, str(sandbox.root)])
    assert_refused_cleanly(outcome, f"is larger than {size - 1} bytes, the most a diff reads")
    assert "data/claims.csv" in outcome.err


def test_diff_refuses_a_revision_whose_table_is_past_the_byte_cap_before_reading_it(
    sandbox: Site, command: Runner, monkeypatch: pytest.MonkeyPatch
) -> None:
    _git_commit_all(sandbox.root)
    size = (sandbox.root / "data/claims.csv").stat().st_size
    monkeypatch.setattr(diff, "MAX_FILE_BYTES", size - 1)
    outcome = command(diff.main, ["--repo", str(sandbox.root), "HEAD", str(sandbox.root)])
    assert_refused_cleanly(outcome, f"'HEAD': 'data/claims.csv' is larger than {size - 1} bytes, the most a diff reads")


@pytest.mark.slow
def test_diff_of_a_revision_never_reads_a_large_file_it_does_not_compare(sandbox: Site) -> None:
    with (sandbox.root / "data/texts/large.txt").open("wb") as large:  # 200 MB that git stores in 200 kB
        for _ in range(200):
            large.write(bytes(1 << 20))
    _git_commit_all(sandbox.root)
    result, peak = _peak_memory_of_diff(["--repo", str(sandbox.root), "HEAD", str(sandbox.root)])
    assert result.returncode == 0, result.stderr[-2000:]
    assert "No data changed." in result.stdout
    assert peak < 300 << 20, f"{peak >> 20} MiB for a revision holding a 200 MB file"


@pytest.mark.parametrize(
    ("cap", "value", "row", "message"),
    [
        ("MAX_COLUMNS", 100, ",".join(["x"] * 101), "more than 100 cells"),
        ("MAX_ROW_CHARS", 5000, 'x,"' + "a line\n" * 1000 + '"', "row longer than 5000 characters"),
    ],
)
def test_diff_refuses_a_row_past_its_cap_naming_file_and_row(
    sandbox: Site,
    command: Runner,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    cap: str,
    value: int,
    row: str,
    message: str,
) -> None:
    old = tmp_path / "old"
    shutil.copytree(sandbox.root, old)
    claims = sandbox.root / "data/claims.csv"
    rows = len(read_table("claims", sandbox.root))
    claims.write_text(claims.read_text(encoding="utf-8") + row + "\n", encoding="utf-8")
    monkeypatch.setattr(diff, cap, value)
    outcome = command(diff.main, [str(old), str(sandbox.root)])
    assert_refused_cleanly(outcome, f"data/claims.csv:{rows + 2}:-: {message}")


def _wide_table(root: Path, columns: int, rows: int) -> list[str]:
    """A table `wide` of `columns` columns and `rows` rows added to the package; its CSV lines."""
    names = [f"c{i}" for i in range(columns)]
    resource = {"name": "wide", "path": "data/wide.csv", "schema": "schemas/wide.json"}
    edit_json(root / "datapackage.json", lambda d: d["resources"].append(resource))
    schema = {"fields": [{"name": n, "type": "string"} for n in names], "primaryKey": ["c0"]}
    (root / "schemas/wide.json").write_text(json.dumps(schema), encoding="utf-8")
    cells = random.Random(0)  # cells that compress as data does, not as a bomb
    lines = [",".join(names)]
    lines += [",".join([f"k{row}", *(f"{cells.getrandbits(16):04x}" for _ in names[1:])]) for row in range(rows)]
    (root / "data/wide.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return lines


@pytest.mark.slow
def test_diff_holds_a_wide_table_as_keys_and_digests_not_its_cells(sandbox: Site, tmp_path: Path) -> None:
    lines = _wide_table(sandbox.root, columns=1000, rows=6000)  # 30 MB
    old = _zip(tmp_path / "old.zip", _release_members(sandbox))
    lines[1] = lines[1].replace(",", ",x", 1)
    (sandbox.root / "data/wide.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    result, peak = _peak_memory_of_diff([str(old), str(sandbox.root)])
    assert result.returncode == 0, result.stderr[-2000:]
    assert "### wide: 0 added, 0 removed, 1 changed" in result.stdout and "| `k0` | `c1` |" in result.stdout
    assert peak < 300 << 20, f"{peak >> 20} MiB to compare two 30 MB tables"


def test_diff_lists_at_most_its_cap_of_changed_cells_and_counts_every_changed_row(
    sandbox: Site, command: Runner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old = tmp_path / "old"
    shutil.copytree(sandbox.root, old)
    claims = read_table("claims", sandbox.root)
    for claim in claims[:5]:
        set_cells(sandbox.root, "claims", claim["claim_id"], notes=f"changed {claim['claim_id']}")
    monkeypatch.setattr(diff, "MAX_LISTED_CHANGES", 2)
    outcome = command(diff.main, [str(old), str(sandbox.root)])
    assert outcome.code == 0, outcome.text[-2000:]
    assert "### claims: 0 added, 0 removed, 5 changed" in outcome.out
    listed = [line for line in outcome.out.splitlines() if line.startswith("| `")]
    assert listed == [
        f"| `{c['claim_id']}` | `notes` | {c['notes'] or '∅'} | changed {c['claim_id']} |" for c in claims[:2]
    ]
    assert "3 more changed row(s) not listed here" in outcome.out


def test_diff_lists_at_most_its_cap_of_added_and_removed_rows_and_counts_them_all(
    sandbox: Site, command: Runner, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    old = tmp_path / "old"
    shutil.copytree(sandbox.root, old)
    _many_rows(old, "gone", 5)
    _many_rows(sandbox.root, "new", 4)
    monkeypatch.setattr(diff, "MAX_LISTED_KEYS", 3)
    outcome = command(diff.main, [str(old), str(sandbox.root)])
    assert outcome.code == 0, outcome.text[-2000:]
    assert "### many: 4 added, 5 removed, 0 changed" in outcome.out
    assert [line for line in outcome.out.splitlines() if line.startswith("- added")] == [
        f"- added `new{n}`" for n in range(3)
    ]
    assert "- 1 more added row(s) not listed here" in outcome.out
    assert "- 2 more removed row(s) not listed here" in outcome.out


def _many_rows(root: Path, prefix: str, rows: int) -> None:
    """A table `many` of `rows` short rows, keyed `<prefix>0`, `<prefix>1`, …"""
    schema = {"fields": [{"name": "key", "type": "string"}], "primaryKey": ["key"]}
    (root / "schemas/many.schema.json").write_text(json.dumps(schema), encoding="utf-8")
    with (root / "data/many.csv").open("w", encoding="utf-8") as handle:
        handle.write("key\n")
        handle.writelines(f"{prefix}{n}\n" for n in range(rows))
    edit_json(root / "datapackage.json", lambda d: d["resources"].append(
        {"name": "many", "path": "data/many.csv", "schema": "schemas/many.schema.json"}))  # fmt: skip


@pytest.mark.slow
def test_diff_memory_stays_bounded_by_the_number_of_rows(sandbox: Site, tmp_path: Path) -> None:
    """Keys and digests are compared in an SQLite file, not held in dicts (a million keys a side took
    about 300 MB in dicts; twelve million, 3 GB)."""
    old = tmp_path / "old"
    shutil.copytree(sandbox.root, old)
    _many_rows(old, "k", 1_000_000)
    _many_rows(sandbox.root, "k", 1_000_001)
    result, peak = _peak_memory_of_diff([str(old), str(sandbox.root)])
    assert result.returncode == 0, result.stderr[-2000:]
    assert "### many: 1 added, 0 removed, 0 changed" in result.stdout
    assert peak < 200 << 20, f"{peak >> 20} MiB to compare two tables of a million rows"


def test_diff_shows_control_characters_in_cells_as_visible_escapes(
    sandbox: Site, command: Runner, tmp_path: Path
) -> None:
    old = tmp_path / "old"
    shutil.copytree(sandbox.root, old)
    claim = read_table("claims", sandbox.root)[0]["claim_id"]
    hostile = "clear\x1b[2J c1\u009b31m bell\x07 return\r new\nline del\x7f"
    set_cells(sandbox.root, "claims", claim, notes=hostile)
    outcome = command(diff.main, [str(old), str(sandbox.root)])
    assert outcome.code == 0, outcome.text[-2000:]
    assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", outcome.out), "a control character reached the terminal"
    assert "clear\\x1b[2J c1\\x9b31m bell\\x07 return\\x0d new line del\\x7f |" in outcome.out


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
    texts = {source["text_path"] for source in read_table("sources", sandbox.root) if source["text_path"]}
    assert texts and {*texts, "schemas/claims.schema.json"} <= set(members)
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


@pytest.mark.slow
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


# ----------------------------------------------------------------------------- legal but unusual schemas survive
def _extra_resource(sandbox: Site, fields: list[dict], rows: list[list[str]]) -> None:
    (sandbox.root / "schemas/extra.json").write_text(json.dumps({"fields": fields}), encoding="utf-8")
    lines = [",".join(f["name"] for f in fields), *(",".join(r) for r in rows)]
    (sandbox.root / "data/extra.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    edit_json(sandbox.descriptor, lambda d: d["resources"].append(
        {"name": "extra", "path": "data/extra.csv", "schema": "schemas/extra.json"}))  # fmt: skip


def test_invisible_characters_are_flagged_in_the_text_fields_the_schemas_name_and_only_there(
    sandbox: Site, command: Runner
) -> None:
    fields = [{"name": "label", "type": "string"}, {"name": "tags", "type": "list"}, {"name": "blob", "type": "any"}]
    _extra_resource(sandbox, fields, [["a\u200bb", "\u2066y", "c\u200bd"]])
    outcome = command(validate.main, [str(sandbox.descriptor)])
    flagged = {line.split(":")[2] for line in outcome.out.splitlines() if "invisible format character" in line}
    assert outcome.code == 1 and flagged == {"label", "tags"}, outcome.text[-500:]


@pytest.mark.slow
@pytest.mark.parametrize(
    "fields",
    [
        [{"name": "code"}],  # no type: "any"
        [{"name": "code", "type": "string", "constraints": None}],
        [{"name": f"c{i}", "type": "string"} for i in range(300)],  # more rules than one SQL expression holds
    ],
    ids=["field_without_type", "null_constraints", "three_hundred_fields"],
)
def test_a_legal_unusual_schema_validates_and_builds(
    sandbox: Site, command: Runner, tmp_path: Path, fields: list[dict]
) -> None:
    _extra_resource(sandbox, fields, [["x"] * len(fields)])
    assert command(validate.main, [str(sandbox.descriptor)]).code == 0
    assert command(build.main, [str(sandbox.descriptor), "--output", str(tmp_path / "nk.db")]).code == 0


def test_two_foreign_keys_on_one_column_build(sandbox: Site, command: Runner, tmp_path: Path) -> None:
    fk = {"fields": "source_id", "reference": {"resource": "sources", "fields": "source_id"}}
    edit_json(sandbox.root / "schemas/claims.schema.json", lambda s: s["foreignKeys"].append(fk))
    assert command(build.main, [str(sandbox.descriptor), "--output", str(tmp_path / "nk.db")]).code == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("pattern", "cell", "valid"),
    [("^[a-z][^X]*$", "aXXX", False), ("^[a-z][^X]*$", "abc", True), ("^[a-z][a-z0-9_-]*$", "a-1", True)],
)
def test_a_pattern_means_the_same_to_both_validators(
    sandbox: Site, command: Runner, pattern: str, cell: str, valid: bool
) -> None:
    _extra_resource(sandbox, [{"name": "code", "type": "string", "constraints": {"pattern": pattern}}], [[cell]])
    assert command(validate.main, [str(sandbox.descriptor)]).code == (0 if valid else 1)
    assert command(validate.main, [str(sandbox.descriptor), "--reference"]).code == (0 if valid else 1)


@pytest.mark.slow
@pytest.mark.parametrize(("first", "second"), [("7", "07"), ("9" * 5000, "9" * 5001)])
def test_integer_keys_compare_as_integers_and_huge_ones_are_type_errors(
    sandbox: Site, command: Runner, first: str, second: str
) -> None:
    _extra_resource(sandbox, [{"name": "n", "type": "integer"}], [[first], [second]])
    edit_json(sandbox.root / "schemas/extra.json", lambda s: s.update(primaryKey=["n"]))
    for argv in ([str(sandbox.descriptor)], [str(sandbox.descriptor), "--reference"]):
        outcome = command(validate.main, argv)
        assert outcome.code == 1 and "data/extra.csv:" in outcome.out, outcome.text[-500:]


# ----------------------------------------------------------------------------- more hostile archives
@pytest.mark.parametrize("damage", ["crc", "method", "encrypted"])
def test_diff_refuses_a_damaged_zip(sandbox: Site, command: Runner, tmp_path: Path, damage: str) -> None:
    path = _zip(tmp_path / "damaged.zip", _release_members(sandbox))
    data = bytearray(path.read_bytes())
    entry = data.rindex(b"data/claims.csv") - 46  # its central directory entry: the name starts at byte 46
    if damage == "crc":
        data[entry + 16] ^= 0xFF
    elif damage == "method":
        data[entry + 10] = 99
    else:
        data[entry + 8] |= 1
    path.write_bytes(bytes(data))
    outcome = command(diff.main, [str(path), str(sandbox.root)])
    assert_refused_cleanly(outcome, "cannot be unpacked")


def test_diff_refuses_a_revision_whose_tree_links_out(sandbox: Site, command: Runner) -> None:
    repo = sandbox.root
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    (repo / "data/texts/evil.txt").symlink_to("/etc/passwd")
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "add", "-A"], cwd=repo, check=True)
    subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-qm", "x"], cwd=repo, check=True)
    outcome = command(diff.main, ["--repo", str(repo), "HEAD", str(repo)])
    assert_refused_cleanly(outcome, "cannot be unpacked")


def _project(sandbox: Site) -> None:
    for name in ("README.md", "CHANGELOG.md", "CITATION.cff", "LICENSE"):
        (sandbox.root / name).write_bytes((ROOT / name).read_bytes())


def test_release_refuses_a_descriptor_without_a_version(sandbox: Site, command: Runner, tmp_path: Path) -> None:
    _project(sandbox)
    edit_json(sandbox.descriptor, lambda d: d.pop("version"))
    outcome = command(release_main, [str(sandbox.descriptor), "--dist", str(tmp_path / "dist")])
    assert_refused_cleanly(outcome, "version: Field required")
    assert not (tmp_path / "dist").exists()


def test_release_reads_no_changelog_outside_the_package(sandbox: Site, command: Runner, tmp_path: Path) -> None:
    _project(sandbox)
    (sandbox.root / "CHANGELOG.md").unlink()
    (sandbox.root / "CHANGELOG.md").symlink_to(sandbox.outside / "secret.txt")
    outcome = command(release_main, [str(sandbox.descriptor), "--dist", str(tmp_path / "dist")])
    assert_refused_cleanly(outcome, "resolves outside the package root")


def test_diff_refuses_a_folder_whose_descriptor_links_out(sandbox: Site, command: Runner, tmp_path: Path) -> None:
    (sandbox.outside / "datapackage.json").write_bytes(sandbox.descriptor.read_bytes())
    sandbox.descriptor.unlink()
    sandbox.descriptor.symlink_to(sandbox.outside / "datapackage.json")
    outcome = command(diff.main, [str(sandbox.root), str(ROOT)])
    assert_refused_cleanly(outcome, "resolves outside the package root")
