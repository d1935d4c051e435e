"""PDF: pypdfium2 reads every page's text; pdfplumber is called only for pages that may hold a table.

Measured on the 13 text PDFs of corpus-dev (README, "PDF reading"): pypdfium2 is ~50x faster than
pdfplumber, but it reads a ruled table row by row of *words*, interleaving the cells. Ruled tables
are drawn with path objects, so a page with few paths cannot hold one and never pays for pdfplumber.
"""
from __future__ import annotations

import re
from collections import Counter

from ..document import Document

MIN_TABLE_PATHS = 8  # fewer vector paths than this cannot draw a ruled table
HEADER_ZONE = 3      # lines at the top and bottom of a page that may be running heads/feet
PAGE_NUMBER = re.compile(r"^(page\s*)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?(\s*(of|/)\s*\d{1,4})?$", re.I)
HYPHEN_BREAK = re.compile(r"(?<=[a-z])-\n(?=[a-z])")


def ingest(data: bytes, *, path: str, sha256: str, max_pages: int = 2000) -> Document:
    import pypdfium2 as pdfium
    from .auto import IngestError
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg:
            raise IngestError("encrypted PDF (password required)") from None
        if "format" in msg or "file" in msg:
            raise IngestError(f"corrupt or truncated PDF ({str(exc).split(':')[-1].strip()})") from None
        raise IngestError(f"unreadable PDF: {exc}") from None
    try:
        n = len(pdf)
        if n == 0:
            raise IngestError("PDF has no pages")
        if n > max_pages:
            raise IngestError(f"PDF has {n} pages, over the limit of {max_pages}")
        pages, table_pages = [], []
        for i in range(n):
            page = pdf[i]
            text = page.get_textpage().get_text_range()
            pages.append(text)
            if text.strip() and _path_count(page) >= MIN_TABLE_PATHS:
                table_pages.append(i)
            page.close()
    finally:
        pdf.close()
    if table_pages:
        for i, text in _table_pages(data, table_pages).items():
            pages[i] = text
    pages = [HYPHEN_BREAK.sub("", t) for t in strip_running_lines([t.replace("\r\n", "\n") for t in pages])]
    warnings = []
    if not any(p.strip() for p in pages):
        warnings.append("no text layer (scanned?): OCR not available")
    title = next((ln.strip() for p in pages for ln in p.split("\n") if len(ln.strip()) > 3), None)
    return Document.from_pages(pages, path=path, sha256=sha256, format="pdf", title=title[:200] if title else None,
                               warnings=warnings)


def _path_count(page) -> int:
    import pypdfium2.raw as raw
    count = 0
    for _ in page.get_objects(filter=[raw.FPDF_PAGEOBJ_PATH], max_depth=2):
        count += 1
        if count >= MIN_TABLE_PATHS:
            break
    return count


def _table_pages(data: bytes, indices: list[int]) -> dict[int, str]:
    """Re-read candidate pages with pdfplumber; rows of a found table become tab-separated lines."""
    import io
    import pdfplumber
    out = {}
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for i in indices:
            page = pdf.pages[i]
            tables = [t for t in page.find_tables() if len(t.rows) >= 2 and max(len(r.cells) for r in t.rows) >= 2]
            if not tables:
                continue
            rest = page
            for t in tables:
                rest = rest.outside_bbox(t.bbox)
            lines = [(ln["top"], ln["text"]) for ln in rest.extract_text_lines(x_tolerance_ratio=0.15)]
            for t in tables:
                for k, (row, cells) in enumerate(zip(t.rows, t.extract(x_tolerance_ratio=0.15))):
                    top = row.bbox[1] if row.bbox else t.bbox[1] + k
                    joined = "\t".join(re.sub(r"\s*\n\s*", " ", c or "").strip() for c in cells)
                    if joined.strip():
                        lines.append((top, joined))
            lines.sort(key=lambda x: x[0])
            out[i] = "\n".join(text for _, text in lines)
            page.flush_cache()
    return out


def _key(line: str) -> str:
    return re.sub(r"\d+", "#", line.strip().lower())


def strip_running_lines(pages: list[str]) -> list[str]:
    """Drop page numbers and lines repeated at the top or bottom of most pages (letterheads, print stamps)."""
    split = [p.split("\n") for p in pages]
    zones = []
    for lines in split:
        idx = [k for k, ln in enumerate(lines) if ln.strip()]
        zones.append(set(idx[:HEADER_ZONE] + idx[-HEADER_ZONE:]))
    counts = Counter()
    for lines, zone in zip(split, zones):
        counts.update({_key(lines[k]) for k in zone})
    textful = sum(1 for p in pages if p.strip())
    repeated = {k for k, c in counts.items() if textful >= 2 and c >= max(2, (textful + 1) // 2) and k}
    out = []
    for lines, zone in zip(split, zones):
        kept = [ln for k, ln in enumerate(lines)
                if not (k in zone and (_key(ln) in repeated or PAGE_NUMBER.match(ln.strip())))]
        out.append("\n".join(kept))
    return out
