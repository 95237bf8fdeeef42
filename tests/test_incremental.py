"""Incremental validation (scripts.validation.incremental): a cached validation after any edit finds
exactly the problems of a cold one, and the cache is never a way to change a verdict."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from scripts.benchmark.synth import generate
from scripts.package.read import Problem
from scripts.validation import incremental
from scripts.validation.incremental import MANIFEST, ValidationCache
from scripts.validation.validate import cache_slot, main, validate
from tests.conftest import ROOT

CLAIMS = 60
COLD = "validating cold"


def _lines(file: Path) -> list[str]:
    return file.read_text(encoding="utf-8").splitlines(keepends=True)


def _row_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerow(cells)
    return out.getvalue()


def _seed_problems(descriptor: Path) -> None:
    """Problems the base package already has, through every table's rows, so that the cache holds
    some to keep, drop and renumber."""
    figures = descriptor.parent / "data" / "figures.csv"
    lines = _lines(figures)
    for row in (1, len(lines) - 1):
        cells = next(csv.reader([lines[row]]))
        cells[cells.index(next(c for c in cells if c.isdigit() and len(c) >= 3))] = "7"  # not what exact says
        lines[row] = _row_line(cells)
    figures.write_text("".join(lines), encoding="utf-8")
    for table, column in (("claims", "claim"), ("quotes", "notes"), ("attributions", "notes")):
        file = descriptor.parent / "data" / f"{table}.csv"
        lines = _lines(file)
        for row in (len(lines) // 2, len(lines) - 2):
            cells = next(csv.reader([lines[row]]))
            at = next(csv.reader([lines[0]])).index(column)
            cells[at] = cells[at] + " "  # stray white space
            lines[row] = _row_line(cells)
        file.write_text("".join(lines), encoding="utf-8")


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """A synthetic package with a problem, and the cache its cold validation wrote (outside it)."""
    folder = tmp_path_factory.mktemp("base")
    descriptor = generate(CLAIMS, folder / "package")
    _seed_problems(descriptor)
    cache = folder / "cache"
    with pytest.MonkeyPatch.context() as patch:  # blocks of a few rows: the edits fall between unchanged ones
        patch.setattr(incremental, "BLOCK", 512)
        assert validate(descriptor, cache=ValidationCache(cache))  # the seeded problem
    return descriptor.parent, cache


def _copy(base: tuple[Path, Path], into: Path) -> tuple[Path, ValidationCache]:
    package, cache = base
    shutil.copytree(package, into / "package")
    shutil.copytree(cache, into / "cache")
    return into / "package" / "datapackage.json", ValidationCache(into / "cache", writable=False)


def _dicts(problems: list[Problem]) -> list[dict]:
    return [p.as_dict() for p in problems]


# --------------------------------------------------------------------------- random edits
TABLES = ("claims", "quotes", "figures", "attributions", "claim_links", "quote_claims", "sources", "entities")


@st.composite
def edits(draw: st.DrawFn) -> list[tuple]:
    """One to three edits: a key or reference changed (to another row's, a broken or an empty one), a
    span moved, any cell changed (to another row's value, a variant of its own, empty or text), rows
    swapped, added or removed, a text edited."""
    chosen = []
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["key", "key", "span", "cell", "swap", "add", "remove", "text"]))
        table = draw(st.sampled_from(TABLES))
        chosen.append((kind, table, draw(st.integers(0, 10**6)), draw(st.integers(0, 10**6)), draw(st.integers(0, 5))))
    return chosen


RELATED = {"nested_in", "utterance_id", "step", "role", "name", "aliases", "kind", "text_path", "publisher_id"}
VARIANTS = (
    lambda cell, other: other,  # another row's value: a duplicate key, a reference elsewhere
    lambda cell, other: cell + "x",  # a broken reference or number
    lambda cell, other: "",
    lambda cell, other: cell.upper(),
    lambda cell, other: " " + cell,  # stray white space
    lambda cell, other: "12",
)


def _column(header: list[str], kind: str, first: int) -> int:
    if kind == "key":
        candidates = [i for i, name in enumerate(header) if name.endswith("_id") or name in RELATED]
    elif kind == "span":
        candidates = [i for i, name in enumerate(header) if name in ("char_start", "char_end")]
    else:
        candidates = list(range(len(header)))
    return (candidates or list(range(len(header))))[first // 7 % len(candidates or header)]


def apply(package: Path, edit: tuple) -> None:
    kind, table, first, second, variant = edit
    if kind == "text":
        texts = sorted((package / "data" / "texts").iterdir())
        text = texts[first % len(texts)]
        words = text.read_text(encoding="utf-8")
        at = second % (len(words) + 1)
        insert = ["5 ", "\u201cso\u201d ", "", "x", "Cb ", "\u00e9"][variant]
        text.write_text(words[:at] + insert + words[at + (variant == 2) :], encoding="utf-8")
        return
    file = package / "data" / f"{table}.csv"
    lines = _lines(file)
    if len(lines) < 2:
        return
    row, other = 1 + first % (len(lines) - 1), 1 + second % (len(lines) - 1)
    if kind == "swap":
        lines[row], lines[other] = lines[other], lines[row]
    elif kind == "add":
        lines.insert(other, lines[row])
    elif kind == "remove":
        del lines[row]
    else:
        cells, others = next(csv.reader([lines[row]])), next(csv.reader([lines[other]]))
        column = _column(next(csv.reader([lines[0]])), kind, first)
        if kind == "key" and variant > 2:
            variant = 0  # mostly another row's value: a reference that moves, a key that repeats
        if kind == "span":
            cells[column] = str(int(cells[column] or 0) + variant - 2) if cells[column].isdigit() else cells[column]
        else:
            cells[column] = VARIANTS[variant](cells[column], others[column])
        lines[row] = _row_line(cells)
    file.write_text("".join(lines), encoding="utf-8")


@pytest.mark.slow
@settings(max_examples=45, deadline=None, derandomize=os.environ.get("CI") == "true",  # CI: the same edits each run
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])  # fmt: skip
@given(chosen=edits())
@example(chosen=[("key", "quotes", 0, 0, 2)])  # a quote's key emptied: found by a clean-clone run
def test_cached_validation_finds_what_cold_validation_finds_after_random_edits(
    base: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory, chosen: list[tuple]
) -> None:
    descriptor, cache = _copy(base, tmp_path_factory.mktemp("edit"))
    for edit in chosen:
        apply(descriptor.parent, edit)
    assert _dicts(validate(descriptor, cache=cache)) == _dicts(validate(descriptor))


# --------------------------------------------------------------------------- the incremental path is taken
def test_a_changed_claim_is_rechecked_incrementally_with_the_cold_verdict(
    base: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    descriptor, cache = _copy(base, tmp_path)
    claims = descriptor.parent / "data" / "claims.csv"
    lines = _lines(claims)
    cells = next(csv.reader([lines[5]]))
    cells[4] = " " + cells[4]  # stray white space in the claim's text
    cells[0] = next(csv.reader([lines[3]]))[0]  # and the id of another claim
    lines[5] = _row_line(cells)
    claims.write_text("".join(lines), encoding="utf-8")
    capsys.readouterr()
    cached = validate(descriptor, cache=cache)
    assert COLD not in capsys.readouterr().err
    cold = validate(descriptor)
    assert {"stray-white-space", "primary-key-error", "value-not-exact"} <= {p.code for p in cached}
    assert _dicts(cached) == _dicts(cold)


def test_an_unchanged_package_is_the_cached_verdict(
    base: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    descriptor, cache = _copy(base, tmp_path)
    capsys.readouterr()
    cached = validate(descriptor, cache=cache)
    assert COLD not in capsys.readouterr().err
    assert cached and _dicts(cached) == _dicts(validate(descriptor))


# --------------------------------------------------------------------------- when it goes cold
def _bump_schema(package: Path) -> None:
    schema = package / "schemas" / "claims.schema.json"
    data = json.loads(schema.read_text(encoding="utf-8"))
    data["fields"][4]["constraints"]["maxLength"] = 5  # every claim text is now too long
    schema.write_text(json.dumps(data), encoding="utf-8")


def _bump_descriptor(package: Path) -> None:
    descriptor = package / "datapackage.json"
    data = json.loads(descriptor.read_text(encoding="utf-8"))
    data["headlineMeasure"] = "no_such_measure"
    descriptor.write_text(json.dumps(data), encoding="utf-8")


def _bump_vocabulary(package: Path) -> None:
    vocabulary = package / "data" / "vocabulary.csv"
    lines = _lines(vocabulary)
    vocabulary.write_text("".join(lines[:-1]), encoding="utf-8")  # a value loses its definition


@pytest.mark.parametrize("change", [_bump_schema, _bump_descriptor, _bump_vocabulary], ids=lambda f: f.__name__)
def test_a_changed_schema_descriptor_or_vocabulary_validates_cold(
    base: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], change
) -> None:
    descriptor, cache = _copy(base, tmp_path)
    change(descriptor.parent)
    capsys.readouterr()
    cached = validate(descriptor, cache=cache)
    assert "the code, a schema, the descriptor or the vocabulary changed" in capsys.readouterr().err
    cold = validate(descriptor)
    assert len(cold) > len(validate(base[0] / "datapackage.json"))  # the change is a new problem
    assert _dicts(cached) == _dicts(cold)


def test_changed_code_validates_cold(
    base: tuple[Path, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    descriptor, cache = _copy(base, tmp_path)
    code = tmp_path / "code"
    shutil.copytree(incremental.SCRIPTS, code, ignore=shutil.ignore_patterns("__pycache__"))
    (code / "validation" / "checks.py").write_text(
        (code / "validation" / "checks.py").read_text(encoding="utf-8") + "\n# changed\n", encoding="utf-8"
    )
    monkeypatch.setattr(incremental, "SCRIPTS", code)
    capsys.readouterr()
    validate(descriptor, cache=cache)
    assert "the code, a schema, the descriptor or the vocabulary changed" in capsys.readouterr().err


def _corrupt_manifest(cache: Path) -> None:
    data = (cache / MANIFEST).read_bytes()
    (cache / MANIFEST).write_bytes(data.replace(b'"message": "', b'"message": "X', 1))


def _truncate_manifest(cache: Path) -> None:
    (cache / MANIFEST).write_bytes((cache / MANIFEST).read_bytes()[:100])


def _corrupt_stage(cache: Path) -> None:
    (stage,) = cache.glob("generation-*/stage.duckdb")
    data = bytearray(stage.read_bytes())
    for at in range(4096, len(data), 997):
        data[at] ^= 0xFF
    stage.write_bytes(bytes(data))


def _remove_stage(cache: Path) -> None:
    (stage,) = cache.glob("generation-*/stage.duckdb")
    stage.unlink()


@pytest.mark.parametrize(
    "damage", [_corrupt_manifest, _truncate_manifest, _corrupt_stage, _remove_stage], ids=lambda f: f.__name__
)
def test_a_corrupt_cache_falls_back_to_cold_with_the_same_verdict(
    base: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], damage
) -> None:
    descriptor, cache = _copy(base, tmp_path)
    apply(descriptor.parent, ("cell", "claims", 3, 9, 4))  # a change, so that the stage is read
    damage(cache.folder)
    capsys.readouterr()
    cached = validate(descriptor, cache=cache)
    assert COLD in capsys.readouterr().err
    cold = validate(descriptor)
    assert cold and _dicts(cached) == _dicts(cold)


def test_the_cache_is_written_where_it_is_told_and_never_in_the_package(
    base: tuple[Path, Path], tmp_path: Path
) -> None:
    package = tmp_path / "package"
    shutil.copytree(base[0], package)
    before = sorted(p.relative_to(package) for p in package.rglob("*"))
    cache = tmp_path / "elsewhere" / "cache"
    assert main([str(package / "datapackage.json"), "--cache", str(cache)]) == 1
    assert sorted(p.relative_to(package) for p in package.rglob("*")) == before
    (slot,) = cache.iterdir()  # one folder per package
    assert (slot / MANIFEST).is_file() and list(slot.glob("generation-*/stage.duckdb"))


def test_a_read_only_cache_is_never_written(base: tuple[Path, Path], tmp_path: Path) -> None:
    descriptor, _ = _copy(base, tmp_path)
    cache = tmp_path / "empty-cache"
    cache.mkdir()
    apply(descriptor.parent, ("cell", "claims", 3, 9, 4))
    assert main([str(descriptor), "--cache", str(cache), "--cache-read-only"]) == 1
    assert list(cache.iterdir()) == []
    copied = tmp_path / "caches"
    shutil.copytree(tmp_path / "cache", cache_slot(copied, descriptor))
    before = {p: p.read_bytes() for p in copied.rglob("*") if p.is_file()}
    _bump_schema(descriptor.parent)  # cold, and a read-only cache is still not rewritten
    assert main([str(descriptor), "--cache", str(copied), "--cache-read-only"]) == 1
    assert {p: p.read_bytes() for p in copied.rglob("*") if p.is_file()} == before


# --------------------------------------------------------------------------- CI
MAIN_PUSH = "github.event_name == 'push' && github.ref == 'refs/heads/main'"


def test_ci_writes_the_validation_cache_only_on_a_push_to_main() -> None:
    ci = yaml.safe_load((ROOT / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    steps = ci["jobs"]["test"]["steps"]
    uses = {step["uses"].split("@")[0]: step for step in steps if "uses" in step}
    assert "actions/cache/restore" in uses and "if" not in uses["actions/cache/restore"]  # every run may read
    assert uses["actions/cache/save"]["if"] == MAIN_PUSH
    validating = [step for step in steps if str(step.get("run", "")).startswith("make validate")]
    writing = [step for step in validating if "CACHE_READ_ONLY=1" not in step["run"]]
    assert [step["if"] for step in writing] == [MAIN_PUSH]
    assert all(step["if"] == "github.event_name != 'push' || github.ref != 'refs/heads/main'"
               for step in validating if step not in writing)  # fmt: skip
    paths = {step["with"]["path"] for step in uses.values() if step["uses"].startswith("actions/cache/")}
    assert paths == {"build/validation-cache"}


def _text_removed(text: Path) -> None:
    text.unlink()


def _text_not_utf8(text: Path) -> None:
    text.write_bytes(text.read_bytes() + b"\xff")


def _text_a_folder(text: Path) -> None:
    text.unlink()
    text.mkdir()


@pytest.mark.parametrize("damage", [_text_removed, _text_not_utf8, _text_a_folder], ids=lambda f: f.__name__)
def test_a_text_that_can_no_longer_be_read_is_rechecked_with_the_cold_verdict(
    base: tuple[Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str], damage
) -> None:
    descriptor, cache = _copy(base, tmp_path)
    damage(sorted((descriptor.parent / "data" / "texts").iterdir())[0])
    capsys.readouterr()
    cached = validate(descriptor, cache=cache)
    assert COLD not in capsys.readouterr().err
    cold = validate(descriptor)
    assert len(cold) > 1 and _dicts(cached) == _dicts(cold)


def test_validation_never_imports_pandas_or_frictionless(base: tuple[Path, Path], tmp_path: Path) -> None:
    """Each costs a tenth to half a second of every start, which a re-validation in seconds cannot spare."""
    descriptor, _ = _copy(base, tmp_path)
    probe = (
        "import sys; from pathlib import Path; from scripts.validation.validate import validate; "
        f"validate(Path({str(descriptor)!r})); print(sorted({{'pandas', 'frictionless'}} & set(sys.modules)))"
    )
    found = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True)
    assert found.stdout.strip() == "[]"
