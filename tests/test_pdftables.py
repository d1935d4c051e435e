"""pdftables.py (ruled tables from PDFium's objects) against pdfplumber, the reference it replaces on the hot path."""
import io
import re

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_raw
import pytest

from conftest import CORPUS, DEV
from pipeline.ingest import ingest, pdf, pdftables


def _both(data: bytes):
    """(page index, pdfplumber's text or None, pdftables' text or None) for every candidate page of a PDF."""
    doc = pdfium.PdfDocument(data)
    try:
        out = []
        for i in range(len(doc)):
            page = doc[i]
            objects = pdftables.page_objects(page)
            if pdf.may_hold_table(objects):
                tp = page.get_textpage()
                new = pdftables.read_page(page, tp, objects)
                tp.close()
                out.append((i, pdf._table_pages(data, [i]).get(i), new))
            page.close()
        return out
    finally:
        doc.close()


def _same_characters(text: str | None) -> str | None:
    """Where the two libraries name the same glyph differently, pdfplumber's name: pdfminer prints an unmapped
    bullet as "(cid:127)" and ZapfDingbats' check mark and circle as "3" and "m"; PDFium maps them to Unicode and
    drops zero-width spaces (which pipeline.document drops anyway)."""
    if text is None:
        return None
    text = re.sub(r"[\u200b\u200c]", "", text.replace("(cid:127)", "•"))
    return text.replace("✓", "3").replace("❍", "m")


def _table_pdfs():
    files = sorted((CORPUS / "renditions").glob("*.pdf")) if (CORPUS / "renditions").is_dir() else []
    if DEV.is_dir():
        files += [DEV / d / "original.pdf" for d in ("01_milburn_parish_council_2021-01-26",
                                                      "06_suffolk_libraries_ips_board_2012-11-19",
                                                      "10_chicago_lincoln_square_ssa21_2018-01-29",
                                                      "12_cuyahoga_board_of_health_agenda_2019-04-24",
                                                      "14_jakarta_ee_marketing_committee_2020-12-10",
                                                      "17_kent_county_council_budget_amendment_4_2025-02-13")]
    return [f for f in files if f.exists()]


@pytest.mark.parametrize("path", _table_pdfs(), ids=lambda p: p.parent.name if p.name == "original.pdf" else p.name)
def test_pdfium_tables_read_as_pdfplumber_reads_them(path):
    pages = _both(path.read_bytes())
    for i, old, new in pages:
        assert new is not pdftables.FALLBACK, (path.name, i)
        assert _same_characters(new) == _same_characters(old), (path.name, i)


def test_characters_from_the_page_text_are_those_asked_for_one_by_one(monkeypatch):
    """page_chars takes the characters' codes from one FPDFText_GetText call; asking for every character
    (what it does when the text does not line up with the character list) gives the same characters."""
    files = _table_pdfs()
    if not files:
        pytest.skip("no table PDFs")
    for f in files:
        doc = pdfium.PdfDocument(f)
        for i in range(len(doc)):
            page = doc[i]
            tp, height = page.get_textpage(), page.get_height()
            fast = pdftables.page_chars(tp, height)
            with monkeypatch.context() as m:
                m.setattr(pdfium_raw, "FPDFText_GetText", lambda *a: 0)
                assert pdftables.page_chars(tp, height) == fast, (f.name, i)


def test_table_pages_of_the_corpora_never_reach_pdfplumber(monkeypatch):
    calls = []
    monkeypatch.setattr(pdf, "_table_pages", lambda data, idx: calls.append(idx) or {})
    files = _table_pdfs()
    if not files:
        pytest.skip("no table PDFs")
    for f in files:
        ingest(f)
    assert calls == []


def test_plumber_env_sends_every_candidate_page_to_pdfplumber(monkeypatch, dev):
    f = dev / "06_suffolk_libraries_ips_board_2012-11-19" / "original.pdf"
    fast = ingest(f).text
    monkeypatch.setenv(pdf.TABLES_ENV, "pdfplumber")
    calls = []
    real = pdf._table_pages
    monkeypatch.setattr(pdf, "_table_pages", lambda data, idx: calls.append(idx) or real(data, idx))
    assert ingest(f).text == fast
    assert calls == [[0, 1, 2, 3]]


def _grid_pdf(rotate: int = 0, spans: bool = False, form: bool = False) -> bytes:
    """A ruled 3 x 3 table (rectangles and lines, a merged cell when `spans`, its rules drawn in a form
    XObject when `form`) between two paragraphs."""
    canvas = pytest.importorskip("reportlab.pdfgen.canvas")
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(440, 400), invariant=1)
    if rotate:
        c.setPageRotation(rotate)
    c.drawString(40, 360, "Minutes of the meeting. RESOLVED: That the schedule below be approved.")
    xs, ys = [30, 200, 290, 410], [320, 290, 250, 220]
    if form:
        c.beginForm("rules")
    for y in ys:
        c.line(xs[0], y, xs[-1], y)
    for k, x in enumerate(xs):
        c.line(x, ys[0], x, ys[-1] if not (spans and k == 2) else ys[1])
    if spans:
        c.line(xs[2], ys[2], xs[2], ys[3])
    if form:
        c.endForm()
        c.doForm("rules")
    cells = [["Action", "Owner", "When"], ["Write to the county council", "Clerk", "March 2025"],
             ["Repair the bus shelter", "Cllr Smith", "ASAP"]]
    for r, row in enumerate(cells):
        for k, text in enumerate(row):
            c.drawString(xs[k] + 4, ys[r] - 18, text)
    c.rect(40, 120, 320, 60)  # a box round a paragraph: one column, not a kept table
    c.drawString(48, 150, "A boxed note that is not a table.")
    c.drawString(40, 80, "The meeting closed at 9.15 pm.")
    c.showPage()
    c.save()
    return buf.getvalue()


@pytest.mark.parametrize("spans", [False, True])
def test_a_drawn_table_reads_the_same_both_ways(spans):
    (i, old, new), = _both(_grid_pdf(spans=spans))
    assert old is not None and new == old
    row = "Write to the county council\tClerk March 2025\t" if spans else "Write to the county council\tClerk\tMarch 2025"
    assert row in new.split("\n")
    assert "A boxed note that is not a table." in new.split("\n")


def test_a_rotated_page_falls_back_to_pdfplumber():
    doc = pdfium.PdfDocument(_grid_pdf(rotate=90))
    page = doc[0]
    objects = pdftables.page_objects(page)
    assert pdf.may_hold_table(objects)
    assert pdftables.read_page(page, page.get_textpage(), objects) is pdftables.FALLBACK


def test_rules_drawn_in_a_form_count_and_read_the_same(monkeypatch):
    data = _grid_pdf(form=True)
    (i, old, new), = _both(data)
    assert old is not None and new == old
    assert "Write to the county council\tClerk\tMarch 2025" in new.split("\n")
    monkeypatch.setattr(pdftables, "MAX_SEGMENTS", 10)  # the 8 lines in the form alone are 16 segments
    page = pdfium.PdfDocument(data)[0]
    objects = pdftables.page_objects(page)
    assert objects is None and pdf.may_hold_table(objects)
    assert pdftables.read_page(page, page.get_textpage(), objects) is pdftables.FALLBACK
