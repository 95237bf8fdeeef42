"""Datasette plugin: a home page that leads with what the data says, and a search of every table.

The home page (templates/site/index.html) shows the latest troop estimates and who made them, the
articles with links to their readers, the canned queries, and every table and view under its
human title. /-/search?q=… searches the claims, quotes and entities at once (their FTS5 indexes)."""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response

DATABASE = "nk-russia-claims"
SEARCHED = {  # table: (key, text shown, FTS index, whose it is)
    "claims": ("claim_id", "claim", "claims_fts", "claimant_id"),
    "quotes": ("quote_id", "exact", "quotes_fts", "speaker_id"),
    "entities": ("entity_id", "name", "entities_fts", "entity_id"),
}
KIND = {"claims": "claim", "quotes": "quote", "entities": "person or body"}
MAX_RESULTS = 50


async def home_variables(datasette: Any) -> dict[str, Any]:
    db = datasette.get_database(DATABASE)
    estimates = [dict(row) for row in (await db.execute(
        "SELECT * FROM troop_estimates ORDER BY as_of IS NULL, as_of DESC LIMIT 6")).rows]  # fmt: skip
    articles = [dict(row) for row in (await db.execute(
        "SELECT s.source_id, coalesce(s.title, 'Untitled news article (' || s.source_id || ')') AS label, "
        "(SELECT count(*) FROM claims c WHERE c.source_id = s.source_id) AS claims, "
        "(SELECT count(*) FROM quotes q WHERE q.source_id = s.source_id) AS quotes "
        "FROM sources s WHERE s.text_path IS NOT NULL ORDER BY s.source_id")).rows]  # fmt: skip
    tables = datasette.metadata("tables", database=DATABASE) or {}
    queries = datasette.metadata("queries", database=DATABASE) or {}
    listed = [
        {"name": name, "title": meta.get("title") or name.replace("_", " ").capitalize(),
         "description": meta.get("description", "")}
        for name, meta in tables.items()
    ]  # fmt: skip
    return {"estimates": estimates, "articles": articles, "listed_tables": listed, "canned": queries}


@hookimpl
def extra_template_vars(template: str, datasette: Any) -> Any:
    if template != "index.html":
        return {}

    async def variables() -> dict[str, Any]:
        return await home_variables(datasette)

    return variables


def fts_query(words: str, spellings: dict[str, list[str]]) -> str:
    """A visitor's words as an FTS5 query of quoted terms (no syntax error, no operator injection);
    a name matches every spelling of its entity (Zelensky, Zelenskyy)."""

    def term(word: str) -> str:
        variants = spellings.get(word.casefold(), [word])
        quoted = ['"' + v.replace('"', '""') + '"' for v in dict.fromkeys(variants)]
        return quoted[0] if len(quoted) == 1 else "(" + " OR ".join(quoted) + ")"

    return " AND ".join(term(word) for word in words.split()[:10])


async def spellings_of(db: Any, words: str) -> dict[str, list[str]]:
    """For each word that names an entity, every spelling of that entity (its name and aliases)."""
    found: dict[str, list[str]] = {}
    for word in words.split()[:10]:
        sql = "SELECT name, aliases FROM entities WHERE name LIKE ? OR aliases LIKE ?"
        like = f"%{word}%"
        for name, aliases in (await db.execute(sql, [like, like])).rows:
            variants = {name, *(a for a in (aliases or "").split(",") if a)}
            # only single words can be FTS terms here: the last word of each spelling
            found.setdefault(word.casefold(), [word]).extend(sorted({v.split()[-1] for v in variants} - {word}))
    return found


async def search_page(request: Any, datasette: Any) -> Response:
    words = request.args.get("q", "")[:200]
    db = datasette.get_database(DATABASE)
    results: list[dict[str, str]] = []
    if words.strip():
        query = fts_query(words, await spellings_of(db, words))
        for table, (key, shown, fts, whose) in SEARCHED.items():
            sql = (
                f'SELECT t."{key}", t."{shown}", coalesce(e.name, t."{whose}") FROM "{fts}" '
                f'JOIN "{table}" t ON t.rowid = "{fts}".rowid LEFT JOIN entities e ON e.entity_id = t."{whose}" '
                f'WHERE "{fts}" MATCH ? ORDER BY rank LIMIT {MAX_RESULTS}'
            )
            for row_key, text, who in (await db.execute(sql, [query])).rows:
                whose = who if table != "entities" else ""
                url = datasette.urls.row(DATABASE, table, row_key)
                results.append({"kind": KIND[table], "key": row_key, "text": text, "who": whose, "url": url})
    page = await datasette.render_template("search.html", {"q": words, "results": results}, request=request)
    return Response.html(page)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/search$", search_page)]
