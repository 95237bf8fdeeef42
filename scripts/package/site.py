"""The site's shape, in one place: the database's name, the tables the build adds (the archived
texts, the full-text indexes, the views it precomputes, its summaries), the canned queries, and
the columns of the package that all of these read.

The build writes what is named here, the metadata describes it, the validator refuses a package
that lacks a column read here or names a resource as the build names its own tables. It sits in
the package layer, below validation, so that each of them reads it without importing another
stage. The deployed plugins stand alone (`datasette publish` copies only their folder): they get
these names from the metadata (scripts.publishing.metadata, plugin configuration "nk-site")."""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from scripts.package.read import DataPackage, Table

DATABASE = "nk-russia-claims"  # the database's name on the site: every URL begins /nk-russia-claims/
DATABASE_FILE = f"{DATABASE}.db"

TEXTS_TABLE = "texts"  # the archived texts, one row per source
FACET_COUNTS = "facet_counts"  # scripts.publishing.summaries
TIMELINE_SUMMARY = "timeline_summary"  # scripts.publishing.summaries

# The tables searched in full text, and their columns: each gets an FTS5 index named <table>_fts.
# The site's search shows each hit by the first of its columns.
FTS_COLUMNS = {
    "claims": ("claim", "exact"),
    "quotes": ("exact",),
    "entities": ("name", "aliases"),
    "attributions": ("exact",),  # the article's words naming who a claim is from ("Ukrainian officials, including …")
}
FTS_SUFFIX = "_fts"
# What the site's search calls a hit of each table, and the column naming whose it is.
SEARCH_RESULTS = {
    "claims": ("claim", "claimant_id"),
    "quotes": ("quote", "speaker_id"),
    "entities": ("person or body", "entity_id"),
}
# Tables whose hits the search also finds through another table's index: a claim by the words of its
# attribution chain, (table indexed, its column naming the claim).
SEARCH_THROUGH = {"claims": ("attributions", "claim_id")}

# The tables whose rows are spans of an archived text (source_id, char_start, char_end), and the
# column naming whom each span belongs to (None: nobody's): the checks hold their offsets to the
# texts, the row pages show them in their article's words.
SPAN_OWNERS: dict[str, str | None] = {
    "claims": "claimant_id",
    "quotes": "speaker_id",
    "attributions": "entity_id",
    "figures": None,
    "affiliations": "person_id",
    "flags": None,
}
READER_SPANS = ("claims", "quotes", "figures")  # the spans the article reader marks
# The package's column naming what the curators inferred in a row: the home page links the rows
# that have any, and the build indexes just those (plugins/home.py has the same name).
INFERRED_COLUMN = "inferred"


def fts_table(table: str) -> str:
    """The full-text index of `table` (FTS5 adds its own tables, each named <index>_<something>)."""
    return f"{table}{FTS_SUFFIX}"


CONTEXT_CHARS = 80
# An article without a headline is named as such, never shown as an empty title or "None".
# (The plugins' nk_datasette.site.article_label says the same in Python; a test holds them together.)
ARTICLE_LABEL = (
    "coalesce(nullif(article.title, ''), 'Untitled ' || CASE WHEN article.kind = 'news_article' "
    "THEN 'news article' ELSE 'source' END || ' (' || article.source_id || ')')"
)


def party_columns(entity: str, prefix: str) -> str:
    """A party's role and country as a view's columns: the country by the name vocabulary.csv defines
    for its ISO code, so that a facet reads "Ukraine", not "UA"."""
    return (
        f"{entity}.role AS {prefix}_role, (SELECT v.definition FROM vocabulary v WHERE v.\"table\" = 'entities' "
        f"AND v.\"column\" = 'country' AND v.value = {entity}.country) AS {prefix}_country"
    )


class View(NamedTuple):
    """A joined reading of the tables. The database is immutable, so each is stored as a table,
    computed once at build time in its ORDER BY order, with indexes on the columns that its facets
    and the canned queries filter on: a page then reads rows by key instead of joining and sorting
    the whole view, and `datasette inspect` counts it once (docs/benchmark.md)."""

    title: str
    description: str
    sql: str
    facets: tuple[str, ...] = ()
    filtered: tuple[str, ...] = ()  # columns the canned queries filter on, indexed too
    search: tuple[str, str] | None = None  # (table, the view's column of its rowid): the view searches its index
    ordered: tuple[str, ...] = ()  # columns a page reads the rows in the order of, indexed too

    @property
    def indexed(self) -> tuple[str, ...]:
        """The columns the build indexes: the facets, the filtered and ordered columns, the rowid of the search."""
        return (*self.facets, *self.filtered, *self.ordered, *(self.search[1:] if self.search else ()))


TROOP_ESTIMATES = "troop_estimates"  # the timeline reads this view

VIEWS = {
    TROOP_ESTIMATES: View(
        "Troop estimates",
        "Every figure of North Korean troops in Russia: value, bounds, qualifier, date, "
        "who claims it and where, ordered by date.",
        f"""
        SELECT f.figure_id, f.as_of, f.value, f.value_low, f.value_high, f.qualifier, f.second_qualifier, f.unit,
               f.place, claimant.name AS claimant, {party_columns("claimant", "claimant")}, venue.title AS venue,
               {ARTICLE_LABEL} AS article, f.exact, c.claim, f.inferred,
               f.claim_id, f.source_id
        FROM figures f
        JOIN claims c ON c.claim_id = f.claim_id
        JOIN entities claimant ON claimant.entity_id = c.claimant_id
        LEFT JOIN sources venue ON venue.source_id = c.via_source_id
        JOIN sources article ON article.source_id = f.source_id
        WHERE f.measure = :headline_measure
        ORDER BY f.as_of IS NULL, f.as_of, f.char_start""",
        facets=("qualifier", "claimant", "claimant_role", "claimant_country"),
        ordered=("as_of",),  # the home page's latest estimates
    ),
    "who_said_what": View(
        "Every quotation and its speaker",
        "Every quotation with its speaker's name, the venue, the article and the claims it supports.",
        f"""
        SELECT q.quote_id, speaker.name AS speaker, {party_columns("speaker", "speaker")}, q.exact AS quote, q.kind,
               q.said_on,
               venue.title AS venue, {ARTICLE_LABEL} AS article,
               (SELECT group_concat(c.claim, ' | ') FROM quote_claims l JOIN claims c ON c.claim_id = l.claim_id
                WHERE l.quote_id = q.quote_id) AS claims,
               q.inferred, q.speaker_id, q.via_source_id, q.source_id, q.rowid AS quote_rowid
        FROM quotes q
        JOIN entities speaker ON speaker.entity_id = q.speaker_id
        LEFT JOIN sources venue ON venue.source_id = q.via_source_id
        JOIN sources article ON article.source_id = q.source_id
        ORDER BY q.source_id, q.char_start""",
        facets=("speaker", "speaker_role", "speaker_country", "kind"),
        filtered=("speaker_id",),
        search=("quotes", "quote_rowid"),
    ),
    "claims_with_sources": View(
        "Claims with their sources",
        "Every claim with its claimant's name, role and country, the venue, who relays it, and the article.",
        f"""
        SELECT c.claim_id, c.claim, claimant.name AS claimant, {party_columns("claimant", "claimant")},
               c.topic, c.modality, c.claimed_on,
               venue.title AS venue, venue.kind AS venue_kind,
               (SELECT group_concat(name, '; ') FROM (SELECT relay.name FROM attributions a
                  JOIN entities relay ON relay.entity_id = a.entity_id
                  WHERE a.claim_id = c.claim_id AND a.role = 'relays' ORDER BY a.step)) AS relayed_by,
               {ARTICLE_LABEL} AS article,
               c.exact, c.inferred, c.notes, c.claimant_id, c.via_source_id, c.source_id, c.rowid AS claim_rowid
        FROM claims c
        JOIN entities claimant ON claimant.entity_id = c.claimant_id
        LEFT JOIN sources venue ON venue.source_id = c.via_source_id
        JOIN sources article ON article.source_id = c.source_id
        ORDER BY c.source_id, c.char_start""",
        facets=("claimant_role", "claimant_country", "topic", "modality", "claimant"),
        filtered=("source_id", "via_source_id"),
        search=("claims", "claim_rowid"),
    ),
    "attribution_chains": View(
        "Attribution chains, step by step",
        "Every step of every claim's attribution chain: who asserts it, who relays it, through which venue, "
        "in the article's words.",
        f"""
        SELECT a.claim_id, c.claim, a.step, a.role, party.name AS party, {party_columns("party", "party")},
               venue.title AS venue, a.exact AS words,
               {ARTICLE_LABEL} AS article, a.inferred, a.entity_id, a.via_source_id,
               a.source_id
        FROM attributions a
        JOIN claims c ON c.claim_id = a.claim_id
        JOIN entities party ON party.entity_id = a.entity_id
        LEFT JOIN sources venue ON venue.source_id = a.via_source_id
        JOIN sources article ON article.source_id = a.source_id
        ORDER BY a.source_id, c.char_start, a.claim_id, a.step""",
        facets=("role", "party_role", "party_country", "party"),
    ),
    "quotes_in_context": View(
        "Quotes in context",
        f"Every quotation with the {CONTEXT_CHARS} characters of its archived text on each side.",
        f"""
        SELECT q.quote_id, speaker.name AS speaker,
               substr(t.text, max(q.char_start - {CONTEXT_CHARS}, 0) + 1,
                      q.char_start - max(q.char_start - {CONTEXT_CHARS}, 0)) AS before,
               q.exact AS quote,
               substr(t.text, q.char_end + 1, {CONTEXT_CHARS}) AS after,
               q.source_id, q.char_start, q.char_end
        FROM quotes q
        JOIN {TEXTS_TABLE} t ON t.source_id = q.source_id
        JOIN entities speaker ON speaker.entity_id = q.speaker_id
        ORDER BY q.source_id, q.char_start""",
        facets=("speaker",),
    ),
}

# "What did Ukrainian officials say?": the home page links this view filtered by each value of these
# columns (the party's country, then its role), so that the answer is one click away.
BY_PARTY = (
    "claims_with_sources",
    {"claimant_country": "By the claimant's country", "claimant_role": "By the claimant's role"},
)

# Equality filters of pages people ask for (the figures of a measure on a date, as the benchmark
# asks): their facets are precomputed for every combination of values (scripts.publishing.summaries).
FILTERED_PAGES = {"figures": ("measure", "as_of")}


def table_facets(table: Table) -> list[str]:
    """The facets of a table of the package: every enum column."""
    return [f["name"] for f in table.fields if "enum" in f.get("constraints", {})]


def faceted_columns(package: DataPackage) -> dict[str, list[str]]:
    """The facets of every table and view that has some, as the site's metadata configures them."""
    facets = {name: table_facets(table) for name, table in package.tables.items()}
    facets |= {name: list(view.facets) for name, view in VIEWS.items()}
    return {name: columns for name, columns in facets.items() if columns}


# The column whose values each canned query's description lists (scripts.publishing.metadata):
# validation requires them, as it requires the columns of the search indexes (columns_read).
QUERY_CHOICES = {
    "who_said": ("quotes", "speaker_id"),
    "source_says": ("sources", "source_id"),
    "figures_for_measure": ("figures", "measure"),
}


def columns_read() -> dict[str, dict[str, tuple[str, ...]]]:
    """What the build reads beyond the views, by who reads it: validation refuses a package without
    one, as it does for the checks' columns (a view whose columns are missing is only left out)."""
    return {
        "the site's list of articles and its reader": {"sources": ("source_id", "title", "kind", "text_path")},
        "the database's search index": FTS_COLUMNS,
        "the site's search": {table: (owner,) for table, (_, owner) in SEARCH_RESULTS.items()}
        | {through: (link,) for through, link in SEARCH_THROUGH.values()},
        **{f"the canned query {name}": {table: (column,)} for name, (table, column) in QUERY_CHOICES.items()},
    }


def reserved_names() -> set[str]:
    """Names the build gives its own tables and views, which no resource may take."""
    return {TEXTS_TABLE, FACET_COUNTS, TIMELINE_SUMMARY, *VIEWS, *map(fts_table, FTS_COLUMNS)}
