"""The public site against an anonymous visitor with bad intent: one request cannot stall the
others, nothing can be written, errors are answers and not tracebacks, and keys are encoded."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from datasette.app import Datasette

from scripts.publishing.metadata import DATABASE
from scripts.publishing.serve import PLUGINS_DIR, SETTINGS
from tests.conftest import ROOT

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


def test_the_readme_deploy_command_carries_the_limits() -> None:
    readme = " ".join((ROOT / "README.md").read_text(encoding="utf-8").replace("\\\n", " ").split())
    assert (
        "--plugins-dir scripts/publishing/plugins" in readme
    )  # the limits live in scripts/publishing/plugins/public_site.py
    assert (PLUGINS_DIR / "public_site.py").is_file()
