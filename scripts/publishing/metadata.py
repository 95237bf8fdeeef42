"""Datasette metadata generated from datapackage.json and the Table Schemas.

    python -m scripts.publishing.metadata [datapackage.json] > build/metadata.json

Titles, descriptions, licence, column descriptions, facets (every enum column) and label columns
all come from the package; only the canned queries and views are written here."""

from __future__ import annotations

import argparse
import json
import sys
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from scripts.cli import run
from scripts.package import citing
from scripts.package.read import EDTF_RDF_TYPE, VOCABULARY, DataPackage, Table
from scripts.package.site import (
    BY_PARTY,
    DATABASE,
    FACET_COUNTS,
    FTS_COLUMNS,
    QUERY_CHOICES,
    READER_SPANS,
    SEARCH_RESULTS,
    SEARCH_THROUGH,
    SPAN_OWNERS,
    TEXTS_TABLE,
    TIMELINE_SUMMARY,
    TROOP_ESTIMATES,
    VIEWS,
    View,
    fts_table,
    table_facets,
)

LABEL_CANDIDATES = ("name", "title", "claim", "exact")
TIMELINE_CHART = {
    "g.mark": "circle",  # estimates by different claimants: points, not a joined line
    "g.x_column": "as_of",
    "g.x_type": "temporal",
    "g.y_column": "value",
    "g.y_type": "quantitative",
    "g.color_column": "claimant",
}
TIMELINE_PATH = f"/{DATABASE}/{TROOP_ESTIMATES}?as_of__notblank=1#" + urlencode(TIMELINE_CHART)

CANNED_QUERIES = {
    "troop_estimates_over_time": {
        "title": "Troop estimates over time",
        "description": "North Korean troop counts in Russia, dated ones first, oldest first.",
        "sql": "SELECT as_of, value, qualifier, place, claimant, venue, article, exact\nFROM troop_estimates",
    },
    "who_said": {
        "title": "Who said what",
        "description": "Quotations of one speaker: a name, a spelling or an entity_id, e.g. Zelensky; "
        "leave it empty for every speaker.",
        # The speakers first, then their quotations by index: joined the other way round, SQLite
        # reads every quotation and its speaker (0.5 s at a million claims, docs/benchmark.md).
        "sql": "SELECT q.speaker, q.quote, q.venue, q.article, q.quote_id\nFROM who_said_what q\n"
        "WHERE q.speaker_id IN (\n  SELECT e.entity_id FROM entities e\n"
        "  WHERE :speaker = '' OR e.entity_id = :speaker OR e.name LIKE '%' || :speaker || '%'\n"
        "     OR e.aliases LIKE '%' || :speaker || '%')",
    },
    "source_says": {
        "title": "Everything one source says",
        "description": "Claims read in an article or made through a venue, by source_id, e.g. kbs-interview-zelenskyy; "
        "leave it empty for every claim.",
        # Each condition on its own index: with `:source = ''` in the same OR, SQLite reads every claim.
        "sql": "SELECT claim_id, claim, claimant, topic, modality, venue, article, exact\nFROM claims_with_sources\n"
        "WHERE source_id = :source OR via_source_id = :source\nUNION ALL\n"
        "SELECT claim_id, claim, claimant, topic, modality, venue, article, exact\nFROM claims_with_sources\n"
        "WHERE :source = ''",
    },
    "figures_for_measure": {
        "title": "Figures for a measure",
        "description": "Every figure of one measure; leave it empty for every figure.",
        "sql": "SELECT f.figure_id, f.exact, f.value, f.value_low, f.value_high, f.unit, f.qualifier, f.as_of,\n"
        "       f.place, c.claim\nFROM figures f JOIN claims c ON c.claim_id = f.claim_id\n"
        "WHERE :measure = '' OR f.measure = :measure\nORDER BY f.as_of IS NULL, f.as_of, f.figure_id",
    },
}


LISTED_CHOICES = 20  # a description is shown on every page that lists the query: it stays short at any size


def _choices(table: Table, column: str) -> list[str]:
    """The values of an enum column, else every distinct value, sorted."""
    enum = (table.field(column) or {}).get("constraints", {}).get("enum")
    if enum is not None:
        return [str(value) for value in enum]
    return sorted({row[column] for _, row in table.rows([column])})


def canned_queries(package: DataPackage) -> dict[str, Any]:
    """The canned queries, each description ending with the first valid choices, from the package."""
    choices = {name: _choices(package.tables[table], column) for name, (table, column) in QUERY_CHOICES.items()}
    queries = {name: dict(query) for name, query in CANNED_QUERIES.items()}
    for name, values in choices.items():
        more = f", and {len(values) - LISTED_CHOICES:,} more" if len(values) > LISTED_CHOICES else ""
        queries[name]["description"] += " Valid choices: " + ", ".join(values[:LISTED_CHOICES]) + more + "."
    return queries


def label_column(table: Table) -> str | None:
    return next((name for name in LABEL_CANDIDATES if name in table.field_names), None)


OUT_OF_THE_WAY = {"char_start", "char_end", "text_sha256", "text_path", "received_as"}  # one click away: ?_all=1


def reading_order(table: Table) -> list[str]:
    """The columns a reader wants first: free text, then controlled values, then ids, dates and
    numbers; offsets and hashes left out (the primary key Datasette always shows first)."""

    def rank(field: dict) -> int:
        constraints = field["constraints"]
        free = "pattern" not in constraints and "enum" not in constraints and field.get("rdfType") != EDTF_RDF_TYPE
        if field["type"] == "string" and free:
            return 0
        return 1 if "enum" in constraints else 2

    shown = [f for f in table.fields if f["name"] not in OUT_OF_THE_WAY and f["name"] not in table.primary_key]
    return [f["name"] for f in sorted(shown, key=rank)]


def view_metadata(view: View) -> dict[str, Any]:
    """Human title, facets and search of a view, as its tables have."""
    meta: dict[str, Any] = {"description": view.description, "title": view.title, "facets": list(view.facets)}
    if view.search:
        table, rowid = view.search
        meta |= {"fts_table": fts_table(table), "fts_pk": rowid}
    return meta


def table_metadata(table: Table, resource: dict[str, Any]) -> dict[str, Any]:
    meta: dict[str, Any] = {
        "title": resource.get("title", table.name),
        "description": resource.get("description", ""),
        "columns": {f["name"]: f.get("description", "") for f in table.fields},
        "facets": table_facets(table),
    }
    if label := label_column(table):
        meta["label_column"] = label
    if table.name in FTS_COLUMNS:
        meta["fts_table"] = fts_table(table.name)
    return meta


GITHUB = "https://github.com/"
CITE = "/#cite"  # the home page's "Cite and download" section


def apa_html(facts: citing.Citation) -> str:
    """The APA reference as HTML: escaped, its title in italics (the text's *…*)."""
    reference = escape(citing.apa(facts))
    title = escape(facts.title)
    return reference.replace(f"*{title}*", f"<i>{title}</i>", 1)


def download_url(repository: str, release: citing.Release) -> str:
    """Where a release's archive is downloaded: the GitHub release's asset, when the repository is on
    GitHub (the release workflow attaches the archive there); otherwise unknown, never invented."""
    if not (citing.is_forge(repository) and repository.startswith(GITHUB)):
        return ""
    return f"{repository}/releases/download/v{release.version}/{release.archive}"


CODEBOOK_FILE = "docs/codebook.md"


def citation_configuration(package: DataPackage) -> dict[str, Any]:
    """What the home page's "Cite and download" section shows: the served version's APA and BibTeX,
    the latest recorded release's archive and hash (releases.json), every table's CSV, and the
    changelog's text (served at /-/changelog). A package without a changelog or releases.json (a
    bare copy) has no release date and no recorded release: the section says so."""
    root, descriptor = package.root, package.descriptor
    facts = citing.citation_of(root, descriptor)
    releases = citing.read_releases(root)
    latest = releases[-1] if releases else None
    changelog = root / citing.CHANGELOG_FILE
    return {
        "version": facts.version,
        "date": facts.date_released,
        "doi": facts.doi,
        "url": facts.link,
        "apa_html": apa_html(facts),
        "bibtex": citing.bibtex(facts),
        "release": latest
        and {**latest.as_json(), "download": download_url(facts.repository, latest), "repository": facts.repository},
        "tables": [
            {"name": name, "title": resource.get("title", name), "path": resource["path"]}
            for resource in descriptor["resources"]
            if (name := resource["name"]) in package.tables
        ],
        "changelog": citing.read_document(root, citing.CHANGELOG_FILE) if changelog.is_file() else "",
        # the editorial rules the rows' notes cite (“codebook §4”), served at /-/codebook
        "codebook": citing.read_document(root, CODEBOOK_FILE) if (root / CODEBOOK_FILE).is_file() else "",
    }


def site_configuration(package: DataPackage) -> dict[str, Any]:
    """The site's shape as the plugins read it (`datasette.plugin_config("nk-site")`): the names of
    scripts.package.site and what the package says of its headline measure. The deployed plugins
    stand alone, without this package to import, so this is their one source of these names."""
    measure = package.headline_measure
    return {
        "database": DATABASE,
        "texts": TEXTS_TABLE,
        "facet_counts": FACET_COUNTS,
        "timeline_summary": TIMELINE_SUMMARY,
        "troop_estimates": TROOP_ESTIMATES,
        "by_party": {"view": BY_PARTY[0], "columns": BY_PARTY[1]},
        "search": {
            table: {
                "index": fts_table(table),
                "shown": columns[0],
                "kind": SEARCH_RESULTS[table][0],
                "whose": SEARCH_RESULTS[table][1],
                "through": [[through, fts_table(through), link] for through, link in [SEARCH_THROUGH[table]]]
                if table in SEARCH_THROUGH
                else [],
            }
            for table, columns in FTS_COLUMNS.items()
            if table in SEARCH_RESULTS
        },
        "spans": SPAN_OWNERS,
        "reader_spans": list(READER_SPANS),
        "headline": {"measure": measure, "definition": measure and package.definition("figures", "measure", measure)},
        "release": package.descriptor["version"],  # every page's footer names the release it serves
        "citation": citation_configuration(package),  # how to cite it and where to download it
    }


def datasette_metadata(package: DataPackage) -> dict[str, Any]:
    descriptor = package.descriptor
    licence = descriptor["licenses"][0]
    resources = {r["name"]: r for r in descriptor["resources"]}
    tables = {name: table_metadata(table, resources[name]) for name, table in package.tables.items()}
    tables[TEXTS_TABLE] = {
        "description": "The archived source texts, byte for byte as received. They remain their publishers' "
        "work: the dataset's licence does not cover them, and they are included only so that every span can "
        "be checked against its words.",
        "license": "none granted: the publishers' work",
        "license_url": f"/{DATABASE}/sources",  # their publishers; left out, Datasette would link the dataset's licence
        "hidden": False,
    }
    # The build's own bookkeeping (precomputed counts, the timeline's summary): not data a reader browses.
    tables |= {name: {"hidden": True} for name in (FACET_COUNTS, TIMELINE_SUMMARY)}
    tables.update({name: view_metadata(view) for name, view in VIEWS.items()})
    reading = {name: reading_order(table) for name, table in package.tables.items()}
    titles = {
        name: {f["name"]: f.get("title") or f["name"] for f in table.fields} for name, table in package.tables.items()
    }
    # The descriptor is package input: escaped before it becomes HTML, and a licence link only if it is http(s).
    licence_url = licence.get("path", "")
    return {
        "title": descriptor.get("title") or descriptor["name"],  # the title is optional, the name is not
        "description_html": (
            f"<p>{escape(descriptor.get('description', ''))}</p><p>Version {escape(descriptor['version'])} "
            f'(<a href="{CITE}">cite and download</a>). '
            '<a href="/-/timeline">Timeline of troop estimates</a> · '
            f'<a href="/{DATABASE}/who_said_what">Every quotation and its speaker</a> · '
            f'<a href="/{DATABASE}/attribution_chains">Who relays whose claims</a>'
            + (f' · <a href="/{DATABASE}/{VOCABULARY}">Vocabulary</a>' if VOCABULARY in package.tables else "")
            + "</p>"
        ),
        "license": licence.get("name") or licence.get("title") or licence_url,  # the spec asks only one of them
        "license_url": licence_url if licence_url.startswith(("https://", "http://")) else None,
        "source": "Archived news articles, which remain their publishers' work (see the sources table)",
        "about": f"{descriptor['name']} {descriptor['version']}",
        "about_url": CITE,  # the footer's "About": how to cite this version and where to download it
        "databases": {DATABASE: {"tables": tables, "queries": canned_queries(package)}},
        "plugins": {"nk-readable": {"columns": reading, "titles": titles}, "nk-site": site_configuration(package)},
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="metadata", description=__doc__.split("\n\n")[0])
    parser.add_argument("datapackage", nargs="?", default="datapackage.json", type=Path)
    args = parser.parse_args(argv)
    print(json.dumps(datasette_metadata(DataPackage(args.datapackage)), indent=2, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    sys.exit(run(main))
