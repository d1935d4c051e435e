"""PDF: pypdfium2 reads every page's text, and the ruled tables too; pdfplumber is the fallback for tables.

Measured on the 13 text PDFs of corpus-dev (README, "PDF reading"): pypdfium2 is ~50x faster than
pdfplumber, but its text reads a ruled table row by row of *words*, interleaving the cells. Ruled tables
are drawn with path objects, so a page whose path segments do not cross as a grid cannot hold one and
costs nothing more (`may_hold_table`). A page that may hold one is read by pdftables.py: pdfplumber's
table finder and text layout, step by step, on the edges and characters PDFium has already parsed (the
same text on every table page of corpus/ and corpus-dev/, ~5 ms instead of ~100 ms). Only pages it does
not model (rotated, or with more path segments than pdftables.MAX_SEGMENTS) are re-opened with pdfplumber (`_table_pages`);
MINUTEBOOK_PDF_TABLES=pdfplumber sends every candidate page there, to check one against the other.
"""
from __future__ import annotations

import os
import re
from collections import Counter

from . import pdftables
from ..document import Document

TABLES_ENV = "MINUTEBOOK_PDF_TABLES"   # "pdfplumber": read every table page with pdfplumber (a check)

HEADER_ZONE = 3      # lines at the top and bottom of a page that may be running heads/feet
PAGE_NUMBER = re.compile(r"^(page\s*)?[-–—(\[]?\s*\d{1,4}\s*[-–—)\]]?(\s*(of|/)\s*\d{1,4})?$", re.I)
HYPHEN_BREAK = re.compile(r"-\n(?<=[a-z]-\n)(?=[a-z])")  # = (?<=[a-z])-\n(?=[a-z]), led by its literal: ~20x faster


def ingest(data: bytes, *, path: str, sha256: str, max_pages: int = 2000) -> Document:
    import pypdfium2 as pdfium
    from . import ocr
    from .auto import IngestError
    check_structure(data)
    try:
        pdf = pdfium.PdfDocument(data)
    except pdfium.PdfiumError as exc:
        raise IngestError(open_error(exc, data)) from None
    try:
        n = len(pdf)
        if n == 0:
            raise IngestError("PDF has no pages")
        if n > max_pages:
            raise IngestError(f"PDF has {n} pages, over the limit of {max_pages}")
        pages, table_pages, scan_pages, tables = [], [], [], {}
        plumber_only = os.environ.get(TABLES_ENV) == "pdfplumber"
        for i in range(n):
            page = pdf[i]
            textpage = page.get_textpage()
            text = textpage.get_text_range()
            pages.append(text)
            if ocr.wants_ocr(text, page):  # no usable text layer: this page alone goes to OCR
                scan_pages.append(i)
            elif text.strip():
                objects = pdftables.page_objects(page)  # walked once: for the grid test and the table reader
                if may_hold_table(objects):
                    read = pdftables.FALLBACK if plumber_only else _pdfium_tables(page, textpage, objects)
                    if read is pdftables.FALLBACK:
                        table_pages.append(i)   # a page pdftables does not model: pdfplumber reads it below
                    elif read is not None:
                        tables[i] = read
            textpage.close()
            page.close()
        scanned = ocr.pdf_pages(pdf, scan_pages, pages) if scan_pages else None
    except pdfium.PdfiumError as exc:  # a damaged page object or content stream
        raise IngestError(f"corrupt PDF: {str(exc).rstrip('.').lower()}") from None
    finally:
        pdf.close()
    if table_pages:
        try:
            tables.update(_table_pages(data, table_pages))
        except Exception:  # noqa: BLE001 - pdfminer is stricter than PDFium on damaged files and raises
            pass           # anything; PDFium's text of those pages stands (cells in reading order)
    for i, text in tables.items():
        pages[i] = text
    for i, read in (scanned.texts.items() if scanned else ()):
        pages[i] = read.text
    pages = [HYPHEN_BREAK.sub("", t) for t in strip_running_lines([t.replace("\r\n", "\n") for t in pages])]
    warnings = []
    if not any(p.strip() for p in pages) and not (scanned and scanned.warnings):
        warnings.append("no text on any page")
    title = next((ln.strip() for p in pages for ln in p.split("\n") if len(ln.strip()) > 3), None)
    doc = Document.from_pages(pages, path=path, sha256=sha256, format="pdf", title=title[:200] if title else None,
                              warnings=warnings)
    return scanned.finish(doc) if scanned else doc


# Ruled-grid test (see may_hold_table). Tolerances are pdfplumber's table defaults (3 pt), loosened
# slightly so that this test is never stricter than pdfplumber: it may send a page for nothing, but
# never keeps a table pdfplumber would find from it.
GRID_SNAP = 2.5         # pdfplumber snap_tolerance 3: edges closer than this share a position
GRID_JOIN = 3.5         # pdfplumber join_tolerance 3: collinear pieces this close form one edge
GRID_MIN_LEN = 2.5      # pdfplumber edge_min_length 3
GRID_MEET = 3.5         # pdfplumber intersection_tolerance 3


def may_hold_table(objects) -> bool:
    """Can pdfplumber find a kept table (>= 2 rows, a row of >= 2 cells) on this page? Cheap, never wrong on "no".
    `objects` is pdftables.page_objects(page), which read_page then reads too.

    pdfplumber builds cells from horizontal and vertical edges (lines, rectangle sides, path
    segments) that cross; two rows with a two-cell row need three horizontal edges that each meet two
    vertical ones, and three vertical edges that each meet two horizontal ones. The same edges are
    read here from pypdfium2's path segments (page space, through form XObjects), snapped and joined
    the way pdfplumber does, at ~0.3 ms a page instead of pdfplumber's ~100 ms. Horizontal rules,
    underlines, boxes and logos fail it. On the 103 text-PDF pages of corpus + corpus-dev it sends the
    18 pages where pdfplumber finds a table and 1 where it does not; the former test (>= 8 path
    objects) sent 30 pages and missed 2 tables drawn with 6 and 7 paths.
    """
    if objects is None:  # more path segments than pdftables.MAX_SEGMENTS: pdfplumber's to judge
        return True
    h, v = [], []
    for line in _polylines(objects[0]):
        for (x0, y0), (x1, y1) in zip(line, line[1:]):
            if abs(y0 - y1) <= 0.01:
                h.append((y0, min(x0, x1), max(x0, x1)))
            else:  # vertical, or slanted (pdfplumber files a lone slanted line as a vertical edge)
                v.append((min(x0, x1), min(y0, y1), max(y0, y1)))
    rows, cols = _snap_join(h), _snap_join(v)
    if len(rows) < 3 or len(cols) < 3:
        return False

    def meet(hh, vv):
        return vv[1] - GRID_MEET <= hh[0] <= vv[2] + GRID_MEET and hh[1] - GRID_MEET <= vv[0] <= hh[2] + GRID_MEET
    ys = {hh[0] for hh in rows if sum(1 for vv in cols if meet(hh, vv)) >= 2}
    xs = {vv[0] for vv in cols if sum(1 for hh in rows if meet(hh, vv)) >= 2}
    return len(ys) >= 3 and len(xs) >= 3


def _polylines(paths):
    """Every path of the page as lists of page-space points (closed subpaths end at their start)."""
    import pypdfium2.raw as raw
    for _, segments in paths:
        line, start = [], None
        for kind, p, close in segments:
            if kind == raw.FPDF_SEGMENT_MOVETO:
                if len(line) > 1:
                    yield line
                line, start = [p], p
            else:
                line.append(p)
            if start is not None and close:
                line.append(start)
        if len(line) > 1:
            yield line


def _snap_join(edges: list[tuple[float, float, float]]) -> list[tuple[float, float, float]]:
    """(position, lo, hi) edges: cluster positions, join overlapping collinear pieces, drop short ones."""
    out, cluster = [], []

    def flush():
        if not cluster:
            return
        pos = sum(e[0] for e in cluster) / len(cluster)
        spans = sorted((lo, hi) for _, lo, hi in cluster)
        lo, hi = spans[0]
        for a, b in spans[1:] + [(float("inf"), float("inf"))]:
            if a <= hi + GRID_JOIN:
                hi = max(hi, b)
                continue
            if hi - lo >= GRID_MIN_LEN:
                out.append((pos, lo, hi))
            lo, hi = a, b

    last = None
    for e in sorted(edges):
        if last is not None and e[0] - last > GRID_SNAP:
            flush()
            cluster = []
        cluster.append(e)
        last = e[0]
    flush()
    return out


def _pdfium_tables(page, textpage, objects):
    """pdftables.read_page, with any error on a damaged page sent to the pdfplumber fallback."""
    try:
        return pdftables.read_page(page, textpage, objects)
    except Exception:  # noqa: BLE001 - a damaged object: let pdfplumber (or PDFium's plain text) have it
        return pdftables.FALLBACK


def _table_pages(data: bytes, indices: list[int]) -> dict[int, str]:
    """Re-read candidate pages with pdfplumber; rows of a found table become tab-separated lines."""
    import io
    import pdfplumber
    out = {}
    with pdfplumber.open(io.BytesIO(data)) as pdf:
        for i in indices:
            page = pdf.pages[i]
            # A box drawn round a paragraph is found as a one-column "table"; real ones fill two columns in two rows.
            tables = [t for t in page.find_tables() if sum(
                1 for row in t.extract() if sum(1 for c in row if c and c.strip()) >= 2) >= 2]
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


_DIGITS = re.compile(r"\d+")


def _key(line: str) -> str:
    return _DIGITS.sub("#", line.strip().lower())


def strip_running_lines(pages: list[str]) -> list[str]:
    """Drop page numbers and lines repeated at the top or bottom of most pages (letterheads, print stamps)."""
    split = [p.split("\n") for p in pages]
    zones = []  # per page, {line index: _key} of its first and last HEADER_ZONE non-blank lines
    for lines in split:
        idx = [k for k, ln in enumerate(lines) if ln.strip()]
        zones.append({k: _key(lines[k]) for k in idx[:HEADER_ZONE] + idx[-HEADER_ZONE:]})
    counts = Counter()
    for zone in zones:
        counts.update(set(zone.values()))
    textful = sum(1 for p in pages if p.strip())
    repeated = {k for k, c in counts.items() if textful >= 2 and c >= max(2, (textful + 1) // 2) and k}
    out = []
    for lines, zone in zip(split, zones):
        kept = [ln for k, ln in enumerate(lines)
                if not (k in zone and (zone[k] in repeated or PAGE_NUMBER.match(ln.strip())))]
        out.append("\n".join(kept))
    return out


# --- refusing damaged files before PDFium "repairs" them ----------------------------------------
# PDFium rebuilds a missing or broken cross-reference table by scanning for objects, so a download cut
# off half-way opens as a shorter document with no error. A complete PDF ends with "startxref <offset>"
# (and %%EOF) pointing at its xref table or xref stream; without that the file is cut off, and with an
# offset that points at garbage while no xref exists anywhere the table itself was destroyed.
TAIL = 4096
_STARTXREF = re.compile(rb"startxref\s+(\d+)")
_XREF_AT = re.compile(rb"\s*(xref\s+\d+\s+\d+\s+\d{10}\s\d{5}\s[nf]|\d+\s+\d+\s+obj\b)")
# Two searches, each opening with a literal that re scans for fast (one alternation tries every byte: ~20 ms
# on a 500 KB file); "xref(?<!startxref)" is "(?<!start)xref".
_XREF_ANYWHERE = (re.compile(rb"xref(?<!startxref)\s+\d+\s+\d+\s+\d{10}\s\d{5}\s[nf]"), re.compile(rb"/Type\s*/XRef\b"))


def check_structure(data: bytes) -> None:
    """Raise IngestError for a truncated PDF or one whose xref table is destroyed."""
    from .auto import IngestError
    found = list(_STARTXREF.finditer(data.rstrip(b"\x00 \t\r\n\f")[-TAIL:]))
    if not found:
        raise IngestError("truncated PDF: no xref (the file ends before its cross-reference table)")
    offset = int(found[-1].group(1))
    for base in {0, max(data.find(b"%PDF-"), 0)}:  # offsets may count from a junk prefix's end
        if base + offset < len(data) and _XREF_AT.match(data, base + offset):
            return
    if not any(rx.search(data) for rx in _XREF_ANYWHERE):  # a wrong offset alone is common and harmless: PDFium finds the table
        raise IngestError("corrupt PDF: xref table damaged (startxref points to no xref)")


def open_error(exc: Exception, data: bytes) -> str:
    """A clerk's reason for a PdfiumError raised while opening ("Failed to load document (PDFium: X).")."""
    m = re.search(r"PDFium: ([^)]*)", str(exc))
    low = (m.group(1) if m else str(exc)).strip().rstrip(".").lower()
    if "password" in low or "security" in low:
        if b"/Encrypt" in data:
            return "encrypted PDF (password required)" if "password" in low else f"encrypted PDF ({low})"
        low = ""  # PDFium's last-error code is stale (left by an earlier file): it set none for this one
    if low in ("success", ""):  # PDFium parsed the file but found no document in it: no or no usable page tree
        return "corrupt PDF: no readable page tree (no pages)"
    return f"corrupt PDF ({low})"
