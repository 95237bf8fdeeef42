"""Generate the README's data dictionary from datapackage.json and the Table Schemas.

python -m scripts.publishing.docs              # print the dictionary
python -m scripts.publishing.docs --write README.md
python -m scripts.publishing.docs --check README.md   # exit 1 if the README is stale"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import jinja2

from scripts.atomic import write_atomically
from scripts.cli import run
from scripts.package.read import EDTF_RDF_TYPE, DataPackage, Table
from scripts.package.textscan import QUANTITY_WORDS

START, END = "<!-- data-dictionary:start -->", "<!-- data-dictionary:end -->"


def data_dictionary(package: DataPackage) -> str:
    resources = {r["name"]: r for r in package.descriptor["resources"]}
    parts = ["_Generated from the Table Schemas by `make docs`; do not edit by hand._\n"]
    for name, table in package.tables.items():
        resource = resources[name]
        parts.append(f"### `{table.path}`: {resource.get('title', name)}\n")
        parts.append(f"{resource.get('description', '')} Rows: {sum(1 for _ in table.rows())}.\n")
        parts.append(f"Primary key: {', '.join(f'`{k}`' for k in table.primary_key)}.{_references(table)}\n")
        parts.append("| column | type | required | description |\n|---|---|---|---|")
        parts.extend(_row(field) for field in table.fields)
        parts.append("")
    return "\n".join(parts)


def _references(table: Table) -> str:
    links = [f"`{','.join(f)}` → `{r}.{','.join(rf)}`" for f, r, rf in table.foreign_keys()]
    return f" References: {'; '.join(links)}." if links else ""


def _row(field: dict) -> str:
    constraints = field.get("constraints", {})
    kind = "EDTF date" if field.get("rdfType") == EDTF_RDF_TYPE else field["type"]
    extra = []
    if "enum" in constraints:
        extra.append("One of: " + ", ".join(f"`{v}`" for v in constraints["enum"]) + ".")
    if "pattern" in constraints:
        extra.append(f"Pattern: `{constraints['pattern']}`.")
    if constraints.get("unique"):
        extra.append("Unique.")
    description = " ".join([field.get("description", ""), *extra]).replace("|", "\\|")
    required = "yes" if constraints.get("required") else ""
    return f"| `{field['name']}` | {kind} | {required} | {description} |"


def splice(readme: str, dictionary: str) -> str:
    """The README with the text between the markers replaced by `dictionary`."""
    head, found, rest = readme.partition(START)
    _, found_end, tail = rest.partition(END)
    if not (found and found_end):
        raise SystemExit(f"README has no {START} … {END} markers")
    return f"{head}{START}\n{dictionary}\n{END}{tail}"


TEMPLATES = Path(__file__).parent / "templates"


def codebook(package: DataPackage) -> str:
    """docs/codebook.md: the editorial rules (a template) and every controlled value (the vocabulary)."""
    environment = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=False,
        keep_trailing_newline=True,
        undefined=jinja2.StrictUndefined,
    )
    environment.filters["cell"] = lambda text: (text or "").replace("|", "\\|").replace("\n", " ")
    groups: dict[tuple[str, str], list[dict[str, str]]] = {}
    for _, row in package.tables["vocabulary"].rows():
        groups.setdefault((row["table"], row["column"]), []).append(row)
    words = ", ".join(f"*{word}*" for word in QUANTITY_WORDS)
    return environment.get_template("codebook.md.j2").render(groups=groups.items(), quantity_words=words)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="docs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--datapackage", default="datapackage.json", type=Path)
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--write", type=Path, help="rewrite the dictionary in this README")
    group.add_argument("--check", type=Path, help="exit 1 if this README's dictionary is stale")
    group.add_argument("--codebook", type=Path, help="write the codebook to this file")
    group.add_argument("--check-codebook", type=Path, help="exit 1 if this codebook is stale")
    args = parser.parse_args(argv)
    package = DataPackage(args.datapackage)
    if args.codebook or args.check_codebook:
        text = codebook(package)
        if args.codebook:
            write_atomically(args.codebook, text)
            return 0
        if args.check_codebook.read_text(encoding="utf-8") != text:
            print(f"{args.check_codebook}: the codebook is stale; run `make docs`", file=sys.stderr)
            return 1
        return 0
    dictionary = data_dictionary(package)
    target = args.write or args.check
    if target is None:
        print(dictionary)
        return 0
    current = target.read_text(encoding="utf-8")
    updated = splice(current, dictionary)
    if args.check:
        if updated != current:
            print(f"{target}: the data dictionary is stale; run `make docs`", file=sys.stderr)
            return 1
        return 0
    write_atomically(target, updated)
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
