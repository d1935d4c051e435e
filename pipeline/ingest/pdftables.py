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
this does not model — rotated pages or text, more path segments than `MAX_SEGMENTS` — return
`FALLBACK` and pdf.py reads them with pdfplumber, which stays the reference; setting
MINUTEBOOK_PDF_TABLES=pdfplumber sends every candidate page there (for checking this module).
"""
from __future__ import annotations

import bisect
import ctypes
import functools
import itertools
import operator
import re

SNAP = 3.0          # pdfplumber snap_tolerance
JOIN = 3.0          # join_tolerance
MIN_LENGTH = 3.0    # edge_min_length
PREFILTER = 1.0     # edge_min_length_prefilter
MEET = 3.0          # intersection_tolerance
Y_TOL = 3.0         # text y_tolerance
X_RATIO = 0.15      # x_tolerance_ratio passed by pdf.py
MAX_SEGMENTS = 20000
_SURROGATE = re.compile("[\ud800-\udfff]")
LIGATURES = {"ﬀ": "ff", "ﬃ": "ffi", "ﬄ": "ffl", "ﬁ": "fi", "ﬂ": "fl", "ﬆ": "st", "ﬅ": "st"}  # pdfplumber's
_LIGATURES = str.maketrans(LIGATURES)


class Fallback(Exception):
    """This page is outside what the module models: read it with pdfplumber."""


FALLBACK = object()


# --------------------------------------------------------------------------- edges from path objects

@functools.cache
def _untyped(name: str):
    """PDFium's function `name` without the argument types pypdfium2 declares for it.

    ctypes converts every argument through its declared type, half the cost of a call (~0.7 -> ~0.3 µs);
    a table page makes two or three calls per character and the grid test four per path segment. Callers
    pass what the C side takes as it is: pypdfium2 handles, indices as Python ints (C int), out-parameters
    through ctypes.byref. The result type stays pypdfium2's, so results are the same values. And it keeps the
    GIL (PYFUNCTYPE): these calls take a microsecond and call nothing back, and releasing and retaking the
    GIL around each was ~5% of a table page's instructions (cachegrind)."""
    import pypdfium2.raw as raw
    fn = getattr(raw, name)
    return ctypes.PYFUNCTYPE(fn.restype)(ctypes.cast(fn, ctypes.c_void_p).value)


def page_objects(page) -> tuple[list, list] | None:
    """(paths, texts) of the page in one walk, for pdf.may_hold_table and read_page alike: paths as
    (matrix, segments), segments (type, (x, y), close) bottom-up in page space; texts as (matrix of the
    form holding it, handle), whose own matrix read_page asks for only on a table page. Form XObjects are
    walked through (15 deep), their matrices composed. None past MAX_SEGMENTS path segments, so that a
    map or chart costs nothing more (pdf.py sends it to pdfplumber unjudged)."""
    import pypdfium2.raw as raw
    get_obj, kind_of, count_segs = (_untyped("FPDFPage_GetObject"), _untyped("FPDFPageObj_GetType"),
                                    _untyped("FPDFPath_CountSegments"))
    get_seg, get_point, seg_type, seg_close = (_untyped("FPDFPath_GetPathSegment"), _untyped("FPDFPathSegment_GetPoint"),
                                               _untyped("FPDFPathSegment_GetType"), _untyped("FPDFPathSegment_GetClose"))
    x, y = ctypes.c_float(), ctypes.c_float()
    x_ref, y_ref = ctypes.byref(x), ctypes.byref(y)
    PATH_OBJ, FORM_OBJ, TEXT_OBJ = raw.FPDF_PAGEOBJ_PATH, raw.FPDF_PAGEOBJ_FORM, raw.FPDF_PAGEOBJ_TEXT
    paths, texts, budget = [], [], MAX_SEGMENTS

    def walk(objs, m0, depth):
        nonlocal budget
        for obj in objs:
            kind = kind_of(obj)
            if kind == TEXT_OBJ:
                texts.append((m0, obj))
            elif kind == FORM_OBJ:
                if depth < 15:
                    walk([raw.FPDFFormObj_GetObject(obj, k) for k in range(raw.FPDFFormObj_CountObjects(obj))],
                         _matrix(obj, m0), depth + 1)
            elif kind == PATH_OBJ:
                n = count_segs(obj)
                budget -= max(n, 0)
                if budget < 0:
                    raise Fallback("too many path segments")
                a, b, c, d, e, f = m = _matrix(obj, m0)
                segments = []
                for k in range(n):
                    seg = get_seg(obj, k)
                    get_point(seg, x_ref, y_ref)
                    px, py = x.value, y.value
                    segments.append((seg_type(seg), (a * px + c * py + e, b * px + d * py + f), seg_close(seg)))
                paths.append((m, segments))

    handle = page.raw
    try:
        walk([get_obj(handle, i) for i in range(raw.FPDFPage_CountObjects(handle))], (1, 0, 0, 1, 0, 0), 0)
    except Fallback:
        return None
    return paths, texts


@functools.cache
def _matrix_buffer():
    """One FS_MATRIX for every _matrix call (a table page asks for each of its ~250 objects' matrices)."""
    import pypdfium2.raw as raw
    fm = raw.FS_MATRIX()
    return fm, ctypes.byref(fm), _untyped("FPDFPageObj_GetMatrix")


def _matrix(obj, m0) -> tuple:
    """The object's matrix applied before m0 (that of the form holding it): its matrix in page space."""
    fm, ref, get = _matrix_buffer()
    get(obj, ref)
    a, b, c, d, e, f = fm.a, fm.b, fm.c, fm.d, fm.e, fm.f
    return (a * m0[0] + b * m0[2], a * m0[1] + b * m0[3], c * m0[0] + d * m0[2], c * m0[1] + d * m0[3],
            e * m0[0] + f * m0[2] + m0[4], e * m0[1] + f * m0[3] + m0[5])


def _subpaths(objects, height: float):
    """(shape, points) of every subpath on the page, as pdfminer's paint_path sees them: shape letters
    m/l/c/h, one point per operator (a curve's end point; "h" repeats the start), top-down coordinates."""
    import pypdfium2.raw as raw
    paths, texts = objects
    for m0, obj in texts:
        m = _matrix(obj, m0)
        # pdfminer's "upright": a*d > 0 and b*c <= 0; other text is grouped apart by pdfplumber
        if not (m[0] * m[3] > 0 and m[1] * m[2] <= 0):
            raise Fallback("rotated text")
    for m, segments in paths:
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


def page_edges(objects, height: float) -> tuple[list, list]:
    """pdfplumber's page.edges, prefiltered: h edges (top, x0, x1), v edges (x0, x1, top, bottom)."""
    hs, vs = [], []

    def line(p0, p1):
        x0, x1 = min(p0[0], p1[0]), max(p0[0], p1[0])
        t, b = min(p0[1], p1[1]), max(p0[1], p1[1])
        if t == b:
            hs.append((t, x0, x1))
        else:  # pdfminer files any other line, slanted too, as vertical
            vs.append((x0, x1, t, b))

    for shape, pts in _subpaths(objects, height):
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

# A character is a tuple (text, x0, x1, top, bottom, size, hm, vm): its box as pdfminer has it, top-down,
# its font size and its centre (hm, vm), which _inside_all tests. A tuple, not an object: a table page has
# some 2,000 characters, and building an object with attributes costs several times building a tuple.
TEXT, X0, X1, TOP, BOTTOM, SIZE, HM, VM = range(8)
_BY_X0, _BY_TOP = operator.itemgetter(X0), operator.itemgetter(TOP)


def page_chars(textpage, height: float) -> list[tuple]:
    """The page's characters in content order, pdfplumber-like: no generated spaces or line breaks."""
    import pypdfium2.raw as raw
    tp = textpage.raw
    rect = raw.FS_RECTF()
    box = ctypes.byref(rect)
    loose, size_of, generated = (_untyped("FPDFText_GetLooseCharBox"), _untyped("FPDFText_GetFontSize"),
                                 _untyped("FPDFText_IsGenerated"))
    out = []
    for i, ch in enumerate(_page_text(tp)):
        if ch == "\0" or ch == "\ufffe":
            continue
        if ch.isspace() and generated(tp, i):
            continue
        if not loose(tp, i, box):
            continue
        size = size_of(tp, i)
        x0, x1 = rect.left, rect.right
        bottom = height - rect.bottom
        top = bottom - size
        out.append((ch, x0, x1, top, bottom, size, (x0 + x1) / 2, (top + bottom) / 2))
    return out


def _page_text(tp) -> list[str]:
    """Each character of the text page as FPDFText_GetUnicode gives it, as a string, mostly from one
    FPDFText_GetText call; a surrogate pair is read at its second index (the first is NUL), a lone
    surrogate is NUL.

    PDFium's page text holds one UTF-16 unit per character of its list, the character's code, except
    that 0xFFFE stands for several (no Unicode, 0; a hyphen that ended a line, 0x2), which are asked
    for one by one. When the text is not that (control characters are in the list and not in the text,
    a character beyond the BMP takes two units), every character is asked for."""
    import pypdfium2.raw as raw
    get_u = _untyped("FPDFText_GetUnicode")
    n = raw.FPDFText_CountChars(tp)
    if n <= 0:
        return []
    buf = (ctypes.c_ushort * (2 * n + 2))()  # room for a surrogate pair per character, and the NUL
    if raw.FPDFText_GetText(tp, 0, n, buf) == n + 1:
        text = ctypes.string_at(buf, 2 * n).decode("utf-16-le", "surrogatepass")
        if not _SURROGATE.search(text):
            chars = list(text)
            i = text.find("\ufffe")
            while i >= 0:
                u = get_u(tp, i)
                if 0xD800 <= u <= 0xDFFF:
                    break  # half a pair behind a placeholder: ask for every character
                chars[i] = chr(u)
                i = text.find("\ufffe", i + 1)
            else:
                return chars
    codes = [get_u(tp, i) for i in range(n)]
    chars = []
    for i, u in enumerate(codes):
        if 0xD800 <= u <= 0xDBFF:  # the first of a pair: read with the second
            u = 0
        elif 0xDC00 <= u <= 0xDFFF:
            high = codes[i - 1] if i else 0
            u = 0x10000 + ((high - 0xD800) << 10) + (u - 0xDC00) if 0xD800 <= high <= 0xDBFF else 0
        chars.append(chr(u))
    return chars


def _words(chars: list[tuple]) -> list[tuple[str, float, float, float]]:
    """WordExtractor (upright, ltr/ttb, x_tolerance_ratio 0.15): (text, x0, top, bottom) per word, line by line.
    A word's x0, top and bottom are the min, min and max of its characters', compared as min() and max() do."""
    if not chars:
        return []
    idx = _cluster_index(map(_BY_TOP, chars), Y_TOL)
    lines: dict[int, list] = {}
    for t, run in itertools.groupby(chars, key=_BY_TOP):  # in content order a line's characters come in runs
        if idx[t] in lines:
            lines[idx[t]].extend(run)
        else:
            lines[idx[t]] = list(run)
    words = []
    x0 = top = bottom = px0 = px1 = ptop = psize = 0.0  # set from each word's first character
    for _, line in sorted(lines.items()):
        line.sort(key=_BY_X0)
        text = None  # the current word's characters; None between words
        for ch, cx0, cx1, ctop, cbottom, csize, _, _ in line:
            if ch.isspace():
                if text is not None:
                    words.append(("".join(text).translate(_LIGATURES), x0, top, bottom))
                    text = None
                continue
            if text is not None and (cx0 < px0 or cx0 > px1 + X_RATIO * psize or abs(ctop - ptop) > Y_TOL):
                words.append(("".join(text).translate(_LIGATURES), x0, top, bottom))
                text = None
            if text is None:
                text, x0, top, bottom = [ch], cx0, ctop, cbottom
            else:
                text.append(ch)
                if cx0 < x0:
                    x0 = cx0
                if ctop < top:
                    top = ctop
                if cbottom > bottom:
                    bottom = cbottom
            px0, px1, ptop, psize = cx0, cx1, ctop, csize  # the word's last character
        if text is not None:
            words.append(("".join(text).translate(_LIGATURES), x0, top, bottom))
    return words


def cell_text(chars: list[tuple]) -> str:
    """utils.extract_text(chars, x_tolerance_ratio=0.15): words clustered into lines by top, sorted by cluster."""
    words = _words(chars)
    if not words:
        return ""
    idx = _cluster_index([w[2] for w in words], Y_TOL)
    lines: dict[int, list] = {}
    for w in words:
        lines.setdefault(idx[w[2]], []).append(w[0])
    return "\n".join(" ".join(ws) for _, ws in sorted(lines.items()))


def text_lines(chars: list[tuple]) -> list[tuple[float, str]]:
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


def _inside_all(chars, bbox) -> list:
    """The characters whose centre lies in bbox (x0, top, x1, bottom), as pdfplumber's char_in_bbox tests."""
    x0, top, x1, bottom = bbox
    return [c for c in chars if x0 <= c[HM] < x1 and top <= c[VM] < bottom]


def _outside_all(chars, boxes) -> list:
    """The characters that touch none of the boxes, as pdfplumber's outside_bbox keeps them (get_bbox_overlap
    is None), one box after another. A character wholly above or below a box (its bottom above the box's top,
    or its top below the box's bottom; a box's top is above its bottom) cannot overlap it, which settles most
    of a page's characters in one or two comparisons; the rest get the overlap test, min() and max() written
    out as conditionals that return the same."""
    for x0, top, x1, bottom in boxes:
        chars = [c for c in chars if c[BOTTOM] < top or c[TOP] > bottom or not (
            (w := (x1 if x1 < c[X1] else c[X1]) - (x0 if x0 > c[X0] else c[X0])) >= 0
            and (h := (bottom if bottom < c[BOTTOM] else c[BOTTOM]) - (top if top > c[TOP] else c[TOP])) >= 0
            and w + h > 0)]
    return chars


def read_page(page, textpage, objects):
    """The page's text with its kept ruled tables as TAB-separated rows, or None when it keeps no table,
    or FALLBACK when the page is one this module does not model (pdf.py then asks pdfplumber).
    `objects` is page_objects(page), which the grid test has read already."""
    try:
        if objects is None:
            raise Fallback("too many path segments")
        if page.get_rotation() % 360:
            raise Fallback("rotated page")
        height = page.get_height()
        hs, vs = merged_edges(*page_edges(objects, height))
        if len(hs) < 2 or len(vs) < 2:
            return None
        # pdf.py's rule: a box drawn round a paragraph is a one-column "table"; a kept one fills 2 cells in 2 rows,
        # so a table without 2 rows of 2 cells is dropped before the page's characters are read
        found = [(cells, grid) for cells in find_tables(hs, vs) for grid in [table_rows(cells)]
                 if sum(1 for row in grid if sum(1 for c in row if c) >= 2) >= 2]
        if not found:
            return None
        chars = page_chars(textpage, height)
    except Fallback:
        return FALLBACK
    tables = []
    for cells, grid in found:
        tb = (min(c[0] for c in cells), min(c[1] for c in cells), max(c[2] for c in cells),
              max(c[3] for c in cells))
        # Table.extract tests every character against every row, then the row's against its cells; the same
        # test here, on the table's characters ordered by their vertical centre, so a row is a bisect away
        inside = _inside_all(chars, tb)
        by_mid = sorted(range(len(inside)), key=lambda k: inside[k][VM])  # ties stay in content order
        mids = [inside[k][VM] for k in by_mid]
        rows = []
        for row in grid:
            live = [c for c in row if c]
            rb = (min(c[0] for c in live), min(c[1] for c in live), max(c[2] for c in live),
                  max(c[3] for c in live))
            span = sorted(by_mid[bisect.bisect_left(mids, rb[1]):bisect.bisect_left(mids, rb[3])])  # content order
            in_row = _inside_all([inside[k] for k in span], rb)
            rows.append((rb[1], [None if c is None else cell_text(_inside_all(in_row, c)) for c in row]))
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
