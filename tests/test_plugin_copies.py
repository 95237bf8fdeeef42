"""The deployed plugins cannot import scripts.* (they run alone in the site's image), so two rules
live there a second time: quoting an SQL name, reading an EDTF day, and the names of the tables the
build makes. These tests hold each copy to the original, so that neither can drift."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.package import site
from scripts.package.edtf_dates import edtf_day
from scripts.publishing.plugins import home, precomputed_facets, reader
from scripts.publishing.plugins.nk_datasette.site import quoted
from scripts.publishing.plugins.reader import parse_day
from scripts.sql import identifier
from scripts.validation import checks

DAYS = st.one_of(
    st.dates().map(str),
    st.builds(lambda d, q: f"{d}{q}", st.dates(), st.sampled_from(["?", "~", "%", "", "x", "\n"])),
    st.from_regex(r"[0-9٠-٩]{4}-[0-9]{2}-[0-9]{2}[?~%]?", fullmatch=True),
    st.text(max_size=14),
    st.none(),
)


@settings(max_examples=300, database=None)
@given(name=st.text(max_size=20))
def test_the_plugins_quote_a_name_as_scripts_sql_does(name: str) -> None:
    assert quoted(name) == identifier(name)


@settings(max_examples=300, database=None)
@given(value=DAYS)
def test_the_timeline_reads_a_day_as_the_edtf_module_does(value: str | None) -> None:
    day, stated = parse_day(value)
    assert (None if day is None else (day, stated)) == edtf_day(value)


def test_the_plugins_name_the_tables_the_site_registry_names() -> None:
    """The build's own tables, the span tables and the full-text indexes, as the plugins write them."""
    assert (reader.TROOP_ESTIMATES, reader.TIMELINE_SUMMARY) == (site.TROOP_ESTIMATES, site.TIMELINE_SUMMARY)
    assert precomputed_facets.FACET_COUNTS == site.FACET_COUNTS
    assert set(reader.SPAN_TABLES) == set(checks.SPAN_TABLES)
    assert {table: index for table, (_, _, index, _) in home.SEARCHED.items()} == {
        table: site.fts_table(table) for table in site.FTS_COLUMNS
    }
