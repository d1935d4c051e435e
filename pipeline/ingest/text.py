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


def pipe_tables(text: str) -> str:
    """Pipe tables (Markdown, or drawn in plain text) become tab-separated rows like every other table."""
    out = []
    for line in text.split("\n"):
        stripped = line.strip()
        if stripped.startswith("|") and stripped.endswith("|") and stripped.count("|") >= 3:
            if _MD_RULE.match(stripped):
                continue
            line = "\t".join(cell.strip() for cell in stripped[1:-1].split("|"))
        out.append(line)
    return "\n".join(out)


_GAP = re.compile(r"(?<=\S) {3,}(?=\S)")


def fixed_width_tables(text: str) -> str:
    """Columns aligned with spaces (a What/Who/When log typed in a text file) become tab-separated rows.

    A header line with two or more wide gaps fixes the column starts; following lines are cut at
    those starts until a blank line. Key/value lines ("Date:      5 March") have one gap and stay.
    """
    lines = text.split("\n")
    k = 0
    while k < len(lines):
        line = lines[k]
        gaps = list(_GAP.finditer(line))
        if len(gaps) >= 2 and k + 1 < len(lines) and lines[k + 1].strip():
            starts = [len(line) - len(line.lstrip())] + [g.end() for g in gaps]
            j = k
            while j < len(lines) and lines[j].strip():
                row = lines[j]
                if any(0 < st < len(row) and row[st - 1] != " " for st in starts[1:]):
                    break  # a word runs across a column start: not this table
                cells = [row[a:b].strip() for a, b in zip(starts, starts[1:] + [None])]
                lines[j] = "\t".join(cells)
                j += 1
            k = j if j > k + 1 else k + 1
            continue
        k += 1
    return "\n".join(lines)


_MD_QUOTE = re.compile(r"^[ \t]{0,3}(?:>[ \t]?)+", re.M)


def markdown_to_text(text: str) -> str:
    """Drop the markup a reader does not see (headings' #, emphasis, block-quote >)."""
    text = _MD_QUOTE.sub("", _MD_HEADING.sub("", text))
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
    text = fixed_width_tables(pipe_tables(rebuild_cell_blocks(text)))
    pages = text.split("\f")
    title = next((ln.strip() for ln in text.split("\n") if ln.strip()), None)
    return Document.from_pages(pages, path=path, sha256=sha256, format="markdown" if markdown else "text",
                               title=title[:200] if title else None)
