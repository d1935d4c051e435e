"""Orchestration: walk folders, skip what is unchanged, read and extract the rest, store one document at a time.

Knows nothing about formats or wording; a file that fails is a value (status + reason), never an
exception that ends the run.
"""
from __future__ import annotations

import fcntl
import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

DOC_SUFFIXES = {".pdf", ".docx", ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".doc"}
MAX_BYTES = 200 * 1024 * 1024
MAX_PAGES = 2000


@dataclass
class Summary:
    seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    items: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def line(self) -> str:
        return (f"seen {self.seen}, new {self.new}, changed {self.changed}, unchanged {self.unchanged}, "
                f"failed {self.failed}, items {self.items}")


class Busy(Exception):
    """Another ingest holds the database."""


def walk(paths: Iterable[str | Path]) -> list[Path]:
    """Files under the given paths, sorted so a run's order never depends on the file system."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            out += [f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in DOC_SUFFIXES
                    and not any(part.startswith(".") for part in f.relative_to(p).parts)]
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(str(p))
    return sorted(set(out))


def extract_file(path: str | Path, data: bytes | None = None, max_pages: int = MAX_PAGES) -> dict:
    """The `minutebook extract` JSON contract for one file; raises IngestError for an unreadable file."""
    from extractors import extract
    from .ingest import ingest
    from .ingest.auto import IngestError
    doc = ingest(path, data)
    if len(doc.pages) > max_pages:
        raise IngestError(f"{len(doc.pages)} pages, over the limit of {max_pages}")
    ex = extract(doc)
    items = []
    for it in ex.items:
        d = it.as_dict()
        assert doc.text[it.start:it.end] == it.text
        items.append(d)
    return {
        "document": {"path": str(path), "sha256": doc.sha256, "format": doc.format, "pages": len(doc.pages),
                     "title": doc.title, "body": ex.body, "meeting_date": ex.meeting_date, "warnings": doc.warnings},
        "items": items,
        "pages": [{"number": p.number, "start": p.start, "end": p.end, "text": doc.page_text(p), "ocr": p.ocr,
                   "confidence": p.confidence} for p in doc.pages],
        "people": ex.people,
        "text": doc.text,
    }


def lock(db_path: str | Path):
    """An exclusive lock beside the database so two ingests never interleave; released when the file closes."""
    fh = open(str(db_path) + ".lock", "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise Busy(f"another minutebook ingest is using {db_path}") from None
    return fh


def ingest_paths(paths: Iterable[str | Path], db_path: str | Path = "minutebook.db", force: bool = False,
                 progress: Callable[[Path], None] | None = None, max_bytes: int = MAX_BYTES,
                 max_pages: int = MAX_PAGES) -> Summary:
    from . import store
    from .ingest.auto import IngestError
    files = walk(paths)
    held = lock(db_path)
    try:
        db = store.connect(db_path)
        s = Summary()
        for f in files:
            s.seen += 1
            key = str(f)
            st = f.stat()
            old = store.lookup(db, key)
            digest = None
            if old and not force and old["size"] == st.st_size and old["mtime_ns"] == st.st_mtime_ns:
                s.unchanged += 1
                if progress:
                    progress(f)
                continue
            try:
                if st.st_size > max_bytes:
                    raise IngestError(f"file is {st.st_size // 2**20} MB, over the limit of {max_bytes // 2**20} MB")
                data = f.read_bytes()
                digest = hashlib.sha256(data).hexdigest()
                if old and not force and old["sha256"] == digest:
                    db.conn.execute("update documents set size = ?, mtime_ns = ? where id = ?",
                                    [st.st_size, st.st_mtime_ns, old["id"]])
                    s.unchanged += 1
                    continue
                record = extract_file(f, data, max_pages=max_pages)
                record["document"].update(size=st.st_size, mtime_ns=st.st_mtime_ns, body_text=record["text"])
                store.write_document(db, record)
                s.items += len(record["items"])
                if old:
                    s.changed += 1
                else:
                    s.new += 1
            except (IngestError, MemoryError, RecursionError, OSError, ValueError, KeyError, IndexError,
                    AssertionError, TypeError, AttributeError) as exc:
                reason = str(exc) if isinstance(exc, IngestError) else f"{type(exc).__name__}: {exc}"[:300]
                store.write_failure(db, key, digest, reason, st.st_size, st.st_mtime_ns)
                s.failed += 1
                s.failures.append((key, reason))
            finally:
                if progress:
                    progress(f)
        db.conn.close()
        return s
    finally:
        held.close()
