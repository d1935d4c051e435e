"""The researchers' side: search, export, overdue actions and Datasette, all against real ingested databases."""
import csv
import io
import json
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request

import pytest
from click.testing import CliRunner

from conftest import CORPUS, ROOT
from pipeline.cli import cli
from pipeline.query import DOCUMENT_FIELDS, ITEM_FIELDS, period_end
from pipeline.run import ingest_paths

PAPER = """FERNHOLM PARISH COUNCIL

Minutes of the meeting of Fernholm Parish Council held on Tuesday 12th March 2024 at 7pm

24/010  FINANCE
RESOLVED: that the pooled budgets for the youth club be approved.
RESOLVED: that the budget for the pooled car scheme be deferred.

24/011  ACTIONS
Clerk to obtain three quotes for the bus shelter by 1 May 2024.
Cllr Hale to report on the footpath survey to the March 2024 meeting.
Clerk to write to the Highways Authority by 10 April 2024.
Cllr Hale to circulate the draft tree policy by the end of April 2024.
Chairman to review the insurance schedule in Q1 2024.
"""


@pytest.fixture(scope="module")
def corpus_db(tmp_path_factory):
    # Named minutebook.db because metadata.json describes the Datasette database called "minutebook".
    db = tmp_path_factory.mktemp("corpus") / "minutebook.db"
    summary = ingest_paths([CORPUS / "seeds", CORPUS / "papers"], db)
    assert summary.items > 0, summary.line()
    return db


@pytest.fixture(scope="module")
def paper_db(tmp_path_factory):
    folder = tmp_path_factory.mktemp("paper")
    (folder / "fernholm_2024-03-12.txt").write_text(PAPER, encoding="utf-8")
    db = folder / "p.db"
    summary = ingest_paths([folder / "fernholm_2024-03-12.txt"], db)
    assert summary.failed == 0 and summary.items >= 7, summary.line()
    return db


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args])


def run_json(*args):
    res = run(*args, "--format", "json")
    assert res.exit_code == 0, res.output
    rows = json.loads(res.stdout)
    assert isinstance(rows, list) and all(isinstance(r, dict) for r in rows)
    return rows


def db_rows(db, sql, args=()):
    conn = sqlite3.connect(db)
    conn.row_factory = sqlite3.Row
    try:
        return [dict(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()


# --- search ------------------------------------------------------------------------------------------------

def test_search_ranks_items_and_marks_the_match(corpus_db):
    rows = run_json("search", "budget", "--db", corpus_db)
    assert rows
    for r in rows:
        assert "budget" in r["text"].lower()
        assert "**budget" in r["snippet"].lower()
        assert r["path"] and r["page"] >= 1 and "body" in r and "meeting_date" in r
    scores = [r["score"] for r in rows]
    assert scores == sorted(scores, reverse=True)
    table = run("search", "budget", "--db", corpus_db)
    assert table.exit_code == 0 and "**budget**" in table.output.lower()


def test_quoted_query_is_a_phrase(paper_db):
    words = run_json("search", "pooled budgets", "--db", paper_db)
    phrase = run_json("search", '"pooled budgets"', "--db", paper_db)
    assert len(words) == 2
    assert [r["text"] for r in phrase] == ["that the pooled budgets for the youth club be approved."]
    assert "**pooled budgets**" in phrase[0]["snippet"]


def test_quoted_query_on_the_corpus(corpus_db):
    rows = run_json("search", '"general fund budget"', "--db", corpus_db)
    assert rows
    for r in rows:
        assert "general fund budget" in " ".join(r["text"].lower().split())


def test_search_filters(corpus_db):
    everything = run_json("search", "council OR resolved OR approve", "--db", corpus_db, "--limit", 1000)
    assert len(everything) > 5
    some_body = next(r["body"] for r in everything if r["body"] and len(r["body"]) >= 8)
    by_body = run_json("search", "council OR resolved OR approve", "--db", corpus_db, "--body", some_body[2:8].lower(),
                       "--limit", 1000)
    assert by_body and all(some_body[2:8].lower() in r["body"].lower() for r in by_body)
    dated = run_json("search", "council OR resolved OR approve", "--db", corpus_db, "--since", "2023-06",
                     "--until", "2024", "--kind", "resolution", "--limit", 1000)
    assert dated
    assert all("2023-06-01" <= r["meeting_date"] <= "2024-12-31" and r["kind"] == "resolution" for r in dated)
    expected = {r["id"] for r in everything
                if r["meeting_date"] and "2023-06-01" <= r["meeting_date"] <= "2024-12-31" and r["kind"] == "resolution"}
    assert {r["id"] for r in dated} == expected
    assert len(run_json("search", "council OR resolved OR approve", "--db", corpus_db, "--limit", 3)) == 3


@pytest.mark.parametrize("query", ['"pooled budgets', "AND", "budget AND", "pre-school", "(budget", "*", "   "])
def test_search_syntax_error_is_one_line_and_exit_2(corpus_db, query):
    res = run("search", query, "--db", corpus_db)
    assert res.exit_code == 2, res.output
    assert res.stdout == ""
    assert res.stderr.startswith("minutebook: ") and res.stderr.count("\n") == 1
    assert "Traceback" not in res.output
    assert isinstance(res.exception, SystemExit)


def test_user_text_never_becomes_sql(corpus_db):
    before = db_rows(corpus_db, "select count(*) as n from items")[0]["n"]
    res = run("search", "x'; drop table items; --", "--db", corpus_db)
    assert res.exit_code == 2
    # LIKE wildcards and quotes in --body and --owner are literal characters, not SQL.
    assert run_json("search", "budget", "--db", corpus_db, "--body", "%' or 1=1 --") == []
    assert run_json("search", "budget", "--db", corpus_db, "--body", "%") == []
    assert run_json("actions", "--db", corpus_db, "--owner", "_") == []
    assert db_rows(corpus_db, "select count(*) as n from items")[0]["n"] == before


def test_bad_date_and_non_minutebook_db_are_usage_errors(corpus_db, tmp_path):
    res = run("search", "budget", "--db", corpus_db, "--since", "2024-02-30")
    assert res.exit_code == 2 and "not a real date" in res.stderr
    other = tmp_path / "other.db"
    sqlite3.connect(other).execute("create table t (x)").connection.close()
    res = run("decisions", "--db", other)
    assert res.exit_code == 2 and "not a minutebook database" in res.stderr


# --- export ------------------------------------------------------------------------------------------------

FILTERS = ["--kind", "resolution", "--since", "2023", "--until", "2024-06-30"]
EXPECTED_SQL = (
    f"select {', '.join('i.' + chr(34) + c + chr(34) for c in ITEM_FIELDS)}, "
    f"{', '.join('d.' + c for c in DOCUMENT_FIELDS)} from items i join documents d on d.id = i.document_id "
    "where d.status = 'ok' and i.kind = 'resolution' and d.meeting_date between '2023-01-01' and '2024-06-30' "
    "order by d.path, i.seq")


def test_export_json_round_trip(corpus_db, tmp_path):
    out = tmp_path / "items.json"
    res = run("export", "--db", corpus_db, "--format", "json", *FILTERS, "-o", out)
    assert res.exit_code == 0, res.output
    exported = json.loads(out.read_text(encoding="utf-8"))
    expected = db_rows(corpus_db, EXPECTED_SQL)
    assert expected and exported == expected
    assert run_json("export", "--db", corpus_db, *FILTERS) == expected


def test_export_csv_round_trip(corpus_db, tmp_path):
    out = tmp_path / "items.csv"
    res = run("export", "--db", corpus_db, "--format", "csv", *FILTERS, "-o", out)
    assert res.exit_code == 0, res.output
    with open(out, newline="", encoding="utf-8") as fh:
        exported = list(csv.DictReader(fh))
    expected = [{k: "" if v is None else str(v) for k, v in r.items()} for r in db_rows(corpus_db, EXPECTED_SQL)]
    assert expected and exported == expected
    stdout = run("export", "--db", corpus_db, *FILTERS)  # csv is the default
    assert list(csv.DictReader(io.StringIO(stdout.stdout, newline=""))) == expected


def test_export_items_have_the_extract_shape(corpus_db):
    paper = CORPUS / "papers" / "12_uk_district_cabinet_elmsworth_2023-06-20.txt"
    if not paper.exists():
        paper = sorted((CORPUS / "seeds").glob("*.txt"))[0]
    res = run("extract", paper)
    extracted = json.loads(res.stdout)
    item_keys = set(extracted["items"][0])
    exported = run_json("export", "--db", corpus_db)
    assert set(exported[0]) == item_keys | set(DOCUMENT_FIELDS)
    mine = [r for r in exported if r["path"] == str(paper)]
    assert [r["text"] for r in mine] == [it["text"] for it in extracted["items"]]


# --- actions -----------------------------------------------------------------------------------------------

def test_overdue_actions_use_the_end_of_the_printed_period(paper_db):
    rows = run_json("actions", "--db", paper_db, "--today", "2024-04-15")
    due_by = {r["due_text"]: r["due_by"] for r in rows}
    assert due_by == {"1 May 2024": "2024-05-01", "March 2024": "2024-03-31", "10 April 2024": "2024-04-10",
                      "April 2024": "2024-04-30", "Q1 2024": "2024-03-31"}
    overdue = run_json("actions", "--db", paper_db, "--today", "2024-04-15", "--overdue")
    assert {r["due_text"] for r in overdue} == {"March 2024", "10 April 2024", "Q1 2024"}
    assert all(r["overdue"] is True for r in overdue)
    # "to the March 2024 meeting" is still on time on the last day of March.
    assert run_json("actions", "--db", paper_db, "--today", "2024-03-31", "--overdue") == []
    hale = run_json("actions", "--db", paper_db, "--today", "2024-04-15", "--overdue", "--owner", "hale")
    assert [r["due_text"] for r in hale] == ["March 2024"]
    table = run("actions", "--db", paper_db, "--today", "2024-04-15", "--overdue")
    assert table.exit_code == 0 and table.output.count("OVERDUE") == 3


@pytest.mark.parametrize("value, precision, due_text, end", [
    ("2024-05-01", "day", None, "2024-05-01"),
    ("2024-02", "month", None, "2024-02-29"),
    ("2024-Q3", "quarter", "Q3 2024", "2024-09-30"),
    ("2024-Q3", "quarter", "Q3 2024/25", "2024-12-31"),   # third quarter of the April-March financial year
    ("2024-Q4", "quarter", "Q4 2024/25", "2025-03-31"),
    ("2018-09", "season", "Autumn 2018", "2018-11-30"),
    ("2024-12", "season", "Winter 2024", "2025-02-28"),
    ("2019/20", "financial_year", "2019/20", "2020-03-31"),
    ("2024", "year", None, "2024-12-31"),
    (None, "relative", "next meeting", None),
    ("2024-13", "month", None, None),
])
def test_period_end(value, precision, due_text, end):
    got = period_end(value, precision, due_text)
    assert (got.isoformat() if got else None) == end


# --- every listing speaks JSON -----------------------------------------------------------------------------

def test_json_everywhere(corpus_db):
    for args in (["decisions", "--limit", 5], ["search", "council"], ["export"], ["actions", "--today", "2024-01-01"]):
        rows = run_json(*args, "--db", corpus_db)
        assert rows, args


# --- Datasette ---------------------------------------------------------------------------------------------

def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _get_json(url, timeout=5):
    with urllib.request.urlopen(url, timeout=timeout) as resp:
        return json.load(resp)


def test_datasette_serves_the_db_with_search_and_facets(corpus_db, tmp_path):
    pytest.importorskip("datasette")
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    log = open(tmp_path / "datasette.log", "w+")
    proc = subprocess.Popen([sys.executable, "-m", "datasette", "serve", str(corpus_db), "-m", str(ROOT / "metadata.json"),
                             "--host", "127.0.0.1", "--port", str(port)], stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                log.seek(0)
                pytest.fail(f"datasette exited with {proc.returncode}: {log.read()[-2000:]}")
            try:
                _get_json(f"{base}/-/versions.json", timeout=2)
                break
            except (urllib.error.URLError, ConnectionError, OSError):
                if time.monotonic() > deadline:
                    pytest.fail("datasette did not start within 30 seconds")
                time.sleep(0.2)
        page = _get_json(f"{base}/minutebook/decisions.json?_search=budget&_shape=objects")
        assert page["rows"] and all("budget" in r["text"].lower() for r in page["rows"])
        assert {"kind", "outcome", "body", "year"} <= set(page["facet_results"])
        items = _get_json(f"{base}/minutebook/items.json?_search=budget&_shape=array")
        assert {r["id"] for r in items} == {r["id"] for r in page["rows"]}
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=10)
        log.close()
