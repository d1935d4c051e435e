#!/usr/bin/env python3
"""Render the seed papers (corpus/seeds/*.txt) as PDF and DOCX renditions.

Usage, from the repo root with the project venv:

    python corpus/render.py          # write corpus/renditions/<stem>.pdf and <stem>.docx
    python corpus/render.py --check  # regenerate into a temp dir; exit 1 if any file in
                                     # corpus/renditions/ differs, is missing, or is extra

Only the standard library, reportlab and python-docx are used.

Determinism: the output is byte-identical from run to run *for the installed library
versions* (reportlab ``invariant=1``; fixed DOCX core properties; every DOCX zip entry is
rewritten with a fixed 1980-01-01 timestamp and fixed attributes). Upgrading reportlab,
python-docx or zlib may change the bytes (not the content); if so, rerun and commit.

How the plain text is read (generic rules; nothing here is specific to one seed):

* Paragraphs are separated by blank lines. A line holding only spaces / NBSPs is blank;
  a line holding a TAB is never blank (it is a table cell separator).
* Inside a paragraph, single line breaks are kept as soft line breaks (<br/> in the PDF,
  <w:br/> in the DOCX): no word is moved and no heading is glued onto the next line.
* ``- `` / ``* `` / ``•`` / ``·`` (U+00B7, how Word's Symbol-font bullet comes out of
  a text conversion) at the start of a line: a bullet paragraph (Word bullet numbering in
  the DOCX, a "•" in the PDF); the marker itself is dropped. Indentation by 2 spaces is one
  nesting level (one leading space, as in " - ", is not nesting: CommonMark rule).
* A line starting with a list label -- ``1.`` ``1)`` ``(1)`` ``i)`` ``(ii)`` ``iv.`` ``a)``
  ``(b)`` ``c.`` -- followed by whitespace and text is a numbered item. ``- 1. text`` (a
  bullet whose content is a label, i.e. a nested ordered list in markdown) is a numbered
  item one level deeper. An item continues the most recent list of the same format,
  punctuation and depth if its value is that list's next value (even across intervening
  paragraphs, as Word does); otherwise it starts a new list whose w:start is its value.
  So the printed / computed label always equals the seed's label. ``i`` starts a roman
  list; another single roman letter (v, x, c, ...) is roman only if it continues a roman
  list, otherwise it is a letter.
* A plain line directly after a bullet / numbered line in the same paragraph block is a
  continuation of that item if it starts with a lower-case letter, otherwise it starts a
  new plain paragraph.
* Tables: a blank-line-separated block containing TABs is a table row block.
  - If every line contains a TAB (and it is not the case below), each line is one row,
    cells split on TAB, empty cells kept ("row per line", the common conversion layout).
  - If the block starts with a TAB-led line and each TAB in it leads a line (lines without
    a TAB continue the current cell), the whole block is ONE row whose cells are split on
    TAB and may span several lines ("cell per line" layout, e.g. a What?/When? table).
    A block of two or more lines each consisting of one leading TAB plus text is read the
    same way.
  - Other mixtures: runs of TAB lines are row-per-line tables, the other lines paragraphs.
  Tables in consecutive blocks (only blank lines between) with the same number of columns
  are one table. Rows whose cells are all empty or dashes ("---", a markdown table
  delimiter row) are dropped. Short rows are padded with empty cells. Cell text is read
  with the same paragraph / bullet / label rules.
* Inline markup (conversion traces): ``**bold**`` -> bold, markers dropped (an unmatched
  last ``**`` is dropped, nothing bold); ``[text](url)`` -> text; ``<http://...>`` -> the
  URL; HTML block tags (p, div, ul, ol, li, br) -> paragraph / line breaks, <b>/<strong>
  -> bold, other inline tags (span, em, i, u, a, font) dropped, attributes with them.

PDF: A4, Helvetica 11 pt body (10 pt in tables), running header (the paper's first
non-empty line, 8 pt grey) and footer "Page N of M" on every page, tables with grid lines,
hanging-indent list items with the label printed before the text.
DOCX: same running title in the section header, footer "Page {PAGE} of {NUMPAGES}" (fields),
Word tables ("Table Grid" style, i.e. with borders), bullets and numbered items with real Word
numbering (numbering.xml abstractNum + num, w:numPr on the paragraph; the label is not in
the paragraph text). Each numbered list has its own abstractNum (w:start = first value) and
num; all bullets share Word's default bullet abstractNum (Symbol U+F0B7 at level 0).

Character substitutions (PDF only; the DOCX keeps every character unchanged):
    U+25CB WHITE CIRCLE "○"  ->  U+274D SHADOWED WHITE CIRCLE "❍"
        ("○" is in none of WinAnsi (Helvetica), Symbol, ZapfDingbats; "❍" is drawn from
        the standard ZapfDingbats font.)
That is the only substitution. Every other character in the seeds (NBSP £ · – ‘ ’ “ ” …)
is in Helvetica's WinAnsi encoding, except U+2713 CHECK MARK "✓", which reportlab draws
unchanged from the standard ZapfDingbats font (its automatic fallback for base-14 fonts);
pypdfium2 extracts it as "✓" (pdfminer / pdfplumber extract "3"). A character that none
of these fonts can encode and that is not listed above stops the script with an error,
so a new seed can never silently render as a black box.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import re
import sys
import tempfile
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from xml.sax.saxutils import escape as xml_escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import cm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Paragraph, SimpleDocTemplate, Table, TableStyle

import docx
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement, parse_xml
from docx.oxml.ns import nsdecls, qn
from docx.shared import Mm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
SEEDS = HERE / "seeds"
RENDITIONS = HERE / "renditions"

FIXED_DATE = dt.datetime(2024, 1, 1, 0, 0, 0)
ZIP_DATE = (1980, 1, 1, 0, 0, 0)
AUTHOR = "minutebook corpus/render.py"

# PDF-only character substitutions (see module docstring).
PDF_SUBSTITUTIONS = {"\u25cb": "\u274d"}

# --------------------------------------------------------------------------- model


@dataclass
class Para:
    kind: str  # 'p' | 'bullet' | 'num'
    text: str  # inline text: '\n' = soft line break, may contain ** markers
    depth: int = 0
    fmt: str = ""  # decimal | lowerRoman | lowerLetter
    pattern: str = ""  # '%1.' | '%1)' | '(%1)'
    value: int = 0
    list_id: int = 0
    start: int = 0


@dataclass
class Table_:
    rows: list  # list[list[list[Para]]]

    @property
    def ncols(self) -> int:
        return max(len(r) for r in self.rows)


@dataclass
class _OpenList:
    list_id: int
    last: int
    start: int


@dataclass
class Lists:
    """Assigns numbered items to list instances, in document order."""

    open: dict = field(default_factory=dict)
    count: int = 0

    def assign(self, lab: str, pattern: str, depth: int):
        """Return (fmt, value, list_id, start), or None if `lab` is not a label."""
        cands = []
        if lab.isdigit():
            cands.append(("decimal", int(lab)))
        else:
            r = roman_value(lab)
            if r:
                cands.append(("lowerRoman", r))
            if len(lab) == 1:
                cands.append(("lowerLetter", ord(lab) - ord("a") + 1))
        if not cands:
            return None
        for fmt, value in cands:  # continue an open list?
            ol = self.open.get((fmt, pattern, depth))
            if ol and value == ol.last + 1:
                ol.last = value
                return fmt, value, ol.list_id, ol.start
        if len(cands) == 2 and lab != "i":  # single roman letter other than i: a letter
            fmt, value = cands[1]
        else:
            fmt, value = cands[0]
        self.count += 1
        self.open[(fmt, pattern, depth)] = _OpenList(self.count, value, value)
        return fmt, value, self.count, value


_ROMAN_RE = re.compile(r"^m{0,3}(cm|cd|d?c{0,3})(xc|xl|l?x{0,3})(ix|iv|v?i{0,3})$")
_ROMAN_VALUES = [(1000, "m"), (900, "cm"), (500, "d"), (400, "cd"), (100, "c"), (90, "xc"),
                 (50, "l"), (40, "xl"), (10, "x"), (9, "ix"), (5, "v"), (4, "iv"), (1, "i")]


def roman_value(s: str) -> int:
    if not s or not _ROMAN_RE.match(s):
        return 0
    total, i = 0, 0
    for val, sym in _ROMAN_VALUES:
        while s.startswith(sym, i):
            total += val
            i += len(sym)
    return total


def to_roman(n: int) -> str:
    out = []
    for val, sym in _ROMAN_VALUES:
        while n >= val:
            out.append(sym)
            n -= val
    return "".join(out)


def format_label(fmt: str, pattern: str, value: int) -> str:
    if fmt == "lowerRoman":
        s = to_roman(value)
    elif fmt == "lowerLetter":
        s = chr(ord("a") + value - 1)
    else:
        s = str(value)
    return pattern.replace("%1", s)


# --------------------------------------------------------------------------- parsing

WS = " \u00a0"
BULLET_RE = re.compile(r"^([-*\u2022\u00b7])[ \u00a0\t]+(?=\S)")
LABEL_RE = re.compile(r"^(\()?(\d{1,3}|[ivxlcdm]{2,7}|[a-z])([.)])[ \u00a0\t]+(?=\S)")
DELIM_CELL_RE = re.compile(r"^:?-{2,}:?$")
MD_LINK_RE = re.compile(r"\[([^\]\n]+)\]\(([^)\s]*)\)")
AUTOLINK_RE = re.compile(r"<((?:https?|ftp|mailto):[^>\s]+)>", re.I)
HTML_BLOCK_RE = re.compile(r"</?(?:p|div|ul|ol|li|table|tr|td|th)\b[^>]*>|<br\s*/?>", re.I)
HTML_BOLD_RE = re.compile(r"</?(?:b|strong)\b[^>]*>", re.I)
HTML_INLINE_RE = re.compile(r"</?(?:span|em|i|u|a|font)\b[^>]*>", re.I)


def is_blank(line: str) -> bool:
    return "\t" not in line and line.strip() == ""


def split_blocks(lines):
    blocks, cur = [], []
    for line in lines:
        if is_blank(line):
            if cur:
                blocks.append(cur)
                cur = []
        else:
            cur.append(line)
    if cur:
        blocks.append(cur)
    return blocks


def clean_inline(line: str) -> str:
    """Markdown links / autolinks and inline HTML tags -> plain text (+ ** for bold)."""
    line = MD_LINK_RE.sub(r"\1", line)
    line = AUTOLINK_RE.sub(r"\1", line)
    line = HTML_BOLD_RE.sub("**", line)
    line = HTML_INLINE_RE.sub("", line)
    return line


def expand_html_blocks(text: str) -> str:
    return HTML_BLOCK_RE.sub(
        lambda m: "\n" if m.group(0).lower().startswith("<br") else "\n\n", text)


def parse_text(text: str, lists: Lists):
    """Plain (TAB-free) text -> list[Para]."""
    out = []
    for block in split_blocks(expand_html_blocks(text).split("\n")):
        out.extend(parse_para_block(block, lists))
    return out


def parse_para_block(lines, lists: Lists):
    paras, cur = [], None
    for raw in lines:
        raw = raw.rstrip(WS + "\t")
        indent = len(raw) - len(raw.lstrip(" "))
        depth = indent // 2
        s = clean_inline(raw.strip(WS + "\t"))
        if not s.strip(WS):
            continue
        item = None
        m = BULLET_RE.match(s)
        if m:
            rest = s[m.end():]
            item = classify_label(rest, depth + 1, lists) or Para("bullet", rest, depth)
        else:
            item = classify_label(s, depth, lists)
        if item is None:  # plain line
            if cur is not None and (cur.kind == "p" or s[0].islower()):
                cur.text += "\n" + s
                continue
            cur = Para("p", s)
        else:
            cur = item
        paras.append(cur)
    return paras


def classify_label(s: str, depth: int, lists: Lists):
    m = LABEL_RE.match(s)
    if not m:
        return None
    opening, lab, closing = m.groups()
    if opening and closing != ")":
        return None
    if len(lab) > 1 and not lab.isdigit() and not roman_value(lab):
        return None
    pattern = "(%1)" if opening else "%1" + closing
    got = lists.assign(lab, pattern, depth)
    if got is None:
        return None
    fmt, value, list_id, start = got
    return Para("num", s[m.end():], depth, fmt, pattern, value, list_id, start)


def parse_cell(raw: str, lists: Lists):
    lines = [ln.strip(WS) for ln in raw.split("\n")]
    return parse_text("\n".join(lines), lists)


def _is_delim_row(cells) -> bool:
    cells = [c.strip(WS) for c in cells]
    return any(DELIM_CELL_RE.match(c) for c in cells) and all(
        c == "" or DELIM_CELL_RE.match(c) for c in cells)


def _rows_table(lines, lists: Lists):
    rows = []
    for line in lines:
        cells = line.split("\t")
        if _is_delim_row(cells):
            continue
        rows.append([parse_cell(c, lists) for c in cells])
    return [Table_(rows)] if rows else []


def parse_tab_block(lines, lists: Lists):
    has = ["\t" in ln for ln in lines]
    lead = [ln.lstrip(WS).startswith("\t") for ln in lines]
    if all(has):
        one_lead_tab = all(lead[i] and lines[i].count("\t") == 1 for i in range(len(lines)))
        mode = "cells" if (len(lines) > 1 and one_lead_tab) else "rows"
    elif lead[0] and all(lead[i] for i in range(len(lines)) if has[i]):
        mode = "cells"
    else:
        mode = "mixed"
    if mode == "cells":
        cells = "\n".join(ln.lstrip(WS) for ln in lines).split("\t")
        if _is_delim_row(cells):
            return []
        return [Table_([[parse_cell(c, lists) for c in cells]])]
    if mode == "rows":
        return _rows_table(lines, lists)
    out, i = [], 0
    while i < len(lines):
        j = i
        while j < len(lines) and has[j] == has[i]:
            j += 1
        run = lines[i:j]
        out.extend(_rows_table(run, lists) if has[i] else parse_text("\n".join(run), lists))
        i = j
    return out


def parse_document(text: str):
    lists = Lists()
    elements = []
    for block in split_blocks(text.replace("\r\n", "\n").split("\n")):
        if any("\t" in ln for ln in block):
            elements.extend(parse_tab_block(block, lists))
        else:
            elements.extend(parse_text("\n".join(block), lists))
    merged = []
    for el in elements:
        if isinstance(el, Table_):
            width = el.ncols
            for r in el.rows:
                r.extend([[] for _ in range(width - len(r))])
            if merged and isinstance(merged[-1], Table_) and merged[-1].ncols == width:
                merged[-1].rows.extend(el.rows)
                continue
        merged.append(el)
    return merged


def running_title(text: str) -> str:
    for line in text.split("\n"):
        s = clean_inline(expand_html_blocks(line)).replace("**", "")
        s = " ".join(s.replace("\t", " ").split())
        if s:
            return s
    return ""


def bold_runs(text: str):
    """Split on ** markers -> [(segment, bold)]; an unmatched last marker is dropped."""
    parts = text.split("**")
    if len(parts) % 2 == 0:  # odd number of markers: drop the last one
        parts[-2:] = [parts[-2] + parts[-1]]
    return [(seg, i % 2 == 1) for i, seg in enumerate(parts) if seg]


# --------------------------------------------------------------------------- PDF

PAGE_W, PAGE_H = A4
MARGIN_X = 2 * cm
AVAIL_W = PAGE_W - 2 * MARGIN_X
CELL_PAD = 4
INDENT = 18
LABEL_GAP = 28

_ENCODINGS = None


def _pdf_encodable(ch: str) -> bool:
    global _ENCODINGS
    if _ENCODINGS is None:
        _ENCODINGS = [pdfmetrics.getFont(n).encName
                      for n in ("Helvetica", "Symbol", "ZapfDingbats")]
    for enc in _ENCODINGS:
        try:
            ch.encode(enc)
            return True
        except (UnicodeEncodeError, LookupError):
            pass
    return False


def pdf_chars(s: str) -> str:
    s = "".join(PDF_SUBSTITUTIONS.get(ch, ch) for ch in s)
    for ch in set(s):
        if ch != "\n" and not _pdf_encodable(ch):
            raise SystemExit(f"render.py: character {ch!r} (U+{ord(ch):04X}) cannot be drawn "
                             "with the base-14 PDF fonts; add it to PDF_SUBSTITUTIONS")
    return s


def pdf_markup(text: str) -> str:
    out = []
    for seg, bold in bold_runs(text):
        s = xml_escape(pdf_chars(seg)).replace("\n", "<br/>")
        out.append(f"<b>{s}</b>" if bold else s)
    return "".join(out)


BODY = ParagraphStyle("body", fontName="Helvetica", fontSize=11, leading=14, spaceAfter=7,
                      alignment=TA_LEFT, bulletFontName="Helvetica", bulletFontSize=11)
ITEM = ParagraphStyle("item", parent=BODY, spaceAfter=4)
CELL = ParagraphStyle("cell", parent=BODY, fontSize=10, leading=12.5, spaceAfter=3,
                      bulletFontSize=10)
CELL_ITEM = ParagraphStyle("cellitem", parent=CELL, spaceAfter=2)


def _indents(p: Para):
    if p.kind == "bullet":
        return p.depth * INDENT + 2, (p.depth + 1) * INDENT
    if p.kind == "num":
        return p.depth * INDENT, p.depth * INDENT + LABEL_GAP
    return 0, 0


def pdf_para(p: Para, in_cell: bool) -> Paragraph:
    if p.kind == "p":
        return Paragraph(pdf_markup(p.text), CELL if in_cell else BODY)
    bullet_indent, left_indent = _indents(p)
    st = ParagraphStyle("li", parent=CELL_ITEM if in_cell else ITEM,
                        bulletIndent=bullet_indent, leftIndent=left_indent)
    label = "\u2022" if p.kind == "bullet" else format_label(p.fmt, p.pattern, p.value)
    return Paragraph(pdf_markup(p.text), st, bulletText=label)


def _plain(text: str) -> str:
    return "".join(seg for seg, _ in bold_runs(text))


def column_widths(table: Table_):
    """Each column at least as wide as its longest word; the rest shared by text length."""
    n = table.ncols
    min_w, weight = [24.0] * n, [1.0] * n
    for row in table.rows:
        for j, cell in enumerate(row):
            for p in cell:
                words = _plain(p.text).split()
                if not words:
                    continue
                font = "Helvetica-Bold" if "**" in p.text else "Helvetica"
                longest = max(stringWidth(pdf_chars(w), font, CELL.fontSize) for w in words)
                need = longest + 2 * CELL_PAD + _indents(p)[1] + 2
                min_w[j] = max(min_w[j], need)
                weight[j] += len(_plain(p.text))
    weight = [w ** 0.75 for w in weight]
    widths = list(min_w)
    free = AVAIL_W - sum(min_w)
    if free <= 0:
        return [w * AVAIL_W / sum(min_w) for w in min_w]
    # give the free width to columns by weight, but never shrink below min_w
    fixed = set()
    while True:
        total = sum(weight[j] for j in range(n) if j not in fixed)
        budget = AVAIL_W - sum(min_w[j] for j in fixed)
        changed = False
        for j in range(n):
            if j in fixed:
                continue
            share = budget * weight[j] / total
            if share < min_w[j]:
                fixed.add(j)
                changed = True
        if not changed:
            for j in range(n):
                if j not in fixed:
                    widths[j] = budget * weight[j] / total
            return widths


def pdf_table(t: Table_) -> Table:
    data = [[[pdf_para(p, True) for p in cell] or "" for cell in row] for row in t.rows]
    tbl = Table(data, colWidths=column_widths(t), hAlign="LEFT", splitInRow=1)
    tbl.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.5, colors.black),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("LEFTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("RIGHTPADDING", (0, 0), (-1, -1), CELL_PAD),
        ("TOPPADDING", (0, 0), (-1, -1), 3),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
    ]))
    tbl.spaceBefore = 2
    tbl.spaceAfter = 9
    return tbl


def pdf_flowables(elements):
    out = []
    for el in elements:
        out.append(pdf_table(el) if isinstance(el, Table_) else pdf_para(el, False))
    return out


def render_pdf(elements, title: str, stem: str) -> tuple[bytes, int]:
    header = pdf_chars(title)

    def build(total):
        pages = [0]

        def on_page(canv, doc):
            pages[0] = canv.getPageNumber()
            canv.saveState()
            canv.setFont("Helvetica", 8)
            canv.setFillGray(0.45)
            canv.drawString(MARGIN_X, PAGE_H - 1.25 * cm, header)
            canv.drawCentredString(PAGE_W / 2, 1.2 * cm,
                                   f"Page {canv.getPageNumber()} of {total}")
            canv.restoreState()

        buf = io.BytesIO()
        doc = SimpleDocTemplate(
            buf, pagesize=A4, leftMargin=MARGIN_X, rightMargin=MARGIN_X,
            topMargin=2.2 * cm, bottomMargin=2.2 * cm, title=title, author=AUTHOR,
            subject=f"Rendition of corpus/seeds/{stem}.txt", creator=AUTHOR, invariant=1)
        doc.build(pdf_flowables(elements), onFirstPage=on_page, onLaterPages=on_page)
        return buf.getvalue(), pages[0]

    _, total = build("?")
    data, pages = build(total)
    assert pages == total, (pages, total)
    return data, total


# --------------------------------------------------------------------------- DOCX

BULLET_LEVELS = [("\uf0b7", "Symbol"), ("o", "Courier New"), ("\uf0a7", "Wingdings")]
TWIPS_INDENT = 360


class DocxNumbering:
    """Adds abstractNum / num definitions to the document's numbering part."""

    def __init__(self, document):
        self.numbering = document.part.numbering_part.element
        ids = [int(v) for v in self.numbering.xpath("./w:abstractNum/@w:abstractNumId")]
        self.next_abstract = max(ids, default=-1) + 1
        self.bullet_num = None
        self.list_nums = {}

    def _add(self, lvls_xml: str) -> int:
        abs_id = self.next_abstract
        self.next_abstract += 1
        nsid = "%08X" % (0x6D620000 + abs_id)  # fixed, unique per abstractNum
        el = parse_xml(
            f'<w:abstractNum {nsdecls("w")} w:abstractNumId="{abs_id}">'
            f'<w:nsid w:val="{nsid}"/><w:multiLevelType w:val="hybridMultilevel"/>'
            f"{lvls_xml}</w:abstractNum>")
        first_num = self.numbering.find(qn("w:num"))
        if first_num is not None:  # schema order: every abstractNum before any num
            first_num.addprevious(el)
        else:
            self.numbering.append(el)
        num = self.numbering.add_num(abs_id)
        return num.numId

    @staticmethod
    def _lvl(ilvl, start, fmt, text, left, hanging, font=None):
        rpr = (f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:hint="default"/></w:rPr>'
               if font else "")
        return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="{start}"/>'
                f'<w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
                f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{left}" w:hanging="{hanging}"/>'
                f"</w:pPr>{rpr}</w:lvl>")

    def bullet(self) -> int:
        if self.bullet_num is None:
            lvls = "".join(
                self._lvl(k, 1, "bullet", BULLET_LEVELS[k % 3][0], (k + 1) * 720, 360,
                          BULLET_LEVELS[k % 3][1]) for k in range(9))
            self.bullet_num = self._add(lvls)
        return self.bullet_num

    def numbered(self, p: Para) -> int:
        if p.list_id not in self.list_nums:
            lvls = "".join(
                self._lvl(k, p.start if k == p.depth else 1, p.fmt,
                          p.pattern.replace("%1", f"%{k + 1}"), (k + 1) * 567, 567)
                for k in range(9))
            self.list_nums[p.list_id] = self._add(lvls)
        return self.list_nums[p.list_id]


def docx_fill(par, text: str):
    for seg, bold in bold_runs(text):
        pieces = seg.split("\n")
        for i, piece in enumerate(pieces):
            run = par.add_run(piece)
            if bold:
                run.bold = True
            if i < len(pieces) - 1:
                run.add_break()


def docx_para(par, p: Para, numbering: DocxNumbering):
    if p.kind != "p":
        par.style = "List Paragraph"
        num_id = numbering.bullet() if p.kind == "bullet" else numbering.numbered(p)
        num_pr = par._p.get_or_add_pPr().get_or_add_numPr()
        num_pr.get_or_add_ilvl().val = p.depth
        num_pr.get_or_add_numId().val = num_id
    docx_fill(par, p.text)


def _field(par, instr: str, placeholder: str):
    def fld(kind):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el

    r = par.add_run()
    r._r.append(fld("begin"))
    r = par.add_run()
    it = OxmlElement("w:instrText")
    it.set(qn("xml:space"), "preserve")
    it.text = f" {instr} "
    r._r.append(it)
    r = par.add_run()
    r._r.append(fld("separate"))
    par.add_run(placeholder)
    r = par.add_run()
    r._r.append(fld("end"))


def _small_grey(par):
    for r in par.runs:
        r.font.size = Pt(8)
        r.font.color.rgb = RGBColor(0x73, 0x73, 0x73)


def render_docx(elements, title: str, stem: str) -> bytes:
    document = docx.Document()
    normal = document.styles["Normal"]
    normal.font.name = "Arial"
    normal.font.size = Pt(11)

    section = document.sections[0]
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.left_margin = section.right_margin = Mm(20)
    section.top_margin = section.bottom_margin = Mm(22)

    hp = section.header.paragraphs[0]
    hp.add_run(title)
    _small_grey(hp)
    fp = section.footer.paragraphs[0]
    fp.alignment = WD_ALIGN_PARAGRAPH.CENTER
    fp.add_run("Page ")
    _field(fp, "PAGE", "1")
    fp.add_run(" of ")
    _field(fp, "NUMPAGES", "1")
    _small_grey(fp)

    numbering = DocxNumbering(document)
    prev_table = False
    for el in elements:
        if isinstance(el, Table_):
            if prev_table:  # Word needs a paragraph between two tables
                document.add_paragraph()
            widths = column_widths(el)
            table = document.add_table(rows=len(el.rows), cols=el.ncols)
            table.style = "Table Grid"
            table.autofit = False
            for j, w in enumerate(widths):
                table.columns[j].width = Pt(w)
            for i, row in enumerate(el.rows):
                for j, cell_paras in enumerate(row):
                    cell = table.cell(i, j)
                    cell.width = Pt(widths[j])
                    for k, p in enumerate(cell_paras):
                        par = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
                        docx_para(par, p, numbering)
            prev_table = True
        else:
            docx_para(document.add_paragraph(), el, numbering)
            prev_table = False
    if prev_table:  # end the body with a paragraph, as Word does
        document.add_paragraph()

    cp = document.core_properties
    cp.title = title
    cp.subject = f"Rendition of corpus/seeds/{stem}.txt"
    cp.author = AUTHOR
    cp.last_modified_by = AUTHOR
    cp.comments = "Generated by corpus/render.py"
    cp.revision = 1
    cp.created = FIXED_DATE
    cp.modified = FIXED_DATE

    buf = io.BytesIO()
    document.save(buf)
    return normalise_zip(buf.getvalue())


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with fixed entry timestamps / attributes (same order and content)."""
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            zi = zipfile.ZipInfo(info.filename, date_time=ZIP_DATE)
            zi.compress_type = zipfile.ZIP_DEFLATED
            zi.create_system = 0
            zi.external_attr = 0
            dst.writestr(zi, src.read(info.filename), compresslevel=6)
    return out.getvalue()


# --------------------------------------------------------------------------- driver


def render_all(out_dir: Path):
    out_dir.mkdir(parents=True, exist_ok=True)
    report = []
    for seed in sorted(SEEDS.glob("*.txt")):
        text = seed.read_text(encoding="utf-8")
        title = running_title(text)
        elements = parse_document(text)
        pdf, pages = render_pdf(elements, title, seed.stem)
        docx_bytes = render_docx(elements, title, seed.stem)
        (out_dir / f"{seed.stem}.pdf").write_bytes(pdf)
        (out_dir / f"{seed.stem}.docx").write_bytes(docx_bytes)
        report.append((seed.stem, len(pdf), pages, len(docx_bytes)))
    return report


def check() -> int:
    with tempfile.TemporaryDirectory() as td:
        render_all(Path(td))
        fresh = {p.name: p.read_bytes() for p in Path(td).iterdir()}
    committed = {p.name for p in RENDITIONS.glob("*")} if RENDITIONS.is_dir() else set()
    bad = []
    for name in sorted(fresh):
        path = RENDITIONS / name
        if not path.is_file():
            bad.append(f"missing: {name}")
        elif path.read_bytes() != fresh[name]:
            bad.append(f"differs: {name}")
    bad += [f"not generated by render.py: {n}" for n in sorted(committed - set(fresh))]
    for line in bad:
        print(line)
    if bad:
        print("corpus/render.py --check: renditions are out of date; run python corpus/render.py")
        return 1
    print(f"corpus/render.py --check: all {len(fresh)} renditions up to date")
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="regenerate into a temp dir and exit 1 if any committed file differs")
    args = ap.parse_args(argv)
    if args.check:
        return check()
    for stem, pdf_size, pages, docx_size in render_all(RENDITIONS):
        print(f"{stem}.pdf  {pdf_size:7d} bytes  {pages:2d} pages   "
              f"{stem}.docx  {docx_size:7d} bytes")
    return 0


if __name__ == "__main__":
    sys.exit(main())
