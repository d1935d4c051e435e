"""Ruled tables read from pypdfium2's objects the way pdfplumber reads them, at a tenth of its cost or less.

pdf.py used to re-open every page that may hold a table (`pdf.may_hold_table`) with pdfplumber:
pdfminer interprets the whole content stream again in Python, ~100-200 ms a page, which was most of
the time of a text-PDF ingest. The page is already open in PDFium, which has parsed the same objects:
this module takes the edges from its path objects and the characters from its text page, and then
follows pdfplumber 0.11's own steps, with its default settings, on them:

- edges as pdfminer files a path (each subpath alone: a line, a rectangle's four sides, a curve's
  straight pieces), snapped (3 pt), joined (3 pt) and kept from 3 pt long (`TableFinder.get_edges`);
- intersections (3 pt), the smallest cells they close, cells sharing a corner grouped into tables
  (`edges_to_intersections`, `intersections_to_cells`, `cells_to_tables`), rows as pdfplumber groups them;
- a cell's text is its characters whose centre lies inside, put into words and lines the way
  `extract_text(x_tolerance_ratio=0.15)` does; the rest of the page is every character that does not
  touch a table, in lines the way `extract_text_lines(x_tolerance_ratio=0.15)` does.

The characters are pdfminer's as far as PDFium gives them: x from the origin to the advance (the loose
box), bottom at the font's descent, top one font size above. On every page of corpus/ and corpus-dev/
where pdfplumber keeps a table the text is the same (tests/test_ingest.py compares the two). Pages
this does not model — rotated pages or text, more path segments than `pdf.GRID_MAX_SEGMENTS` — return
`FALLBACK` and pdf.py reads them with pdfplumber, which stays the reference; setting
MINUTEBOOK_PDF_TABLES=pdfplumber sends every candidate page there (for checking this module).
"""
from __future__ import annotations

import bisect
import ctypes
import itertools
import re

SNAP = 3.0          # pdfplumber snap_tolerance
JOIN = 3.0          # join_tolerance
MIN_LENGTH = 3.0    # edge_min_length
PREFILTER = 1.0     # edge_min_length_prefilter
MEET = 3.0          # intersection_tolerance
Y_TOL = 3.0         # text y_tolerance
X_RATIO = 0.15      # x_tolerance_ratio passed by pdf.py
MAX_SEGMENTS = 20000
LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}  # pdfplumber's


class Fallback(Exception):
    """This page is outside what the module models: read it with pdfplumber."""


FALLBACK = object()


# --------------------------------------------------------------------------- edges from path objects

def path_objects(page, max_segments: int, text: bool = False):
    """(matrix, segments) of every path object on the page, and (matrix, None) of every text object if
    `text`: form XObjects walked through (15 deep), their matrices composed, so that the grid test of
    pdf.py and the edges here see the same page space; segments are (type, (x, y), close), bottom-up.
    Raises Fallback past `max_segments` path segments, so that a map or chart costs its reader nothing."""
    import pypdfium2.raw as raw
    fm, x, y = raw.FS_MATRIX(), ctypes.c_float(), ctypes.c_float()
    kinds = (raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM) + ((raw.FPDF_PAGEOBJ_TEXT,) if text else ())
    budget = [max_segments]

    def walk(parent, count, get, m0, depth):
        for i in range(count(parent)):
            obj = get(parent, i)
            kind = raw.FPDFPageObj_GetType(obj)
            if kind not in kinds:
                continue
            raw.FPDFPageObj_GetMatrix(obj, fm)
            a, b, c, d, e, f = fm.a, fm.b, fm.c, fm.d, fm.e, fm.f
            m = (a * m0[0] + b * m0[2], a * m0[1] + b * m0[3], c * m0[0] + d * m0[2], c * m0[1] + d * m0[3],
                 e * m0[0] + f * m0[2] + m0[4], e * m0[1] + f * m0[3] + m0[5])
            if kind == raw.FPDF_PAGEOBJ_TEXT:
                yield m, None
                continue
            if kind == raw.FPDF_PAGEOBJ_FORM:
                if depth < 15:
                    yield from walk(obj, raw.FPDFFormObj_CountObjects, raw.FPDFFormObj_GetObject, m, depth + 1)
                continue
            n = raw.FPDFPath_CountSegments(obj)
            budget[0] -= max(n, 0)
            if budget[0] < 0:
                raise Fallback("too many path segments")
            segments = []
            for k in range(n):
                seg = raw.FPDFPath_GetPathSegment(obj, k)
                raw.FPDFPathSegment_GetPoint(seg, x, y)
                segments.append((raw.FPDFPathSegment_GetType(seg),
                                 (m[0] * x.value + m[2] * y.value + m[4], m[1] * x.value + m[3] * y.value + m[5]),
                                 raw.FPDFPathSegment_GetClose(seg)))
            yield m, segments

    yield from walk(page.raw, raw.FPDFPage_CountObjects, raw.FPDFPage_GetObject, (1, 0, 0, 1, 0, 0), 0)


def _subpaths(page, height: float):
    """(shape, points) of every subpath on the page, as pdfminer's paint_path sees them: shape letters
    m/l/c/h, one point per operator (a curve's end point; "h" repeats the start), top-down coordinates."""
    import pypdfium2.raw as raw
    for m, segments in path_objects(page, MAX_SEGMENTS, text=True):
        if segments is None:
            # pdfminer's "upright": a*d > 0 and b*c <= 0; other text is grouped apart by pdfplumber
            if not (m[0] * m[3] > 0 and m[1] * m[2] <= 0):
                raise Fallback("rotated text")
            continue
        shape, pts, start, bez = "", [], None, 0
        for kind, (px, py), close in segments:
            p = (px, height - py)
            if kind == raw.FPDF_SEGMENT_MOVETO:
                if len(shape) > 1:
                    yield shape, pts
                shape, pts, start, bez = "m", [p], p, 0
            elif kind == raw.FPDF_SEGMENT_BEZIERTO:
                bez += 1
                if bez % 3 == 0:  # PDFium lists a curve's two control points before its end point
                    shape += "c"
                    pts.append(p)
            else:
                shape += "l"
                pts.append(p)
            if start is not None and close and (bez % 3 == 0):
                shape += "h"
                pts.append(start)
        if len(shape) > 1:
            yield shape, pts


def page_edges(page, height: float) -> tuple[list, list]:
    """pdfplumber's page.edges, prefiltered: h edges (top, x0, x1), v edges (x0, x1, top, bottom)."""
    hs, vs = [], []

    def line(p0, p1):
        x0, x1 = min(p0[0], p1[0]), max(p0[0], p1[0])
        t, b = min(p0[1], p1[1]), max(p0[1], p1[1])
        if t == b:
            hs.append((t, x0, x1))
        else:  # pdfminer files any other line, slanted too, as vertical
            vs.append((x0, x1, t, b))

    for shape, pts in _subpaths(page, height):
        if len(shape) > 3 and shape[-2:] == "lh" and pts[-2] == pts[0]:
            shape, pts = shape[:-2] + "h", pts[:-1]
        if shape in ("ml", "mlh"):
            line(pts[0], pts[1])
            continue
        if shape in ("mlllh", "mllll"):
            (x0, y0), (x1, y1), (x2, y2), (x3, y3), _ = pts
            if pts[0] == pts[4] and ((x0 == x1 and y1 == y2 and x2 == x3 and y3 == y0)
                                     or (y0 == y1 and x1 == x2 and y2 == y3 and x3 == x0)):
                left, right = min(x0, x2), max(x0, x2)
                top, bottom = min(y0, y2), max(y0, y2)
                hs.extend([(top, left, right), (bottom, left, right)])
                vs.extend([(left, left, top, bottom), (right, right, top, bottom)])
                continue
        for p0, p1 in zip(pts, pts[1:]):  # a curve: its straight axis-parallel pieces
            if p0[0] == p1[0]:
                vs.append((p0[0], p0[0], min(p0[1], p1[1]), max(p0[1], p1[1])))
            elif p0[1] == p1[1]:
                hs.append((p0[1], min(p0[0], p1[0]), max(p0[0], p1[0])))
    return ([e for e in hs if e[2] - e[1] >= PREFILTER], [e for e in vs if e[3] - e[2] >= PREFILTER])


def _clusters(values, tol):
    """pdfplumber's cluster_list: sorted values chained while each is within tol of the previous."""
    groups, last = [], None
    for v in sorted(values):
        if last is not None and v <= last + tol:
            groups[-1].append(v)
        else:
            groups.append([v])
        last = v
    return groups


def _cluster_index(values, tol) -> dict:
    return {v: i for i, group in enumerate(_clusters(set(values), tol)) for v in group}


def _snap(edges, pos, move):
    """snap_objects: edges whose position (index pos) clusters within SNAP move to the cluster's mean."""
    idx = _cluster_index([e[pos] for e in edges], SNAP)
    groups: dict[int, list] = {}
    for e in edges:
        groups.setdefault(idx[e[pos]], []).append(e)
    out = []
    for _, group in sorted(groups.items()):
        avg = sum(e[pos] for e in group) / len(group)
        out += [move(e, avg - e[pos]) for e in group]
    return out


def merged_edges(hs, vs) -> tuple[list, list]:
    """merge_edges + filter_edges(min_length=3) of TableFinder.get_edges."""
    vs = _snap(vs, 0, lambda e, d: (e[0] + d, e[1] + d, e[2], e[3]))
    hs = _snap(hs, 0, lambda e, d: (e[0] + d, e[1], e[2]))
    out_h, out_v = [], []
    for _, group in itertools.groupby(sorted(hs, key=lambda e: e[0]), key=lambda e: e[0]):
        joined = []
        for e in sorted(group, key=lambda e: e[1]):
            if joined and e[1] <= joined[-1][2] + JOIN:
                if e[2] > joined[-1][2]:
                    joined[-1] = (joined[-1][0], joined[-1][1], e[2])
            else:
                joined.append(e)
        out_h += joined
    for _, group in itertools.groupby(sorted(vs, key=lambda e: e[0]), key=lambda e: e[0]):
        joined = []
        for e in sorted(group, key=lambda e: e[2]):
            if joined and e[2] <= joined[-1][3] + JOIN:
                if e[3] > joined[-1][3]:
                    joined[-1] = (joined[-1][0], joined[-1][1], joined[-1][2], e[3])
            else:
                joined.append(e)
        out_v += joined
    return ([e for e in out_h if e[2] - e[1] >= MIN_LENGTH], [e for e in out_v if e[3] - e[2] >= MIN_LENGTH])


def find_tables(hs, vs) -> list[list[tuple]]:
    """Tables (lists of cell bboxes x0, top, x1, bottom) from merged edges, as TableFinder finds them."""
    inter: dict[tuple, tuple[set, set]] = {}
    hs_sorted = sorted(hs, key=lambda e: (e[0], e[1]))
    for v in sorted(vs, key=lambda e: (e[0], e[2])):
        for h in hs_sorted:
            if v[2] <= h[0] + MEET and v[3] >= h[0] - MEET and v[0] >= h[1] - MEET and v[0] <= h[2] + MEET:
                vertex = (v[0], h[0])
                if vertex not in inter:
                    inter[vertex] = (set(), set())
                inter[vertex][0].add(v)
                inter[vertex][1].add(h)

    def connects(p1, p2):
        if p1[0] == p2[0] and inter[p1][0] & inter[p2][0]:
            return True
        return p1[1] == p2[1] and bool(inter[p1][1] & inter[p2][1])

    points = sorted(inter)
    by_x: dict[float, list] = {}
    by_y: dict[float, list] = {}
    for p in points:  # sorted by (x, top): each list is in the order pdfplumber scans it
        by_x.setdefault(p[0], []).append(p)
        by_y.setdefault(p[1], []).append(p)
    cells = []
    for pt in points:
        below = [p for p in by_x[pt[0]] if p[1] > pt[1]]
        right = [p for p in by_y[pt[1]] if p[0] > pt[0]]
        found = None
        for b in below:
            if not connects(pt, b):
                continue
            for r in right:
                if not connects(pt, r):
                    continue
                corner = (r[0], b[1])
                if corner in inter and connects(corner, r) and connects(corner, b):
                    found = (pt[0], pt[1], corner[0], corner[1])
                    break
            if found:
                break
        if found:
            cells.append(found)
    # cells_to_tables
    remaining, tables = list(cells), []
    corners: set = set()
    current: list = []
    while remaining:
        before = len(current)
        for cell in list(remaining):
            cc = ((cell[0], cell[1]), (cell[0], cell[3]), (cell[2], cell[1]), (cell[2], cell[3]))
            if not current or any(c in corners for c in cc):
                corners |= set(cc)
                current.append(cell)
                remaining.remove(cell)
        if len(current) == before:
            tables.append(list(current))
            corners.clear()
            current.clear()
    if current:
        tables.append(list(current))
    tables.sort(key=lambda t: min((c[1], c[0]) for c in t))
    return [t for t in tables if len(t) > 1]


def table_rows(cells) -> list[list]:
    """Table.rows: cells grouped by top, each row a cell (or None) for every distinct x0 of the table."""
    xs = sorted({c[0] for c in cells})
    rows = []
    for _, row in itertools.groupby(sorted(cells, key=lambda c: (c[1], c[0])), key=lambda c: c[1]):
        d = {c[0]: c for c in row}
        rows.append([d.get(x) for x in xs])
    return rows


# --------------------------------------------------------------------------- characters and text

class Char:
    __slots__ = ("text", "x0", "x1", "top", "bottom", "size", "hm", "vm")

    def __init__(self, text, x0, x1, top, bottom, size):
        self.text, self.x0, self.x1, self.top, self.bottom, self.size = text, x0, x1, top, bottom, size
        self.hm, self.vm = (x0 + x1) / 2, (top + bottom) / 2  # the centre, which _inside tests


def page_chars(textpage, height: float) -> list[Char]:
    """The page's characters in content order, pdfplumber-like: no generated spaces or line breaks."""
    import pypdfium2.raw as raw
    tp = textpage.raw
    rect = raw.FS_RECTF()
    get_u, loose, size_of, generated = (raw.FPDFText_GetUnicode, raw.FPDFText_GetLooseCharBox,
                                        raw.FPDFText_GetFontSize, raw.FPDFText_IsGenerated)
    out, pending_high = [], None
    for i in range(raw.FPDFText_CountChars(tp)):
        u = get_u(tp, i)
        if 0xD800 <= u <= 0xDBFF:
            pending_high = u
            continue
        if 0xDC00 <= u <= 0xDFFF:
            if pending_high is None:
                continue
            u = 0x10000 + ((pending_high - 0xD800) << 10) + (u - 0xDC00)
        pending_high = None
        if u == 0 or u == 0xFFFE:
            continue
        ch = chr(u)
        if ch.isspace() and generated(tp, i):
            continue
        if not loose(tp, i, rect):
            continue
        size = size_of(tp, i)
        bottom = height - rect.bottom
        out.append(Char(ch, rect.left, rect.right, bottom - size, bottom, size))
    return out


def _words(chars: list[Char]) -> list[tuple[str, float, float, float]]:
    """WordExtractor (upright, ltr/ttb, x_tolerance_ratio 0.15): (text, x0, top, bottom) per word, line by line."""
    if not chars:
        return []
    idx = _cluster_index([c.top for c in chars], Y_TOL)
    lines: dict[int, list] = {}
    for c in chars:
        lines.setdefault(idx[c.top], []).append(c)
    words = []
    for _, line in sorted(lines.items()):
        line.sort(key=lambda c: c.x0)
        cur: list[Char] = []
        for c in line:
            if c.text.isspace():
                if cur:
                    words.append(cur)
                cur = []
                continue
            if cur:
                p = cur[-1]
                if c.x0 < p.x0 or c.x0 > p.x1 + X_RATIO * p.size or abs(c.top - p.top) > Y_TOL:
                    words.append(cur)
                    cur = []
            cur.append(c)
        if cur:
            words.append(cur)
    return [("".join(LIGATURES.get(c.text, c.text) for c in w), min(c.x0 for c in w), min(c.top for c in w),
             max(c.bottom for c in w)) for w in words]


def cell_text(chars: list[Char]) -> str:
    """utils.extract_text(chars, x_tolerance_ratio=0.15): words clustered into lines by top, sorted by cluster."""
    words = _words(chars)
    if not words:
        return ""
    idx = _cluster_index([w[2] for w in words], Y_TOL)
    lines: dict[int, list] = {}
    for w in words:
        lines.setdefault(idx[w[2]], []).append(w[0])
    return "\n".join(" ".join(ws) for _, ws in sorted(lines.items()))


def text_lines(chars: list[Char]) -> list[tuple[float, str]]:
    """page.extract_text_lines(x_tolerance_ratio=0.15): (top, text) per line of the text map."""
    words = _words(chars)
    if not words:
        return []
    idx = _cluster_index([w[2] for w in words], Y_TOL)
    out = []
    for _, group in itertools.groupby(words, key=lambda w: idx[w[2]]):  # presorted: consecutive runs
        group = list(group)
        out.append((min(w[2] for w in group), " ".join(w[0] for w in group)))
    return out


def _overlaps(c: Char, bbox) -> bool:
    """pdfplumber's get_bbox_overlap(char, bbox) is not None."""
    w = min(c.x1, bbox[2]) - max(c.x0, bbox[0])
    h = min(c.bottom, bbox[3]) - max(c.top, bbox[1])
    return w >= 0 and h >= 0 and w + h > 0


def _inside(c: Char, bbox) -> bool:
    return bbox[0] <= c.hm < bbox[2] and bbox[1] <= c.vm < bbox[3]


def _inside_all(chars, bbox) -> list:
    """[c for c in chars if _inside(c, bbox)], the test inlined (this is most of a table page's time)."""
    x0, top, x1, bottom = bbox[0], bbox[1], bbox[2], bbox[3]
    return [c for c in chars if x0 <= c.hm < x1 and top <= c.vm < bottom]


def _outside_all(chars, boxes) -> list:
    """[c for c in chars if not any(_overlaps(c, b) for b in boxes)], inlined for the usual single table."""
    if len(boxes) != 1:
        return [c for c in chars if not any(_overlaps(c, b) for b in boxes)]
    x0, top, x1, bottom = boxes[0]
    return [c for c in chars if not ((w := min(c.x1, x1) - max(c.x0, x0)) >= 0
                                     and (h := min(c.bottom, bottom) - max(c.top, top)) >= 0 and w + h > 0)]


def read_page(page, textpage):
    """The page's text with its kept ruled tables as TAB-separated rows, or None when it keeps no table,
    or FALLBACK when the page is one this module does not model (pdf.py then asks pdfplumber)."""
    try:
        if page.get_rotation() % 360:
            raise Fallback("rotated page")
        height = page.get_height()
        hs, vs = merged_edges(*page_edges(page, height))
        if len(hs) < 2 or len(vs) < 2:
            return None
        found = find_tables(hs, vs)
        if not found:
            return None
        chars = page_chars(textpage, height)
    except Fallback:
        return FALLBACK
    tables = []
    for cells in found:
        tb = (min(c[0] for c in cells), min(c[1] for c in cells), max(c[2] for c in cells),
              max(c[3] for c in cells))
        # Table.extract tests every character against every row, then the row's against its cells; the same
        # test here, on the table's characters sorted by their vertical centre, so a row is a bisect away
        x0, top, x1, bottom = tb
        inside = sorted((ch.vm, k, ch) for k, ch in enumerate(chars) if x0 <= ch.hm < x1 and top <= ch.vm < bottom)
        mids = [m for m, _, _ in inside]
        rows = []
        for row in table_rows(cells):
            live = [c for c in row if c]
            rb = (min(c[0] for c in live), min(c[1] for c in live), max(c[2] for c in live),
                  max(c[3] for c in live))
            span = inside[bisect.bisect_left(mids, rb[1]):bisect.bisect_left(mids, rb[3])]
            in_row = _inside_all([ch for _, _, ch in sorted(span, key=lambda t: t[1])], rb)  # content order
            rows.append((rb[1], [None if c is None else cell_text(_inside_all(in_row, c)) for c in row]))
        # pdf.py's rule: a box drawn round a paragraph is a one-column "table"; a kept one fills 2 cells in 2 rows
        if sum(1 for _, texts in rows if sum(1 for t in texts if t and t.strip()) >= 2) >= 2:
            tables.append((tb, rows))
    if not tables:
        return None
    rest = _outside_all(chars, [t[0] for t in tables])
    lines = text_lines(rest)
    for _, rows in tables:
        for top, texts in rows:
            joined = "\t".join(re.sub(r"\s*\n\s*", " ", t or "").strip() for t in texts)
            if joined.strip():
                lines.append((top, joined))
    lines.sort(key=lambda x: x[0])
    return "\n".join(text for _, text in lines)
