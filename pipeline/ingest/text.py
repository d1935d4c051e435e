"""Plain text and Markdown.

Old council exports are Windows-1252, Word's "Unicode text" is UTF-16 with a BOM; both must read
without a crash, and binary junk with a .txt name must fail rather than fill the database with noise.
"""
from __future__ import annotations

import re

from ..document import Document

_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1f]")


def decode(data: bytes) -> str:
    from .auto import IngestError
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", errors="replace")
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return data.decode("utf-16", errors="replace")
    sample = data[:65536]
    if sample and len(_CONTROL.findall(sample)) > max(8, len(sample) // 100):
        raise IngestError("binary content, not text")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


_MD_EMPHASIS = re.compile(r"(\*\*|__)(?=\S)(.+?)(?<=\S)\1")
_MD_HEADING = re.compile(r"^#{1,6}\s+", re.M)
_MD_RULE = re.compile(r"^\s*\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?\s*$")


def markdown_to_text(text: str) -> str:
    """Drop the markup a reader does not see; pipe tables become tab-separated rows like every other table."""
    out = []
    for line in text.split("\n"):
        if _MD_RULE.match(line) and "-" in line:
            continue
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 2:
            line = "\t".join(cell.strip() for cell in stripped[1:-1].split("|"))
        out.append(line)
    text = "\n".join(out)
    text = _MD_HEADING.sub("", text)
    return _MD_EMPHASIS.sub(r"\2", text)


def rebuild_cell_blocks(text: str) -> str:
    """Tables pasted from Word arrive as one cell per TAB-led line, a blank line between rows.

    Such a block becomes one tab-separated row, as every other ingester writes tables.
    """
    blocks = re.split(r"(\n *\n)", text)
    for k in range(0, len(blocks), 2):
        lines = blocks[k].split("\n")
        led = [ln for ln in lines if ln.startswith("\t")]
        if len(led) < 2 or not lines[0].startswith("\t") or any("\t" in ln.strip("\t") for ln in lines):
            continue
        cells: list[list[str]] = []
        for ln in lines:
            if ln.startswith("\t") or not cells:
                cells.append([ln.strip()])
            else:
                cells[-1].append(ln.strip())
        blocks[k] = "\t".join(" ".join(c for c in cell if c) or " " for cell in cells)
    return "".join(blocks)


def ingest(data: bytes, *, path: str, sha256: str, markdown: bool = False, decoded: str | None = None) -> Document:
    text = decoded if decoded is not None else decode(data)
    if markdown:
        text = markdown_to_text(text)
    text = rebuild_cell_blocks(text)
    pages = text.split("\f")
    title = next((ln.strip() for ln in text.split("\n") if ln.strip()), None)
    return Document.from_pages(pages, path=path, sha256=sha256, format="markdown" if markdown else "text",
                               title=title[:200] if title else None)
