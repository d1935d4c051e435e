"""The value every ingester returns and every extractor reads.

One normalised text per document, cut into pages by offsets, so that any position an extractor
finds maps back to a page and the stored text can be re-derived from the stored body.
"""
from __future__ import annotations

import bisect
import re
import unicodedata
from dataclasses import dataclass, field

PAGE_SEPARATOR = "\n\n"

# Characters that PDF text layers and word processors use in place of ordinary ones. Zero-width
# non-joiners stand between words in Chrome prints of Google Docs, so they become spaces.
_CHAR_MAP = {
    "\u00a0": " ", "\u2007": " ", "\u202f": " ", "\u2009": " ", "\u200a": " ", "\u3000": " ",
    "\u200c": " ", "\u200b": "", "\u200d": "", "\ufeff": "", "\u00ad": "", "\u2060": "",
    "\ufb00": "ff", "\ufb01": "fi", "\ufb02": "fl", "\ufb03": "ffi", "\ufb04": "ffl", "\ufb05": "st", "\ufb06": "st",
    "\r": "",
}
_TRANS = str.maketrans(_CHAR_MAP)
_SPACES = re.compile(r"[ \t]*\t[ \t]*|[ ]{2,}")
_BLANKS = re.compile(r"\n\n\n+")  # = \n{3,}; a literal-led pattern is searched for ~10x faster
_TAB_RUN = re.compile(r"[ \t]*\t[ \t]*")
_SPACE_RUN = re.compile(r"   *")  # two spaces or more (= " {2,}", literal-led)
# Bullet glyphs differ by font and tool (pdfplumber prints unmapped ones as "(cid:127)"); one bullet for all.
_GLYPHS = "·▪●\uf0b7\uf0a7"           # bullets wherever they stand between spaces
_LINE_GLYPHS = _GLYPHS + "◦‣∙\uf0d8\uf0a8"  # bullets at the start of a line
_BULLETS = re.compile(rf"^(?:[{_LINE_GLYPHS}]|\(cid:\d+\))(?=\s)", re.M)
_CID = re.compile(r"\(cid:\d+\)")
_MIDBULLET = re.compile(rf"[{_GLYPHS}](?<=[ \t][{_GLYPHS}])(?= )")  # a bullet after a space or tab, before a space


def normalise(text: str) -> str:
    """Make text comparable across renditions: one kind of space, no ligatures, at most one blank line.

    Tabs survive (collapsed to one) because they separate table cells.
    """
    text = unicodedata.normalize("NFC", text.replace("\r\n", "\n"))
    for ch, to in _CHAR_MAP.items():  # == .translate(_TRANS), ~20x faster: no replacement holds a mapped character
        if ch in text:
            text = text.replace(ch, to)
    # control and format characters go (tab, newline, form feed stay); judged once per distinct character
    # (str.isprintable() is False for every category C character, so a printable text has none)
    if not text.replace("\n", "").replace("\t", "").replace("\f", "").isprintable():
        drop = {ord(ch): None for ch in set(text) if ch not in "\n\t\f" and unicodedata.category(ch)[0] == "C"}
        if drop:
            text = text.translate(drop)
    text = text.replace("\f", "\n")
    # a run of spaces and tabs holding a tab is one tab, else two or more spaces are one (= _SPACES, in two passes)
    if "\t" in text:
        text = _TAB_RUN.sub("\t", text)
    text = _SPACE_RUN.sub(" ", text)
    text = "\n".join([ln.strip(" ") for ln in text.split("\n")])
    # the bullet patterns scan slowly (a line-start anchor, a class beyond Latin-1): tried only when a glyph is
    # there; they turn glyphs into "•" and leave spaces alone, so the lines stay stripped
    if "(cid:" in text or any(g in text for g in _LINE_GLYPHS):
        text = _CID.sub("•", _BULLETS.sub("•", text))
        if any(g in text for g in _GLYPHS):
            text = _MIDBULLET.sub("•", text)
    return _BLANKS.sub("\n\n", text).strip("\n")


@dataclass
class Page:
    number: int
    start: int
    end: int
    ocr: bool = False
    confidence: float | None = None


@dataclass
class Document:
    path: str
    sha256: str
    format: str
    text: str
    pages: list[Page]
    title: str | None = None
    warnings: list[str] = field(default_factory=list)

    @classmethod
    def from_pages(cls, page_texts: list[str], *, path: str, sha256: str, format: str,
                   title: str | None = None, warnings: list[str] | None = None) -> "Document":
        parts, pages, pos = [], [], 0
        for number, raw in enumerate(page_texts, 1):
            text = normalise(raw)
            if parts:
                parts.append(PAGE_SEPARATOR)
                pos += len(PAGE_SEPARATOR)
            pages.append(Page(number, pos, pos + len(text)))
            parts.append(text)
            pos += len(text)
        return cls(path=path, sha256=sha256, format=format, text="".join(parts), pages=pages,
                   title=title, warnings=list(warnings or []))

    def page_at(self, pos: int) -> int:
        """1-based page holding character `pos` (a separator belongs to the page after it)."""
        starts = [p.start for p in self.pages]
        i = bisect.bisect_right(starts, pos) - 1
        return self.pages[max(i, 0)].number if self.pages else 1

    def page_text(self, page: Page) -> str:
        return self.text[page.start:page.end]
