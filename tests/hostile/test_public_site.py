"""The public site against an anonymous visitor with bad intent: one request cannot stall the
others, nothing can be written, errors are answers and not tracebacks, and keys are encoded."""

from __future__ import annotations

import asyncio
import csv
import io
import shutil
import sqlite3
from pathlib import Path
from urllib.parse import unquote_to_bytes, urljoin, urlsplit

import pytest
from datasette.app import Datasette
from hypothesis import given, settings
from hypothesis import strategies as st

from scripts.package.read import DataPackage
from scripts.package.site import DATABASE
from scripts.publishing.metadata import datasette_metadata
from scripts.publishing.plugins import public_site
from scripts.publishing.publish import publish_command
from scripts.publishing.serve import PLUGINS_DIR, SETTINGS
from tests.conftest import site_of

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
    "select length(printf('%' || replace(hex(zeroblob(3000)), '0', '9') || 'c', 'x'))",  # 6,000 digits
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


async def response_start(site: Datasette, raw_path: bytes, query: bytes = b"") -> dict:
    """The first message the site sends for a request of exactly `raw_path` (no client normalises it)."""
    scope = {
        "type": "http", "http_version": "1.1", "method": "GET", "scheme": "http", "root_path": "",
        "path": unquote_to_bytes(raw_path).decode("utf-8", "replace"), "raw_path": raw_path, "query_string": query,
        "headers": [(b"host", b"localhost")], "server": ("localhost", 80), "client": ("127.0.0.1", 1),
    }  # fmt: skip
    sent: list[dict] = []

    async def receive() -> dict:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict) -> None:
        sent.append(message)

    await site.app()(scope, receive, send)
    return sent[0]


def browser_host(location: str) -> str:
    """The host a browser sends a redirect to: it drops tabs and newlines and reads \\ as /."""
    seen = location.translate(str.maketrans("", "", "\t\n\r")).strip().replace("\\", "/")
    return urlsplit(urljoin("http://localhost/a/b", seen)).netloc


PATHS_THAT_LOOK_LIKE_HOSTS = [
    b"//nk-russia-claims/claims", b"//nk-russia-claims/claims/", b"///nk-russia-claims/claims",
    b"/%2F%2Fnk-russia-claims/claims", b"//evil.example/", b"//evil.example/%41", b"///evil.example/",
    b"/\\evil.example/", b"/\\/evil.example/", b"/%5Cevil.example/", b"/%2F%2Fevil.example/", b"/-/articles//x/",
    b"/-/timeline/", b"/nk-russia-claims/claims/", b"//-/search/",
]  # fmt: skip


@pytest.mark.parametrize("raw_path", PATHS_THAT_LOOK_LIKE_HOSTS, ids=lambda p: p.decode())
async def test_no_redirect_leaves_the_site(site: Datasette, raw_path: bytes) -> None:
    await site.invoke_startup()
    start = await response_start(site, raw_path)
    location = {name.lower(): value for name, value in start["headers"]}.get(b"location")
    assert start["status"] in (200, 302, 404)
    assert location is None or browser_host(location.decode("latin-1")) == "localhost", location


@pytest.mark.parametrize(
    ("location", "kept"),
    [("//evil.example/x?y", "/evil.example/x?y"), ("/\\evil.example", "/evil.example"),
     ("/\t/evil.example", "/evil.example"), ("https://evil.example/x", "/x"),
     ("/nk-russia-claims/claims?_col=a", "/nk-russia-claims/claims?_col=a"), ("x?page=2", "x?page=2")],
)  # fmt: skip
def test_a_redirect_target_is_kept_on_the_site(location: str, kept: str) -> None:
    assert public_site.on_site(location) == kept and browser_host(public_site.on_site(location)) == "localhost"


FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+2", "-1+2", "@SUM(1)", "\tx", "\rx", "=1"]


async def test_the_csv_of_a_visitors_sql_carries_no_formula(site: Datasette) -> None:
    cells = ", ".join(f"{sql_literal(value)} AS c{i}" for i, value in enumerate(FORMULAS))
    sql = f"SELECT {cells}, -5 AS negative, 2.5 AS real, '+7' AS signed, 'ok' AS plain, 1 AS \"=header\""
    for extra in ({}, {"_stream": "1"}, {"_dl": "1"}, {"_header": "off"}):
        response = await site.client.get(f"/{DATABASE}.csv", params={"sql": sql, **extra})
        assert response.status_code == 200
        rows = list(csv.reader(io.StringIO(response.text, newline="")))
        if extra.get("_header") != "off":
            assert rows[0][-1] == "'=header"
        assert rows[-1] == ["'" + value for value in FORMULAS] + ["-5", "2.5", "+7", "ok", "1"], extra


def sql_literal(value: str) -> str:
    """`value` as an SQL literal, its control characters by char()."""
    return " || ".join(f"char({ord(c)})" if c in "\t\r" else "'" + c.replace("'", "''") + "'" for c in value)


async def test_a_table_csv_keeps_the_packages_cells_byte_for_byte(database: Path, tmp_path: Path) -> None:
    copy = tmp_path / database.name
    shutil.copy(database, copy)
    with sqlite3.connect(copy) as db:  # a cell the validator would refuse, to see that nothing changes it
        db.execute("UPDATE claims SET notes = '=HYPERLINK(1)' WHERE rowid = 1")
    with sqlite3.connect(copy) as db:
        rows = db.execute("SELECT * FROM claims ORDER BY claim_id")
        expected = io.StringIO()
        writer = csv.writer(expected)  # as Datasette writes a table's CSV
        writer.writerow([column[0] for column in rows.description])
        writer.writerows(rows)
    site = site_of(copy)
    for extra in ({"_stream": "1"}, {"_stream": "1", "_dl": "1"}):
        response = await site.client.get(f"/{DATABASE}/claims.csv", params=extra)
        assert response.text == expected.getvalue() and "=HYPERLINK(1)" in response.text


csv_cells = st.text(alphabet=st.sampled_from(list('ab,"\n\r\t=+-@ 1.é')), max_size=8)


@settings(max_examples=300, deadline=None, database=None)
@given(rows=st.lists(st.lists(csv_cells, min_size=1, max_size=4), max_size=5), cuts=st.lists(st.integers(0, 200)))
def test_the_csv_is_neutralised_record_by_record_however_it_streams(rows: list[list[str]], cuts: list[int]) -> None:
    written = io.StringIO()
    csv.writer(written).writerows(rows)
    data = written.getvalue().encode("utf-8")
    neutraliser, output, start = public_site.FormulaNeutraliser(), b"", 0
    for cut in sorted({c for c in cuts if c < len(data)}):  # chunks cut anywhere, even inside a character
        output += neutraliser.feed(data[start:cut])
        start = cut
    output += neutraliser.feed(data[start:], final=True)
    expected = io.StringIO()
    csv.writer(expected).writerows([[public_site.neutral_cell(cell) for cell in row] for row in rows])
    assert output.decode("utf-8") == expected.getvalue()
    if all(public_site.neutral_cell(cell) == cell for row in rows for cell in row):
        assert output == data


async def test_a_search_word_too_long_is_a_clear_400(site: Datasette) -> None:
    for word in ("x" * 99, "é" * 65, "%" * 300, "𝔵" * 30 + " troops"):
        response = await site.client.get("/-/search", params={"q": word})
        expected = 400 if len(word.split()[0]) > 64 else 200
        assert response.status_code == expected, word[:10]
        assert expected == 200 or "Search words are at most 64 characters" in response.text
    response = await site.client.get("/-/search", params={"q": "Kim\x00"})  # LIKE would read "%Kim" then stop
    assert response.status_code == 400 and "control characters" in response.text


@pytest.mark.parametrize("wildcard", ["%", "_", "%%", "_%_", "\\", "\\%"])
async def test_like_wildcards_in_a_search_match_only_themselves(site: Datasette, wildcard: str) -> None:
    response = await site.client.get("/-/search", params={"q": wildcard})
    assert response.status_code == 200
    assert f"/{DATABASE}/entities/" not in response.text  # no name holds them


search_words = st.lists(
    st.sampled_from(['"', "'", "NEAR(", ")", "*", "^", "-", ":", "+", "%", "_", "\\", "\x00", " ", "a", "é",
                              "OR", "AND", "NOT", "{", "}", "troops", "x" * 70, "\u200b", "\U0001d4b5"]),
    max_size=12,
).map("".join)  # fmt: skip


@pytest.mark.slow
@settings(max_examples=150, deadline=None, database=None)
@given(words=search_words)
def test_any_search_is_an_answer_or_a_clear_400(database: Path, words: str) -> None:
    response = asyncio.run(site_of(database).client.get("/-/search", params={"q": words}))
    assert response.status_code in (200, 400), (words, response.status_code)
    assert response.status_code == 200 or 'class="message-error"' in response.text


@pytest.mark.parametrize(
    "path",
    [f"/{DATABASE}/attributions/x", f"/{DATABASE}/attributions/x.json", f"/{DATABASE}/claims.json?_facet=%00",
     f"/{DATABASE}/claims?_col=claim&_facet=x%00"],
)  # fmt: skip
async def test_what_sqlite_refuses_from_a_url_is_a_400(site: Datasette, path: str) -> None:
    response = await site.client.get(path)
    assert response.status_code == 400 and "This request cannot be answered" in response.text
