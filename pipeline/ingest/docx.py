"""Word documents with python-docx.

Decisions are numbered, and in Word the numbers ("i)", "(a)", "3.1.") usually live in the
numbering definitions rather than the paragraph text; without recomputing them a register loses
every label. Page breaks come from Word's own `lastRenderedPageBreak` markers, the pagination the
author last saw.
"""
from __future__ import annotations

import io
import struct
import zipfile
import zlib

from ..document import Document

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
MAX_UNCOMPRESSED = 200 * 1024 * 1024  # decompressed bytes, one member or all together
MAX_RATIO = 200                        # compression ratio refused for members over RATIO_MIN_SIZE
RATIO_MIN_SIZE = 10_000_000            # smaller members may compress well (repetitive XML) and are harmless
MAX_MEMBERS = 5000                     # Word writes a few dozen; tens of thousands is a zip-of-entries bomb
XML_SUFFIXES = (".xml", ".rels", ".vml")


def roman(n: int) -> str:
    out = ""
    for value, numeral in ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                           (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I")):
        while n >= value:
            out, n = out + numeral, n - value
    return out


def _letters(n: int) -> str:
    # Word repeats the letter past z: aa, bb, ...
    return chr(96 + (n - 1) % 26 + 1) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    if fmt == "lowerRoman":
        return roman(n).lower()
    if fmt == "upperRoman":
        return roman(n)
    if fmt == "lowerLetter":
        return _letters(n)
    if fmt == "upperLetter":
        return _letters(n).upper()
    if fmt == "none":
        return ""
    return str(n)


def check_container(data: bytes) -> None:
    """Refuse zip bombs and encrypted members from the central directory, before zipfile inflates anything.

    The central directory's sizes can lie, and zipfile's read() inflates a member's whole stream in one
    call before cutting it to the declared size; so each member is then inflated here, in bounded chunks
    that are thrown away, and refused if it holds more than it declares.
    """
    from .auto import IngestError
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # noqa: BLE001 - BadZipFile, NotImplementedError ("zip file version"), OSError, ...
        raise IngestError(f"corrupt zip/DOCX container: {exc}") from None
    with zf:
        infos = zf.infolist()
        if len(infos) > MAX_MEMBERS:
            raise IngestError(f"DOCX rejected: {len(infos)} zip members, over the limit of {MAX_MEMBERS}")
        total = 0
        for info in infos:
            if info.flag_bits & 0x1:
                raise IngestError("encrypted DOCX (password required)")
            if info.file_size > MAX_UNCOMPRESSED:
                raise IngestError(f"DOCX rejected: decompressed size over limit ({info.filename!r} inflates to "
                                  f"{info.file_size // 2**20} MB, limit {MAX_UNCOMPRESSED // 2**20} MB)")
            if info.compress_size and info.file_size / info.compress_size > MAX_RATIO and info.file_size > RATIO_MIN_SIZE:
                raise IngestError(f"DOCX rejected: member {info.filename!r} compression ratio over {MAX_RATIO}")
            total += info.file_size
        if total > MAX_UNCOMPRESSED:
            raise IngestError(f"DOCX rejected: decompressed size over limit ({total // 2**20} MB in all, "
                              f"limit {MAX_UNCOMPRESSED // 2**20} MB)")
        for info in infos:
            _check_inflated_size(data, info)


INFLATE_CHUNK = 1 << 20


def _check_inflated_size(data: bytes, info: zipfile.ZipInfo) -> None:
    from .auto import IngestError
    at = info.header_offset
    if data[at:at + 4] != b"PK\x03\x04":
        raise IngestError(f"corrupt zip/DOCX container: no local header for {info.filename!r}")
    name_len, extra_len = struct.unpack_from("<HH", data, at + 26)
    start = at + 30 + name_len + extra_len
    raw = data[start:start + info.compress_size]
    if info.compress_type == zipfile.ZIP_STORED:
        size = len(raw)
    elif info.compress_type == zipfile.ZIP_DEFLATED:
        inflater, size = zlib.decompressobj(-15), 0
        try:
            chunk = inflater.decompress(raw, INFLATE_CHUNK)
            while chunk and size <= info.file_size:
                size += len(chunk)
                chunk = inflater.decompress(inflater.unconsumed_tail, INFLATE_CHUNK)
        except zlib.error as exc:
            raise IngestError(f"corrupt DOCX: damaged zip member {info.filename} ({exc})") from None
    else:  # Word writes stored and deflated members only
        raise IngestError(f"DOCX rejected: zip member {info.filename!r} uses compression method {info.compress_type}")
    if size > info.file_size:
        raise IngestError(f"DOCX rejected: zip member {info.filename!r} inflates past its declared size "
                          f"({info.file_size} bytes): corrupt, or a zip bomb")


def check_xml_parts(data: bytes) -> list[str]:
    """Refuse DTDs in any XML part; return the parts that are not well-formed XML (to name them in a reason).

    OOXML forbids DTDs (ISO/IEC 29500-2, 8.1.4), so one is an attack: an external entity reading a local
    file (XXE) or an entity bomb. python-docx parses with resolve_entities=False; this is the first line.
    Parsing here is no stricter than python-docx's own parser (same libxml2 limits), and nothing
    resolves entities, loads a DTD or touches the network. Call after check_container (sizes are bounded).
    """
    from lxml import etree
    from .auto import IngestError
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
    malformed = []
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        for info in zf.infolist():
            name = info.filename
            if info.is_dir() or not name.lower().endswith(XML_SUFFIXES):
                continue
            try:
                blob = zf.read(info)
            except (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, ValueError) as exc:
                raise IngestError(f"corrupt DOCX: damaged zip member {name} ({_one_line(exc)})") from None
            if b"<!DOCTYPE" in blob or b"<!ENTITY" in blob:
                raise IngestError(f"DOCX rejected: DTD/entity declarations in {name} (not allowed in Word files)")
            try:
                root = etree.fromstring(blob, parser)
            except etree.XMLSyntaxError as exc:
                if "amplification" in str(exc):  # libxml2's entity-bomb guard (a DTD in an unusual encoding)
                    raise IngestError(f"DOCX rejected: entity expansion in {name}") from None
                malformed.append(f"{name} ({_one_line(exc).split(', line')[0][:80]})")
                continue
            info_ = root.getroottree().docinfo
            if info_.doctype or info_.internalDTD is not None or info_.system_url:  # e.g. a UTF-16 part
                raise IngestError(f"DOCX rejected: DTD/entity declarations in {name} (not allowed in Word files)")
    return malformed


def _one_line(exc: BaseException) -> str:
    return " ".join(str(exc).split())[:150] or type(exc).__name__


class Numbering:
    """Recompute Word's list labels from numbering.xml, as Word would draw them."""

    def __init__(self, doc):
        self.levels: dict[str, dict[int, dict]] = {}   # abstractNumId -> ilvl -> {fmt, text, start}
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> (abstractNumId, start overrides)
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        self.style_numpr: dict[str, tuple[str, int]] = {}
        try:
            root = doc.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            root = None
        if root is not None:
            for absn in root.iter(W + "abstractNum"):
                lv = {}
                for lvl in absn.iter(W + "lvl"):
                    ilvl = int(lvl.get(W + "ilvl", "0"))
                    get = lambda tag, default: (lvl.find(W + tag).get(W + "val") if lvl.find(W + tag) is not None else default)  # noqa: E731
                    lv[ilvl] = {"fmt": get("numFmt", "decimal"), "text": get("lvlText", f"%{ilvl + 1}."),
                                "start": int(get("start", "1") or 1), "lgl": lvl.find(W + "isLgl") is not None}
                self.levels[absn.get(W + "abstractNumId")] = lv
            for num in root.iter(W + "num"):
                absid = num.find(W + "abstractNumId")
                overrides = {}
                for ov in num.iter(W + "lvlOverride"):
                    so = ov.find(W + "startOverride")
                    if so is not None:
                        overrides[int(ov.get(W + "ilvl", "0"))] = int(so.get(W + "val"))
                if absid is not None:
                    self.nums[num.get(W + "numId")] = (absid.get(W + "val"), overrides)
        try:
            for style in doc.styles.element.iter(W + "style"):
                numpr = style.find(f"{W}pPr/{W}numPr")
                if numpr is not None and numpr.find(W + "numId") is not None:
                    ilvl = numpr.find(W + "ilvl")
                    self.style_numpr[style.get(W + "styleId")] = (
                        numpr.find(W + "numId").get(W + "val"), int(ilvl.get(W + "val")) if ilvl is not None else 0)
        except (KeyError, AttributeError):
            pass

    def label(self, p) -> str | None:
        ppr = p.find(W + "pPr")
        numpr = ppr.find(W + "numPr") if ppr is not None else None
        num_id, ilvl = None, 0
        if numpr is not None and numpr.find(W + "numId") is not None:
            num_id = numpr.find(W + "numId").get(W + "val")
            il = numpr.find(W + "ilvl")
            ilvl = int(il.get(W + "val")) if il is not None else 0
        elif ppr is not None and ppr.find(W + "pStyle") is not None:
            num_id, ilvl = self.style_numpr.get(ppr.find(W + "pStyle").get(W + "val"), (None, 0))
        if not num_id or num_id == "0" or num_id not in self.nums:
            return None
        abs_id, overrides = self.nums[num_id]
        levels = self.levels.get(abs_id, {})
        if ilvl not in levels:
            return None
        counters = self.counters.setdefault(abs_id, {})
        if num_id not in self.started:
            self.started.add(num_id)
            for lvl, start in overrides.items():
                counters[lvl] = start - 1
        counters[ilvl] = counters.get(ilvl, levels[ilvl]["start"] - 1) + 1
        for deeper in [k for k in counters if k > ilvl]:
            del counters[deeper]
        spec = levels[ilvl]
        if spec["fmt"] == "bullet":
            return "•"
        text = spec["text"]
        for k in range(ilvl, -1, -1):
            lvl = levels.get(k, {"fmt": "decimal", "start": 1})
            value = counters.get(k, lvl["start"])
            fmt = "decimal" if spec["lgl"] and k != ilvl else lvl["fmt"]
            text = text.replace(f"%{k + 1}", format_number(value, fmt))
        return text.strip() or None


def _paragraph_text(p) -> str:
    parts = []
    for el in p.iter():
        tag = el.tag
        if tag == W + "t":
            parts.append(el.text or "")
        elif tag == W + "tab":
            parts.append(" ")
        elif tag in (W + "br", W + "cr"):
            parts.append("\f" if el.get(W + "type") == "page" else "\n")
        elif tag == W + "lastRenderedPageBreak":
            parts.append("\f")
        elif tag == W + "pPr":
            continue
    return "".join(parts)


def ingest(data: bytes, *, path: str, sha256: str) -> Document:
    from lxml import etree
    from .auto import IngestError
    import docx
    check_container(data)
    malformed = check_xml_parts(data)
    try:
        doc = docx.Document(io.BytesIO(data))
    except etree.XMLSyntaxError as exc:
        where = malformed[0] if malformed else f"a part ({_one_line(exc)[:80]})"
        raise IngestError(f"corrupt DOCX: malformed XML in {where}") from None
    except KeyError as exc:
        raise IngestError(f"corrupt DOCX: missing part ({_one_line(exc).strip(chr(34))})") from None
    except Exception as exc:  # noqa: BLE001 - python-docx raises many types for broken packages
        raise IngestError(f"corrupt DOCX: {_one_line(exc)}") from None
    try:
        return _read(doc, path=path, sha256=sha256)
    except (ValueError, TypeError, KeyError, IndexError, AttributeError, etree.XMLSyntaxError) as exc:
        # invalid attribute values (python-docx's InvalidXmlError is a ValueError), missing parts
        raise IngestError(f"corrupt DOCX: invalid content ({type(exc).__name__}: {_one_line(exc)[:100]})") from None


def _read(doc, *, path: str, sha256: str) -> Document:
    numbering = Numbering(doc)
    out: list[str] = []
    try:
        header = doc.sections[0].header
        head_text = "\n".join(p.text for p in header.paragraphs if p.text.strip()) if not header.is_linked_to_previous else ""
    except (IndexError, KeyError, AttributeError, ValueError):
        head_text = ""
    if head_text:
        out.append(head_text + "\n\n")
    for child in doc.element.body.iterchildren():
        if child.tag == W + "p":
            text = _paragraph_text(child)
            label = numbering.label(child)
            lead = text[: len(text) - len(text.lstrip("\f"))]
            if label and text.strip():
                text = f"{lead}{label} {text.lstrip(chr(12))}"
            out.append(text + "\n")
        elif child.tag == W + "tbl":
            for row in child.iter(W + "tr"):
                cells = []
                breaks = ""
                for cell in row.iter(W + "tc"):
                    paras = []
                    for p in cell.iter(W + "p"):
                        t = _paragraph_text(p)
                        breaks += "\f" * t.count("\f")
                        label = numbering.label(p)
                        t = t.replace("\f", "").replace("\n", " ").strip()
                        if t:
                            paras.append(f"{label} {t}" if label else t)
                    cells.append(" ".join(paras))
                out.append(breaks + "\t".join(cells) + "\n")
            out.append("\n")
    pages = "".join(out).split("\f")
    title = (doc.core_properties.title or "").strip() or next(
        (ln.strip() for ln in "".join(out).split("\n") if ln.strip()), None)
    return Document.from_pages(pages, path=path, sha256=sha256, format="docx", title=title[:200] if title else None)
