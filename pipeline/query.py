"""Read-side helpers shared by the CLI: every query is parameterised."""
from __future__ import annotations

import sqlite3


def decisions(db_path: str, kind: str | None = None, limit: int | None = None) -> list[dict]:
    conn = sqlite3.connect(f"file:{db_path}?mode=ro", uri=True)
    conn.row_factory = sqlite3.Row
    sql = "select * from decisions"
    args: list = []
    if kind:
        sql += " where kind = ?"
        args.append(kind)
    sql += " order by meeting_date desc, document_id, id"
    if limit:
        sql += " limit ?"
        args.append(limit)
    try:
        return [dict(r) for r in conn.execute(sql, args)]
    finally:
        conn.close()
