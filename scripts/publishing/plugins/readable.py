"""Datasette plugin: tables a person can read.

- A table page opens with its text columns first and its offsets and hashes out of the way: a
  page without `_col` is redirected to the reading order that scripts/publishing/metadata.py
  derives from the Table Schemas (plugin config "nk-readable"). `?_all=1` shows every column.
- Column headers carry the fields' human titles from the Table Schemas (their names stay in
  URLs, sorting and the API).
- Numbers that are whole display as whole numbers, with thousands separators (12,000, not 12000.0).
- Column descriptions take a few lines, scrollable, instead of pushing the rows below the fold;
  SQL wraps; a canned query's tab shows its title, not its SQL.
- The rows of a table page are written by `table_rows_html`, in Python: the same HTML as
  Datasette's Jinja loop, which costs ~10 ms for a page of 50 rows; the sort links of the column
  headers by `sort_links`, with the query string parsed once (docs/benchmark.md)."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable, Iterable
from functools import lru_cache
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlencode

from datasette import hookimpl
from datasette.utils import to_css_class
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

if (PLUGINS := str(Path(__file__).resolve().parent)) not in sys.path:
    sys.path.append(PLUGINS)  # Datasette runs each plugin file alone: the shared package is beside it

from nk_datasette.site import database_name

CSS = """
dl.column-descriptions { max-height: 5em; overflow-y: auto; font-size: 0.85em; border: 1px solid #ddd;
  padding: 0.3em 0.8em; background: #fff; }
dl.column-descriptions dt { font-weight: bold; float: left; clear: left; margin-right: 0.5em; }
dl.column-descriptions dd { margin: 0; }
pre, #sql-query, .wrapped-sql { white-space: pre-wrap; word-break: break-word; }
.facet-results ul { max-height: 5em; overflow-y: auto; }
"""


def reading_order(datasette: Any, table: str) -> list[str] | None:
    config = datasette.plugin_config("nk-readable") or {}
    return (config.get("columns") or {}).get(table)


@hookimpl
def asgi_wrapper(datasette: Any) -> Callable[[Any], Any]:
    def wrap(app: Any) -> Any:
        async def readable(scope: dict, receive: Callable[[], Awaitable[dict]], send: Callable) -> None:
            if scope["type"] == "http" and scope["method"] == "GET":
                target = _reading_url(datasette, scope)
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


@hookimpl
def extra_template_vars(table: str, datasette: Any) -> dict[str, Any]:
    """Human column titles from the Table Schemas, for templates/site/_table.html."""
    config = datasette.plugin_config("nk-readable") or {}
    return {"column_titles": (config.get("titles") or {}).get(table or "", {})}


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


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.globals["table_rows_html"] = table_rows_html
    env.globals["sort_links"] = sort_links
