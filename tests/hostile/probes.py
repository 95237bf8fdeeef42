"""The hostile packages: each probe breaks a copy of the package the way an attacker would and
names the message it must get. Adding a probe is adding a function here with @probe(...): the
suite (test_hostile_packages.py) runs every probe through validate, the frictionless reference mode
and build, and requires exit 1, that message, no traceback, no secret, no network, nothing written.

Secrets live in `site.outside` (see conftest.py); no probe may get any of them printed."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Callable
from dataclasses import dataclass

from scripts.validation.checks import SHOWN_PER_KIND
from tests.conftest import read_table
from tests.hostile.conftest import SECRET, SECRET_NUMBER, Site
from tests.mutations import append_row, edit_json, first_key, key_at, row_number, row_of, set_cells

# An attack may return the CSV row that `expected` names as {row}, or the values of each {name} it names:
# the rows it breaks are picked from the package by what they hold, not by today's ids.
Attack = Callable[[Site], "int | dict[str, object] | None"]


@dataclass(frozen=True)
class Probe:
    attack: Attack
    expected: str  # a fragment of the message every command must print
    reference: str | None = None  # where frictionless (validate --reference) words it otherwise

    @property
    def name(self) -> str:
        return self.attack.__name__

    def run(self, site: Site) -> tuple[str, str]:
        """Break the package; (expected message, its wording in the reference mode)."""
        found = self.attack(site)
        values = {"row": found} if isinstance(found, int) else found or {}
        return _filled(self.expected, values), _filled(self.reference or self.expected, values)


def _filled(message: str, values: dict[str, object]) -> str:
    for name, value in values.items():
        message = message.replace(f"{{{name}}}", str(value))
    return message


PROBES: list[Probe] = []


def probe(expected: str, reference: str | None = None) -> Callable[[Attack], Attack]:
    def register(attack: Attack) -> Attack:
        PROBES.append(Probe(attack, expected, reference))
        return attack

    return register


def _resource(site: Site, name: str) -> Callable[[Callable[[dict], None]], None]:
    def edit(change: Callable[[dict], None]) -> None:
        def apply(descriptor: dict) -> None:
            change(next(r for r in descriptor["resources"] if r["name"] == name))

        edit_json(site.descriptor, apply)

    return edit


def _schema(site: Site, table: str, change: Callable[[dict], None]) -> None:
    edit_json(site.root / "schemas" / f"{table}.schema.json", change)


def _field(schema: dict, name: str) -> dict:
    return next(f for f in schema["fields"] if f["name"] == name)


def _first_source(site: Site) -> dict[str, str]:
    """The first source with an archived text."""
    return next(row for row in read_table("sources", site.root) if row["text_path"])


def _first(site: Site, table: str, column: str) -> str:
    """The key of the first row of `table` whose `column` holds something."""
    return first_key(site.root, table, lambda row: bool(row[column]))


# ----------------------------------------------------------------------------- paths out of the package
@probe("data/sources.csv:{row}:text_path: path '../outside/secret.txt' has a '..' segment")
def text_path_climbs_out(site: Site) -> int:
    return set_cells(site.root, "sources", _first_source(site)["source_id"], text_path="../outside/secret.txt")


@probe("data/sources.csv:{row}:text_path: path 'data/texts/x\\x9b2J\\x7f.txt' contains a backslash, a control")
def text_path_with_a_c1_control_and_del(site: Site) -> int:
    """A terminal reads U+009B as the start of an escape sequence, as it does ESC [."""
    source_id = read_table("sources", site.root)[0]["source_id"]
    return set_cells(site.root, "sources", source_id, text_path="data/texts/x\u009b2J\x7f.txt")


@probe("data/sources.csv:{row}:text_path: path '/")
def text_path_is_absolute(site: Site) -> int:
    return set_cells(site.root, "sources", _first_source(site)["source_id"], text_path=str(site.outside / "secret.txt"))


@probe("data/sources.csv:{row}:text_path: path '{text}' resolves outside the package root")
def archived_text_is_a_symlink_out(site: Site) -> dict[str, object]:
    source = _first_source(site)
    text = site.root / source["text_path"]
    text.unlink()
    text.symlink_to(site.outside / "secret.txt")
    return {"row": row_number(site.root, "sources", source["source_id"]), "text": source["text_path"]}


@probe("data/sources.csv:{row}:text_path: path '{text}' resolves outside the package root")
def texts_folder_is_a_symlink_out(site: Site) -> dict[str, object]:
    texts = site.root / "data/texts"
    for file in texts.iterdir():
        (site.outside / file.name).write_bytes(file.read_bytes())
        file.unlink()
    texts.rmdir()
    texts.symlink_to(site.outside)
    source = _first_source(site)
    return {"row": row_number(site.root, "sources", source["source_id"]), "text": source["text_path"]}


@probe("datapackage.json:-:resources.0.path: path has a '..' segment")
def resource_path_climbs_out(site: Site) -> None:
    _resource(site, "sources")(lambda r: r.update(path="../outside/secret.csv"))


@probe("datapackage.json:-:resources.0.path: path is absolute")
def resource_path_is_proc_environ(site: Site) -> None:
    _resource(site, "sources")(lambda r: r.update(path="/proc/self/environ"))


@probe("datapackage.json:-:resources.0.path: path is a URL")
def resource_path_is_a_url(site: Site) -> None:
    _resource(site, "sources")(lambda r: r.update(path="https://example.org/sources.csv"))


@probe("datapackage.json:-:resources.0.path: path 'data/sources.csv' resolves outside the package root")
def resource_file_is_a_symlink_out(site: Site) -> None:
    csv = site.root / "data/sources.csv"
    csv.unlink()
    csv.symlink_to(site.outside / "secret.csv")


@probe("datapackage.json:-:resources.10.schema: path has a '..' segment")
def schema_path_climbs_out(site: Site) -> None:
    _resource(site, "exclusions")(lambda r: r.update(schema="../outside/schema.json"))


@probe("datapackage.json:-:resources.0.dialect: path is a URL")
def dialect_is_a_url(site: Site) -> None:
    _resource(site, "sources")(lambda r: r.update(dialect="https://example.org/dialect.json"))


@probe("datapackage.json:-:resources.0.dialect: path has a '..' segment")
def dialect_climbs_out(site: Site) -> None:
    _resource(site, "sources")(lambda r: r.update(dialect="../outside/secret.txt"))


@probe("datapackage.json:-:resources.0.dialect: 'delimiter': only the default CSV dialect is read")
def dialect_that_the_validator_would_ignore(site: Site) -> None:
    _resource(site, "sources")(lambda r: r.update(dialect={"delimiter": ";"}))


# DuckDB's read_csv expands * ? [ ] in a path: `data/o[u]t/credentials` reads `data/out/credentials`,
# and `data/out` may be a link that leaves the package (issue 19). Every path a package names is
# refused with such a character, and so is a link inside the package that points at such a name.
def _glob_trap(site: Site) -> None:
    """`data/out`, a link to a folder outside holding `credentials` (a secret that reads as a valid
    table), beside a real folder `data/o[u]t` holding a harmless `credentials` of the same shape."""
    secrets = site.outside / "out"
    secrets.mkdir()
    (secrets / "credentials").write_text(f"line\n{SECRET}\n{SECRET_NUMBER}\n", encoding="utf-8")
    (site.root / "data/out").symlink_to(secrets)
    (site.root / "data/o[u]t").mkdir()
    (site.root / "data/o[u]t/credentials").write_text("line\nharmless\n", encoding="utf-8")


def _add_table(site: Site, path: str) -> None:
    table = {"name": "notes", "path": path, "schema": {"fields": [{"name": "line", "type": "string"}]}}
    edit_json(site.descriptor, lambda d: d["resources"].append(table))


@probe("datapackage.json:-:resources.12.path: path contains '[', which a reader would expand")
def glob_path_beside_a_symlink_out(site: Site) -> None:
    _glob_trap(site)
    _add_table(site, "data/o[u]t/credentials")


@probe("resources.12.path: path 'data/notes.csv' is a symbolic link to a name with '[', which a reader would expand")
def symlink_to_a_glob_name_beside_a_symlink_out(site: Site) -> None:
    _glob_trap(site)
    (site.root / "data/notes.csv").symlink_to("o[u]t/credentials")
    _add_table(site, "data/notes.csv")


@probe("path 'data/notes/credentials' goes through the symbolic link 'data/notes' to a name with '['")
def folder_on_the_way_is_a_symlink_to_a_glob_name(site: Site) -> None:
    _glob_trap(site)
    (site.root / "data/notes").symlink_to("o[u]t")
    _add_table(site, "data/notes/credentials")


@probe(
    "datapackage.json:-:resources.2.path: path 'data/way/claims.csv' resolves outside the package root "
    "(through the symbolic link 'data/way')"
)
def folder_on_the_way_leaves_the_package_and_comes_back(site: Site) -> None:
    way = site.outside / "way"
    way.mkdir()
    (way / "claims.csv").symlink_to(site.root / "data/claims.csv")
    (site.root / "data/way").symlink_to(way)
    _resource(site, "claims")(lambda r: r.update(path="data/way/claims.csv"))


@probe("datapackage.json:-:resources.0.path: path contains '{', which a reader would expand")
def brace_path(site: Site) -> None:
    (site.root / "data/{sources}.csv").write_bytes((site.root / "data/sources.csv").read_bytes())
    _resource(site, "sources")(lambda r: r.update(path="data/{sources}.csv"))


@probe("datapackage.json:-:resources.10.schema: path contains '*', which a reader would expand")
def schema_path_with_a_wildcard(site: Site) -> None:
    _resource(site, "exclusions")(lambda r: r.update(schema="schemas/exclusions.schema.*"))


@probe("data/sources.csv:{row}:text_path: path '{path}' contains '?', which a reader would expand")
def text_path_with_a_wildcard(site: Site) -> dict[str, object]:
    source = _first_source(site)
    path = source["text_path"].removesuffix(".txt")[:-1] + "?.txt"  # a pattern that matches its own text
    return {"row": set_cells(site.root, "sources", source["source_id"], text_path=path), "path": path}


@probe(f"data/sources.csv:{{row}}:text_path: path 'data/texts/{'a' * 189}…' cannot be looked up: File name too long")
def text_path_with_a_name_too_long(site: Site) -> int:
    return set_cells(site.root, "sources", _first_source(site)["source_id"], text_path=f"data/texts/{'a' * 300}.txt")


@probe("datapackage.json:-:$schema: Input should be 'https://datapackage.org/profiles/2.0/datapackage.json'")
def profile_to_fetch(site: Site) -> None:
    edit_json(site.descriptor, lambda d: d.update({"$schema": "https://example.org/profile.json"}))


# ----------------------------------------------------------------------------- malformed descriptors
@probe("cannot read descriptor: nested more than 64 levels deep")
def descriptor_nested_100000_deep(site: Site) -> None:
    site.descriptor.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")


@probe("cannot read descriptor: a data package descriptor is a JSON object")
def descriptor_is_a_list(site: Site) -> None:
    site.descriptor.write_text("[]", encoding="utf-8")


@probe("cannot read descriptor: a data package descriptor is a JSON object")
def descriptor_is_null(site: Site) -> None:
    site.descriptor.write_text("null", encoding="utf-8")


@probe("cannot read descriptor: not valid JSON")
def descriptor_is_not_json(site: Site) -> None:
    site.descriptor.write_text('{"name": ', encoding="utf-8")


@probe("datapackage.json:-:resources: no resource 'sources', which the project's checks need")
def sources_resource_missing(site: Site) -> None:
    edit_json(site.descriptor, lambda d: d.update(resources=[r for r in d["resources"] if r["name"] != "sources"]))


@probe("datapackage.json:-:resources: no resource 'quotes', which the project's checks need")
def quotes_resource_missing(site: Site) -> None:
    edit_json(site.descriptor, lambda d: d.update(resources=[r for r in d["resources"] if r["name"] != "quotes"]))


@probe("schemas/sources.schema.json:-:fields: no field 'text_path', which the project's checks need")
def column_the_checks_read_missing(site: Site) -> None:
    _schema(site, "sources", lambda s: s.update(fields=[f for f in s["fields"] if f["name"] != "text_path"]))


def _drop_field(site: Site, table: str, name: str) -> None:
    _schema(site, table, lambda s: s.update(fields=[f for f in s["fields"] if f["name"] != name]))


@probe("schemas/entities.schema.json:-:fields: no field 'kind', which the project's checks need (entities.kind "
       "is read by the affiliation check); add it back")  # fmt: skip
def column_only_a_content_check_reads_missing(site: Site) -> None:
    _drop_field(site, "entities", "kind")


@probe("schemas/claims.schema.json:-:fields: no field 'claim', which the project's checks need (claims.claim "
       "is read by the database's search index); add it back")  # fmt: skip
def column_the_search_index_reads_missing(site: Site) -> None:
    _drop_field(site, "claims", "claim")


@probe("schemas/figures.schema.json:-:fields: no field 'measure', which the project's checks need "
       "(figures.measure is read by the canned query figures_for_measure); add it back")  # fmt: skip
def column_a_canned_query_lists_missing(site: Site) -> None:
    _drop_field(site, "figures", "measure")


def _rename_column(site: Site, table: str, old: str, new: str) -> None:
    """A field renamed in its schema and its CSV header (no key names it)."""
    _schema(site, table, lambda s: _field(s, old).update(name=new))
    path = site.root / "data" / f"{table}.csv"
    header, rest = path.read_text(encoding="utf-8").split("\n", 1)
    renamed = ",".join('"' + new.replace('"', '""') + '"' if name == old else name for name in header.split(","))
    path.write_text(renamed + "\n" + rest, encoding="utf-8")


@probe("data/claims.csv:{row}:claim: control character U+0007")
def column_name_with_a_double_quote(site: Site) -> int:
    _rename_column(site, "claims", "notes", 'no"tes')  # all of a row is read back to say where the character is
    return set_cells(
        site.root, "claims", _first(site, "claims", "claim"), claim="Thousands of North Korean troops\x07 are here."
    )


@probe("schemas/claims.schema.json:-:-: field name 'ROWID' is repeated or reserved")
def column_named_like_the_row_id(site: Site) -> None:
    _rename_column(site, "claims", "notes", "ROWID")  # DuckDB's and SQLite's name of a row's id, in any case


@probe("datapackage.json:-:-: resource names must be unique: claims repeated")
def two_resources_with_one_name(site: Site) -> None:
    garbage = site.root / "data" / "garbage.csv"
    garbage.write_text("claim_id\n!!!\n", encoding="utf-8")

    def duplicate(descriptor: dict) -> None:
        garbage = {"name": "claims", "path": "data/garbage.csv", "schema": "schemas/claims.schema.json"}
        descriptor["resources"].append(garbage)

    edit_json(site.descriptor, duplicate)


@probe("schemas/quotes.schema.json:-:foreignKeys.0: references resource 'nowhere', which the package does not have")
def foreign_key_to_a_missing_resource(site: Site) -> None:
    _schema(site, "quotes", lambda s: s["foreignKeys"][0]["reference"].update(resource="nowhere"))


@probe("schemas/quotes.schema.json:-:foreignKeys.0: references no_such_column, which sources does not have")
def foreign_key_to_a_missing_column(site: Site) -> None:
    _schema(site, "quotes", lambda s: s["foreignKeys"][0]["reference"].update(fields=["no_such_column"]))


@probe("a foreign key names as many fields as its reference names")
def foreign_key_field_counts_differ(site: Site) -> None:
    _schema(site, "quotes", lambda s: s["foreignKeys"][0]["reference"].update(fields=["claim_id", "source_id"]))


@probe("constraint minimum of a integer field must be a finite number")
def minimum_is_a_word(site: Site) -> None:
    _schema(site, "claims", lambda s: _field(s, "char_start")["constraints"].update(minimum="abc"))


@probe("constraint minimum of a integer field must be a finite number")
def minimum_is_nan(site: Site) -> None:
    _schema(site, "claims", lambda s: _field(s, "char_start")["constraints"].update(minimum="nan"))


@probe("constraint minimum of a integer field must be a finite number")
def minimum_is_infinite(site: Site) -> None:
    path = site.root / "schemas/claims.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    _field(schema, "char_start")["constraints"]["minimum"] = 0
    path.write_text(json.dumps(schema).replace('"minimum": 0', '"minimum": 1e400'), encoding="utf-8")


@probe("pattern does not compile")
def pattern_does_not_compile(site: Site) -> None:
    _schema(site, "claims", lambda s: _field(s, "claim_id")["constraints"].update(pattern="("))


@probe("pattern nests unbounded repetitions")
def pattern_backtracks_for_ever(site: Site) -> None:
    _schema(site, "claims", lambda s: _field(s, "claim_id")["constraints"].update(pattern="^(a+)+$"))
    set_cells(site.root, "claims", first_key(site.root, "claims"), notes="a" * 40 + "!")


@probe("field name '_row' is repeated or reserved")
def field_named_like_the_staging_row(site: Site) -> None:
    _schema(site, "claims", lambda s: _field(s, "notes").update(name="_row"))


@probe("field name 'Notes' is repeated or reserved")
def two_fields_one_name_but_for_case(site: Site) -> None:
    _schema(site, "claims", lambda s: s["fields"].append({"name": "Notes", "type": "string"}))


@probe("resource name 'texts' is taken by the database build")
def resource_named_like_a_built_table(site: Site) -> None:
    _resource(site, "exclusions")(lambda r: r.update(name="texts"))


@probe("datapackage.json:-:resources: resource name 'nk_texts' is taken by the validator (names beginning nk_)")
def resource_named_like_a_table_the_validator_stages(site: Site) -> None:
    def add(descriptor: dict) -> None:
        extra = {"name": "nk_texts", "path": "data/claim_links.csv", "schema": "schemas/claim_links.schema.json"}
        descriptor["resources"].append(extra)

    edit_json(site.descriptor, add)


# ----------------------------------------------------------------------------- malformed CSV
@probe("data/claims.csv:{row}:-: CSV cannot be parsed: field larger than field limit (131072)")
def cell_over_131072_characters(site: Site) -> int:
    return set_cells(site.root, "claims", key_at(site.root, "claims", 3), notes="x" * 200_000)


@probe("CSV cannot be parsed: field larger than field limit (131072) (an unclosed quotation mark?)")
def unclosed_quote_in_a_large_csv(site: Site) -> None:
    path = site.root / "data/claims.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    claim = read_table("claims", site.root)[0]
    by = f"{claim['source_id']},{claim['claimant_id']}"
    unclosed = f'a999-c0,{by},,"A claim whose quotation mark is never closed.,other\n'
    filler = [f"a999-c{i:05d},{by},,A claim.,other,reports,,x,0,1,,\n" for i in range(4000)]
    path.write_text("".join([*lines[:3], unclosed, *filler, *lines[3:]]), encoding="utf-8")


# ----------------------------------------------------------------------------- messages quote little
@probe("is not the text at")
def exact_replaced_by_a_page_of_text(site: Site) -> None:
    set_cells(site.root, "claims", _first(site, "claims", "char_start"), exact="A" * 5000)


@probe("data/sources.csv:1:-: incorrect-label: the header has 1000 columns",
       reference="data/sources.csv:-:-: extra-label")  # fmt: skip
def header_of_a_thousand_columns(site: Site) -> None:
    path = site.root / "data/sources.csv"
    data = path.read_text(encoding="utf-8")
    path.write_text(",".join(f"column{i}" for i in range(1000)) + data[data.index("\n") :], encoding="utf-8")


@probe("data/sources.csv:{row}:text_sha256")
def archived_text_swapped_for_another_inside(site: Site) -> int:
    source = _first_source(site)
    (site.root / source["text_path"]).write_bytes(os.urandom(3000))
    return row_number(site.root, "sources", source["source_id"])


@probe("data/sources.csv:{row}:text_path: archived text not found: 'data/texts/missing.txt'")
def source_row_names_a_missing_text(site: Site) -> int:
    row = {"source_id": "extra", "kind": "other", "text_path": "data/texts/missing.txt", "text_sha256": "0" * 64}
    return append_row(site.root, "sources", row)


# ----------------------------------------------------------------------------- found by a red-team review
@probe("a unique key names at least one field")
def unique_key_of_no_field(site: Site) -> None:
    _schema(site, "claims", lambda s: s.update(uniqueKeys=[[]]))


@probe("schemas/claims.schema.json:-:uniqueKeys.0: names the field 'nosuch', which the schema does not have")
def unique_key_of_an_unknown_field(site: Site) -> None:
    _schema(site, "claims", lambda s: s.update(uniqueKeys=[["nosuch"]]))


@probe("schemas/claims.schema.json:-:foreignKeys.0.fields: Value should have at least 1 item")
def foreign_key_of_no_field(site: Site) -> None:
    empty = {"fields": [], "reference": {"resource": "sources", "fields": []}}
    _schema(site, "claims", lambda s: s["foreignKeys"][0].update(empty))


@probe("which is not a primary or unique key of claims")
def foreign_key_to_a_column_that_is_not_a_key(site: Site) -> None:
    fk = {"fields": "topic", "reference": {"resource": "claims", "fields": "modality"}}
    _schema(site, "claims", lambda s: s["foreignKeys"].append(fk))


@probe("names beginning with sqlite_ are SQLite's own: sqlite_x")
def resource_named_like_sqlites_own(site: Site) -> None:
    _resource(site, "exclusions")(lambda r: r.update(name="sqlite_x"))


@probe("resource name 'claims_fts_data' is taken by the database build")
def resource_named_like_a_search_index_table(site: Site) -> None:
    _resource(site, "exclusions")(lambda r: r.update(name="claims_fts_data"))


@probe("a field name is a non-empty string without control characters or lone surrogates")
def field_name_with_a_nul(site: Site) -> None:
    _schema(site, "claims", lambda s: _field(s, "notes").update(name="no\x00tes"))


@probe("a field name is a non-empty string without control characters or lone surrogates")
def field_name_with_a_lone_surrogate(site: Site) -> None:
    path = site.root / "schemas/claims.schema.json"
    path.write_text(
        path.read_text(encoding="utf-8").replace('"name": "notes"', '"name": "no\\ud800tes"'), encoding="utf-8"
    )


@probe("resources.11.path: path contains a backslash, a control character or a lone surrogate")
def resource_path_with_a_lone_surrogate(site: Site) -> None:
    text = site.descriptor.read_text(encoding="utf-8")
    site.descriptor.write_text(text.replace('"data/vocabulary.csv"', '"data/\\ud800.csv"'), encoding="utf-8")


@probe("data/dialect.json: not a regular file")
def dialect_is_a_fifo(site: Site) -> None:
    os.mkfifo(site.root / "data" / "dialect.json")
    _resource(site, "sources")(lambda r: r.update(dialect="data/dialect.json"))


@probe("data/sources.csv:{row}:text_path: archived text larger than 16777216 bytes")
def archived_text_of_17_mib(site: Site) -> int:
    source = [row for row in read_table("sources", site.root) if row["text_path"]][-1]  # the last: not row 2
    with (site.root / source["text_path"]).open("r+b") as handle:
        handle.truncate(17 * 1024 * 1024)  # sparse: costs no disk
    return row_number(site.root, "sources", source["source_id"])


# ----------------------------------------------------------------------------- work that grows with the input
BARE_NUMBERS = 100_000
UNSHOWN = BARE_NUMBERS - SHOWN_PER_KIND


@probe(f"{{text}}:{{line}}:3: … and {UNSHOWN} more numbers in neither figures.csv nor exclusions.csv")
def text_of_a_hundred_thousand_bare_numbers(site: Site) -> dict[str, object]:
    """Lines of "x 1": each uncovered number was located by counting the newlines before it again
    (quadratic) and printed on a line of its own; the report is now the first few and a count."""
    source = _first_source(site)
    file = site.root / source["text_path"]
    text = file.read_text(encoding="utf-8") + "\n"
    grown = text + "x 1\n" * BARE_NUMBERS
    file.write_text(grown, encoding="utf-8")
    set_cells(site.root, "sources", source["source_id"], text_sha256=hashlib.sha256(grown.encode()).hexdigest())
    return {"text": source["text_path"], "line": text.count("\n") + SHOWN_PER_KIND + 1}  # the first number not shown


# ----------------------------------------------------------------------------- numbers no two readers read alike
# Python's float() (and frictionless) read each as a number; the sqlite3 command line, SQLite and
# DuckDB read it otherwise, or not at all: the published value would depend on the build's path.
@probe("data/figures.csv:{row}:value: '8_000' has an underscore")
def number_with_an_underscore(site: Site) -> int:
    return set_cells(site.root, "figures", _first(site, "figures", "value"), value="8_000")


@probe("data/claims.csv:{row}:char_start: '２１' is written in digits other than ASCII 0-9")
def integer_in_full_width_digits(site: Site) -> int:
    return set_cells(site.root, "claims", _first(site, "claims", "char_start"), char_start="２１")


@probe("data/figures.csv:{row}:value: '٨٠٠٠' is written in digits other than ASCII 0-9")
def number_in_arabic_indic_digits(site: Site) -> int:
    return set_cells(site.root, "figures", _first(site, "figures", "value"), value="٨٠٠٠")


@probe("data/figures.csv:{row}:value: 'inf' is not a finite number")
def infinite_number(site: Site) -> int:
    return set_cells(site.root, "figures", _first(site, "figures", "value"), value="inf")


@probe("data/figures.csv:{row}:value: 'nan' is not a finite number")
def number_that_is_not_a_number(site: Site) -> int:
    return set_cells(site.root, "figures", _first(site, "figures", "value"), value="nan")


@probe("data/figures.csv:{row}:value: '1.7e308' is beyond ±10^15")
def number_near_the_largest_double(site: Site) -> int:
    return set_cells(site.root, "figures", _first(site, "figures", "value"), value="1.7e308")


@probe("data/figures.csv:{row}:value: '1e16' is beyond ±10^15")
def number_beyond_10_to_the_15(site: Site) -> int:
    return set_cells(site.root, "figures", _first(site, "figures", "value"), value="1e16")


@probe("data/claims.csv:{row}:claimed_on: '٢٠٢٤-١٠-٣١' is not a valid EDTF date")
def date_in_arabic_indic_digits(site: Site) -> int:
    return set_cells(site.root, "claims", key_at(site.root, "claims", 3), claimed_on="٢٠٢٤-١٠-٣١")


# ----------------------------------------------------------------------------- text that hides what it says
# Unicode format characters (category Cf) show nothing, yet reorder (U+202E, U+2066), split or join
# (U+200B, U+FEFF) the text around them: a cell reads otherwise than it shows, and a search misses it.
@probe("data/claims.csv:{row}:claim: invisible format character U+202E RIGHT-TO-LEFT OVERRIDE")
def right_to_left_override_in_a_claim(site: Site) -> int:
    return set_cells(site.root, "claims", key_at(site.root, "claims", 3), claim="North Korea \u202eseitilaucas")


@probe("data/entities.csv:{row}:aliases: invisible format character U+200B ZERO WIDTH SPACE")
def zero_width_space_in_an_alias(site: Site) -> int:
    entity = row_of(site.root, "entities", _first(site, "entities", "name"))
    hidden = entity["name"][:2] + "\u200b" + entity["name"][2:]  # the name, split where it shows nothing
    return set_cells(site.root, "entities", entity["entity_id"], aliases=f"{entity['name']},{hidden}")


@probe("data/sources.csv:{row}:title: invisible format character U+2066 LEFT-TO-RIGHT ISOLATE")
def isolate_in_a_title(site: Site) -> int:
    return set_cells(site.root, "sources", _first_source(site)["source_id"], title="\u2066Troops\u2069 arrive")


@probe("data/vocabulary.csv:{row}:definition: invisible format character U+FEFF ZERO WIDTH NO-BREAK SPACE")
def byte_order_mark_inside_a_definition(site: Site) -> int:
    return set_cells(site.root, "vocabulary", "sources", definition="\ufeffA published news article.")


# Characters Unicode calls default-ignorable (shown as nothing, though not of category Cf), and the
# line and paragraph separators (a line break to a reader, none to a CSV reader).
def _first_claim(site: Site, claim: str) -> int:
    return set_cells(site.root, "claims", read_table("claims", site.root)[0]["claim_id"], claim=claim)


@probe("data/claims.csv:{row}:claim: invisible format character U+034F COMBINING GRAPHEME JOINER")
def combining_grapheme_joiner_in_a_claim(site: Site) -> int:
    return _first_claim(site, "North\u034f Korea sent troops")


@probe("data/claims.csv:{row}:claim: invisible format character U+3164 HANGUL FILLER")
def hangul_filler_in_a_claim(site: Site) -> int:
    return _first_claim(site, "North Korea\u3164sent troops")


@probe("data/claims.csv:{row}:claim: invisible format character U+FE0F VARIATION SELECTOR-16")
def variation_selector_in_a_claim(site: Site) -> int:
    return _first_claim(site, "North Korea sent\ufe0f troops")


@probe("data/claims.csv:{row}:claim: invisible format character U+2028 LINE SEPARATOR")
def line_separator_in_a_claim(site: Site) -> int:
    return _first_claim(site, "North Korea sent troops\u2028to Russia")


@probe("datapackage.json:-:title: invisible format character U+202E RIGHT-TO-LEFT OVERRIDE")
def right_to_left_override_in_the_package_title(site: Site) -> None:
    edit_json(site.descriptor, lambda d: d.update(title="North Korean troops \u202eaissuR ni"))


@probe("schemas/claims.schema.json:-:fields.0.description: invisible format character U+2066 LEFT-TO-RIGHT")
def isolate_in_a_field_description(site: Site) -> None:
    _schema(site, "claims", lambda s: s["fields"][0].update(description="\u2066An identifier\u2069"))


# A schema that makes a number column text would take every number check with it: `inf` or `8_000`
# in figures.value would then validate, and the site would publish them.
def _retyped(site: Site, table: str, column: str, kind: str) -> None:
    _schema(site, table, lambda s: _field(s, column).update(type=kind, constraints={}))


@probe("figures.value as a number; set its type to 'number'")
def figure_value_made_text(site: Site) -> None:
    _retyped(site, "figures", "value", "string")
    set_cells(site.root, "figures", read_table("figures", site.root)[0]["figure_id"], value="inf")


@probe("claims.char_start as an integer; set its type to 'integer'")
def span_offset_made_a_number(site: Site) -> None:
    _retyped(site, "claims", "char_start", "number")


@probe("datapackage.json:-:version: String should match pattern")
def version_in_arabic_indic_digits(site: Site) -> None:
    edit_json(site.descriptor, lambda d: d.update(version="1١.0.0"))  # the release's file names carry it


# ----------------------------------------------------------------------------- the headline measure
@probe("datapackage.json:-:headlineMeasure: names 'troops\\x1b[2J', which vocabulary.csv does not define as")
def headline_measure_that_the_vocabulary_does_not_define(site: Site) -> None:
    edit_json(site.descriptor, lambda d: d.update(headlineMeasure="troops\x1b[2J"))


@probe("datapackage.json:-:headlineMeasure: Input should be a valid string")
def headline_measure_that_is_not_a_string(site: Site) -> None:
    edit_json(site.descriptor, lambda d: d.update(headlineMeasure=["nk_troops_in_russia"]))
