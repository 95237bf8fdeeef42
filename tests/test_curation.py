"""The curator's tools, and CONTRIBUTING.md's walk-through followed step by step on a small article
that the test writes itself."""

from __future__ import annotations

import hashlib
import re
import subprocess
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.curation import spans as spans_tool
from scripts.curation import tables, todo
from scripts.curation.add_source import entity_id_of
from scripts.curation.spans import occurrences, placed, repair
from scripts.package.read import DataPackage, Problem, Table
from scripts.validation.validate import validate
from tests.articles.third import next_source_id
from tests.conftest import ROOT
from tests.mutations import first_key, review_drafts, row_of, set_cells

ARTICLE = 'Olena Kovalenko told reporters on Monday that "about 2,000 soldiers arrived" near the border.\n'


def make(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "--silent", "--no-print-directory", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def _tree(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() for p in root.rglob("*") if p.is_file()
    }


@pytest.mark.slow
@pytest.mark.package  # on any package: a next article is added the same way
def test_the_contributing_walk_through_adds_an_article(
    package_copy: Path, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    root, package = package_copy.parent, f"DATAPACKAGE={package_copy}"
    source_id, _ = next_source_id(root)  # CONTRIBUTING's article-002, or the next free id
    text = tmp_path / "kyiv-report.txt"
    text.write_bytes(ARTICLE.encode("utf-8"))
    # 1. Archive the text, byte for byte.
    added = make("add-source", f"TEXT={text}", f"ID={source_id}", "PUBLISHED=2024-11-04",
                 "PUBLISHER_NAME=Example Outlet of the walk-through", package)  # fmt: skip
    assert added.returncode == 0, added.stderr
    assert (root / f"data/texts/{source_id}.txt").read_bytes() == text.read_bytes()
    # 2. See what the text holds: exactly what CONTRIBUTING.md shows.
    todo = make("todo", f"SOURCE={source_id}", package).stdout
    assert "name 'Olena Kovalenko' at 0..15" in todo
    documented = [line.strip() for line in (ROOT / "CONTRIBUTING.md").read_text(encoding="utf-8").splitlines()]
    shown = [line for line in documented if line.startswith("data/texts/article-002.txt:")]
    assert todo.splitlines() == [line.replace("article-002", source_id) for line in shown]
    # 3. Draft rows from the text, review them, accept them.
    drafted = make("suggest", f"SOURCE={source_id}", package)
    assert drafted.returncode == 0, drafted.stderr
    drafts = root / "drafts" / source_id
    review_drafts(drafts, "entities", {"Olena Kovalenko": "accept"}, description="Told reporters.")
    review_drafts(drafts, "claims", {"": "accept"}, claim="About 2,000 soldiers arrived near the border.",
                  topic="troop_numbers")  # fmt: skip
    review_drafts(drafts, "attributions", {"": "accept"})
    review_drafts(drafts, "quotes", {"about 2,000 soldiers arrived": "accept"})
    review_drafts(drafts, "quote_claims", {"": "accept"})
    review_drafts(drafts, "figures", {"2,000": "accept"}, measure="nk_troops_in_russia")
    accepted = make("accept", f"SOURCE={source_id}", package)
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    quote = next(
        row for row in tables.read_rows(DataPackage(package_copy).tables["quotes"]) if row["source_id"] == source_id
    )
    assert (quote["speaker_id"], quote["kind"], quote["char_start"]) == ("olena-kovalenko", "fragment", "47")
    # 4. Write the rows the drafts missed: here none.
    # 5. Place the spans.
    placed = make("spans", package)
    assert placed.returncode == 0, placed.stdout + placed.stderr
    # 6. Check the article until it prints nothing, and the list is empty; the package is valid.
    checked = make("check-article", f"SOURCE={source_id}", package)
    assert checked.returncode == 0 and f"0 problem(s) in {source_id}" in checked.stderr, checked.stdout
    validated = make("validate", package, f"VALIDATION_CACHE={tmp_path_factory.mktemp('cache')}")
    assert validated.returncode == 0 and validated.stdout == "", validated.stdout
    assert make("todo", f"SOURCE={source_id}", package).stdout == ""


def test_add_source_refuses_a_text_that_is_not_utf8_and_changes_nothing(package_copy: Path, tmp_path: Path) -> None:
    text = tmp_path / "latin1.txt"
    text.write_bytes("Kovalenko said caf\xe9".encode("latin-1"))
    before = _tree(package_copy.parent)
    source_id, _ = next_source_id(package_copy.parent)
    result = make("add-source", f"TEXT={text}", f"ID={source_id}", f"DATAPACKAGE={package_copy}")
    assert result.returncode != 0 and "not UTF-8" in result.stderr and "Traceback" not in result.stderr
    assert _tree(package_copy.parent) == before


@pytest.mark.parametrize(("text", "id_taken", "message"), [
    ("fresh text\n", True, "exists already"),  # the id of an archived article
    (None, False, "archived already as '{archived}'"),  # a free id, the text of an archived article
])  # fmt: skip
def test_add_source_refuses_an_id_or_a_text_already_in_the_package(
    package_copy: Path, tmp_path: Path, text: str | None, id_taken: bool, message: str
) -> None:
    archived, archived_text = next(iter(DataPackage(package_copy).archived_texts.items()))
    source_id = archived if id_taken else next_source_id(package_copy.parent)[0]
    message = message.format(archived=archived)
    path = tmp_path / "article.txt"
    path.write_bytes((text or archived_text).encode("utf-8"))
    before = _tree(package_copy.parent)
    result = make("add-source", f"TEXT={path}", f"ID={source_id}", f"DATAPACKAGE={package_copy}")
    assert result.returncode != 0 and message in result.stderr
    assert _tree(package_copy.parent) == before


def _add(package_copy: Path, tmp_path: Path, *settings: str) -> tuple[subprocess.CompletedProcess[str], str]:
    """`make add-source` of a fresh one-line text (written beforehand by _story) under the next free
    id: (the run, the id)."""
    text = _story(tmp_path)
    source_id, _ = next_source_id(package_copy.parent)
    return make("add-source", f"TEXT={text}", f"ID={source_id}", f"DATAPACKAGE={package_copy}", *settings), source_id


def _story(tmp_path: Path) -> Path:
    text = tmp_path / "story.txt"
    text.write_bytes(b"Olena Kovalenko told reporters on Tuesday that nothing changed near the border.\n")
    return text


def test_add_source_adds_the_outlet_named_by_publisher_name(package_copy: Path, tmp_path: Path) -> None:
    root = package_copy.parent
    result, source_id = _add(package_copy, tmp_path, "PUBLISHER_NAME=Example Outlet (Tallinn)")
    assert result.returncode == 0, result.stderr
    outlet = row_of(root, "entities", "example-outlet-tallinn")
    assert (outlet["name"], outlet["kind"], outlet["role"], outlet["aliases"]) == (
        "Example Outlet (Tallinn)", "media", "media", "Example Outlet (Tallinn)")  # fmt: skip
    assert row_of(root, "sources", source_id)["publisher_id"] == "example-outlet-tallinn"
    assert validate(package_copy) == []


@pytest.mark.parametrize(("name", "entity_id"), [
    ("Financial Times", "financial-times"),
    ("Example Outlet (Tallinn)", "example-outlet-tallinn"),
    ("Süddeutsche Zeitung", "suddeutsche-zeitung"),
    ("  KBS  ", "kbs"),
    ("King’s College London", "kings-college-london"),
])  # fmt: skip
def test_an_outlets_id_is_its_name_in_lowercase_ascii_words_joined_by_hyphens(name: str, entity_id: str) -> None:
    assert entity_id_of(name) == entity_id


def _an_outlet(root: Path) -> dict[str, str]:
    return row_of(root, "entities", first_key(root, "entities", lambda row: row["kind"] == "media"))


@pytest.mark.parametrize("spelling", ["name", "name in capitals", "id"])
def test_add_source_refuses_a_publisher_name_that_is_an_entity_already(
    package_copy: Path, tmp_path: Path, spelling: str
) -> None:
    outlet = _an_outlet(package_copy.parent)
    name = {"name": outlet["name"], "name in capitals": outlet["name"].upper(), "id": outlet["entity_id"]}[spelling]
    _story(tmp_path)
    before = _tree(package_copy.parent)
    result, _ = _add(package_copy, tmp_path, f"PUBLISHER_NAME={name}")
    assert result.returncode != 0 and "Traceback" not in result.stderr
    assert f"is entity '{outlet['entity_id']}' already: give PUBLISHER={outlet['entity_id']} instead" in result.stderr
    assert _tree(package_copy.parent) == before


def test_add_source_refuses_both_publisher_and_publisher_name(package_copy: Path, tmp_path: Path) -> None:
    _story(tmp_path)
    before = _tree(package_copy.parent)
    outlet = _an_outlet(package_copy.parent)["entity_id"]
    result, _ = _add(package_copy, tmp_path, f"PUBLISHER={outlet}", "PUBLISHER_NAME=Another Outlet")
    assert result.returncode != 0 and "not both" in result.stderr
    assert _tree(package_copy.parent) == before


@pytest.mark.parametrize(("settings", "note"), [
    ((), "Headline, outlet, URL and publication date not given in the text."),
    (("TITLE=Troops arrive", "URL=https://example.org/a"), "Outlet and publication date not given in the text."),
    (("PUBLISHED=2024-11-05", "TITLE=Troops arrive", "URL=https://example.org/a"),
     "Outlet not given in the text."),
])  # fmt: skip
def test_add_source_notes_what_the_text_does_not_give_in_the_projects_words(
    package_copy: Path, tmp_path: Path, settings: tuple[str, ...], note: str
) -> None:
    result, source_id = _add(package_copy, tmp_path, *settings)
    assert result.returncode == 0, result.stderr
    assert row_of(package_copy.parent, "sources", source_id)["notes"] == f"Added with make add-source. {note}"


def test_add_source_writes_no_note_of_what_is_missing_when_nothing_is(package_copy: Path, tmp_path: Path) -> None:
    outlet = _an_outlet(package_copy.parent)["entity_id"]
    given = ("PUBLISHED=2024-11-05", "TITLE=Troops arrive", "URL=https://example.org/a", f"PUBLISHER={outlet}")
    result, source_id = _add(package_copy, tmp_path, *given)
    assert result.returncode == 0, result.stderr
    assert row_of(package_copy.parent, "sources", source_id)["notes"] == "Added with make add-source."


def test_spans_never_alter_a_correct_row(package_copy: Path) -> None:
    before = _tree(package_copy.parent)
    assert repair(package_copy) == ([], 0)
    assert _tree(package_copy.parent) == before


def _text_of(root: Path, source_id: str) -> str:
    return (root / row_of(root, "sources", source_id)["text_path"]).read_text(encoding="utf-8")


def _once_in_its_text(root: Path, table: str) -> str:
    """The first row of `table` whose exact stands once in its article: its place is not in doubt."""
    return first_key(root, table, lambda row: _text_of(root, row["source_id"]).count(row["exact"]) == 1)


def test_spans_repair_a_wrong_offset_and_fill_an_empty_one(package_copy: Path) -> None:
    root = package_copy.parent
    figure, quote = _once_in_its_text(root, "figures"), _once_in_its_text(root, "quotes")
    right = {figure: row_of(root, "figures", figure), quote: row_of(root, "quotes", quote)}
    start, end = int(right[figure]["char_start"]), int(right[figure]["char_end"])
    set_cells(root, "figures", figure, char_start=str(start + 7), char_end=str(end + 7))
    set_cells(root, "quotes", quote, char_start="", char_end="")
    assert repair(package_copy) == ([], 2)
    spans = {key: (row_of(root, table, key)["char_start"], row_of(root, table, key)["char_end"])
             for table, key in (("figures", figure), ("quotes", quote))}  # fmt: skip
    assert spans == {key: (row["char_start"], row["char_end"]) for key, row in right.items()}


def _repeated_word(text: str) -> tuple[str, list[int]]:
    """The first word of the text that stands in it more than once, and where each occurrence starts."""
    for word in dict.fromkeys(re.findall(r"\w{6,}", text)):
        if len(starts := occurrences(text, word)) > 1:
            return word, starts
    raise AssertionError("no word stands twice in the article")


def test_spans_take_the_occurrence_nearest_a_rough_hint_or_report_the_row(package_copy: Path) -> None:
    root = package_copy.parent
    key = first_key(root, "attributions")
    word, starts = _repeated_word(_text_of(root, row_of(root, "attributions", key)["source_id"]))
    # Attribution rows share their key (the claim) over steps: the row is found by its number.
    row = set_cells(root, "attributions", key, exact=word, char_start="", char_end="")
    before = _tree(root)
    problems, changed = repair(package_copy)
    assert changed == 0 and _tree(root) == before
    assert [(p.path, p.row, p.column) for p in problems] == [("data/attributions.csv", row, "char_start")]
    set_cells(root, "attributions", key, char_start=str(starts[1] + 3))  # a rough hint near the second one
    assert repair(package_copy) == ([], 1)
    repaired = row_of(root, "attributions", key)
    assert (repaired["char_start"], repaired["char_end"]) == (str(starts[1]), str(starts[1] + len(word)))


def _unplaced(exact: str, start: str = "") -> dict[str, str]:
    return {"source_id": "story", "exact": exact, "char_start": start, "char_end": ""}


@pytest.mark.parametrize(("text", "exact", "expected"), [
    ("Tallinn and all of it", "all", (12, 15)),  # the one whole-word "all", not the one in "Tallinn"
    ('He said "about 2,000 arrived"', '"about 2,000', (8, 20)),  # the exact's own quote mark is a boundary
    ("2,000 soldiers", "2,000", (0, 5)),  # the text's edges are boundaries
    ("a (sic) note", "(sic)", (2, 7)),
])  # fmt: skip
def test_spans_place_an_exact_only_at_word_boundaries(text: str, exact: str, expected: tuple[int, int]) -> None:
    assert placed(_unplaced(exact), text) == expected


@pytest.mark.parametrize("text", ["Tallinn is small", "Tallinn, Dallas and allies"])
def test_spans_refuse_an_exact_found_only_inside_longer_words(text: str) -> None:
    problem = placed(_unplaced("all"), text)
    assert isinstance(problem, Problem) and problem.column == "exact"
    assert "'all' is not in story as whole words" in problem.message


def test_spans_name_every_occurrence_of_an_ambiguous_exact() -> None:
    problem = placed(_unplaced("all"), "all of them, all told, and Tallinn")
    assert isinstance(problem, Problem) and problem.column == "char_start"
    assert "'all' occurs 2 times in story (at 0, 13): give a char_start near the one meant" in problem.message


def _ambiguous_and_empty(root: Path) -> tuple[int, str]:
    """Makes one attribution ambiguous (a repeated word, no hint) and empties one figure's offsets:
    returns the attribution's row number and the figure's key."""
    key = first_key(root, "attributions")
    word, _ = _repeated_word(_text_of(root, row_of(root, "attributions", key)["source_id"]))
    row = set_cells(root, "attributions", key, exact=word, char_start="", char_end="")
    figure = _once_in_its_text(root, "figures")
    set_cells(root, "figures", figure, char_start="", char_end="")
    return row, figure


def test_spans_write_every_row_they_can_place_list_the_others_and_exit_1(
    package_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    root = package_copy.parent
    right = row_of(root, "figures", figure := _once_in_its_text(root, "figures"))
    row, figure = _ambiguous_and_empty(root)
    assert spans_tool.main([str(package_copy)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith(f"data/attributions.csv:{row}:char_start: ") and out.count("\n") == 1
    assert "occurs" in out and "give a char_start near the one meant" in out
    assert "1 span(s) cannot be placed; the others were written (1 table(s) repaired)" in err
    repaired = row_of(root, "figures", figure)
    assert (repaired["char_start"], repaired["char_end"]) == (right["char_start"], right["char_end"])
    assert row_of(root, "attributions", first_key(root, "attributions"))["char_start"] == ""


def test_spans_write_each_changed_table_whole_and_atomically(
    package_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = package_copy.parent
    _ambiguous_and_empty(root)
    written: list[Path] = []
    real = tables.write_atomically

    def recorded(output: Path, data: bytes | str) -> Path:
        written.append(output)
        return real(output, data)

    monkeypatch.setattr(tables, "write_atomically", recorded)
    problems, changed = repair(package_copy)
    assert len(problems) == 1 and changed == 1
    assert written == [root / "data/figures.csv"]  # the figures only, once, whole: not the attributions


def test_spans_leave_a_table_as_it_was_when_its_write_fails(
    package_copy: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    root = package_copy.parent
    _ambiguous_and_empty(root)
    before = _tree(root)

    def refused(source: object, target: object) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("scripts.atomic.os.replace", refused)
    with pytest.raises(OSError, match="No space left"):
        repair(package_copy)
    assert _tree(root) == before  # the old file, and no temporary file left beside it


def test_todo_reads_each_table_once_for_every_source(package_copy: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    tables_read: list[str] = []
    read_rows = todo.read_rows

    def counted(table: Table) -> list[dict[str, str]]:
        tables_read.append(table.name)
        return read_rows(table)

    monkeypatch.setattr(todo, "read_rows", counted)
    sources = sorted(DataPackage(package_copy).archived_texts)
    assert len(sources) > 1 and todo.main([str(package_copy)]) == 0
    assert sorted(tables_read) == ["entities", "exclusions", "figures", "quotes", "sources"]


spans = st.lists(st.tuples(st.integers(0, 20), st.integers(0, 20)), max_size=8)


@settings(max_examples=300, deadline=None, database=None)
@given(rows=spans, span=st.tuples(st.integers(0, 20), st.integers(0, 20)))
def test_a_number_is_covered_when_a_figure_or_exclusion_span_contains_it(
    rows: list[tuple[int, int]], span: tuple[int, int]
) -> None:
    start, end = span
    expected = any(s <= start and end <= e for s, e in rows)
    assert todo.Covering.of(rows).contains(start, end) == expected


def test_add_source_without_an_outlet_adds_the_unnamed_outlet_the_codebook_gives_each_such_article(
    package_copy: Path, tmp_path: Path
) -> None:
    root = package_copy.parent
    result, source_id = _add(package_copy, tmp_path)
    assert result.returncode == 0, result.stderr
    outlet = row_of(root, "entities", f"outlet-{source_id}")
    assert (outlet["name"], outlet["kind"], outlet["role"]) == (f"Unnamed outlet of {source_id}", "media", "media")
    source = row_of(root, "sources", source_id)
    assert source["publisher_id"] == f"outlet-{source_id}" and "outlet" in source["notes"].lower()
    assert not [problem for problem in validate(package_copy) if problem.code.startswith("foreign-key")]


def _todo_of(package_copy: Path, text: str) -> list[str]:
    """The to-do list of an archived text replaced by `text` (todo reads the text, not its hash)."""
    package = DataPackage(package_copy)
    source_id = sorted(package.archived_texts)[0]
    path = row_of(package_copy.parent, "sources", source_id)["text_path"]
    (package_copy.parent / path).write_text(text, encoding="utf-8")
    return list(todo.todo(DataPackage(package_copy), source_id))


def test_todo_labels_a_quantity_word_apart_from_a_number_and_says_what_clears_each(package_copy: Path) -> None:
    lines = _todo_of(package_copy, "Officials said dozens of soldiers, perhaps 1,500, were sent.\n")
    cleared = "add a figures row, or an exclusions row saying why it is none"
    assert [line.split(": ", 1)[1] for line in lines] == [
        f"quantity word 'dozens' at 15..21: {cleared}",
        f"number '1,500' at 43..48: {cleared}",
    ]


def test_todo_never_joins_a_name_across_a_line_break_nor_offers_an_exclusion_for_a_name(package_copy: Path) -> None:
    lines = _todo_of(package_copy, "Report From Kyiv\nOlena Kovalenko spoke.\n")
    names = [line.split(": ", 1)[1].split(" at ")[0] for line in lines]
    assert names == ["name 'Report From Kyiv'", "name 'Olena Kovalenko'"]
    assert all(line.endswith("if it names a person, body or outlet; otherwise leave it") for line in lines)
    assert not any("exclusion" in line for line in lines)
