"""A generated third article, added to a copy of the project the way CONTRIBUTING.md's walk-through
adds one: `make add-source`, `make todo`, rows written with their exact words only, `make spans`,
`make validate`. The story is synthetic (written here, not news) and never enters the real package.

It is written to collide with what the real articles hold: a troop count ("3,000") and a quotation
("cannon fodder.") that stand in them too, an estimate dated before theirs, a quantity word ("Most")
excluded with its reason, a new entity and a publication date."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

from tests.conftest import PROJECT_FILES, ROOT
from tests.mutations import append_row

STORY = (
    "(a synthetic story written by a test, not news)\n"
    'Marta Hrytsenko told reporters on Monday that "about 3,000 soldiers arrived" near the border.\n'
    'Most of them, she said, were sent as "cannon fodder."\n'
)


def make(*args: str) -> subprocess.CompletedProcess[str]:
    """A make target of this repository, as a curator runs it."""
    command = ["make", "--silent", "--no-print-directory", *args]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)


def next_source_id(root: Path) -> tuple[str, str]:
    """The first free `article-NNN` id of the package, and its row prefix `aNNN`."""
    with (root / "data/sources.csv").open(encoding="utf-8", newline="") as handle:
        taken = {row["source_id"] for row in csv.DictReader(handle)}
    number = next(n for n in range(1000) if f"article-{n:03d}" not in taken)
    return f"article-{number:03d}", f"a{number:03d}"


def _run(step: str, result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, f"{step} failed:\n{result.stdout}{result.stderr}"
    return result.stdout


def _write_rows(root: Path, source_id: str, prefix: str) -> None:
    """Step 3 of the walk-through: the rows, each span by its exact words, offsets left empty."""
    span = {"source_id": source_id, "char_start": "", "char_end": ""}
    speaker = "marta-hrytsenko"
    person = {"entity_id": speaker, "name": "Marta Hrytsenko", "kind": "person", "aliases": "Marta Hrytsenko"}
    append_row(root, "entities", {**person, "description": "Told reporters (in a synthetic story)."})
    claims = {
        f"{prefix}-c01": ("About 3,000 soldiers arrived near the border.", "troop_numbers",
                          '"about 3,000 soldiers arrived" near the border', "Marta Hrytsenko told reporters"),
        f"{prefix}-c02": ("Most of the soldiers were sent as cannon fodder.", "combat",
                          'Most of them, she said, were sent as "cannon fodder."', "she said"),
    }  # fmt: skip
    for claim_id, (claim, topic, exact, attributed) in claims.items():
        said = {"claimant_id": speaker, "modality": "asserts", "claimed_on": "2024-10-21"}
        append_row(
            root, "claims", {"claim_id": claim_id, "topic": topic, "claim": claim, "exact": exact, **said, **span}
        )
        chain = {"claim_id": claim_id, "step": "1", "role": "asserts", "entity_id": speaker}
        append_row(root, "attributions", {**chain, "exact": attributed, **span})
    quotes = {f"{prefix}-q01": ("about 3,000 soldiers arrived", f"{prefix}-c01"),
              f"{prefix}-q02": ("cannon fodder.", f"{prefix}-c02")}  # fmt: skip
    for quote_id, (exact, claim_id) in quotes.items():
        append_row(root, "quotes", {"quote_id": quote_id, "speaker_id": speaker, "kind": "fragment",
                                    "said_on": "2024-10-21", "exact": exact, **span})  # fmt: skip
        append_row(root, "quote_claims", {"quote_id": quote_id, "claim_id": claim_id})
    append_row(root, "figures", {"figure_id": f"{prefix}-f01", "claim_id": f"{prefix}-c01", "exact": "3,000",
                                 "measure": "nk_troops_in_russia", "value": "3000", "unit": "soldiers",
                                 "qualifier": "approximately", "as_of": "2024-10-21", "reported_by_id": speaker,
                                 **span})  # fmt: skip
    append_row(root, "exclusions", {**span, "exact": "Most", "reason": "A share of the soldiers, never counted."})


def add_third_article(root: Path, tmp_path: Path) -> str:
    """Adds the synthetic story to the package at `root` by CONTRIBUTING.md's steps; its source id."""
    package = f"DATAPACKAGE={root / 'datapackage.json'}"
    source_id, prefix = next_source_id(root)
    text = tmp_path / "synthetic-story.txt"
    text.write_bytes(STORY.encode("utf-8"))
    _run("1. add-source", make("add-source", f"TEXT={text}", f"ID={source_id}", "PUBLISHED=2024-10-22",
                               "TITLE=Synthetic test story", package))  # fmt: skip
    assert "quotation 'cannon fodder.'" in _run("2. todo", make("todo", f"SOURCE={source_id}", package))
    _write_rows(root, source_id, prefix)
    _run("4. spans", make("spans", package))
    assert _run("5. validate", make("validate", package)) == ""
    assert _run("5. todo", make("todo", f"SOURCE={source_id}", package)) == ""
    return source_id


def git(root: Path, *args: str) -> str:
    identity = ("-c", "user.name=curator", "-c", "user.email=curator@example.org")
    return subprocess.run(["git", *identity, *args], cwd=root, capture_output=True, text=True, check=True).stdout


def clone_of_the_project(destination: Path) -> Path:
    """A clone of this repository (its history, no tags) holding the working tree's project files,
    committed: what a curator starts from. Scripts and tests stay this repository's own."""
    git(ROOT, "clone", "-q", "--no-tags", str(ROOT), str(destination))
    for name in PROJECT_FILES:
        target = destination / name
        shutil.rmtree(target) if target.is_dir() else target.unlink(missing_ok=True)
        (shutil.copytree if (ROOT / name).is_dir() else shutil.copy2)(ROOT / name, target)
    git(destination, "add", "-A")
    git(destination, "commit", "-q", "--allow-empty", "-m", "the working tree")
    return destination


def finish_the_walk_through(root: Path, source_id: str) -> None:
    """Step 7: `make docs` (the README's troop table comes from the figures, its drafting scores from the
    articles and the test texts), a CHANGELOG line, a commit."""
    docs = [sys.executable, "-m", "scripts.releases.docs", "--datapackage", str(root / "datapackage.json")]
    _run(
        "7. docs", subprocess.run([*docs, "--write", str(root / "README.md")], cwd=ROOT, capture_output=True, text=True)
    )
    scores = [sys.executable, "-m", "scripts.curation.suggest_eval", str(root / "datapackage.json")]
    scores += ["--texts", str(root / "tests" / "suggest_texts"), "--write-readme", str(root / "README.md")]
    _run("7. docs", subprocess.run(scores, cwd=ROOT, capture_output=True, text=True))
    changelog = root / "CHANGELOG.md"
    note = f"## [Unreleased]\n\n### Added\n- The article {source_id} (a synthetic test story).\n"
    changelog.write_text(changelog.read_text(encoding="utf-8").replace("## [Unreleased]\n", note, 1), encoding="utf-8")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", f"Add {source_id}")


def project_with_a_third_article(destination: Path, scratch: Path) -> tuple[Path, str]:
    """A curator's clone in `destination` with the synthetic story added and merged; its source id."""
    root = clone_of_the_project(destination)
    source_id = add_third_article(root, scratch)
    finish_the_walk_through(root, source_id)
    return root, source_id
