"""The SQLite schema and the one way rows get written: a whole document per transaction.

sqlite-utils creates the schema, indexes, FTS and views; rows are written with plain executemany
inside an explicit BEGIN IMMEDIATE … COMMIT, because sqlite-utils commits per call and a document
must land whole or not at all.
"""
from __future__ import annotations

import datetime as dt
import sqlite3
from pathlib import Path

import sqlite_utils

SCHEMA_VERSION = 1
ITEM_COLUMNS = ["document_id", "seq", "kind", "label", "text", "outcome", "owner", "due", "due_text", "due_value",
                "due_precision", "due_flag", "page", "start", "end", "rule", "confidence"]

VIEWS = {
    "decisions": """
        select i.id, d.body, d.meeting_date, substr(d.meeting_date, 1, 4) as year, i.kind, i.label, i.text,
               i.outcome, i.owner, i.due, i.due_text, i.page, d.path, d.title, i.document_id
        from items i join documents d on d.id = i.document_id where d.status = 'ok'""",
    "open_actions": """
        select i.id, i.text, i.owner, i.due, i.due_value, i.due_text, d.body, d.meeting_date, d.path, i.page
        from items i join documents d on d.id = i.document_id
        where i.kind = 'action' or i.due_value is not null""",
}


def connect(path: str | Path) -> sqlite_utils.Database:
    conn = sqlite3.connect(str(path), timeout=60, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA foreign_keys=ON")
    conn.execute("PRAGMA synchronous=NORMAL")
    db = sqlite_utils.Database(conn)
    ensure_schema(db)
    return db


def ensure_schema(db: sqlite_utils.Database) -> None:
    if "documents" in db.table_names():
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        if "documents" in db.table_names():
            db.execute("ROLLBACK")
            return
        db["documents"].create({
            "id": int, "path": str, "sha256": str, "format": str, "pages": int, "title": str, "body": str,
            "meeting_date": str, "status": str, "error": str, "warnings": str, "size": int, "mtime_ns": int,
            "ingested_at": str, "text": str,
        }, pk="id", not_null={"path", "status"})
        db["documents"].create_index(["path"], unique=True)
        db["documents"].create_index(["sha256"])
        db["pages"].create({"document_id": int, "number": int, "start": int, "end": int, "text": str,
                            "ocr": int, "confidence": float},
                           pk=("document_id", "number"), foreign_keys=[("document_id", "documents", "id")])
        db["items"].create({"id": int, "document_id": int, "seq": int, "kind": str, "label": str, "text": str,
                            "outcome": str, "owner": str, "due": str, "due_text": str, "due_value": str,
                            "due_precision": str, "due_flag": str, "page": int, "start": int, "end": int,
                            "rule": str, "confidence": float},
                           pk="id", foreign_keys=[("document_id", "documents", "id")])
        db["people"].create({"document_id": int, "field": str, "person": str, "role": str},
                            foreign_keys=[("document_id", "documents", "id")])
        for table, cols in (("items", ["document_id"]), ("items", ["kind"]), ("items", ["due_value"]),
                            ("items", ["outcome"]), ("pages", ["document_id"]), ("people", ["document_id"])):
            db[table].create_index(cols)
        db["items"].enable_fts(["text", "label", "owner"], create_triggers=True, tokenize="porter")
        db["pages"].enable_fts(["text"], create_triggers=True, tokenize="porter")
        for name, sql in VIEWS.items():
            db.execute(f"create view {name} as {sql}")
        db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise


def lookup(db: sqlite_utils.Database, path: str) -> dict | None:
    rows = list(db.query("select id, sha256, status, size, mtime_ns from documents where path = ?", [path]))
    return rows[0] if rows else None


def now() -> str:
    return dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")


def write_document(db: sqlite_utils.Database, record: dict) -> int:
    """Replace everything stored for record['path'] with this record, atomically."""
    doc = record["document"]
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        old = conn.execute("select id from documents where path = ?", [doc["path"]]).fetchone()
        if old:
            for table in ("items", "pages", "people"):
                conn.execute(f"delete from {table} where document_id = ?", [old[0]])
            conn.execute("delete from documents where id = ?", [old[0]])
        cur = conn.execute(
            "insert into documents (id, path, sha256, format, pages, title, body, meeting_date, status, error, warnings,"
            " size, mtime_ns, ingested_at, text) values (?, ?, ?, ?, ?, ?, ?, ?, 'ok', null, ?, ?, ?, ?, ?)",
            [old[0] if old else None, doc["path"], doc["sha256"], doc["format"], doc["pages"], doc["title"], doc["body"],
             doc["meeting_date"], "; ".join(doc.get("warnings") or []) or None, doc.get("size"), doc.get("mtime_ns"),
             now(), doc["body_text"]])
        doc_id = cur.lastrowid
        conn.executemany("insert into pages (document_id, number, start, end, text, ocr, confidence) values (?,?,?,?,?,?,?)",
                         [(doc_id, p["number"], p["start"], p["end"], p["text"], int(p.get("ocr", False)), p.get("confidence"))
                          for p in record["pages"]])
        conn.executemany(f"insert into items ({', '.join(chr(34) + c + chr(34) for c in ITEM_COLUMNS)}) values ({','.join('?' * len(ITEM_COLUMNS))})",
                         [[doc_id, k] + [it.get(c) for c in ITEM_COLUMNS[2:]] for k, it in enumerate(record["items"])])
        conn.executemany("insert into people (document_id, field, person, role) values (?,?,?,?)",
                         [(doc_id, p["field"], p["person"], p["role"]) for p in record.get("people", [])])
        conn.execute("COMMIT")
        return doc_id
    except BaseException:
        conn.execute("ROLLBACK")
        raise


def write_failure(db: sqlite_utils.Database, path: str, sha256: str | None, reason: str, size=None, mtime_ns=None) -> None:
    """Record a file that could not be read. A good earlier version keeps its rows; only the error is noted."""
    conn = db.conn
    conn.execute("BEGIN IMMEDIATE")
    try:
        old = conn.execute("select id, status from documents where path = ?", [path]).fetchone()
        if old and old[1] == "ok":
            conn.execute("update documents set error = ?, warnings = coalesce(warnings || '; ', '') || ? where id = ?",
                         [reason, f"newer version failed: {reason}", old[0]])
        elif old:
            conn.execute("update documents set sha256 = ?, error = ?, size = ?, mtime_ns = ?, ingested_at = ? where id = ?",
                         [sha256, reason, size, mtime_ns, now(), old[0]])
        else:
            conn.execute("insert into documents (path, sha256, status, error, size, mtime_ns, ingested_at) "
                         "values (?, ?, 'failed', ?, ?, ?, ?)", [path, sha256, reason, size, mtime_ns, now()])
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise
