"""Datasette plugin: a home page that leads with what the data says, and a search of every table.

The home page (templates/site/index.html) shows the latest troop estimates and who made them, the
first ARTICLES_LISTED articles with links to their readers (and a link to every one), the canned
queries, the rows of each table that hold something the curators inferred, and every table and view
under its human title, and how to cite the release and where to download it (its archive, each
table's CSV, the changelog at /-/changelog). /-/search?q=… searches the claims, quotes
and entities at once (their FTS5 indexes). Whatever a visitor types is a search or a 400 that says
why, never an error of ours: words are quoted FTS5 terms, LIKE wildcards in them are escaped, and a
word is at most MAX_WORD characters.

At a million claims a common word matches every row, and FTS5's rank reads every row that holds any
word it ranks by: a search ranks at most the first MAX_MATCHES matches of each index, by the words and
phrases that fewer than COMMON of its rows hold, and the page says when it did either. What the home
page shows is read by index or from the build's counts, never by reading a whole table."""

from __future__ import annotations

import re
import sqlite3
import sys
from bisect import bisect_right
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from weakref import WeakKeyDictionary

from datasette import hookimpl
from datasette.database import QueryInterrupted
from datasette.utils import tilde_encode
from datasette.utils.asgi import Response

if (PLUGINS := str(Path(__file__).resolve().parent)) not in sys.path:
    sys.path.append(PLUGINS)  # Datasette runs each plugin file alone: the shared package is beside it

from nk_datasette.site import Site, article_label, message_page, quoted, site_of

MAX_RESULTS = 50
ARTICLES_LISTED = 20  # on the home page; the sources table lists every one
MAX_WORDS, MAX_QUERY = 10, 200  # words searched, characters read of the query
MAX_WORD = 64  # characters of a word: longer is refused with a 400 that says so
LIKE_PATTERN_BYTES = 100  # the site's limit on a LIKE pattern (public_site.py): longer words have no spellings
SPELLED_ENTITIES = 20  # entities whose spellings one word adds to the search, at most


NO_DATABASE = "This site serves no database of the package"  # metadata without plugins → nk-site


class SearchRefused(Exception):
    """A search that cannot be run as asked: the visitor reads why."""


async def home_variables(datasette: Any, site: Site) -> dict[str, Any]:
    database = site.database
    db = datasette.get_database(database)
    # A package that lacks a column the view reads has no such view (the build leaves it out): no estimates.
    estimates = await latest_estimates(db, site) if await db.table_exists(site.troop_estimates) else []
    articles = [labelled(dict(row)) for row in (await db.execute(
        "SELECT s.source_id, s.title, s.kind, "
        "(SELECT count(*) FROM claims c WHERE c.source_id = s.source_id) AS claims, "
        "(SELECT count(*) FROM quotes q WHERE q.source_id = s.source_id) AS quotes "
        "FROM sources s WHERE s.text_path IS NOT NULL ORDER BY s.source_id LIMIT ?",
        [ARTICLES_LISTED])).rows]  # fmt: skip
    (article_count,) = (await db.execute("SELECT count(*) FROM sources WHERE text_path IS NOT NULL")).first()
    tables = datasette.metadata("tables", database=database) or {}
    queries = datasette.metadata("queries", database=database) or {}
    listed = [
        {"name": name, "title": meta.get("title") or name.replace("_", " ").capitalize(),
         "description": meta.get("description", "")}
        for name, meta in tables.items()
    ]  # fmt: skip
    return {"estimates": estimates, "articles": articles, "article_count": article_count, "listed_tables": listed,
            "canned": queries, "site_database": database, "inferred_tables": await inferred_tables(db, tables),
            "by_party": await party_filters(datasette, site, tables), "cite": site.citation,
            "csv_downloads": csv_downloads(datasette, site)}  # fmt: skip


LATEST = 6  # troop estimates on the home page


async def latest_estimates(db: Any, site: Site) -> list[dict[str, Any]]:
    """The LATEST estimates by date, then undated ones if fewer are dated: each read through the
    view's index of `as_of` (the build's), where sorting by date read every estimate."""
    view = quoted(site.troop_estimates)
    latest = f"SELECT * FROM {view} WHERE as_of IS NOT NULL ORDER BY as_of DESC, position DESC LIMIT ?"
    dated = (await db.execute(latest, [LATEST])).rows
    undated = f"SELECT * FROM {view} WHERE as_of IS NULL ORDER BY position LIMIT ?"
    return [dict(row) for row in [*dated, *(await db.execute(undated, [LATEST - len(dated)])).rows]]


WHOLE_CSV = "_stream=on"  # every row of the table, not one page of it


def csv_downloads(datasette: Any, site: Site) -> list[dict[str, str]]:
    """Each of the package's tables with its file name in the package and the link that downloads
    all of it as CSV (the package's columns, in its order)."""
    tables = (site.citation or {}).get("tables") or []
    return [
        {**table, "url": f"{datasette.urls.table(site.database, table['name'], format='csv')}?{WHOLE_CSV}"}
        for table in tables
    ]


# A column's values and counts over the whole view, as the build wrote them (summaries.py: `filters` ''
# are the unfiltered counts, with a row for NULL, how many rows have none, whenever it counted the column).
PRECOUNTED = (
    "SELECT value, count FROM {} WHERE table_name = ? AND filters = '' AND column_name = ? ORDER BY count DESC, value"
)


async def party_counts(db: Any, site: Site, view: str, column: str, counted: bool) -> list[tuple[Any, int]]:
    """How many rows of the view have each value of the column, most first, no NULL: read from the
    build's counts (the view's facets), counted live only if the build did not count the column."""
    rows = (await db.execute(PRECOUNTED.format(quoted(site.facet_counts)), [view, column])).rows if counted else []
    if not rows:
        sql = (f"SELECT {quoted(column)}, count(*) FROM {quoted(view)} WHERE {quoted(column)} IS NOT NULL "
               f"GROUP BY 1 ORDER BY 2 DESC, 1")  # fmt: skip
        rows = (await db.execute(sql)).rows
    return [(value, count) for value, count in rows if value is not None]


async def party_filters(datasette: Any, site: Site, tables: dict[str, Any]) -> dict[str, Any] | None:
    """For each party column of the view the site filters by party (country, role): its values, how
    many rows each has, and the view's page filtered by it. The columns are indexed facets, so this
    reads as many rows as there are distinct values."""
    if site.by_party is None:
        return None
    view, columns = site.by_party
    db = datasette.get_database(site.database)
    if not await db.table_exists(view):
        return None  # a package without the party columns: the build left the view out
    found = []
    counted = await db.table_exists(site.facet_counts)
    for column, title in columns.items():
        page = datasette.urls.table(site.database, view)
        values = [
            {"value": value, "rows": count, "url": f"{page}?{urlencode({column: value})}"}
            for value, count in await party_counts(db, site, view, column, counted)
        ]
        if values:  # a column no party has a value in (no roles recorded yet) is no filter
            found.append({"title": title, "values": values})
    if not found:
        return None
    return {"view": view, "title": tables.get(view, {}).get("title") or view, "columns": found}


INFERRED = "inferred"  # the package's column naming what the curators inferred in a row (the notes say how)
NOTES = "notes"


async def inferred_tables(db: Any, tables: dict[str, Any]) -> list[dict[str, str]]:
    """The package's tables with an `inferred` column (its columns are described in the metadata, from
    their Table Schemas; the build's views are not) and at least one row that infers something, each
    with the link to those rows. Whether one exists stops at the first such row."""
    found = []
    for name, meta in tables.items():
        if INFERRED not in (meta.get("columns") or {}):
            continue
        sql = f"SELECT 1 FROM {quoted(name)} WHERE {quoted(INFERRED)} != '' LIMIT 1"
        if (await db.execute(sql)).first():
            # the row's label, what it infers and how: the columns a reader needs, none scrolled out of sight
            shown = [c for c in (meta.get("label_column"), INFERRED, NOTES) if c and c in meta["columns"]]
            query = urlencode([(f"{INFERRED}__notblank", "1"), *(("_col", c) for c in shown)])
            found.append({"name": name, "title": meta.get("title") or name, "filter": query})
    return found


def labelled(article: dict[str, Any]) -> dict[str, Any]:
    return {**article, "label": article_label(article["source_id"], article["title"], article["kind"])}


@hookimpl
def startup(datasette: Any) -> Any:
    """The entities' names of the site's database read before the first search, not during it."""

    async def inner() -> None:
        site = site_of(datasette)
        db = datasette.databases.get(site.database) if site else None
        if db is not None and not db.is_mutable and await db.table_exists("entities"):
            await entity_names(db)

    return inner


@hookimpl
def extra_template_vars(template: str, datasette: Any) -> Any:
    site = site_of(datasette)
    if template != "index.html" or site is None:
        return {}

    async def variables() -> dict[str, Any]:
        return await home_variables(datasette, site)

    return variables


def fts_query(words: str, spellings: dict[str, list[str]]) -> str:
    """A visitor's words as an FTS5 query of quoted terms (no syntax error, no operator injection);
    a name matches every spelling of its entity (Zelensky, Zelenskyy). Several words also match as
    the phrase they make: a sentence pasted from an article finds the span that holds it, its
    punctuation left to the tokenizer and an ellipsis (… or ...) a gap between phrases."""
    terms, phrases = query_pieces(words, spellings)
    every_word = " AND ".join(terms)
    if len(words.split()) < 2 or not phrases:
        return every_word
    return f"({' AND '.join(phrases)}) OR ({every_word})"


def query_pieces(words: str, spellings: dict[str, list[str]]) -> tuple[list[str], list[str]]:
    """The FTS5 expressions a search is made of: each word (with its spellings), and the phrases."""

    def term(word: str) -> str:
        variants = spellings.get(word.casefold(), [word])
        terms = [quoted(v) for v in dict.fromkeys(variants)]  # an FTS5 string quotes as an identifier does
        return terms[0] if len(terms) == 1 else "(" + " OR ".join(terms) + ")"

    phrases = [quoted(piece) for piece in ELLIPSIS.split(words) if any(c.isalnum() for c in piece)]
    return [term(word) for word in words.split()[:MAX_WORDS]], phrases if len(words.split()) >= 2 else []


ELLIPSIS = re.compile(r"…|\.\.\.")  # where a pasted quotation leaves words out


def like_containing(word: str) -> str:
    """A LIKE pattern (with ESCAPE '\\') matching text that contains `word`, its % and _ literal."""
    return "%" + word.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


async def spellings_of(db: Any, words: str) -> dict[str, list[str]]:
    """For each word that names an entity (its name or aliases contain it, as SQL's LIKE '%word%'
    finds it), every spelling of that entity (its name and aliases), of at most SPELLED_ENTITIES
    entities, the first by name."""
    names = await entity_names(db)
    found: dict[str, list[str]] = {}
    for word in words.split()[:MAX_WORDS]:
        if len(like_containing(word).encode("utf-8")) > LIKE_PATTERN_BYTES:
            continue  # past the site's LIKE limit: the word is searched without other spellings
        for name, aliases in names.containing(word, SPELLED_ENTITIES):
            variants = {name, *(a for a in (aliases or "").split(",") if a)}
            # only single words can be FTS terms here: the last word of each spelling
            found.setdefault(word.casefold(), [word]).extend(sorted({v.split()[-1] for v in variants} - {word}))
    return found


def ascii_lower(text: str) -> str:
    """Lower case as SQLite's LIKE compares: A-Z only, every other character as it is."""
    return text.translate(ASCII_LOWER)


ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")
WORDS_REMEMBERED = 4096
ENTITY_END = "\x00"  # between two entities' names: no search word holds it (checked_words)


class EntityNames:
    """Every entity's name and aliases, in the order of their names, kept in one string: which
    contain a word is a search of that string (C speed), where LIKE '%word%' read every entity's
    row for every word of a search (tens of milliseconds a word at a million claims)."""

    def __init__(self, rows: list[tuple[str, str | None]]) -> None:
        self.rows = rows
        self.starts: list[int] = []
        pieces, at = [], 0
        for name, aliases in rows:
            self.starts.append(at)
            piece = f"{name or ''}{ENTITY_END}{aliases or ''}{ENTITY_END}"
            pieces.append(piece)
            at += len(piece)
        self.haystack = ascii_lower("".join(pieces))  # once for all: it keeps every offset
        # the words visitors search repeat ("troops", a leader's name): each looked up once, for this
        # database, among the last WORDS_REMEMBERED asked
        self.containing = lru_cache(maxsize=WORDS_REMEMBERED)(self.look_up)

    def look_up(self, word: str, most: int) -> tuple[tuple[str, str | None], ...]:
        """The first `most` entities (by name) whose name or aliases contain `word`, as LIKE matches."""
        needle, found, at = ascii_lower(word), [], 0
        while len(found) < most and (at := self.haystack.find(needle, at)) >= 0:
            entity = bisect_right(self.starts, at) - 1
            found.append(self.rows[entity])
            at = self.starts[entity + 1] if entity + 1 < len(self.starts) else len(self.haystack)
        return tuple(found)


_entity_names: WeakKeyDictionary[Any, EntityNames] = WeakKeyDictionary()  # per database, read once


async def entity_names(db: Any) -> EntityNames:
    """The entities' names of an immutable database, read once per process; a mutable one's each time."""
    if db in _entity_names:
        return _entity_names[db]
    rows = (await db.execute("SELECT name, aliases FROM entities ORDER BY name", custom_time_limit=60_000)).rows
    names = EntityNames([(name, aliases) for name, aliases in rows])
    if not db.is_mutable:
        _entity_names[db] = names
    return names


def checked_words(asked: str) -> str:
    """The words of a search, or SearchRefused saying what is wrong with them."""
    words = asked[:MAX_QUERY]
    if any(ord(c) < 32 and c not in "\t\n\r" for c in words):  # SQLite would end a LIKE pattern at a NUL
        raise SearchRefused("Search words cannot hold control characters.")
    long = next((word for word in words.split() if len(word) > MAX_WORD), None)
    if long is not None:
        raise SearchRefused(f"Search words are at most {MAX_WORD} characters; one has {len(long)}.")
    return words


async def search_results(datasette: Any, site: Site, words: str) -> tuple[list[dict[str, str]], list[str]]:
    """Every table's hits, best first (FTS5's rank), then those found through another table's index
    (a claim by its attribution), each with whose it is and the article it is from; and, for each
    table whose hits could not all be ranked, why (too many matches, or words too common to rank by)."""
    database = site.database
    db = datasette.get_database(database)
    spellings = await spellings_of(db, words)
    query, pieces = fts_query(words, spellings), [*(p for part in query_pieces(words, spellings) for p in part)]
    results, notes = [], []
    every_index = [index for searched in site.search.values() for index in indexes_of(searched)]
    rare = await rare_pieces(db, every_index, pieces)
    for table, searched in site.search.items():
        keys = await db.primary_keys(table)
        if len(keys) != 1:  # a row the search could not link to: the package's schema gives it no one key
            continue
        columns = await db.table_columns(table)
        found: dict[str, dict[str, str]] = {}
        indexes = [(searched.index, None), *((index, (indexed, link)) for indexed, index, link in searched.through)]
        more, common, ranked = False, False, False
        for index, through in indexes:
            ranked_by = rare[index]
            common = common or len(ranked_by) < len(pieces)
            ranked = ranked or bool(ranked_by)
            matching = matches_sql(index, len(ranked_by) == len(pieces), bool(ranked_by))
            if through:
                matching = through_hits(table, keys[0], through[0], matching, through[1])
            else:
                matching = f"SELECT rowid AS hit, rank, matched FROM ({matching})"
            sql = hits_sql(table, keys[0], searched, ARTICLE in columns, matching)
            parameters = [
                query,
                MAX_MATCHES + 1,
                *([" OR ".join(ranked_by)] if 0 < len(ranked_by) < len(pieces) else []),
            ]
            for row_key, text, who, source_id, title, kind, matched in (await db.execute(sql, parameters)).rows:
                more = more or matched > MAX_MATCHES
                if row_key in found or len(found) >= MAX_RESULTS:
                    continue
                found[row_key] = {
                    "kind": searched.kind, "key": row_key, "text": text,
                    "who": who if searched.whose != keys[0] else "",  # an entity is its own: no "who" beside its name
                    "url": datasette.urls.row(database, table, tilde_encode(row_key)),  # a key may hold / . ~ or spaces
                    "article": article_label(source_id, title, kind) if source_id else "",
                    "article_url": datasette.urls.path("/-/articles/" + tilde_encode(source_id)) if source_id else "",
                }  # fmt: skip
        results += found.values()
        note = capped_note(plural(searched.kind), len(found), more, common, ranked)
        if note:
            notes.append(note)
    return results, notes


def capped_note(kinds: str, shown: int, more: bool, common: bool, ranked: bool) -> str:
    """What a reader should know of one table's hits when the search could not rank them all: one
    sentence or two, saying how many match, which are shown, and in what order."""
    order = ""
    if common and ranked:
        order = (
            f"Some of the words are in more than {COMMON:,} {kinds}, too many to rank by: the {kinds} that the "
            "rarer words or the whole phrase match best come first, the others in the package's order."
        )
    elif common:
        order = f"Every word is in more than {COMMON:,} {kinds}, too many to rank by: listed in the package's order."
    if not more:
        return order
    capped = (
        f"More than {MAX_MATCHES:,} {kinds} match; the {shown:,} shown are from the first {MAX_MATCHES:,} in the "
        "package's order."
    )
    return " ".join(part for part in (capped, order if ranked else "", "Add words to narrow the search.") if part)


def indexes_of(searched: Any) -> list[str]:
    """The full-text indexes a table's search reads: its own, and those finding it through another table."""
    return [searched.index, *(index for _, index, _ in searched.through)]


async def rare_pieces(db: Any, indexes: list[str], pieces: list[str]) -> dict[str, list[str]]:
    """For each index, the pieces of a search (words, phrases) that fewer than COMMON of its rows hold
    (one query for all): FTS5's rank (bm25) reads every row that holds any piece it ranks by, whatever
    the matches are."""
    counts = ", ".join(
        f"(SELECT count(*) FROM (SELECT 1 FROM {quoted(index)} WHERE {quoted(index)} MATCH ?{i} LIMIT {COMMON}))"
        for index in indexes
        for i in range(1, len(pieces) + 1)
    )
    (found,) = (await db.execute(f"SELECT {counts}", pieces)).rows
    return {
        index: [piece for j, piece in enumerate(pieces) if found[n * len(pieces) + j] < COMMON]
        for n, index in enumerate(indexes)
    }


def plural(kind: str) -> str:
    """claim → claims, person or body → people or bodies."""
    return {"person or body": "people or bodies"}.get(kind, f"{kind}s")


ARTICLE = "source_id"  # the column naming a hit's article, in the tables that have one
# Matches ranked at most, per table and index: FTS5 ranks every match of a query before it can give
# the best, and a common word matches every row (seconds at a million claims). Past this, the page
# ranks the first MAX_MATCHES in the package's order, and says so.
MAX_MATCHES = 1000
# A word or phrase in this many rows of an index is too common to rank by: bm25 weighs each piece of a
# query by how many rows hold it, which it counts by reading them all (20 ms a word at a million rows).
COMMON = 2000


def matches_sql(index: str, rank_all: bool, rank_some: bool) -> str:
    """The first ?2 rows the index matches for the query ?1 (FTS5 stops there, in rowid order), each
    with how many they are (?2 when there are more) and its rank: by the whole query (bm25) when no
    piece of it is common, else by the rare pieces ?3 (rows they do not find rank 0, after those they
    do), else none (0: the package's order)."""
    fts = quoted(index)
    first = f"SELECT rowid, {'rank' if rank_all else '0 AS rank'} FROM {fts} WHERE {fts} MATCH ?1 LIMIT ?2"
    counted = f"SELECT rowid, rank, count(*) OVER () AS matched FROM ({first})"
    if rank_all or not rank_some:
        return counted
    return (
        f"WITH ranked AS MATERIALIZED (SELECT rowid, rank FROM {fts} WHERE {fts} MATCH ?3) "
        f"SELECT m.rowid, coalesce(r.rank, 0) AS rank, m.matched FROM ({counted}) m "
        "LEFT JOIN ranked r ON r.rowid = m.rowid"
    )


def through_hits(table: str, key: str, indexed: str, matching: str, link: str) -> str:
    """The rowids of the rows of `table` that another table's matches name, through its column naming
    them by their key, each with its best rank."""
    return (
        f"SELECT t.rowid AS hit, min(f.rank) AS rank, max(f.matched) AS matched FROM ({matching}) f "
        f"JOIN {quoted(indexed)} c ON c.rowid = f.rowid JOIN {quoted(table)} t ON t.{quoted(key)} = c.{quoted(link)} "
        "GROUP BY t.rowid"
    )


def hits_sql(table: str, key: str, searched: Any, has_article: bool, matching: str) -> str:
    """The best MAX_RESULTS hits, each with its row, whose it is, its article, and how many matched."""
    key_, shown, whose = map(quoted, (key, searched.shown, searched.whose))
    article = f"t.{quoted(ARTICLE)}, s.title, s.kind" if has_article else "NULL, NULL, NULL"
    sources = f"LEFT JOIN sources s ON s.source_id = t.{quoted(ARTICLE)} " if has_article else ""
    best = f"SELECT hit, rank, matched FROM ({matching}) ORDER BY rank, hit LIMIT {MAX_RESULTS}"
    return (
        f"SELECT t.{key_}, t.{shown}, coalesce(e.name, t.{whose}), {article}, h.matched FROM ({best}) h "
        f"JOIN {quoted(table)} t ON t.rowid = h.hit LEFT JOIN entities e ON e.entity_id = t.{whose} {sources}"
        f"ORDER BY h.rank, h.hit"
    )


async def search_page(request: Any, datasette: Any) -> Response:
    site = site_of(datasette)
    if site is None:
        return Response.html(message_page(NO_DATABASE), status=404)
    asked = request.args.get("q", "")
    results: list[dict[str, str]] = []
    capped: list[str] = []
    error, status = None, 200
    try:
        words = checked_words(asked)
        if words.strip():
            results, capped = await search_results(datasette, site, words)
    except SearchRefused as refused:
        words, error, status = asked[:MAX_QUERY], str(refused), 400
    except QueryInterrupted:
        words, error, status = asked[:MAX_QUERY], "The search took too long: try fewer or longer words.", 400
    except sqlite3.Error:  # e.g. text that SQLite cannot take: still the visitor's, not ours
        words, error, status = asked[:MAX_QUERY], "This search cannot be run: try other words.", 400
    context = {"q": words, "results": results, "capped": capped, "error": error}
    page = await datasette.render_template("search.html", context, request=request)
    return Response.html(page, status=status)


# The package's documents the site serves as they are (Markdown, as text): the metadata carries each.
DOCUMENTS = {
    "changelog": ("Changelog", "What changed in each version of the package (its CHANGELOG.md)."),
    "codebook": (
        "Codebook",
        "The editorial rules every row follows: what a claim may say, who owns it, what each controlled "
        "value means, what counts as inferred (its docs/codebook.md). The rows' notes cite its sections (“§4”).",
    ),
}


def document_page(name: str) -> Any:
    async def page(request: Any, datasette: Any) -> Response:
        """One of the package's documents, as the metadata carries it."""
        site = site_of(datasette)
        text = ((site.citation or {}).get(name) or "") if site else ""
        title, about = DOCUMENTS[name]
        if not text:
            return Response.html(message_page(f"This site serves no {title.lower()}"), status=404)
        context = {"title": title, "about": about, "document": text}
        return Response.html(await datasette.render_template("document.html", context, request=request))

    return page


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/search$", search_page), *((rf"^/-/{name}$", document_page(name)) for name in DOCUMENTS)]
