"""The deployed plugins cannot import scripts.* (they run alone in the site's image): they read the
site's shape (table names, span tables, search indexes) from the metadata, but two rules of code
live there a second time: quoting an SQL name and reading an EDTF day. These tests hold each copy
to the original, so that neither can drift, and check that no plugin names the build's tables."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.package import site
from scripts.package.edtf_dates import edtf_day
from scripts.package.read import DataPackage
from scripts.publishing.metadata import datasette_metadata
from scripts.publishing.plugins.nk_datasette.site import PLUGIN, quoted, read_site
from scripts.publishing.plugins.reader import parse_day
from scripts.sql import identifier
from scripts.validation import checks
from tests.source_code import string_constants

ROOT = Path(__file__).resolve().parent.parent
PLUGINS = ROOT / "scripts/publishing/plugins"
CONFIGURATION_READER = PLUGINS / "nk_datasette/site.py"

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


def test_no_plugin_names_a_table_the_build_adds_or_a_span_table_owner() -> None:
    """The plugins take these names from the metadata's "nk-site" (site_configuration), never their
    own: no SQL of theirs reads a table the build adds by name, and only the module that reads the
    configuration writes those names (as its keys)."""
    reserved = site.reserved_names()
    # (entity_id is also the entities' own key, by which the pages look a name up)
    owners = {owner for owner in site.SPAN_OWNERS.values() if owner} - {"entity_id"}
    sql_table = re.compile(r'\b(?:FROM|JOIN)\s+"?([A-Za-z_]\w*)', re.IGNORECASE)
    found = []
    for plugin in sorted(PLUGINS.rglob("*.py")):
        for node in string_constants(ast.parse(plugin.read_text(encoding="utf-8"))):
            named = set(sql_table.findall(node.value)) & reserved
            if plugin != CONFIGURATION_READER:
                named |= {node.value} & (reserved | owners)
            found += [f"{plugin.name}:{node.lineno}: {name}" for name in sorted(named)]
    assert found == []


def test_the_metadata_gives_the_plugins_the_registry_of_the_site() -> None:
    package = DataPackage(ROOT / "datapackage.json")
    config = datasette_metadata(package)["plugins"][PLUGIN]
    shape = read_site(config)
    assert shape is not None
    assert (shape.database, shape.texts, shape.facet_counts, shape.timeline_summary, shape.troop_estimates) == (
        site.DATABASE, site.TEXTS_TABLE, site.FACET_COUNTS, site.TIMELINE_SUMMARY, site.TROOP_ESTIMATES
    )  # fmt: skip
    assert {table: s.index for table, s in shape.search.items()} == {t: site.fts_table(t) for t in site.SEARCH_RESULTS}
    assert {t: s.through for t, s in shape.search.items() if s.through} == {
        t: ((through, site.fts_table(through), link),) for t, (through, link) in site.SEARCH_THROUGH.items()
    }
    assert shape.spans == site.SPAN_OWNERS and set(shape.spans) == set(checks.SPAN_TABLES)
    assert shape.measure == package.headline_measure
    assert shape.definition == package.definition("figures", "measure", package.headline_measure)


def test_the_sites_base_template_is_datasettes_with_the_pages_language() -> None:
    """templates/site/base.html copies the pinned Datasette's base.html to add `lang` to <html>, and
    nothing else: an upgrade of Datasette that changes its base shows here, not as a page gone stale."""
    import datasette

    original = (Path(datasette.__file__).parent / "templates" / "base.html").read_text(encoding="utf-8")
    copy = (ROOT / "scripts/publishing/templates/site/base.html").read_text(encoding="utf-8")
    without_comment = re.sub(r"\A\{#.*?-?#\}\n", "", copy, count=1, flags=re.DOTALL)
    assert '<html lang="en">' in without_comment
    assert without_comment.replace('<html lang="en">', "<html>", 1) == original
