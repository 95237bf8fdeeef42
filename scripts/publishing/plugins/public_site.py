"""Datasette plugin: limits that keep a public site up whatever an anonymous visitor sends.

Datasette's `sql_time_limit_ms` is checked by SQLite between steps of a query, and one huge
function call (printf('%.*c', 1e9, 'x'), randomblob(1e9)) is a single step: without limits it runs
for seconds to minutes and takes gigabytes. So every connection gets SQLite's own limits (strings
and blobs of at most 1 MB, short SQL, shallow expressions), SQLite's heap in this process a hard
cap, and a printf() that refuses a width or precision past the length limit at once, where SQLite's
own would first loop that many times. A visitor's SQL then fails fast with a 400.

The site is read-only: anything but GET and HEAD gets a plain 405. No redirect leaves the site
(`//host` or `/\\host` in a Location header is another host to a browser), and in the CSV of a
visitor's own SQL a cell that a spreadsheet would run as a formula is neutralised. Errors a visitor
can cause (a bad query, a time-out, a missing row, a value SQLite refuses) are 400s or 404s, logged
without a traceback."""

from __future__ import annotations

import codecs
import csv
import io
import re
import sqlite3
import sys
import threading
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit, urlunsplit

from datasette import hookimpl
from datasette.utils.asgi import BadRequest

if (PLUGINS := str(Path(__file__).resolve().parent)) not in sys.path:
    sys.path.append(PLUGINS)  # Datasette runs each plugin file alone: the shared package is beside it

from nk_datasette import compat

compat.log_errors_in_one_line()  # as the site starts: one line per error a visitor causes, no traceback

# Every value in the database is far smaller (the longest is an archived article, a few kB).
SQLITE_LIMITS = {
    sqlite3.SQLITE_LIMIT_LENGTH: 1_000_000,  # bytes in any string or blob, results included
    sqlite3.SQLITE_LIMIT_SQL_LENGTH: 100_000,  # characters of SQL in one statement
    sqlite3.SQLITE_LIMIT_EXPR_DEPTH: 100,
    sqlite3.SQLITE_LIMIT_COMPOUND_SELECT: 50,
    sqlite3.SQLITE_LIMIT_VDBE_OP: 100_000,  # instructions in one compiled statement
    sqlite3.SQLITE_LIMIT_LIKE_PATTERN_LENGTH: 100,  # LIKE and GLOB cost up to string × pattern
}
MAX_PRINTF_WIDTH = SQLITE_LIMITS[sqlite3.SQLITE_LIMIT_LENGTH]  # all widths and precisions of one call together
HEAP_LIMIT_BYTES = 512 * 1024 * 1024  # SQLite's memory in this whole process, every request together
READ_METHODS = ("GET", "HEAD")
_builtin = threading.local()  # a connection per thread whose printf is SQLite's own

ASGIApp = Callable[[dict, Callable[[], Awaitable[dict]], Callable[[dict], Awaitable[None]]], Awaitable[None]]


def limit(conn: sqlite3.Connection) -> sqlite3.Connection:
    for category, value in SQLITE_LIMITS.items():
        conn.setlimit(category, value)
    return conn


INT64 = (-(2**63), 2**63 - 1)
# sqlite3Atoi64: leading spaces (ASCII only), a sign, ASCII digits, and nothing after them counts.
SQLITE_INTEGER_PREFIX = re.compile(rb"[ \t\n\v\f\r]*([+-]?)([0-9]*)")


def sqlite_integer(value: Any) -> int:
    """A value as SQLite reads it where it wants an integer (sqlite3_value_int64), as printf reads a
    `*` width: text and blobs by their leading digits ('2147483647.0' and ' 1000000000x' are huge,
    '1e9' is 1), reals truncated, NULL 0; clamped to 64 bits."""
    if value is None:
        return 0
    if isinstance(value, float):
        if value != value:
            return 0  # NaN: SQLite holds it as NULL
        return INT64[0] if value <= INT64[0] else INT64[1] if value >= INT64[1] else int(value)
    if isinstance(value, int):
        return min(max(value, INT64[0]), INT64[1])
    raw = value.encode("utf-8") if isinstance(value, str) else bytes(value)
    sign, digits = SQLITE_INTEGER_PREFIX.match(raw).groups()  # type: ignore[union-attr]
    return min(max(int(digits or b"0") * (-1 if sign == b"-" else 1), INT64[0]), INT64[1])


PRINTF_FLAGS = frozenset("-+ #!0,")
DIGITS, NONZERO_DIGITS = frozenset("0123456789"), frozenset("123456789")
# The conversions of an SQL printf call: '%' and 'n' take no argument; any other character ends
# the formatting (sqlite3_str_vappendf returns).
PRINTF_WITHOUT_ARGUMENT = frozenset("%n")
PRINTF_WITH_ARGUMENT = frozenset("dsgzqQwcouxXfeEGipr")


def literal_size(digits: str) -> int:
    """A width written in the format: past 18 digits, huge (Python's int() refuses 4,300 digits)."""
    return int(digits) if len(digits) <= 18 else INT64[1]


def printf_sizes(fmt: str, args: tuple[Any, ...]) -> Iterator[int]:
    """Every width and precision SQLite's printf reads, literal or taken from the arguments (as SQLite
    reads them), step by step as its own parser reads a format (sqlite3_str_vappendf): flags, width
    digits or `*`, `.` and precision digits or `*`, `l`/`ll`, then the conversion, which takes the
    next argument. Sizes come as absolute values: a negative width is a width too."""
    position, i = 0, 0

    def argument() -> int:
        nonlocal position
        position += 1
        return sqlite_integer(args[position - 1]) if position <= len(args) else 0

    def at(index: int) -> str:
        return fmt[index] if index < len(fmt) else ""

    while (i := fmt.find("%", i)) >= 0:
        i += 1
        while c := at(i):
            if c == "l":
                i += 2 if at(i + 1) == "l" else 1
                break
            if c in NONZERO_DIGITS:
                start = i
                while at(i + 1) in DIGITS:
                    i += 1
                yield literal_size(fmt[start : i + 1])
                if at(i + 1) not in (".", "l"):
                    i += 1
                    break
            elif c == "*":
                yield abs(argument())
                if at(i + 1) not in (".", "l"):
                    i += 1
                    break
            elif c == ".":
                i += 1
                if at(i) == "*":
                    yield abs(argument())
                    i += 1
                else:
                    start = i
                    while at(i) in DIGITS:
                        i += 1
                    yield literal_size(fmt[start:i] or "0")
                if at(i) != "l":
                    break
                i -= 1
            elif c not in PRINTF_FLAGS:
                break
            i += 1
        conversion = at(i)
        if conversion in PRINTF_WITH_ARGUMENT:
            argument()
        elif conversion not in PRINTF_WITHOUT_ARGUMENT:
            return  # SQLite stops formatting here
        i += 1


def printf_too_wide(fmt: Any, args: tuple[Any, ...]) -> bool:
    """Whether the widths and precisions of one printf call add up past the length limit: SQLite
    pads or repeats that many times before it finds the result too big (one step, which the time
    limit cannot stop), and many specs each under the limit add up."""
    text = fmt.decode("latin-1") if isinstance(fmt, bytes) else fmt if isinstance(fmt, str) else ""
    total = 0
    for size in printf_sizes(text, args):
        total += size
        if total > MAX_PRINTF_WIDTH:
            return True
    return False


def guarded_printf(fmt: Any, *args: Any) -> Any:
    """SQLite's printf(), except that widths and precisions adding up past the length limit give
    SQLite's own "string or blob too big" at once, instead of looping that many times first."""
    if printf_too_wide(fmt, args):
        return bytes(MAX_PRINTF_WIDTH + 1)  # over the length limit: SQLite refuses the result
    placeholders = ", ".join("?" for _ in range(len(args) + 1))
    return _builtin_connection().execute(f"SELECT printf({placeholders})", (fmt, *args)).fetchone()[0]


def _builtin_connection() -> sqlite3.Connection:
    if not hasattr(_builtin, "conn"):
        _builtin.conn = limit(sqlite3.connect(":memory:", check_same_thread=False))
    return _builtin.conn


def _trim(text: str, characters: str, left: bool, right: bool) -> str:
    chars = set(characters)
    start, end = 0, len(text)
    while left and start < end and text[start] in chars:
        start += 1
    while right and end > start and text[end - 1] in chars:
        end -= 1
    return text[start:end]


# On text, what SQLite's own function answers, computed in linear time.
LINEAR_ON_TEXT: dict[str, Callable[..., Any]] = {
    "instr": lambda haystack, needle: haystack.find(needle) + 1,
    "replace": lambda text, old, new: text.replace(old, new) if old else text,
    "ltrim": lambda text, characters=" ": _trim(text, characters, True, False),
    "rtrim": lambda text, characters=" ": _trim(text, characters, False, True),
    "trim": lambda text, characters=" ": _trim(text, characters, True, True),
}
MAX_QUADRATIC_WORK = 10_000_000  # string × pattern a call of SQLite's own may cost


def linear(name: str) -> Callable[..., Any]:
    """SQLite's instr, replace and trims compare at every position of the string with the whole
    pattern: with 1 MB arguments one call takes an hour, and the time limit cannot stop it. On text
    this answers the same in linear time; on other values (blobs, numbers) it lets SQLite answer
    when the work is small, and says "string or blob too big" when it is not."""

    def call(*arguments: Any) -> Any:
        if all(isinstance(a, str) for a in arguments):
            return LINEAR_ON_TEXT[name](*arguments)
        sizes = sorted((len(a) if isinstance(a, (str, bytes)) else 32 for a in arguments), reverse=True)
        if len(sizes) > 1 and sizes[0] * sizes[1] > MAX_QUADRATIC_WORK:
            return bytes(MAX_PRINTF_WIDTH + 1)  # over the length limit: SQLite refuses the result
        placeholders = ", ".join("?" for _ in arguments)
        return _builtin_connection().execute(f"SELECT {name}({placeholders})", arguments).fetchone()[0]

    return call


LINEAR_FUNCTIONS = [("instr", 2), ("replace", 3), ("ltrim", 1), ("ltrim", 2), ("rtrim", 1), ("rtrim", 2),
                    ("trim", 1), ("trim", 2)]  # fmt: skip


@hookimpl
def prepare_connection(conn: sqlite3.Connection) -> None:
    limit(conn)
    conn.execute(f"PRAGMA hard_heap_limit = {HEAP_LIMIT_BYTES}")
    for name in ("printf", "format"):
        conn.create_function(name, -1, guarded_printf, deterministic=True)
    for name, arguments in LINEAR_FUNCTIONS:
        conn.create_function(name, arguments, linear(name), deterministic=True)


@hookimpl
def handle_exception(datasette: Any, request: Any, exception: Exception) -> Any:
    """SQLite refusing what a visitor's URL gave it (a NUL in a facet's name, a row key with too few
    parts for a table whose key has several) is the visitor's error, a 400 that says so, not a 500."""
    if not isinstance(exception, sqlite3.ProgrammingError):
        return None
    message = f"This request cannot be answered: {str(exception)[:200]}"
    return compat.error_page(datasette, request, BadRequest(message))


def on_site(location: str) -> str:
    """A redirect's target kept on this site. Browsers drop tabs and newlines from a URL and read a
    backslash as a slash, so `//host`, `/\\host` and `/<tab>/host` name another host: such a target
    becomes the same path with one leading slash, and an absolute URL its path on this site."""
    seen = location.translate(URL_IGNORED).lstrip("".join(map(chr, range(33)))).replace("\\", "/")
    parts = urlsplit(seen)
    if parts.scheme:
        return "/" + urlunsplit(("", "", parts.path, parts.query, parts.fragment)).lstrip("/")
    return "/" + seen.lstrip("/") if seen.startswith("//") else location


URL_IGNORED = str.maketrans("", "", "\t\n\r")
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
NUMBER = re.compile(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?")


def neutral_cell(cell: str) -> str:
    """A cell that a spreadsheet would run as a formula (OWASP's CSV injection: it starts with
    = + - @ tab or carriage return), prefixed with a single quote; a number stays a number."""
    return "'" + cell if cell.startswith(FORMULA_START) and not NUMBER.fullmatch(cell) else cell


class FormulaNeutraliser:
    """A CSV download rewritten record by record as it streams, each cell through neutral_cell. Each
    complete record (up to a newline outside quotes) is read and written again with Datasette's own
    CSV dialect, so that a record without such a cell comes out byte for byte as it went in."""

    def __init__(self) -> None:
        self.decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self.buffer, self.scanned, self.quoted = "", 0, False

    def feed(self, data: bytes, final: bool = False) -> bytes:
        self.buffer += self.decoder.decode(data, final)
        end = len(self.buffer) if final else self._records_end()
        records, self.buffer = self.buffer[:end], self.buffer[end:]
        self.scanned -= end
        output = io.StringIO()
        writer = csv.writer(output)  # Datasette's: the excel dialect, \r\n after each record
        for row in csv.reader(io.StringIO(records, newline="")):
            writer.writerow([neutral_cell(cell) for cell in row])
        return output.getvalue().encode("utf-8")

    def _records_end(self) -> int:
        """Where the last complete record of the buffer ends, scanning only what is new."""
        end, position, text = 0, self.scanned, self.buffer
        while position < len(text):
            quote = text.find('"', position)
            if self.quoted:
                position, self.quoted = (len(text), True) if quote < 0 else (quote + 1, False)
                continue
            newline = text.find("\n", position)
            if newline >= 0 and (quote < 0 or newline < quote):
                end = position = newline + 1
            elif quote >= 0:
                position, self.quoted = quote + 1, True
            else:
                position = len(text)
        self.scanned = position
        return end


def visitors_csv(scope: dict) -> bool:
    """A CSV of SQL that the visitor wrote (`?sql=`), not of a table or a canned query."""
    args = parse_qs(scope.get("query_string", b"").decode("latin-1"), keep_blank_values=True)
    return "sql" in args and (scope["path"].endswith(".csv") or args.get("_format") == ["csv"])


def guarded_send(scope: dict, send: Callable) -> Callable:
    """`send`, with every redirect kept on this site and, in the CSV of a visitor's own SQL, every
    formula-like cell neutralised (a table's CSV keeps the package's cells: the validator keeps
    formulas out of the package)."""
    neutraliser = FormulaNeutraliser() if visitors_csv(scope) else None
    rewriting = False

    async def guarded(message: dict) -> None:
        nonlocal rewriting
        if message["type"] == "http.response.start":
            headers = [(name, value) for name, value in message.get("headers", [])]
            kind = next((v for n, v in headers if n.lower() == b"content-type"), b"")
            rewriting = neutraliser is not None and message["status"] == 200 and kind.startswith(CSV_TYPES)
            headers = [
                (name, on_site(value.decode("latin-1")).encode("latin-1") if name.lower() == b"location" else value)
                for name, value in headers
                if not (rewriting and name.lower() == b"content-length")
            ]
            message = {**message, "headers": headers}
        elif message["type"] == "http.response.body" and rewriting and neutraliser is not None:
            more = message.get("more_body", False)
            message = {**message, "body": neutraliser.feed(message.get("body", b""), final=not more)}
        await send(message)

    return guarded


CSV_TYPES = (b"text/csv", b"text/plain")  # Datasette's CSV, downloaded or shown


@hookimpl(trylast=True)  # applied last, so outermost: it sees every other plugin's responses
def asgi_wrapper(datasette: Any) -> Callable[[ASGIApp], ASGIApp]:
    def wrap(app: ASGIApp) -> ASGIApp:
        async def read_only(scope: dict, receive: Callable, send: Callable) -> None:
            if scope["type"] != "http":
                await app(scope, receive, send)
                return
            if scope["method"] not in READ_METHODS:
                headers = [(b"content-type", b"text/plain; charset=utf-8"), (b"allow", b"GET, HEAD")]
                await send({"type": "http.response.start", "status": 405, "headers": headers})
                await send({"type": "http.response.body", "body": b"This site is read-only: GET and HEAD only.\n"})
                return
            await app(scope, receive, guarded_send(scope, send))

        return read_only

    return wrap
