"""The public site against an anonymous visitor with bad intent: one request cannot stall the
others, nothing can be written, errors are answers and not tracebacks, and keys are encoded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from datasette.app import Datasette
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.package.read import DataPackage
from scripts.publishing.metadata import DATABASE, datasette_metadata
from scripts.publishing.plugins import public_site
from scripts.publishing.publish import publish_command
from scripts.publishing.serve import PLUGINS_DIR, SETTINGS

# One huge function call is a single SQLite step, which the time limit alone cannot stop.
HUGE_CALLS = [
    "select length(printf('%.*c', 1000000000, 'x'))",
    "select length(format('%!.*c', 1000000000, 'x'))",
    "select length(printf('%1000000000d', 1))",
    "select length(randomblob(1e9))",
    "select length(zeroblob(1e9))",
    "select length(replace(hex(zeroblob(400000)), '0', 'xxxxxxxx'))",
]


@pytest.mark.parametrize("sql", HUGE_CALLS)
async def test_a_huge_single_function_call_fails_at_once(site: Datasette, sql: str) -> None:
    response = await site.client.get(f"/{DATABASE}.json", params={"sql": sql})
    assert response.status_code == 400
    assert response.json()["error"] == "string or blob too big"


async def test_printf_still_formats_as_sqlite_does(site: Datasette) -> None:
    sql = "select printf('%5.2f|%d|%s|%%|%.*c', 3.14159, 42, 'ok', 3, 'x') as p, format('%q', 'it''s') as q"
    response = await site.client.get(f"/{DATABASE}.json", params={"sql": sql, "_shape": "objects"})
    assert response.json()["rows"] == [{"p": " 3.14|42|ok|%|xxx", "q": "it''s"}]


async def test_a_runaway_query_meets_the_time_limit(site: Datasette) -> None:
    sql = "with recursive c(x) as (select 1 union all select x + 1 from c) select count(*) from c"
    response = await site.client.get(f"/{DATABASE}.json", params={"sql": sql})
    assert response.status_code == 400
    assert "SQL query took too long" in response.json()["error"]


@pytest.mark.parametrize("path", ["/", f"/{DATABASE}", f"/{DATABASE}/claims", f"/{DATABASE}/who_said", "/-/logout"])
@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH"])
async def test_every_write_gets_a_clean_405(site: Datasette, path: str, method: str) -> None:
    response = await site.client.request(method, path, data={"sql": "delete from claims"})
    assert response.status_code == 405
    assert response.headers["allow"] == "GET, HEAD"
    assert "Traceback" not in response.text


async def test_a_visitors_error_logs_no_traceback(site: Datasette, capsys: pytest.CaptureFixture[str]) -> None:
    await site.client.get(f"/{DATABASE}/quotes/nothing-here")
    await site.client.get(f"/{DATABASE}.json", params={"sql": "select * from nowhere"})
    logged = capsys.readouterr()
    assert "Traceback" not in logged.err + logged.out


async def test_every_connection_gets_sqlite_limits(site: Datasette) -> None:
    def limits(conn: sqlite3.Connection) -> tuple[int, int]:
        return conn.getlimit(sqlite3.SQLITE_LIMIT_LENGTH), conn.getlimit(sqlite3.SQLITE_LIMIT_SQL_LENGTH)

    assert await site.get_database(DATABASE).execute_fn(limits) == (1_000_000, 100_000)


async def test_row_links_tilde_encode_keys_and_escape_labels(tmp_path: Path) -> None:
    path = tmp_path / "keys.db"
    db = sqlite3.connect(path)
    db.execute('CREATE TABLE "par""ent" (id TEXT PRIMARY KEY, "na]me" TEXT)')
    db.execute('CREATE TABLE child (id TEXT PRIMARY KEY, parent_id TEXT REFERENCES "par""ent" (id))')
    db.execute("""INSERT INTO "par""ent" VALUES ('a/b.c~d e', '<script>x</script>')""")
    db.execute("INSERT INTO child VALUES ('1', 'a/b.c~d e')")
    db.commit()
    metadata = {"databases": {"keys": {"tables": {'par"ent': {"label_column": "na]me"}}}}}
    site = Datasette(immutables=[str(path)], metadata=metadata, settings=SETTINGS, plugins_dir=str(PLUGINS_DIR))
    response = await site.client.get("/keys/child/1")
    assert response.status_code == 200
    assert 'href="/keys/par~22ent/a~2Fb~2Ec~7Ed+e"' in response.text
    assert "<script>x</script>" not in response.text and "&lt;script&gt;" in response.text


def test_the_deployed_site_carries_the_limits() -> None:
    # The limits live in the plugin public_site.py; `make publish` ships the plugins folder.
    command = publish_command(Path("site.db"), Path("metadata.json"), "nk-russia-claims")
    assert Path(command[command.index("--plugins-dir") + 1]) == PLUGINS_DIR
    assert (PLUGINS_DIR / "public_site.py").is_file()


TEXT_FUNCTION_CALLS = [
    ("instr", 2), ("replace", 3), ("ltrim", 1), ("ltrim", 2), ("rtrim", 1), ("rtrim", 2), ("trim", 1), ("trim", 2),
]  # fmt: skip
values = st.one_of(
    st.none(),
    st.text(alphabet="ab c\u00e9", max_size=8),
    st.binary(max_size=6),
    st.integers(-100, 100),
    st.floats(-10, 10),
)


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")  # blobs that are not UTF-8 fail in both
@settings(max_examples=300, deadline=None, database=None)
@given(call=st.sampled_from(TEXT_FUNCTION_CALLS), arguments=st.lists(values, min_size=3, max_size=3))
def test_the_linear_text_functions_answer_as_sqlites_own(call: tuple[str, int], arguments: list) -> None:
    name, count = call
    builtin, guarded = sqlite3.connect(":memory:"), sqlite3.connect(":memory:")
    public_site.prepare_connection(guarded)
    sql = f"SELECT {name}({', '.join('?' for _ in range(count))})"

    def answer(conn: sqlite3.Connection) -> object:
        try:
            return conn.execute(sql, arguments[:count]).fetchone()[0]
        except sqlite3.Error as error:  # e.g. a blob that is not UTF-8, returned as text
            return type(error)

    try:
        assert answer(guarded) == answer(builtin)
    finally:
        builtin.close()
        guarded.close()


@pytest.mark.parametrize(
    "sql",
    [
        "select length(ltrim(replace(hex(zeroblob(30000)),'0','a'), replace(hex(zeroblob(30000)),'0','b')||'a'))",
        "select instr(replace(hex(zeroblob(499999)),'0','a'), replace(hex(zeroblob(250000)),'0','a')||'b')",
    ],
)
async def test_quadratic_text_functions_answer_in_linear_time(site: Datasette, sql: str) -> None:
    response = await site.client.get(f"/{DATABASE}.json", params={"sql": sql, "_shape": "array"})
    assert response.status_code == 200 and list(response.json()[0].values()) == [0]


@pytest.mark.parametrize("path", ["/claims?claim_id__in=%5B", "/claim_links/a~2Cb"])
async def test_a_malformed_filter_logs_one_line_not_a_traceback(
    site: Datasette, path: str, capsys: pytest.CaptureFixture[str]
) -> None:
    await site.client.get(f"/{DATABASE}{path}")
    logged = capsys.readouterr()
    assert "Traceback" not in logged.err + logged.out


async def test_package_text_is_escaped_on_the_home_page(tmp_path: Path) -> None:
    from tests.conftest import copy_package
    from tests.mutations import edit_json

    descriptor = copy_package(tmp_path)

    def inject(data: dict) -> None:
        data["description"] = "x <img src=x onerror=alert(1)><script>alert(1)</script>"
        data["licenses"][0]["path"] = "javascript:alert(2)"

    edit_json(descriptor, inject)
    metadata = datasette_metadata(DataPackage(descriptor))
    assert "<script>" not in metadata["description_html"] and "&lt;script&gt;" in metadata["description_html"]
    assert metadata["license_url"] is None


# Widths that Python's int() refuses but SQLite reads as huge integers, negative widths, widths of a
# '%' conversion, a blob format, and many specs each under the limit that add up past it.
HUGE_PRINTF_WIDTHS = [
    "select length(printf('%.*c%.*c%.*c%.*c%.*c', '2147483647.0','x','2147483647.0','x','2147483647.0','x',"
    "'2147483647.0','x','2147483647.0','x'))",
    "select length(printf('%.*c', ' 1000000000x', 'x'))",
    "select length(printf('%.*c', 2147483647.0, 'x'))",
    "select length(printf('%*c', -1000000000, 'x'))",
    "select length(printf('%-*.*c', '-999999999', '+999999999', 'x'))",
    "select length(printf('%*%', 1000000000))",
    "select length(printf('%1000000000%'))",
    "select length(printf('%*%%.*c', 5, 1000000000, 'x'))",
    "select length(printf(cast('%.*c' as blob), 1000000000, 'x'))",
    "select length(printf('%.*c', cast(' 1000000000' as blob), 'x'))",
    "select length(printf(replace(hex(zeroblob(30)), '00', '%.*c'), " + ", ".join(["900000, 'x'"] * 30) + "))",
    "select length(printf(replace(hex(zeroblob(30)), '00', '%900000c'), " + ", ".join(["'x'"] * 30) + "))",
]


@pytest.mark.parametrize("sql", HUGE_PRINTF_WIDTHS)
async def test_printf_widths_as_sqlite_reads_them_are_refused_at_once(
    site: Datasette, sql: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    def sqlites_own_printf_ran() -> sqlite3.Connection:
        raise AssertionError("the guard let SQLite's printf run")

    monkeypatch.setattr(public_site, "_builtin_connection", sqlites_own_printf_ran)
    response = await site.client.get(f"/{DATABASE}.json", params={"sql": sql})
    assert response.status_code == 400
    assert response.json()["error"] == "string or blob too big"


sqlite_values = st.one_of(
    st.none(),
    st.integers(-(2**70), 2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=" \t\n\v\f\r\u00a0+-.e0123456789x\uff11", max_size=12),
    st.binary(max_size=8).map(lambda b: b" 12" + b),
)


@settings(max_examples=400, deadline=None, database=None)
@given(value=sqlite_values)
def test_printf_arguments_are_read_as_sqlite_reads_them(value: object) -> None:
    conn = sqlite3.connect(":memory:")
    try:
        (as_sqlite,) = conn.execute("SELECT printf('%d', ?)", [value]).fetchone()  # %d reads as a * width does
    except OverflowError:  # Python's sqlite3 cannot pass it: no SQL can hold it
        return
    finally:
        conn.close()
    assert public_site.sqlite_integer(value) == int(as_sqlite)


printf_formats = st.lists(st.sampled_from(["%", "*", ".", "-", "0", "5", "l", "c", "d", "s", "x", "!", ",", "%%", "n"]),
                          max_size=12).map("".join)  # fmt: skip
printf_arguments = st.lists(st.sampled_from([0, 2, -3, "x", None, 2.5, "4x", 20_000]), max_size=6)


@settings(max_examples=500, deadline=None, database=None)
@given(fmt=printf_formats, arguments=printf_arguments)
def test_the_guard_counts_every_width_and_precision_sqlite_pads_to(fmt: str, arguments: list) -> None:
    """What SQLite's printf writes is never longer than the sizes the guard counts, plus a little per
    conversion: a width the guard does not see would show as 20,000 characters more."""
    conn = sqlite3.connect(":memory:")
    try:
        placeholders = "".join(", ?" for _ in arguments)
        (written,) = conn.execute(f"SELECT printf(?{placeholders})", [fmt, *arguments]).fetchone()
    finally:
        conn.close()
    counted = sum(public_site.printf_sizes(fmt, tuple(arguments)))
    assert len(written or "") <= counted + 30 * len(fmt)
