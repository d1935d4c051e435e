"""Read-side helpers shared by the CLI and by scripts.

Everything a user types (search terms, names, dates, kinds) travels as a bound parameter; the only SQL text
assembled here is made of constant column names and fixed clauses. Deadline arithmetic lives in Python, not
SQL, because a due date is stored at the precision the paper printed ("March 2024", "Q3 2024/25",
"Autumn 2018", "2019/20") and only Python knows where each of those periods ends.
"""
from __future__ import annotations

import calendar
import datetime as dt
import re
import sqlite3
from pathlib import Path

from .store import ITEM_COLUMNS

KINDS = ("resolution", "recommendation", "action")
# The `extract` item shape, so an export row is an extracted item plus where it came from.
ITEM_FIELDS = tuple(ITEM_COLUMNS[2:])
DOCUMENT_FIELDS = ("path", "sha256", "format", "title", "body", "meeting_date")
# Most papers in the corpus are from UK public bodies, whose financial year starts in April.
FY_START_MONTH = 4


class QueryError(ValueError):
    """Something wrong with what was asked (bad search syntax, a file that is not a minutebook database).

    A separate type so the CLI can print one line and exit 2 instead of showing a traceback, while genuine
    bugs still surface as exceptions.
    """


def connect(db_path: str | Path) -> sqlite3.Connection:
    """Open read-only so a query can never change the database, even while an ingest is writing to it."""
    path = Path(db_path)
    if not path.is_file():
        raise QueryError(f"no database at {db_path}")
    # as_uri() percent-encodes '?', '#' and spaces, which would otherwise be read as URI syntax.
    conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    try:
        names = {r[0] for r in conn.execute("select name from sqlite_master where type in ('table', 'view')")}
    except sqlite3.DatabaseError as exc:
        conn.close()
        raise QueryError(f"{db_path} is not a SQLite database ({exc})") from None
    if not {"documents", "items"} <= names:
        conn.close()
        raise QueryError(f"{db_path} is not a minutebook database (run `minutebook ingest` first)")
    return conn


def _rows(db_path: str | Path, sql: str, args: list) -> list[dict]:
    conn = connect(db_path)
    try:
        return [dict(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


# --- dates -------------------------------------------------------------------------------------------------

def _last_day(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _add_months(year: int, month: int, n: int) -> tuple[int, int]:
    k = year * 12 + (month - 1) + n
    return k // 12, k % 12 + 1


def date_bounds(text: str) -> tuple[str, str]:
    """First and last ISO day of a --since/--until value, so `--until 2023` includes all of 2023."""
    m = re.fullmatch(r"\s*(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?\s*", text or "")
    if not m:
        raise QueryError(f"date {text!r} is not YYYY, YYYY-MM or YYYY-MM-DD")
    y, mo, d = int(m.group(1)), m.group(2), m.group(3)
    try:
        if d:
            day = dt.date(y, int(mo), int(d))
            return day.isoformat(), day.isoformat()
        if mo:
            return dt.date(y, int(mo), 1).isoformat(), _last_day(y, int(mo)).isoformat()
    except ValueError:
        raise QueryError(f"date {text!r} is not a real date") from None
    return f"{y:04d}-01-01", f"{y:04d}-12-31"


def period_end(value: str | None, precision: str | None, due_text: str | None = None,
               fy_start_month: int = FY_START_MONTH) -> dt.date | None:
    """The last day on which an item is still on time.

    "By March 2024" is kept until 31 March, so a month, quarter, season or financial year ends on its last
    day rather than its first. A quarter printed with a financial year ("Q3 2024/25") is a quarter of that
    financial year, which the stored value "2024-Q3" no longer says, hence due_text. Relative deadlines
    ("next meeting") and impossible dates have no end we could honestly compute: None.
    """
    if not value or not precision:
        return None
    try:
        if precision == "day":
            return dt.date.fromisoformat(value)
        if precision == "month":
            y, m = map(int, value.split("-")[:2])
            return _last_day(y, m)
        if precision == "quarter":
            y, q = value.split("-Q")
            y, q = int(y), int(q)
            if due_text and re.search(r"\b\d{4}\s*/\s*\d{2,4}\b", due_text):
                ey, em = _add_months(y, fy_start_month, 3 * q - 1)
            else:
                ey, em = y, 3 * q
            return _last_day(ey, em)
        if precision == "season":
            y, m = map(int, value.split("-")[:2])
            return _last_day(*_add_months(y, m, 2))  # a season is three months from its first
        if precision == "year":
            return dt.date(int(value[:4]), 12, 31)
        if precision == "financial_year":
            start = int(value[:4])
            return _last_day(*_add_months(start, fy_start_month, 11))
    except ValueError:
        return None
    return None


def _like(text: str) -> str:
    """A case-insensitive 'contains' pattern in which the user's own % and _ are literal."""
    return "%" + re.sub(r"([\\%_])", r"\\\1", text) + "%"


def _filters(kind: str | None, body: str | None, since: str | None, until: str | None) -> tuple[list[str], list]:
    where, args = ["d.status = 'ok'"], []
    if kind:
        if kind not in KINDS:
            raise QueryError(f"kind must be one of {', '.join(KINDS)}")
        where.append("i.kind = ?")
        args.append(kind)
    if body:
        where.append("d.body like ? escape '\\'")
        args.append(_like(body))
    if since:
        where.append("d.meeting_date >= ?")
        args.append(date_bounds(since)[0])
    if until:
        where.append("d.meeting_date <= ?")
        args.append(date_bounds(until)[1])
    return where, args


# --- listings ----------------------------------------------------------------------------------------------

def decisions(db_path: str, kind: str | None = None, limit: int | None = None) -> list[dict]:
    sql = "select * from decisions"
    args: list = []
    if kind:
        sql += " where kind = ?"
        args.append(kind)
    sql += " order by meeting_date desc, document_id, id"
    if limit:
        sql += " limit ?"
        args.append(limit)
    return _rows(db_path, sql, args)


def _fts_error(query: str, exc: sqlite3.Error) -> QueryError:
    return QueryError(
        f"cannot search for {query!r}: {exc} (FTS5 query syntax: quote phrases and words with punctuation, "
        'e.g. "pooled budgets" or "pre-school"; AND/OR/NOT need a term on each side)')


def search(db_path: str, query: str, kind: str | None = None, body: str | None = None, since: str | None = None,
           until: str | None = None, limit: int | None = 20, mark: tuple[str, str] = ("**", "**")) -> list[dict]:
    """Items matching an FTS5 query, best first.

    The query is handed to FTS5 as written (as a bound parameter) so researchers keep phrases, prefixes and
    boolean operators; a malformed one is probed first and reported as a QueryError, because sqlite's own
    message ("no such column: school" for pre-school) makes no sense without the hint. `score` is -bm25, so
    bigger is better.
    """
    if not query or not query.strip():
        raise QueryError("empty search query")
    where, args = _filters(kind, body, since, until)
    conn = connect(db_path)
    try:
        if not conn.execute("select 1 from sqlite_master where name = 'items_fts'").fetchone():
            raise QueryError(f"{db_path} has no full-text index on items")
        try:
            conn.execute("select rowid from items_fts where items_fts match ? limit 1", [query]).fetchall()
        except sqlite3.OperationalError as exc:
            raise _fts_error(query, exc) from None
        sql = (
            "select i.id, round(-bm25(items_fts), 4) as score, i.kind, i.label, i.outcome, i.owner, i.due_text, "
            "d.path, d.body, d.meeting_date, i.page, "
            "snippet(items_fts, -1, ?, ?, '…', 32) as snippet, i.text "
            "from items_fts join items i on i.id = items_fts.rowid join documents d on d.id = i.document_id "
            f"where items_fts match ? and {' and '.join(where)} "
            "order by bm25(items_fts), i.id")
        params = [mark[0], mark[1], query] + args
        if limit:
            sql += " limit ?"
            params.append(limit)
        try:
            return [dict(r) for r in conn.execute(sql, params)]
        except sqlite3.OperationalError as exc:
            raise _fts_error(query, exc) from None
    finally:
        conn.close()


def export_items(db_path: str, kind: str | None = None, body: str | None = None, since: str | None = None,
                 until: str | None = None) -> list[dict]:
    """One row per item: the `extract` item fields plus its document's, so exports and extracts compare."""
    where, args = _filters(kind, body, since, until)
    cols = [f'i."{c}"' for c in ITEM_FIELDS] + [f'd."{c}"' for c in DOCUMENT_FIELDS]
    sql = (f"select {', '.join(cols)} from items i join documents d on d.id = i.document_id "
           f"where {' and '.join(where)} order by d.path, i.seq, i.id")
    return _rows(db_path, sql, args)


def actions(db_path: str, today: dt.date | None = None, overdue: bool = False, owner: str | None = None,
            fy_start_month: int = FY_START_MONTH) -> list[dict]:
    """Actions, and any other item that carries a deadline, with `due_by` and `overdue` worked out for `today`.

    Same rows as the `open_actions` view. Overdue means today is after the end of the printed period; an item
    with no computable deadline has overdue = None (unknown), never False. Sorted soonest deadline first so a
    report reads as a to-do list.
    """
    today = today or dt.date.today()
    where, args = ["d.status = 'ok'", "(i.kind = 'action' or i.due_value is not null)"], []
    if owner:
        where.append("i.owner like ? escape '\\'")
        args.append(_like(owner))
    sql = ("select i.id, i.kind, i.label, i.text, i.owner, i.due, i.due_value, i.due_precision, i.due_text, "
           "i.due_flag, d.body, d.meeting_date, d.path, i.page from items i join documents d on d.id = i.document_id "
           f"where {' and '.join(where)}")
    out = []
    for r in _rows(db_path, sql, args):
        end = period_end(r["due_value"], r["due_precision"], r["due_text"], fy_start_month)
        r["due_by"] = end.isoformat() if end else None
        r["overdue"] = (today > end) if end else None
        if overdue and not r["overdue"]:
            continue
        out.append(r)
    out.sort(key=lambda r: (r["due_by"] is None, r["due_by"] or "", r["meeting_date"] or "", r["id"]))
    return out
