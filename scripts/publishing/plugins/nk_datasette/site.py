"""The site's shape as the plugins read it, in one place (the plugins cannot import scripts.*).

scripts/publishing/metadata.py writes it into the metadata as the plugin configuration "nk-site"
(site_configuration, from the registry scripts.package.site): the database's name, the tables the
build adds, the span tables, the search indexes, the headline measure, and how to cite the release
and where to download it (scripts.package.citing's facts, written out). A site whose metadata
has none serves no database of the package: the plugins' own pages say so and add nothing."""

from __future__ import annotations

from html import escape
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

PLUGIN = "nk-site"


class Searched(NamedTuple):
    index: str  # its FTS5 index
    shown: str  # the column a hit shows
    kind: str  # what a hit is called
    whose: str  # the column naming whose it is
    through: tuple[tuple[str, str, str], ...] = ()  # other tables finding it: (table, its index, column naming it)


class Site(NamedTuple):
    database: str
    texts: str
    facet_counts: str
    timeline_summary: str
    troop_estimates: str
    search: dict[str, Searched]
    spans: dict[str, str | None]  # span table: the column naming whom a span belongs to
    reader_spans: tuple[str, ...]
    measure: str | None  # the headline measure, and what the vocabulary says it is
    definition: str | None
    release: str | None  # the package's version, named on every page
    # a view, and the party columns (with their titles) by which the home page filters it
    by_party: tuple[str, dict[str, str]] | None = None
    # the home page's "Cite and download": version, date, DOI, URL, APA (HTML), BibTeX, the latest
    # recorded release (archive, sha256, download URL or ""), the tables' CSVs, the changelog's text
    citation: dict[str, Any] | None = None


_sites: WeakKeyDictionary[Any, Site | None] = WeakKeyDictionary()  # per Datasette instance


def site_of(datasette: Any) -> Site | None:
    """The site's shape as the metadata gives it; None for a site whose metadata gives none.
    Read once per site: Datasette merges the whole metadata on every look-up."""
    if datasette not in _sites:
        _sites[datasette] = read_site(datasette.plugin_config(PLUGIN) or {})
    return _sites[datasette]


def read_site(config: dict[str, Any]) -> Site | None:
    if not config.get("database"):
        return None
    headline = config.get("headline") or {}
    return Site(
        database=config["database"],
        texts=config["texts"],
        facet_counts=config["facet_counts"],
        timeline_summary=config["timeline_summary"],
        troop_estimates=config["troop_estimates"],
        search={
            table: Searched(**{**searched, "through": tuple(map(tuple, searched.get("through", ())))})
            for table, searched in config["search"].items()
        },
        spans=dict(config["spans"]),
        reader_spans=tuple(config["reader_spans"]),
        measure=headline.get("measure"),
        definition=headline.get("definition"),
        release=config.get("release"),
        by_party=(by_party["view"], dict(by_party["columns"])) if (by_party := config.get("by_party")) else None,
        citation=config.get("citation"),
    )


def database_name(datasette: Any) -> str | None:
    """The database the site serves (None: no database of the package, the plugins' pages say so)."""
    site = site_of(datasette)
    return site.database if site else None


def quoted(name: str) -> str:
    """An SQL identifier, whatever characters it holds (Datasette's escape_sqlite leaves ] alone)."""
    return '"' + name.replace('"', '""') + '"'


def article_label(source_id: str, title: str | None, kind: str | None) -> str:
    """A source's title, or a description for a source without a headline: never "None"."""
    if title:
        return title
    return f"Untitled {'news article' if kind == 'news_article' else 'source'} ({source_id})"


def message_page(message: str) -> str:
    """A page that says only `message` (a page or article that is not there), whole: with its language
    and a title, as a screen reader needs every page (WCAG 3.1.1, 2.4.2)."""
    said = escape(message)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{said}</title></head>\n<body><main><h1>{said}</h1></main></body></html>\n"
    )
