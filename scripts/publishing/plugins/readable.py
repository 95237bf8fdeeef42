"""Datasette plugin: tables a person can read.

- A table page opens with its text columns first and its offsets and hashes out of the way: a
  page without `_col` is redirected to the reading order that scripts/publishing/metadata.py
  derives from the Table Schemas (plugin config "nk-readable"). `?_all=1` shows every column.
- Column headers carry the fields' human titles from the Table Schemas (their names stay in
  URLs, sorting and the API).
- A table's CSV link downloads every column of the package's CSV, in its order, and nothing else:
  a CSV asked in the reading order, or with labels added, is redirected to the whole table.
- Numbers that are whole display as whole numbers, with thousands separators (12,000, not 12000.0).
- Column descriptions take a few lines, scrollable, instead of pushing the rows below the fold;
  a filter's and a sort's select is as wide as its options; SQL wraps; a canned query's tab shows
  its title, not its SQL.
- The rows of a table page are written by `table_rows_html`, in Python: the same HTML as
  Datasette's Jinja loop, which costs ~10 ms for a page of 50 rows; the sort links of the column
  headers by `sort_links`, with the query string parsed once (docs/benchmark.md)."""

from __future__ import annotations

import re
import sys
from collections.abc import Awaitable, Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils import tilde_encode, to_css_class, urlsafe_components
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

if (PLUGINS := str(Path(__file__).resolve().parent)) not in sys.path:
    sys.path.append(PLUGINS)  # Datasette runs each plugin file alone: the shared package is beside it

from nk_datasette.site import Site, database_name, quoted, site_of

CSS = """
/* A scrolling box shows whole lines, never half of one: its height is a whole number of its lines. */
dl.column-descriptions { line-height: 20px; max-height: 100px; overflow-y: auto; font-size: 0.85em;
  border: 1px solid #ddd; padding: 0.3em 0.8em; background: #fff; }
dl.column-descriptions dt { font-weight: bold; float: left; clear: left; margin-right: 0.5em; }
dl.column-descriptions dd { margin: 0; line-height: 20px; } dl.column-descriptions dt { line-height: 20px; }
pre, #sql-query, .wrapped-sql { white-space: pre-wrap; word-break: break-word; }
.facet-results ul { line-height: 24px; max-height: 144px; overflow-y: auto; }
.facet-results li { line-height: 24px; }
/* a filter's or sort's chosen option whole ("is not blank", not "is not bla"), clear of the arrow */
.select-wrapper, .select-wrapper.filter-op { width: auto; }
.select-wrapper select { width: auto; padding-right: 1.6em; }
form.search-all label { display: block; width: auto; margin-bottom: 0.3em; }  /* not a word per line */
dl.row-fields { display: grid; grid-template-columns: max-content minmax(0, 1fr); gap: 0.3em 1em; max-width: 60em; }
dl.row-fields dt { font-weight: bold; } dl.row-fields dd { margin: 0; }
@media only screen and (max-width: 576px) { dl.row-fields { grid-template-columns: minmax(0, 1fr); gap: 0; }
  dl.row-fields dd { margin: 0 0 0.6em 0; } }
dl.by-party dt { font-weight: bold; margin-top: 0.5em; } dl.by-party dd { margin: 0; }
ul.party-filters { list-style: none; padding: 0; margin: 0; display: flex; flex-wrap: wrap; gap: 0 0.4em; }
ul.party-filters li { min-height: 24px; line-height: 24px; }  /* tap targets of 24 px (WCAG 2.2) */
ul.party-filters li:not(:last-child)::after { content: " ·"; }
/* WCAG AA contrast (4.5:1) where Datasette's colours fall short: its buttons' white on #007bff (3.98:1)
   becomes white on Bootstrap's darker blue (5.22:1); a foreign key's id after its label, #aaa (2.32:1),
   becomes #666 (5.74:1). */
form input[type=submit] { background-color: #0069d9; border-color: #0069d9; }
form button[type=button] { color: #0069d9; border-color: #0069d9; }
td em { color: #666; }
/* A visited or hovered link, Datasette's light greens (#54ac8e 2.74:1, #67c98d 2.04:1), a darker green (4.75:1
   on the page's background); axe cannot see these states, a fresh browser has visited nothing. */
a:visited, a:hover, a:focus, a:active { color: #2e7d62; }
/* Datasette takes the underline off links in tables: where a link sits among words (the home page's estimate
   and its qualifier), only the underline tells it apart (WCAG 1.4.1; its blue is 2.84:1 to the text). */
table.latest-estimates a:link, table.latest-estimates a:visited { text-decoration: underline; }
section.cite code { overflow-wrap: anywhere; }  /* a SHA-256 breaks on a phone rather than widen the page */
ul.csv-downloads li { min-height: 24px; line-height: 24px; }
"""


def reading_order(datasette: Any, table: str) -> list[str] | None:
    config = datasette.plugin_config("nk-readable") or {}
    return (config.get("columns") or {}).get(table)


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[Any], Any]:
    def wrap(app: Any) -> Any:
        async def readable(scope: dict, receive: Callable[[], Awaitable[dict]], send: Callable) -> None:
            if scope["type"] == "http" and scope["method"] == "GET":
                target = _reading_url(datasette, scope) or _whole_csv_url(datasette, scope)
                if target:
                    await Response.redirect(target).asgi_send(send)
                    return
            await app(scope, receive, send)

        return readable

    return wrap


def _reading_url(datasette: Any, scope: dict) -> str | None:
    """The table page in reading order, when the visitor asked for no columns of their own."""
    parts, database = scope["path"].split("/"), database_name(datasette)
    if len(parts) != 3 or parts[:2] != ["", database] or not parts[2] or "." in parts[2]:
        return None  # not an HTML table page (.json, .csv and row pages keep every column), nor `//…`
    args = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    if any(key in ("_col", "_nocol", "_all", "sql") for key, _ in args):
        return None
    columns = reading_order(datasette, parts[2])
    if not columns:
        return None
    return f"/{database}/{parts[2]}?" + urlencode([*args, *(("_col", c) for c in columns)])


def _whole_csv_url(datasette: Any, scope: dict) -> str | None:
    """A table's CSV as its page links it, with every column of the package's CSV in its order and
    nothing else: the page's "CSV" link carries the page's reading-order `_col`s (which drop the
    offsets and reorder the rest) and `_labels` (which adds a label column after each foreign key).
    A CSV with columns of the visitor's own choosing keeps them, and its labels if asked."""
    parts, database = scope["path"].split("/"), database_name(datasette)
    if len(parts) != 3 or parts[:2] != ["", database] or not parts[2].endswith(".csv"):
        return None
    table = parts[2].removesuffix(".csv")
    args = parse_qsl(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    asked = [value for key, value in args if key == "_col"]
    if "_nocol" in (key for key, _ in args) or (asked and asked != reading_order(datasette, table)):
        return None
    kept = [(key, value) for key, value in args if key not in ("_col", "_labels")]
    if kept == args:
        return None
    return f"/{database}/{parts[2]}" + (f"?{urlencode(kept)}" if kept else "")


@hookimpl
def extra_template_vars(table: str, database: str, view_name: str, request: Any, datasette: Any) -> Any:
    """Human column titles from the Table Schemas (templates/site/_table.html, the phone's card labels),
    the reading order (a row page leads with those fields), the release the site serves (every
    page's footer) and, on a source's row page, the link to its article reader."""
    config = datasette.plugin_config("nk-readable") or {}
    site = site_of(datasette)
    shown = {
        "column_titles": (config.get("titles") or {}).get(table or "", {}),
        "reading_columns": reading_order(datasette, table or "") or [],
        "site_release": site.release if site else None,
    }
    if view_name != "row" or table != SOURCES or site is None or database != site.database or request is None:
        return shown

    async def with_reader_link() -> dict[str, Any]:
        return {**shown, "reader_url": await reader_url(datasette, site, request)}

    return with_reader_link


SOURCES = "sources"  # the table whose rows have archived texts (texts.source_id references it)


async def reader_url(datasette: Any, site: Site, request: Any) -> str | None:
    """The article reader of the source a row page shows, where the source has an archived text."""
    keys = urlsafe_components(request.url_vars.get("pks", ""))
    if len(keys) != 1:
        return None
    db = datasette.get_database(site.database)
    sql = f"SELECT 1 FROM {quoted(site.texts)} WHERE source_id = ?"
    if (await db.execute(sql, [keys[0]])).first() is None:
        return None
    return datasette.urls.path("/-/articles/" + tilde_encode(keys[0]))


@hookimpl
def render_cell(value: Any, column: str, table: str, database: str) -> Any:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{int(value):,}"
    return None


@hookimpl
def extra_css_urls() -> list[str]:
    return ["/-/readable.css"]


async def stylesheet(request: Any) -> Response:
    return Response(CSS, content_type="text/css; charset=utf-8")


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/readable\.css$", stylesheet)]


@lru_cache(maxsize=4096)
def _cell_class(column: str, value_type: str) -> str:
    return f"col-{escape(to_css_class(column))} type-{escape(value_type)}"


def table_rows_html(display_rows: Iterable[Iterable[dict[str, Any]]]) -> Markup:
    """What `{% for row in display_rows %}<tr>{% for cell in row %}<td class="col-{{ cell.column|to_css_class }}
    type-{{ cell.value_type }}">{{ cell.value }}</td>…` renders, escaped as Jinja escapes."""
    parts = []
    for row in display_rows:
        cells = "".join(
            f'<td class="{_cell_class(cell["column"], cell["value_type"])}">{escape(cell["value"])}</td>'
            for cell in row
        )
        parts.append(f"<tr>{cells}</tr>")
    return Markup("\n".join(parts))


def sort_links(request: Any, columns: Iterable[dict[str, Any]], sort: str | None) -> dict[str, str]:
    """Each column header's link, as `path_with_replaced_args(request, {'_sort': …, '_sort_desc': …,
    '_next': None})` makes it in Datasette's _table.html, with the query string parsed once, not
    once per column."""
    kept = [(key, value) for key, value in parse_qsl(request.query_string) if key not in SORT_ARGS]
    links = {}
    for column in columns:
        name = column["name"]
        order = ("_sort_desc" if name == sort else "_sort", name)
        links[name] = request.path + "?" + urlencode([*kept, order])
    return links


SORT_ARGS = ("_sort", "_sort_desc", "_next")


# Datasette's table page names none of its filter and sort controls (a screen reader says only "combo box"):
# each gets the name its neighbours show the sighted reader. Datasette 0.65.5's markup (compat.py pins it).
CONTROL_NAMES = {
    "_filter_column": "Filter on column",
    "_filter_op": "Filter operator",
    "_filter_value": "Filter value",
    "_sort": "Sort by column",
}
UNNAMED_CONTROL = re.compile(r'<(select|input type="text") name="(' + "|".join(CONTROL_NAMES) + r')((?:_\d+)?)"')
SCROLLED_DESCRIPTIONS = '<dl class="column-descriptions">'  # scrolls (CSS above): the keyboard must reach it


def named_controls(content: Markup) -> Markup:
    """Datasette's table page with an accessible name on each filter and sort control, and its scrolling
    column descriptions focusable, so that a keyboard can scroll them (WCAG 2.1.1)."""
    named = UNNAMED_CONTROL.sub(
        lambda m: f'<{m[1]} aria-label="{CONTROL_NAMES[m[2]]}" name="{m[2]}{m[3]}"', str(content)
    )
    focusable = '<dl class="column-descriptions" tabindex="0">'
    return Markup(named.replace(SCROLLED_DESCRIPTIONS, focusable))


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.globals["table_rows_html"] = table_rows_html
    env.globals["sort_links"] = sort_links
    env.globals["named_controls"] = named_controls
