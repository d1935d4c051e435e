"""Scanned papers: the text-layer judgement, OCR of pages without one, and the pipeline without Tesseract.

The scans are made here: a seed paper's PDF rendition rendered to grey images and wrapped in a PDF with no
text layer. Items from a scan must match the text rendition's items (the evaluation's similarity matching,
which forgives OCR slips). Tests that run Tesseract skip where it is not installed; about 2 s per page.
"""
import io
import random
import sqlite3

import pytest

from conftest import CORPUS, DEV
from pipeline.evaluate import match
from pipeline.ingest import ingest, ocr
from pipeline.run import extract_file, ingest_paths

RENDITIONS = CORPUS / "renditions"
needs_tesseract = pytest.mark.skipif(not ocr.available(), reason="tesseract not installed (make system-deps)")
SCAN_DPI = 200  # the scan's own resolution; OCR renders every page at ocr.DPI (300) whatever it is


def rendition(stem_prefix: str):
    found = sorted(RENDITIONS.glob(f"{stem_prefix}*.pdf"))
    if not found:
        pytest.skip("renditions not generated (make renditions)")
    return found[0]


def page_images(src, dpi=SCAN_DPI, pages=None):
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(src))
    try:
        return [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in (pages or range(len(pdf)))]
    finally:
        pdf.close()


def scan_pdf(src, dest, dpi=SCAN_DPI, pages=None):
    """Write `dest`: `src`'s pages as JPEG images in a PDF with no text layer, as a scanner makes them."""
    images = page_images(src, dpi, pages)
    images[0].save(dest, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi), quality=85)
    return dest


@pytest.fixture
def count_ocr(monkeypatch):
    """Count the pages sent to Tesseract."""
    calls = []
    real = ocr.ocr_image

    def counting(img, dpi=ocr.DPI):
        calls.append(img.size)
        return real(img, dpi)
    monkeypatch.setattr(ocr, "ocr_image", counting)
    return calls


# --- judging a text layer: cheap, no Tesseract -----------------------------------------------

def _corrupt(text: str, rate: float, seed: int = 7) -> str:
    """Text as a bad old OCR layer reads: letters confused (h->b, n->u, l->1, m->rn…), stray marks, split words."""
    rng = random.Random(seed)
    subs = {"l": "1", "e": "c", "h": "b", "m": "rn", "i": "l", "o": "0", "a": "o", "t": "f", "n": "u", "s": "$",
            "d": "cl"}
    out = []
    for c in text:
        if c.isalpha() and rng.random() < rate:
            r = rng.random()
            out.append(subs.get(c, "~") if r < 0.6 else rng.choice("~^'.,;:|!\\/") if r < 0.75 else
                       c + " " if r < 0.9 else "")
        else:
            out.append(c)
    return "".join(out)


def _text_pages():
    import pypdfium2 as pdfium
    out = []
    for f in sorted(RENDITIONS.glob("*.pdf")):
        pdf = pdfium.PdfDocument(str(f))
        out += [(f.name, i + 1, pdf[i].get_textpage().get_text_range()) for i in range(len(pdf))]
        pdf.close()
    for f in sorted((CORPUS / "seeds").glob("*.txt")):
        text = f.read_text(encoding="utf-8")
        out += [(f.name, k, text[k:k + 2500]) for k in range(0, len(text), 2500)]
    return [p for p in out if len(p[2].strip()) > 400]


def test_good_text_layers_are_never_judged_unusable():
    pages = _text_pages()
    assert pages
    flagged = [(name, n, ocr.layer_problem(t)) for name, n, t in pages if ocr.layer_problem(t)]
    assert not flagged


def test_missing_sparse_and_garbage_layers_are_recognised():
    pages = [t for _, _, t in _text_pages()]
    assert ocr.layer_problem("") == "none" and ocr.layer_problem(" \n\x0c ") == "none"
    assert ocr.layer_problem("Page 3") == "sparse"
    assert ocr.layer_problem("~:~ ;~ '&A ,,, ~- lJ1 !!! ^^ }{ ¬¬ ][ ~~~ |!| ;;; ':' ,.; " * 5) == "garbage"
    # a font without a Unicode map: every letter shifted ("Uif Dpvodjm")
    shifted = ["".join(chr(ord(c) + 1) if c.isalpha() else c for c in t) for t in pages]
    assert sum(ocr.layer_problem(t) == "garbage" for t in shifted) >= 0.95 * len(pages)
    # a bad old OCR layer: a quarter of the letters wrong is garbage on (nearly) every page; 5% is kept
    assert sum(ocr.layer_problem(_corrupt(t, 0.25)) == "garbage" for t in pages) >= 0.9 * len(pages)
    assert sum(ocr.layer_problem(_corrupt(t, 0.05)) == "garbage" for t in pages) <= 0.05 * len(pages)


def _quality_token_by_token(text: str) -> ocr.Quality:
    """quality() as its definition reads, one token at a time: the reference its counting by distinct tokens must equal."""
    q, lower = ocr.Quality(0, 0, 0, 0), {}
    for tok in ocr.normalise(text).split():
        q.chars += len(tok)
        ok = ocr._token_ok(tok)
        if ok is None:
            continue
        q.tokens += 1
        q.good += bool(ok)
        q.good_chars += len(tok) if ok else 0
        core = tok.strip(ocr._STRIP)
        low = core.lower()
        if any(c.isalpha() for c in low):
            q.words += 1
            if low in ocr._COMMON:
                q.known += 1
                q.known_chars += len(low)
            if len(core) >= 2 and ocr._LOWER.match(core):
                lower[core] = lower.get(core, 0) + 1
    q.lower = sum(min(n, ocr.LOWER_CAP) for n in lower.values())
    q.lower_known = sum(min(n, ocr.LOWER_CAP) for w, n in lower.items() if w in ocr._COMMON)
    return q


def test_quality_counts_as_token_by_token():
    pages = [t for _, _, t in _text_pages()]
    texts = pages + [_corrupt(t, 0.25) for t in pages[::3]] + ["", "Page 3", "~:~ ;~ '&A ,,, ~- lJ1 !!! " * 9,
                                                                "x " * 300 + "the THE The", "ﬁnal  \u00a0 a\tb"]
    for t in texts:
        assert ocr.quality(t) == _quality_token_by_token(t), t[:80]


def test_tables_of_marks_and_votes_are_not_garbage():
    assert ocr.layer_problem("RESOLVED: That the schedule be approved. " + " ".join(["x"] * 500)) is None
    assert ocr.layer_problem("Roll call: " + " ".join(["Smith aye", "Jones nay", "Brown absent"] * 30)) is None
    assert ocr.layer_problem("Members present: " + "Cllr Smith, Cllr Jones, Cllr O'Brien, Mr McDonald; " * 10) is None


def test_tidy_undoes_bullet_and_rule_slips():
    got = ocr.tidy("e Northern Parishes\n¢ Ormskirk\n\te¢ Prepare a summary ¢ Refine it\niv) |Support the plan\n"
                   "Approve | the budget\nPay £5 to the clerk")
    assert got.split("\n") == ["• Northern Parishes", "• Ormskirk", "\t• Prepare a summary • Refine it",
                               "iv) Support the plan", "Approve the budget", "Pay £5 to the clerk"]


def test_ruled_table_found_and_words_placed_in_cells():
    from PIL import Image, ImageDraw
    img = Image.new("L", (1200, 900), 255)
    d = ImageDraw.Draw(img)
    xs, ys = [100, 300, 1100], [100, 200, 400, 600]
    for x in xs:
        d.line([(x, ys[0]), (x, ys[-1])], fill=0, width=3)
    for y in ys:
        d.line([(xs[0], y), (xs[-1], y)], fill=0, width=3)
    d.line([(100, 800), (900, 800)], fill=0, width=3)  # a lone rule (signature line) is no table
    grids = ocr.find_grids(img, 300)
    assert len(grids) == 1
    g = grids[0]
    assert [abs(a - b) <= 3 for a, b in zip(g.xs, xs)] == [True] * 3 and len(g.ys) == 4
    head = "level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext\n"
    rows = [(1, 1, 1, 120, 130, "Action"), (1, 1, 1, 320, 130, "Owner"),  # one Tesseract line across two cells
            (2, 1, 1, 120, 230, "Send"), (2, 1, 1, 200, 230, "letter"), (2, 1, 2, 120, 280, "today"),
            (3, 1, 1, 320, 230, "Clerk"), (4, 1, 1, 100, 700, "After"), (4, 1, 1, 220, 700, "the"),
            (4, 1, 1, 300, 700, "table")]
    tsv = head + "".join(f"5\t1\t{b}\t{p}\t{ln}\t1\t{x}\t{y}\t60\t30\t90\t{w}\n" for b, p, ln, x, y, w in rows)
    page = ocr.parse_tsv(tsv, grids)
    assert page.text.split("\n") == ["Action\tOwner", "Send letter today\tClerk", "After the table"]
    assert page.confidence == 90.0 and page.words == len(rows)


# --- OCR of scans (Tesseract) ------------------------------------------------------------------

RECALL_FLOOR = 0.9  # the target: a scan yields >= 90% of the text rendition's items


@needs_tesseract
@pytest.mark.parametrize("stem", ["001", "003"])  # numbered resolutions; an action table (13 of 14 items)
def test_scanned_rendition_yields_the_text_renditions_items(tmp_path, stem, count_ocr):
    src = rendition(stem)
    scan = scan_pdf(src, tmp_path / "scan.pdf")
    want = extract_file(src)["items"]
    got = extract_file(scan)
    assert len(count_ocr) == len(got["pages"]) and all(p["ocr"] for p in got["pages"])
    pairs = match(want, got["items"])
    assert want and len(pairs) >= RECALL_FLOOR * len(want), (
        [w["text"][:60] for k, w in enumerate(want) if k not in {a for a, _ in pairs}])
    for p in got["pages"]:
        assert 80 <= p["confidence"] <= 100
    for it in got["items"]:
        page = next(p for p in got["pages"] if p["number"] == it["page"])
        assert it["confidence"] == page["confidence"]
        assert got["text"][it["start"]:it["end"]] == it["text"]
    assert any("text from OCR" in w for w in got["document"]["warnings"])


def _mixed_pdf(text_src, scan_src, dest):
    """A PDF whose pages 1-2 have a text layer and page 3 is a scanned image."""
    import pypdfium2 as pdfium
    out = pdfium.PdfDocument.new()
    out.import_pages(pdfium.PdfDocument(str(text_src)), [0, 1])
    out.import_pages(pdfium.PdfDocument(str(scan_src)), [0])
    out.save(str(dest))
    return dest


@needs_tesseract
def test_folder_of_text_and_scanned_pdfs_ingests_in_one_run_and_text_pages_skip_ocr(tmp_path, count_ocr):
    folder = tmp_path / "papers"
    folder.mkdir()
    for stem in ("000", "002", "004"):
        src = rendition(stem)
        (folder / src.name).write_bytes(src.read_bytes())
    scan_pdf(rendition("001"), folder / "scanned_001.pdf", pages=[0])
    _mixed_pdf(rendition("000"), folder / "scanned_001.pdf", folder / "mixed.pdf")
    db = tmp_path / "m.db"
    summary = ingest_paths([folder], db, workers=0)  # in this process, where the OCR calls are counted
    assert summary.failed == 0 and summary.new == 5
    assert len(count_ocr) == 2  # the scanned page of scanned_001.pdf and page 3 of mixed.pdf, nothing else
    conn = sqlite3.connect(db)
    rows = conn.execute("select d.path, p.number, p.ocr, p.confidence from pages p join documents d"
                        " on d.id = p.document_id where d.status = 'ok'").fetchall()
    ocr_pages = {(path.rsplit("/", 1)[-1], n) for path, n, o, _ in rows if o}
    assert ocr_pages == {("scanned_001.pdf", 1), ("mixed.pdf", 3)}
    assert all(c is None for *_, o, c in rows if not o) and all(c > 80 for *_, o, c in rows if o)
    conf = conn.execute("select i.confidence, p.ocr from items i join pages p on p.document_id = i.document_id"
                        " and p.number = i.page").fetchall()
    assert conf and all((c is not None) == bool(o) for c, o in conf)
    assert any(o for _, o in conf)  # the scanned page's decisions are there, with their confidence


@needs_tesseract
def test_png_scan_ingests_through_ocr(tmp_path):
    png = tmp_path / "minutes.png"
    page_images(rendition("001"), dpi=150, pages=[0])[0].save(png)  # no dpi recorded: Tesseract estimates
    db = tmp_path / "m.db"
    summary = ingest_paths([png], db, workers=0)
    assert summary.failed == 0 and summary.new == 1
    conn = sqlite3.connect(db)
    assert conn.execute("select format, status, pages from documents").fetchone() == ("image", "ok", 1)
    text, is_ocr, conf = conn.execute("select text, ocr, confidence from pages").fetchone()
    assert "Health and Wellbeing" in text and is_ocr == 1 and conf > 80


@needs_tesseract
def test_multi_frame_tiff_is_one_page_per_frame(tmp_path):
    frames = [im.convert("1") for im in page_images(rendition("001"), dpi=200)]
    tif = tmp_path / "minutes.tif"
    frames[0].save(tif, save_all=True, append_images=frames[1:], dpi=(200, 200), compression="group4")
    doc = ingest(tif)
    assert len(doc.pages) == len(frames) and all(p.ocr for p in doc.pages)
    assert all(doc.page_text(p).strip() for p in doc.pages)


def _scan_with_layer(image, layer_text, dest):
    """A scanned page carrying an invisible text layer, as scanner software writes one (render mode 3)."""
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas
    c = canvas.Canvas(str(dest), pagesize=(595, 842), invariant=1)
    c.drawImage(ImageReader(image), 0, 0, 595, 842)
    t = c.beginText(40, 800)
    t.setTextRenderMode(3)
    t.setFont("Helvetica", 9)
    for line in layer_text.split("\n")[:80]:
        t.textLine(line)
    c.drawText(t)
    c.showPage()
    c.save()
    return dest


@needs_tesseract
def test_a_garbled_text_layer_is_replaced_by_ocr_and_a_good_one_is_kept(tmp_path, count_ocr):
    src = rendition("001")
    image = page_images(src, pages=[0])[0]
    layer = ingest(src).page_text(ingest(src).pages[0])
    good = ingest(_scan_with_layer(image, layer, tmp_path / "good.pdf"))
    assert count_ocr == [] and not good.pages[0].ocr and "Health and Wellbeing" in good.text
    bad = ingest(_scan_with_layer(image, _corrupt(layer, 0.3), tmp_path / "bad.pdf"))
    assert len(count_ocr) == 1 and bad.pages[0].ocr and bad.pages[0].confidence > 80
    assert " ".join(layer.split()[:40]) in " ".join(bad.text.split())


def test_without_tesseract_a_scan_is_stored_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_path", lambda: None)
    scan = scan_pdf(rendition("000"), tmp_path / "scan.pdf", dpi=100)
    png = tmp_path / "scan.png"
    page_images(rendition("000"), dpi=100, pages=[0])[0].save(png)
    db = tmp_path / "m.db"
    summary = ingest_paths([scan, png], db, workers=0)  # in this process, where the lookup is patched
    assert summary.failed == 0 and summary.new == 2
    conn = sqlite3.connect(db)
    rows = conn.execute("select path, status, warnings from documents order by path").fetchall()
    assert [r[1] for r in rows] == ["ok", "ok"]
    for path, _, warnings in rows:
        assert "no text, OCR not available" in warnings, (path, warnings)
    assert "pages 1-2: no text, OCR not available" in rows[0][2]  # scan.pdf, then scan.png
    assert conn.execute("select count(*) from pages where ocr = 1").fetchone()[0] == 0


def test_without_tesseract_a_garbled_layer_stays_with_a_warning(tmp_path, monkeypatch):
    monkeypatch.setattr(ocr, "tesseract_path", lambda: None)
    src = rendition("001")
    layer = _corrupt(ingest(src).page_text(ingest(src).pages[0]), 0.3)
    doc = ingest(_scan_with_layer(page_images(src, dpi=100, pages=[0])[0], layer, tmp_path / "bad.pdf"))
    assert not doc.pages[0].ocr and doc.text.strip()
    assert doc.warnings == ["page 1: text layer looks garbled, OCR not available (tesseract not installed)"]


def test_without_tesseract_text_pdfs_are_untouched(monkeypatch):
    before = ingest(rendition("002"))
    monkeypatch.setattr(ocr, "tesseract_path", lambda: None)
    after = ingest(rendition("002"))
    assert after.text == before.text and not after.warnings


def test_blank_page_without_images_is_not_sent_to_ocr(tmp_path, count_ocr):
    from reportlab.pdfgen import canvas
    buf = io.BytesIO()
    c = canvas.Canvas(buf, invariant=1)
    c.drawString(72, 720, "RESOLVED that the minutes of the meeting held on 4 March be approved as a correct record.")
    c.showPage()
    c.rect(50, 50, 400, 600, fill=1)  # a page with a drawing and no text
    c.showPage()
    c.save()
    f = tmp_path / "two.pdf"
    f.write_bytes(buf.getvalue())
    doc = ingest(f)
    assert count_ocr == [] and not any(p.ocr for p in doc.pages)


# --- real scans from corpus-dev ------------------------------------------------------------------

@needs_tesseract
def test_real_scanned_minutes_read(count_ocr):
    f = DEV / "09_crete_township_board_2019-12-11_scanned" / "original.pdf"
    if not f.exists():
        pytest.skip("../shared/corpus-dev not present")
    result = extract_file(f)
    assert len(count_ocr) == 2 and all(p["ocr"] and p["confidence"] > 85 for p in result["pages"])
    text = " ".join(result["text"].split())
    assert "Motion to approve the minutes of the November 13, 2019 Board of Trustees meeting" in text
    assert "CRETE TOWNSHIP BOARD OF TRUSTEES MEETING December 11, 2019" in text
    assert len(result["items"]) >= 3 and all(it["confidence"] for it in result["items"])
