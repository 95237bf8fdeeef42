"""Datasette plugin: a home page that leads with what the data says, and a search of every table.

The home page (templates/site/index.html) shows the latest troop estimates and who made them, the
articles with links to their readers, the canned queries, and every table and view under its
human title. /-/search?q=… searches the claims, quotes and entities at once (their FTS5 indexes)."""

from __future__ import annotations

from typing import Any

from datasette import hookimpl
from datasette.utils.asgi import Response

DATABASE = "nk-russia-claims"
SEARCHED = {  # table: (key, text shown, FTS index)
    "claims": ("claim_id", "claim", "claims_fts"),
    "quotes": ("quote_id", "exact", "quotes_fts"),
    "entities": ("entity_id", "name", "entities_fts"),
}
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


def fts_query(words: str) -> str:
    """A visitor's words as an FTS5 query of quoted terms: no syntax error, no operator injection."""
    terms = ['"' + term.replace('"', '""') + '"' for term in words.split()[:10]]
    return " ".join(terms)


async def search_page(request: Any, datasette: Any) -> Response:
    words = request.args.get("q", "")[:200]
    db = datasette.get_database(DATABASE)
    results: list[dict[str, str]] = []
    if words.strip():
        for table, (key, shown, fts) in SEARCHED.items():
            sql = (
                f'SELECT t."{key}", t."{shown}" FROM "{fts}" JOIN "{table}" t ON t.rowid = "{fts}".rowid '
                f'WHERE "{fts}" MATCH ? ORDER BY rank LIMIT {MAX_RESULTS}'
            )
            for row_key, text in (await db.execute(sql, [fts_query(words)])).rows:
                results.append({"table": table, "key": row_key, "text": text,
                                "url": datasette.urls.row(DATABASE, table, row_key)})  # fmt: skip
    page = await datasette.render_template("search.html", {"q": words, "results": results}, request=request)
    return Response.html(page)


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/search$", search_page)]
