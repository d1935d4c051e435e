"""Each ingester on real files, plus the detection and decoding edge cases they exist for."""
import re

import pytest

from conftest import CORPUS, dev_files
from pipeline.ingest import IngestError, detect, ingest


def test_text_seed_reads_as_one_page_with_offsets():
    doc = ingest(CORPUS / "seeds" / "002_a5beb11316b076ca.txt")
    assert doc.format == "text"
    assert doc.pages[0].start == 0 and doc.pages[-1].end == len(doc.text)
    assert "Cabinet is asked to:" in doc.text


@pytest.mark.parametrize("encoding,bom", [("cp1252", b""), ("utf-16", b""), ("utf-8", b"\xef\xbb\xbf")])
def test_text_encodings_are_detected(tmp_path, encoding, bom):
    body = "RESOLVED – That the £5,000 grant be approved for “Café” works.\n"
    f = tmp_path / "paper.txt"
    f.write_bytes(bom + body.encode(encoding))
    doc = ingest(f)
    assert "£5,000" in doc.text and "“Café”" in doc.text


def test_binary_named_txt_fails_with_reason(tmp_path):
    f = tmp_path / "junk.txt"
    f.write_bytes(bytes(range(256)) * 50)
    with pytest.raises(IngestError, match="binary"):
        ingest(f)


def test_html_saved_as_pdf_is_read_as_html(tmp_path):
    f = tmp_path / "decision.pdf"
    f.write_text("<!DOCTYPE html><html><head><script>var x='RESOLVED that evil';</script></head><body>"
                 "<nav>Home | Meetings</nav><main><h1>Decision details</h1><p>Decision:</p>"
                 "<ol type='i'><li>Noted the report.</li><li>Agreed the plan.</li></ol></main></body></html>")
    assert detect(f.read_bytes(), f.name) == "html"
    doc = ingest(f)
    assert doc.format == "html"
    assert "evil" not in doc.text and "Home | Meetings" not in doc.text
    assert "i. Noted the report." in doc.text and "ii. Agreed the plan." in doc.text


def test_empty_file_fails(tmp_path):
    f = tmp_path / "empty.pdf"
    f.write_bytes(b"")
    with pytest.raises(IngestError, match="empty"):
        ingest(f)


def test_truncated_pdf_fails_clearly(tmp_path):
    f = tmp_path / "cut.pdf"
    f.write_bytes(b"%PDF-1.7\n1 0 obj << /Type /Catalog >>\n")
    with pytest.raises(IngestError, match="PDF"):
        ingest(f)


def test_markdown_tables_become_tab_rows(tmp_path):
    f = tmp_path / "log.md"
    f.write_text("# Action log\n\n| Action | Owner | Due |\n|---|---|---|\n| Send the **draft** | JB | 1 May 2024 |\n")
    doc = ingest(f)
    assert "Send the draft\tJB\t1 May 2024" in doc.text
    assert "**" not in doc.text and "#" not in doc.text


@pytest.mark.parametrize("path", dev_files(), ids=lambda p: p.parent.name[:20])
def test_corpus_dev_papers_ingest(path):
    doc = ingest(path)
    assert doc.pages and doc.pages[-1].end == len(doc.text)
    for p in doc.pages:
        assert doc.page_at(p.start) == p.number
    if "scanned" in path.parent.name:
        assert doc.warnings
    else:
        assert len(doc.text) > 500
        assert "\ufb01" not in doc.text and "\u200c" not in doc.text


def test_running_footers_and_page_numbers_removed(dev):
    doc = ingest(dev / "11_burbank_parks_recreation_board_agenda_2022-11-10" / "original.pdf")
    assert not re.search(r"^\d of 5\b", doc.text, re.M)
    doc = ingest(dev / "01_milburn_parish_council_2021-01-26" / "original.pdf")
    assert not re.search(r"^Page \d of 4$", doc.text, re.M)


def test_docx_automatic_numbering_labels_recovered(dev):
    doc = ingest(dev / "15_ccc_tac_minutes_2022-01-27" / "original.docx")
    assert re.search(r"^3\.1\. \[Mike", doc.text, re.M)
    assert re.search(r"^2\.1\. The Technical Advisory Council deferred", doc.text, re.M)
    assert len(doc.pages) == 4


def test_pdf_ruled_table_rows_stay_cells(dev):
    doc = ingest(dev / "06_suffolk_libraries_ips_board_2012-11-19" / "original.pdf")
    assert re.search(r"\tSK/IB$", doc.text, re.M)


def test_renditions_ingest_with_the_seed_words():
    rend = CORPUS / "renditions"
    if not rend.is_dir():
        pytest.skip("renditions not generated")
    for f in sorted(rend.glob("*.pdf")) + sorted(rend.glob("*.docx")):
        seed = CORPUS / "seeds" / (f.stem + ".txt")
        words = lambda t: re.findall(r"[a-z]{4,}", t.lower())  # noqa: E731
        got, want = set(words(ingest(f).text)), set(words(seed.read_text(encoding="utf-8")))
        assert len(want - got) <= 0.02 * len(want), (f.name, sorted(want - got)[:10])
