"""Datasette plugin: every row in its article's words, the article reader, and the timeline.

- Row pages of claims, quotes, figures, attributions, affiliations and flags show the row's span
  marked (<mark>) inside its paragraph of the archived text, with who said it, where and in
  which article, and a link to the reader.
- /-/articles/<source_id> renders a whole archived text with every quote, figure and claim span
  marked by kind and linked to its row; spans that nest or overlap are split into segments,
  each carrying every span it belongs to. No JavaScript.
- /-/timeline draws every troop estimate as server-side SVG: dated ones on a time axis, undated
  ones in their article's order under "date not stated", ranges and "could reach" as such, in a wide
  layout and a phone's narrow one (the page's CSS shows the one that fits the screen). Beyond
  CHART_ESTIMATES estimates it draws the summary the build precomputed (timeline_summary: a bounded
  number of columns, each its estimates' lowest, highest and median number); the table below lists
  the estimates a page of PAGE_SIZE at a time (`?page=`), so that no request reads them all.

Everything shown is escaped: the package is untrusted input."""

from __future__ import annotations

import math
import re
import sys
from collections.abc import Callable
from datetime import date
from functools import partial
from itertools import pairwise
from pathlib import Path
from typing import Any, NamedTuple
from weakref import WeakKeyDictionary

from datasette import hookimpl
from datasette.utils import tilde_decode, tilde_encode, urlsafe_components
from datasette.utils.asgi import Response
from markupsafe import Markup, escape

if (PLUGINS := str(Path(__file__).resolve().parent)) not in sys.path:
    sys.path.append(PLUGINS)  # Datasette runs each plugin file alone: the shared package is beside it

from nk_datasette.site import Site, article_label, message_page, quoted, site_of

NO_DATABASE = "This site serves no database of the package"  # metadata without plugins → nk-site
STYLE = Markup("""<style>
mark.claim { background: #fff3b0; } mark.quote { background: #c8f0d0; } mark.figure { background: #ffd0c0; }
mark.claim.quote { background: #d8f0a0; }
.evidence { border-left: 4px solid #276890; padding: 0.2em 1em; margin: 1em 0; max-width: 50em; }
.reader p { max-width: 46em; line-height: 2; } .legend mark { padding: 0 0.4em; }
a.ref { display: inline-block; box-sizing: border-box; min-width: 24px; min-height: 24px; line-height: 22px;
  padding: 0 0.3em; margin: 0 0.15em; border: 1px solid #767676; border-radius: 4px; font-size: 0.8em;
  text-align: center; text-decoration: none; color: #1a1a1a; background: #f4f4f4;
  scroll-margin-top: 35vh; scroll-margin-bottom: 35vh; }
a.ref.claim { background: #fff3b0; } a.ref.quote { background: #c8f0d0; } a.ref.figure { background: #ffd0c0; }
a.ref:target { background: #8a2f0f; color: #fff; border-color: #8a2f0f;
  outline: 3px solid #8a2f0f; outline-offset: 1px; }
a.ref:target + mark, a.ref:target + a.ref + mark, a.ref:target + a.ref + a.ref + mark {
  outline: 3px solid #8a2f0f; outline-offset: 2px; }
</style>""")


# --------------------------------------------------------------------------- stored values
# The pages read what the database holds, which the validator vouches for only when this project's
# build wrote it: a database built by an older build, or edited by hand, may hold text, inf or a
# huge number where a number belongs. No stored value makes a page fail.
LARGEST = 1e15  # the largest magnitude the validator lets a number cell have (scripts.package.read.NUMBER_LIMIT)


def stored_number(value: Any) -> float | None:
    """A stored number the pages can draw and count with: finite, within ±10^15; else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) and abs(value) <= LARGEST else None


def shown_number(value: Any) -> str:
    """A stored number as a page writes it (12,000); anything else as it is stored."""
    number = stored_number(value)
    return f"{number:,.0f}" if number is not None else str(value)


def stored_span(start: Any, end: Any, length: int) -> tuple[int, int] | None:
    """Stored offsets that mark a span of a text of `length` characters; None for any others."""
    offsets = [int(v) if isinstance(v, float) and v.is_integer() else v for v in (start, end)]
    if not all(isinstance(v, int) and not isinstance(v, bool) for v in offsets):
        return None
    first, last = offsets
    return (first, last) if 0 <= first <= last <= length else None


# --------------------------------------------------------------------------- text and spans
def paragraph_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The paragraph (lines) around a span."""
    return text.rfind("\n", 0, start) + 1, (text.find("\n", end) if text.find("\n", end) >= 0 else len(text))


def marked(text: str, start: int, end: int) -> Markup:
    """A span marked inside its paragraph."""
    first, last = paragraph_bounds(text, start, end)
    return (
        escape(text[first:start])
        + Markup("<mark>")
        + escape(text[start:end])
        + Markup("</mark>")
        + escape(text[end:last])
    )


def segments(
    length: int, spans: list[tuple[int, int, str, str]]
) -> list[tuple[int, int, list[tuple[int, int, str, str]]]]:
    """Cut 0..length at every span boundary: (start, end, the spans covering it, innermost first)."""
    cuts = sorted({0, length, *(s for s, _, _, _ in spans), *(e for _, e, _, _ in spans)})
    pieces = []
    for start, end in pairwise(cuts):
        covering = sorted((s for s in spans if s[0] <= start and end <= s[1]), key=lambda s: s[1] - s[0])
        pieces.append((start, end, covering))
    return pieces


def row_url(datasette: Any, table: str, key: str) -> str:
    site = site_of(datasette)
    assert site is not None  # only the pages of a site that serves the package link to rows
    return datasette.urls.row(site.database, table, tilde_encode(key))


def reader_url(datasette: Any, source_id: str, anchor: str = "") -> str:
    return datasette.urls.path(f"/-/articles/{tilde_encode(source_id)}") + (f"#{anchor}" if anchor else "")


def anchor_of(table: str, key: str) -> str:
    return f"{table}-{re.sub(r'[^a-z0-9_-]', '-', key.lower())}"


# --------------------------------------------------------------------------- evidence on row pages
async def evidence(datasette: Any, site: Site, table: str, key_values: list[str]) -> Markup:
    db = datasette.get_database(site.database)
    who_column = site.spans[table]
    pks = await db.primary_keys(table)
    if len(pks) != len(key_values):
        return Markup("")
    where = " AND ".join(f"{quoted(pk)} = ?" for pk in pks)
    row = (await db.execute(f"SELECT * FROM {quoted(table)} WHERE {where}", key_values)).first()
    key = ",".join(key_values)
    if row is None:
        return Markup("")
    row = dict(row)
    text_row = (
        await db.execute(f"SELECT text FROM {quoted(site.texts)} WHERE source_id = ?", [row["source_id"]])
    ).first()
    if text_row is None:
        return Markup("")
    text = text_row[0]
    span = stored_span(row["char_start"], row["char_end"], len(text))
    if span is None:
        return Markup("")  # offsets no text has: the row's own page still shows them
    start, end = span
    article = await label(db, "sources", "source_id", row["source_id"])
    parts = [
        Markup("<h2>In the article's words</h2>"),
        STYLE,
        Markup('<blockquote class="evidence">'),
        marked(text, start, end),
        Markup("</blockquote><p>"),
    ]
    if who_column and row.get(who_column):
        who = await label(db, "entities", "entity_id", row[who_column])
        role = {"claims": "Claimant", "quotes": "Speaker"}.get(table, "Party")
        parts.append(Markup("{}: <strong>{}</strong>. ").format(role, who))
    if row.get("via_source_id"):
        venue = await label(db, "sources", "source_id", row["via_source_id"])
        parts.append(Markup("Venue: {}. ").format(venue))
    link = reader_url(datasette, row["source_id"], anchor_of(table, key) if table in site.reader_spans else "")
    parts.append(
        Markup('Article: <a href="{}" class="reader-link">{}</a>, characters {}–{}.</p>').format(
            link, article, start, end
        )
    )
    return Markup("").join(parts)


async def label(db: Any, table: str, key_column: str, key: str) -> str:
    if table == "sources":
        row = (await db.execute("SELECT title, kind FROM sources WHERE source_id = ?", [key])).first()
        return article_label(key, row[0] if row else None, row[1] if row else None)
    row = (await db.execute(f"SELECT name FROM {quoted(table)} WHERE {quoted(key_column)} = ?", [key])).first()
    return row[0] if row and row[0] else key


@hookimpl
def extra_template_vars(template: str, database: str, table: str, request: Any, datasette: Any, view_name: str) -> Any:
    site = site_of(datasette)
    if view_name != "row" or site is None or database != site.database or table not in site.spans or request is None:
        return {}

    async def variables() -> dict[str, Any]:
        key_values = urlsafe_components(request.url_vars.get("pks", ""))  # "k1,2" → two key values
        return {"evidence_html": await evidence(datasette, site, table, key_values)}

    return variables


# --------------------------------------------------------------------------- the article reader
async def article_page(request: Any, datasette: Any) -> Response:
    source_id = tilde_decode(request.url_vars["source_id"])
    site = site_of(datasette)
    if site is None:
        return Response.html(message_page(NO_DATABASE), status=404)
    db = datasette.get_database(site.database)
    found = (
        await db.execute(
            f"SELECT t.text, s.title, s.kind FROM {quoted(site.texts)} t JOIN sources s ON s.source_id = t.source_id "
            "WHERE t.source_id = ?",
            [source_id],
        )
    ).first()
    if found is None:
        return Response.html(message_page("No archived article of that name"), status=404)
    text, title, kind = found
    spans: list[tuple[int, int, str, str]] = []
    for table in site.reader_spans:
        keys = await db.primary_keys(table) if await db.table_exists(table) else []
        if len(keys) != 1:  # a row the reader could not link to: the package's schema gives it no one key
            continue
        (key_column,) = keys
        sql = f"SELECT char_start, char_end, {quoted(key_column)} FROM {quoted(table)} WHERE source_id = ?"
        for start, end, key in await db.execute(sql, [source_id]):
            span = stored_span(start, end, len(text))
            if span is not None:  # a span no text has cannot be marked: left out, never a failure
                spans.append((*span, table, str(key)))
    body = render_text(datasette, text, spans, site.reader_spans)
    heading = article_label(source_id, title, kind)
    page = await datasette.render_template(
        "reader.html",
        {
            "heading": heading,
            "source_id": source_id,
            "body": body,
            "style": STYLE,
            "legend": [(mark_class(t), t, n) for t, n in count_kinds(spans, site.reader_spans).items()],
            "site_database": site.database,
        },
        request=request,
    )
    return Response.html(page)


def count_kinds(spans: list[tuple[int, int, str, str]], tables: tuple[str, ...]) -> dict[str, int]:
    return {table: sum(1 for s in spans if s[2] == table) for table in tables}


def mark_class(table: str) -> str:
    """The class of a table's marks, and their name in a title: claims → claim."""
    return table.removesuffix("s")


def render_text(datasette: Any, text: str, spans: list[tuple[int, int, str, str]], tables: tuple[str, ...]) -> Markup:
    """The whole text, paragraph by paragraph, each piece marked with every span covering it."""
    started: set[tuple[str, str]] = set()
    labels = short_ids([key for _, _, _, key in spans])
    html = [Markup("<p>")]
    for start, end, covering in segments(len(text), spans):
        piece = text[start:end]
        if not covering:
            html.append(escape(piece).replace("\n", Markup("</p>\n<p>")))
            continue
        kinds = " ".join(sorted({mark_class(t) for _, _, t, _ in covering}))
        titles = ", ".join(f"{mark_class(t)} {k}" for _, _, t, k in covering)
        # Each span opens with its own labelled link to its row, a 24-px tap target (WCAG 2.2), which
        # is also its anchor: a span lying wholly inside another (the same words as claim and quote)
        # is still one tap away, and a link to the span lands on it (:target, scroll-margin).
        anchors = Markup("").join(
            Markup('<a class="ref {}" id="{}" href="{}" title="{} {}">{}</a>').format(
                mark_class(t), anchor_of(t, k), row_url(datasette, t, k), mark_class(t), k, labels[k]
            )
            for _, _, t, k in sorted(covering, key=lambda c: (c[0], -c[1]))
            if (t, k) not in started
        )
        started.update((t, k) for _, _, t, k in covering)
        html.append(
            anchors
            + Markup('<mark class="{}" title="{}">{}</mark>').format(
                kinds, titles, escape(piece).replace("\n", Markup("<br>"))
            )
        )
    html.append(Markup("</p>"))
    return Markup("").join(html)


def short_ids(keys: list[str]) -> dict[str, str]:
    """Each key without the part every key of the article begins with, cut after a non-alphanumeric
    character (keys p-1-c3 and p-1-q4 → c3 and q4): enough to tell the marks of one article apart,
    whatever the project's ids look like. A key that would be left empty stays whole."""
    first, last = (min(keys), max(keys)) if keys else ("", "")
    differ = next((i for i, (a, b) in enumerate(zip(first, last, strict=False)) if a != b), len(first))
    common = "" if first == last else first[:differ]  # the prefix of the least and greatest is everyone's
    cut = max((i + 1 for i, c in enumerate(common) if not c.isalnum()), default=0)
    return {key: key[cut:] or key for key in keys}


# --------------------------------------------------------------------------- the timeline
# The page sends the chart in every layout, each an <svg> with a viewBox of its own, and its CSS shows
# the one that fits the screen (templates/site/timeline.html): text keeps a readable size on a phone and
# on a desktop alike, with no script. Labels are short (a number and the estimate's # in the table
# below, which names who and where), so that none is cut.
class Layout(NamedTuple):
    """One drawing of the timeline, in its viewBox's units (the text is 13 of them high)."""

    name: str  # the <svg>'s id, timeline-<name>, and the class the page's CSS shows or hides
    width: int
    plot: int  # the height of the number axis, from zero to the top number
    left: int  # room for the number axis's labels
    right: int
    top: int
    bottom: int  # room under the plot for the date labels and the axis's title
    band: int  # the undated band's width beside the time axis (gap included); 0: under it, at full width
    edge: int  # from each end of the time axis to its first and last date: more than half a date label
    max_ticks: int  # date labels under a summary chart
    max_width: int  # the widest the chart grows, in CSS px

    def height(self, undated: bool) -> int:
        """The dated chart, and under it the undated band with its own number axis when it is not beside."""
        dated = self.top + self.plot + self.bottom
        return dated + self.top + self.plot + 30 if undated and not self.band else dated


# A desktop's: the undated band beside the time axis. A phone's: 330 units across a ~360-px screen keep
# the text at ~14 px, so the undated band goes under the dated chart, and fewer dates label the axis.
WIDE = Layout("wide", width=720, plot=340, left=80, right=10, top=30, bottom=70, band=250, edge=40,
              max_ticks=6, max_width=960)  # fmt: skip
NARROW = Layout("narrow", width=330, plot=260, left=76, right=8, top=30, bottom=70, band=0, edge=45,
                max_ticks=3, max_width=440)  # fmt: skip
LAYOUTS = (WIDE, NARROW)
LABEL_WIDTH = 110  # the widest label of a point (“#12 could reach”), in the viewBox's units
TICK_WIDTH = 90  # the widest date label (“28 Oct 2024?”): dates closer than this are not all labelled
MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def parse_day(edtf: str | None) -> tuple[date | None, bool]:
    """(the day, whether the text states its year) of an EDTF day such as 2024-10-31 or 2024-10-31?;
    as scripts/publishing/summaries.py reads it (the deployed plugins stand alone: no import)."""
    if not isinstance(edtf, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[?~%]?", edtf):
        return None, True
    try:
        return date.fromisoformat(edtf[:10]), not edtf.endswith(("?", "%"))
    except ValueError:  # 2024-13-45
        return None, True


def day_label(day: date, stated: bool) -> str:
    return f"{day.day} {MONTHS[day.month - 1]} {day.year}{'' if stated else '?'}"


def whole(value: float) -> str:
    return f"{value:,.0f}"


Scale = Callable[[Any], float]


class Geometry(NamedTuple):
    """Where one layout draws: the dated chart's scales, and the undated band's place and scale."""

    chart_right: float  # where the dated chart ends
    x_of: Scale  # the x of a day: the first to the last day across the dated chart
    y_of: Scale  # the y of a number: zero to the top number up the dated chart
    band_left: float
    band_width: float
    band_top: float  # the top number's y in the band
    band_y_of: Scale  # the dated chart's number scale, moved down when the band is under the chart


def _scales(layout: Layout, days: list[date], top_value: float, undated: bool) -> Geometry:
    first, last = (days[0], days[-1]) if days else (date.min, date.min)  # no dated estimate: no x is drawn
    span_days = max((last - first).days, 1)
    chart_right = layout.width - layout.right - (layout.band if undated else 0)

    def x_of(day: date) -> float:
        return (
            layout.left + layout.edge + (day - first).days / span_days * (chart_right - layout.left - 2 * layout.edge)
        )

    def y_of(value: float) -> float:
        return layout.top + (1 - value / top_value) * layout.plot

    if layout.band:  # beside the dated chart, on its number scale
        return Geometry(chart_right, x_of, y_of, chart_right + 20, layout.band - 20, layout.top, y_of)
    shift = layout.top + layout.plot + layout.bottom  # under it, on the same scale moved down
    band_width = layout.width - layout.right - layout.left
    return Geometry(chart_right, x_of, y_of, layout.left, band_width, layout.top + shift, lambda v: y_of(v) + shift)


def _date_ticks(ticks: list[tuple[float, str]], y: float) -> list[Markup]:
    """A label under each date, from the first, but none closer to the last one drawn than a label's
    width: dates a few days apart would print over each other."""
    parts, drawn_at = [], -math.inf
    for x, label in ticks:
        if x - drawn_at >= TICK_WIDTH:
            parts.append(
                Markup('<text x="{:.1f}" y="{}" text-anchor="middle" class="x-tick">{}</text>').format(x, y, label)
            )
            drawn_at = x
    return parts


def _time_axis_title(layout: Layout, g: Geometry, title: str) -> Markup:
    """Under the dates, centred on them; on a narrow chart on its whole width, for the title to fit."""
    centre = (layout.left + g.chart_right) / 2 if layout.band else layout.width / 2
    return Markup('<text x="{:.1f}" y="{:.1f}" text-anchor="middle">{}</text>').format(centre, g.y_of(0) + 40, title)


def timeline_svg(estimates: list[dict[str, Any]], unit: str, layout: Layout = WIDE) -> Markup:
    """The troop estimates as an SVG chart in one layout: no script, the same in every time zone."""
    dated = [(parse_day(e["as_of"]), e) for e in estimates]
    on_axis = [(d, stated, e) for (d, stated), e in dated if d is not None]
    undated = [e for (d, _), e in dated if d is None]
    top_value = max([1.0, *(max(e["value"] or 0, e["value_high"] or 0) for e in estimates)]) * 1.15
    days = sorted(d for d, _, _ in on_axis)
    g = _scales(layout, days, top_value, bool(undated))
    parts = _svg_open(layout, bool(undated), "North Korean troops in Russia: every estimate in the articles")
    parts += _y_axis(layout, top_value, g.y_of, g.chart_right, unit)
    stated = {day: all(s for d, s, _ in on_axis if d == day) for day in days}
    parts += _date_ticks([(g.x_of(day), day_label(day, stated[day])) for day in sorted(stated)], g.y_of(0) + 18)
    parts.append(_time_axis_title(layout, g, "date of the estimate (as the text gives it)"))
    middle = (layout.left + g.chart_right) / 2
    for day, _, estimate in on_axis:  # a label leftwards in the right half: never into the undated band
        parts += _point(g.x_of(day), estimate, g.y_of, anchor="start" if g.x_of(day) <= middle else "end")
    if undated:
        parts += _undated_band(layout, g, top_value, unit)
        undated.sort(key=lambda e: str(e["source_id"]))  # stable: each article's estimates in reading order
        counted = [e for e in undated if has_number(e)]
        # points from the band's left edge to where a label still fits inside it
        step = (g.band_width - 30 - LABEL_WIDTH) / max(len(counted) - 1, 1)
        for index, estimate in enumerate(counted):
            parts += _point(g.band_left + 20 + index * step, estimate, g.band_y_of, anchor="start")
        for index, estimate in enumerate(e for e in undated if not has_number(e)):  # words, no number
            parts += _point(g.band_left + 8, estimate, lambda v, i=index: g.band_y_of(v) - 8 - 16 * i, anchor="start")
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def every_layout(draw: Callable[[Layout], Markup]) -> Markup:
    """The chart in each layout, one after the other: the page's CSS shows one and hides the rest
    (display: none, which also keeps a screen reader from reading the chart twice)."""
    return Markup("\n").join(draw(layout) for layout in LAYOUTS)


def has_number(estimate: dict[str, Any]) -> bool:
    """Whether the chart can place an estimate: a number, or a range's two ends."""
    return estimate["value"] is not None or (estimate["value_low"] is not None and estimate["value_high"] is not None)


def _svg_open(layout: Layout, undated: bool, title: str) -> list[Markup]:
    return [
        Markup(
            '<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {0} {1}" width="100%" '
            'style="max-width: {2}px; height: auto" font-family="sans-serif" font-size="13" '
            'class="timeline timeline-{3}" id="timeline-{3}">'
        ).format(layout.width, layout.height(undated), layout.max_width, layout.name),
        Markup("<title>{}</title>").format(title),
    ]


def _undated_band(layout: Layout, g: Geometry, top_value: float, unit: str) -> list[Markup]:
    """A shaded panel of its own, apart from the time axis and named above and below, so that no
    reader takes the estimates in it for later than the last date; under the dated chart, its own
    number axis."""
    band = Markup(
        '<rect x="{0}" y="{1}" width="{2}" height="{3}" fill="#f2f2f2" stroke="#999" stroke-dasharray="4 3" '
        'class="undated-band"/>'
        '<text x="{4}" y="{5}" text-anchor="middle" font-weight="bold">no date</text>'
        '<text x="{4}" y="{6}" text-anchor="middle" class="undated">date not stated</text>'
    ).format(
        g.band_left, g.band_top - 20, g.band_width, layout.plot + 20, g.band_left + g.band_width / 2,
        g.band_top - 6, g.band_top + layout.plot + 18,
    )  # fmt: skip
    if layout.band:
        return [band]
    return [band, *_y_axis(layout, top_value, g.band_y_of, g.band_left + g.band_width, unit)]


def summary_svg(columns: list[dict[str, Any]], unit: str, layout: Layout = WIDE) -> Markup:
    """The estimates, too many to draw one by one, as the build summed them up (timeline_summary):
    for each day or run of days a bar from the lowest number to the highest and a point at the
    median, and the estimates without a date in one more column, under "date not stated". A
    bounded number of marks, whatever the number of estimates; no script, the same in every time zone."""
    dated = [(parse_day(c["day_from"])[0], parse_day(c["day_to"])[0], c) for c in columns]
    on_axis = [(first, last, c) for first, last, c in dated if first is not None and last is not None]
    undated = [c for first, last, c in dated if first is None or last is None]
    top_value = max([1.0, *(c["highest"] or 0 for c in columns)]) * 1.15
    days = sorted({day for first, last, _ in on_axis for day in (first, last)})
    g = _scales(layout, days, top_value, bool(undated))
    title = "North Korean troops in Russia: every estimate in the articles, summed up by date"
    parts = _svg_open(layout, bool(undated), title)
    parts += _y_axis(layout, top_value, g.y_of, g.chart_right, unit)
    every = max(-(-len(on_axis) // layout.max_ticks), 1)  # a label for every n-th column, so that none overlap
    ticks = [(g.x_of(day), day_label(day, bool(c["year_stated"]))) for day, _, c in on_axis[::every]]
    parts += _date_ticks(ticks, g.y_of(0) + 18)
    parts.append(_time_axis_title(layout, g, "date of the estimates (as the texts give it)"))
    for day, last, column in on_axis:
        when = f"{day_label(day, True)} to {day_label(last, True)}"
        parts += _summary(g.x_of(day + (last - day) / 2), column, g.y_of, when, unit)
    for column in undated:
        middle = g.band_left + g.band_width / 2
        parts += [
            *_undated_band(layout, g, top_value, unit),
            *_summary(middle, column, g.band_y_of, "date not stated", unit),
        ]
    parts.append(Markup("</svg>"))
    return Markup("").join(parts)


def _summary(x: float, column: dict[str, Any], y_of: Any, when: str, unit: str) -> list[Markup]:
    """One column of the summary: a bar from the lowest number to the highest, a point at the median."""
    count = Markup("{:,} estimate{}").format(column["estimates"], "" if column["estimates"] == 1 else "s")
    in_words = Markup(", {:,} in words only").format(column["in_words"]) if column["in_words"] else ""
    if column["median"] is None and column["lowest"] is not None and column["highest"] is not None:
        title = Markup("{}: {}, ranges from {} to {} {}").format(
            when, count, whole(column["lowest"]), whole(column["highest"]), unit
        )  # only ranges: a bar from the lowest end to the highest, and no median, which no text states
        return [
            Markup(
                '<line x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}" stroke="#276890" stroke-width="3">'
                "<title>{3}</title></line>"
            ).format(x, y_of(column["lowest"]), y_of(column["highest"]), title)
        ]
    if column["median"] is None:
        return [
            Markup('<text x="{:.1f}" y="{:.1f}" text-anchor="middle" class="estimate">{} (no number)</text>').format(
                x, y_of(0) - 8, count
            )
        ]
    title = Markup("{}: {}{}, from {} to {} {}, median {}").format(
        when, count, in_words, whole(column["lowest"]), whole(column["highest"]), unit, whole(column["median"])
    )
    return [
        Markup('<line x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}" stroke="#276890" stroke-width="3"/>').format(
            x, y_of(column["lowest"]), y_of(column["highest"])
        ),
        Markup(
            '<circle cx="{:.1f}" cy="{:.1f}" r="5" fill="#276890" class="estimate-summary"><title>{}</title></circle>'
        ).format(x, y_of(column["median"]), title),
    ]


def tick_step(top_value: float, ticks: int = 10) -> float:
    """The smallest of 1, 2 or 5 times a power of ten that marks the axis up to `top_value` in at
    most `ticks` steps: the same rule for a dozen or a million, whatever the data."""
    raw = max(top_value / ticks, 1e-9)
    power = 10 ** math.floor(math.log10(raw))
    return max(1.0, next(m * power for m in (1, 2, 5, 10) if m * power >= raw))  # the chart counts whole ones


def _y_axis(layout: Layout, top_value: float, y_of: Scale, right: float, unit: str) -> list[Markup]:
    step = tick_step(top_value)
    parts = [
        Markup('<text transform="rotate(-90)" x="{:.1f}" y="18" text-anchor="middle">{}</text>').format(
            -(y_of(0) + y_of(top_value)) / 2, unit
        )
    ]
    value = 0
    while value <= top_value:
        y = y_of(value)
        parts.append(
            Markup(
                '<line x1="{}" x2="{}" y1="{:.1f}" y2="{:.1f}" stroke="#e4e4e4"/>'
                '<text x="{}" y="{:.1f}" text-anchor="end" class="y-tick">{}</text>'
            ).format(layout.left, right, y, y, layout.left - 6, y + 4, whole(value))
        )
        value += step
    return parts


def _point(x: float, estimate: dict[str, Any], y_of: Any, anchor: str = "start") -> list[Markup]:
    """One estimate: a point (hollow and dashed when it is only a possibility), its range, and a
    two-line label, who and how many."""
    value, high, qualifier = estimate["value"], estimate["value_high"], estimate["qualifier"]
    who, number = str(estimate["claimant"] or ""), key_number(estimate)
    possible = qualifier in ("could_reach", "potentially") or estimate.get("second_qualifier") == "up_to"
    dx = 10 if anchor == "start" else -10
    if value is None and estimate["value_low"] is not None and high is not None:
        return _range(x, estimate, y_of, anchor, who)
    if value is None:  # a number in words ("thousands"): written, not plotted; long words only in the table
        words = str(estimate["exact"] or "")
        shown = f"“{words}”" if len(words) <= 14 else "in words"
        return [
            Markup(
                "<g><title>{}: “{}”</title>"
                '<text x="{:.1f}" y="{:.1f}" text-anchor="{}" class="estimate">{} {} (no number)</text></g>'
            ).format(who, words, x, y_of(0) - 8, anchor, number, shown)
        ]
    parts = []
    if estimate["value_low"] is not None or high is not None:
        low, top = estimate["value_low"] or value, high or value
        parts.append(
            Markup(
                '<line x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}" stroke="#276890" stroke-width="3"/>'
            ).format(x, y_of(low), y_of(top))
        )
    if possible:
        parts.append(
            Markup(
                '<line x1="{0:.1f}" x2="{0:.1f}" y1="{1:.1f}" y2="{2:.1f}" stroke="#b05030" stroke-dasharray="3 3"/>'
            ).format(x, y_of(0), y_of(value))
        )
    fill = "white" if possible else "#276890"
    how_many = whole(value) + (" (could reach)" if possible else "")
    second = f"{number} could reach" if possible else number
    parts.append(
        Markup(
            '<circle cx="{:.1f}" cy="{:.1f}" r="6" fill="{}" stroke="#276890" stroke-width="2" class="estimate-point">'
            "<title>{}: {}</title></circle>"
        ).format(x, y_of(value), fill, who, how_many)
    )
    parts.append(
        Markup(
            '<text x="{:.1f}" y="{:.1f}" text-anchor="{}" class="estimate"><tspan font-weight="bold">{}</tspan>'
            '<tspan x="{:.1f}" dy="15">{}</tspan></text>'
        ).format(x + dx, y_of(value) - 2, anchor, whole(value), x + dx, second)
    )
    return parts


def key_number(estimate: dict[str, Any]) -> str:
    """The estimate's number in the table under the chart (#3), which names who said it and where:
    the chart's labels stay short enough never to be cut."""
    position = estimate.get("position")
    return f"#{position}" if position is not None else ""


def _range(x: float, estimate: dict[str, Any], y_of: Any, anchor: str, who: str) -> list[Markup]:
    """A range the text states by its two ends ("between 10,000 and 12,000"): a hollow bar from end
    to end, no point (the text states no single number), and its two ends as the label."""
    low, high = estimate["value_low"], estimate["value_high"]
    ends = f"{whole(low)}–{whole(high)}"
    dx = 10 if anchor == "start" else -10
    return [
        Markup(
            '<rect x="{:.1f}" y="{:.1f}" width="8" height="{:.1f}" fill="white" stroke="#276890" stroke-width="2" '
            'class="estimate-point estimate-range"><title>{}: {} (range)</title></rect>'
        ).format(x - 4, y_of(high), max(y_of(low) - y_of(high), 2), who, ends),
        Markup(
            '<text x="{:.1f}" y="{:.1f}" text-anchor="{}" class="estimate"><tspan font-weight="bold">{}</tspan>'
            '<tspan x="{:.1f}" dy="15">{} range</tspan></text>'
        ).format(x + dx, y_of(high) - 2, anchor, ends, x + dx, key_number(estimate)),
    ]


CHART_ESTIMATES = 60  # estimates drawn one by one; more are drawn as the build summed them up
PAGE_SIZE = 100  # estimates listed in the table of one page


def drawable(estimate: dict[str, Any]) -> dict[str, Any]:
    """An estimate as the chart reads it: a stored number it cannot draw counts as no number."""
    return {**estimate, **{c: stored_number(estimate[c]) for c in ("value", "value_low", "value_high")}}


def page_number(asked: str | None, pages: int) -> int | Response:
    """The page a visitor asks for (`?page=`, the first by default), or the answer that it is none."""
    if asked is None:
        return 1
    if not (asked.isascii() and asked.isdigit() and len(asked) <= 12 and int(asked) >= 1):
        return Response.html(message_page(f"page must be a whole number from 1 to {pages}"), status=400)
    if int(asked) > pages:
        return Response.html(message_page(f"There is no page {int(asked)}: the last is {pages}"), status=404)
    return int(asked)


def units_of(estimates: list[dict[str, Any]]) -> str:
    """The units of the drawn estimates (the figures' `unit` column), as the chart's axis names them."""
    return " or ".join(sorted({str(e["unit"]) for e in estimates if e.get("unit")})) or "number"


_charts: WeakKeyDictionary[Any, tuple[Markup, bool]] = WeakKeyDictionary()  # per immutable database


async def timeline_chart(db: Any, site: Site) -> tuple[Markup, bool]:
    """The chart, and whether it sums the estimates up instead of drawing each: the same on every page
    of the timeline, so drawn once per process for an immutable database (its every layout took about
    half of a page's time)."""
    if db in _charts:
        return _charts[db]
    chart = await draw_timeline_chart(db, site)
    if not db.is_mutable:
        _charts[db] = chart
    return chart


async def draw_timeline_chart(db: Any, site: Site) -> tuple[Markup, bool]:
    sql = f"SELECT * FROM {quoted(site.troop_estimates)} ORDER BY position LIMIT ?"
    first = [dict(row) for row in (await db.execute(sql, [CHART_ESTIMATES + 1])).rows]
    unit = units_of(first)
    if len(first) <= CHART_ESTIMATES:
        return every_layout(partial(timeline_svg, [drawable(e) for e in first], unit)), False
    if not await db.table_exists(site.timeline_summary):
        return Markup(""), True  # a database built before the summary: the table alone
    columns = [dict(row) for row in (await db.execute(f"SELECT * FROM {quoted(site.timeline_summary)}")).rows]
    return every_layout(partial(summary_svg, columns, unit)), True


async def timeline_page(request: Any, datasette: Any) -> Response:
    site = site_of(datasette)
    if site is None:
        return Response.html(message_page(NO_DATABASE), status=404)
    db = datasette.get_database(site.database)
    estimates_table = quoted(site.troop_estimates)
    if not await db.table_exists(site.troop_estimates):
        return Response.html(message_page("This database holds no troop estimates"), status=404)
    # `position` numbers the rows 1, 2, … in the view's order (build.py): its largest is their count
    (total,) = (await db.execute(f"SELECT coalesce(max(position), 0) FROM {estimates_table}")).first()
    pages = max(-(-total // PAGE_SIZE), 1)
    page = page_number(request.args.get("page"), pages)
    if isinstance(page, Response):
        return page
    rows = await db.execute(
        f"SELECT * FROM {estimates_table} WHERE position > ? ORDER BY position LIMIT ?",
        [(page - 1) * PAGE_SIZE, PAGE_SIZE],
    )
    estimates = [
        {**row, "article_url": reader_url(datasette, row["source_id"]),
         "figure_url": row_url(datasette, "figures", row["figure_id"])}
        for row in map(dict, rows.rows)
    ]  # fmt: skip
    svg, summed_up = await timeline_chart(db, site)
    related = [
        {**figure, "url": row_url(datasette, "figures", figure["figure_id"])}
        for figure in await related_figures(db, site, estimates)
    ]
    here = datasette.urls.path("/-/timeline")
    context = {
        "svg": svg, "summed_up": summed_up, "estimates": estimates, "total": total, "page": page, "pages": pages,
        "first_shown": (page - 1) * PAGE_SIZE + 1, "last_shown": (page - 1) * PAGE_SIZE + len(estimates),
        "previous_url": f"{here}?page={page - 1}" if page > 1 else None,
        "next_url": f"{here}?page={page + 1}" if page < pages else None,
        "measure": site.measure, "definition": site.definition, "related": related,
    }  # fmt: skip
    return Response.html(await datasette.render_template("timeline.html", context, request=request))


SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s+|\n")


def sentence_bounds(text: str, at: int) -> tuple[int, int]:
    """The sentence (or line) around character `at`: from after the last sentence end before it to
    the next one."""
    start = max((m.end() for m in SENTENCE_END.finditer(text, 0, at)), default=0)
    following = SENTENCE_END.search(text, at)
    return start, following.start() if following else len(text)


async def related_figures(db: Any, site: Site, estimates: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Figures of another measure or unit (a yearly rotation, an interval in months) that the same
    claim or the same sentence states beside an estimate: not troop counts, so not drawn, but named
    beside the chart, each with the estimate it stands beside. Found from the spans, never by id."""
    if not estimates or not await db.table_exists("figures") or not await db.table_exists(site.texts):
        return []
    by_figure = {e["figure_id"]: e for e in estimates}
    marks = ", ".join("?" for _ in by_figure)
    sql = (
        "SELECT e.figure_id AS beside, e.claim_id AS beside_claim, e.char_start AS beside_start, t.text, f.* "
        f"FROM figures e JOIN figures f ON f.source_id = e.source_id AND f.figure_id <> e.figure_id "
        f"AND (f.measure IS NOT e.measure OR f.unit IS NOT e.unit) "
        f"JOIN {quoted(site.texts)} t ON t.source_id = e.source_id "
        f"WHERE e.figure_id IN ({marks}) AND f.measure IS NOT ? ORDER BY e.figure_id, f.char_start"
    )
    found: dict[str, dict[str, Any]] = {}
    for row in map(dict, (await db.execute(sql, [*by_figure, site.measure])).rows):
        text, start = row.pop("text"), stored_number(row["beside_start"])
        same_claim = row["claim_id"] is not None and row["claim_id"] == row["beside_claim"]
        sentence = sentence_bounds(text, int(start)) if start is not None and 0 <= start <= len(text) else None
        in_sentence = (
            sentence is not None
            and isinstance(row["char_start"], int)
            and (sentence[0] <= row["char_start"] < sentence[1])
        )
        if (same_claim or in_sentence) and row["figure_id"] not in found:
            found[row["figure_id"]] = {**drawable(row), "estimate": by_figure[row["beside"]]}
    return list(found.values())


@hookimpl
def prepare_jinja2_environment(env: Any) -> None:
    env.filters["stored_number"] = shown_number


@hookimpl
def register_routes() -> list[tuple[str, Any]]:
    return [(r"^/-/articles/(?P<source_id>[^/]+)$", article_page), (r"^/-/timeline$", timeline_page)]
