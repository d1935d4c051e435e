"""Dispatch on the detected file type.

Councils' websites serve error pages named `.pdf` and Word files named `.doc`; trusting the
extension would read HTML as a broken PDF. So the first bytes decide, the extension only breaks
ties between text flavours (Markdown vs plain).
"""
from __future__ import annotations

import hashlib
import zipfile
from pathlib import Path

from ..document import Document


class IngestError(Exception):
    """A file that cannot be read; its message is the one-line reason stored in `documents.error`."""


SNIFF = 4096


def detect(data: bytes, name: str = "") -> str:
    head = data[:SNIFF]
    if not data.strip():
        return "empty"
    pdf_at = head[:1024].find(b"%PDF-")
    if pdf_at >= 0 and not _starts_html(head[:pdf_at]):  # an error page may quote "%PDF-"; a PDF never starts <html
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        return "ole"
    if head.startswith((b"\x89PNG", b"\xff\xd8\xff", b"II*\x00", b"MM\x00*", b"GIF8")):
        return "image"
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return "text"  # UTF-16 with BOM; may still be HTML, decided after decoding
    if _starts_html(head) or b"<body" in head.lower() or b"<html" in head.lower():
        return "html"
    if name.lower().endswith((".md", ".markdown")):
        return "markdown"
    return "text"


def _starts_html(head: bytes) -> bool:
    return head.lstrip(b"\xef\xbb\xbf \t\r\n").lower().startswith((b"<!doctype html", b"<html", b"<?xml"))


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def ingest(path: str | Path, data: bytes | None = None, max_pages: int | None = None) -> Document:
    """Read one file into a Document, or raise IngestError with a reason a clerk can act on.

    max_pages (default: each reader's own) refuses a long PDF or multi-frame image before its pages are read.
    """
    path = Path(path)
    limits = {} if max_pages is None else {"max_pages": max_pages}
    if data is None:
        data = path.read_bytes()
    kind = detect(data, path.name)
    digest = sha256_bytes(data)
    ext = path.suffix.lower()
    if kind == "empty":
        raise IngestError("empty file")
    if kind == "pdf":
        from . import pdf
        return pdf.ingest(data, path=str(path), sha256=digest, **limits)
    if kind == "zip":
        with _open_zip(data) as zf:
            if "word/document.xml" not in zf.namelist():
                raise IngestError("zip archive but not a Word document (no word/document.xml)")
        from . import docx
        return docx.ingest(data, path=str(path), sha256=digest)
    if kind == "ole":
        if "EncryptedPackage".encode("utf-16-le") in data:  # a password-protected .docx/.xlsx is an OLE wrapper
            raise IngestError("encrypted Office document (password required)")
        raise IngestError("legacy binary Word/Office file (.doc): not supported, save as .docx")
    if kind == "image":
        from . import ocr
        return ocr.ingest_image(data, path=str(path), sha256=digest, **limits)
    if ext == ".pdf" or ext == ".docx":
        # A text or HTML payload under a binary document's name is usually a saved error page.
        if kind == "html":
            pass  # read it as the HTML it is
        elif not _looks_textual(data):
            raise IngestError(f"not a {ext[1:].upper()}: unrecognised binary content")
    from . import html, text
    if kind == "html":
        return html.ingest(data, path=str(path), sha256=digest)
    decoded = text.decode(data)
    if not decoded.strip():
        raise IngestError("empty file (only a byte-order mark or whitespace)")
    if decoded.lstrip()[:200].lower().startswith(("<!doctype html", "<html")):
        return html.ingest(data, path=str(path), sha256=digest, decoded=decoded)
    return text.ingest(data, path=str(path), sha256=digest, markdown=kind == "markdown", decoded=decoded)


def _looks_textual(data: bytes) -> bool:
    from .text import decode
    try:
        decode(data)
        return True
    except IngestError:
        return False


def _open_zip(data: bytes) -> zipfile.ZipFile:
    import io
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - BadZipFile, NotImplementedError ("zip file version"), OSError, ...
        raise IngestError(f"corrupt zip/DOCX container: {exc}") from None
