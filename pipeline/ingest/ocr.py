"""OCR for scanned pages: Tesseract reads the pages that have no usable text layer, and image files.

A PDF page is sent to OCR only when its text layer is unusable (see `layer_problem`): empty, a few
characters, or garbage (an old scanner's bad OCR layer, a font without a Unicode map). Pages with good
text are never rendered. An empty or near-empty page is OCRed only if it draws something: an image, or
enough vector paths to be outlined lettering; a blank page is not worth a second of Tesseract.
When OCR of a page with a (bad) text layer does not read clearly better words, the layer stays (`better`).

Tesseract runs as a subprocess (`tesseract stdin stdout tsv`), one page at a time, with
OMP_THREAD_LIMIT=1: its own threading is several times slower on 2 cores than one thread per page,
and parallelism comes from the pipeline's worker processes. The TSV gives words with boxes and
confidences; the page's text is rebuilt from it the way a PDF text layer reads (a line per line, no blank
lines; the words inside a ruled table, found from its rules in the image, as TAB-separated cells like
pdf.py's tables), a few slips every scan makes are undone (bullets read as "e"/"¢", rules as "|"), and
the page's confidence is the mean word confidence (0-100).

Without Tesseract (or its English data) nothing fails: the page keeps whatever text it had and the
document gets the warning "pages …: no text, OCR not available".
"""
from __future__ import annotations

import io
import os
import re
import shutil
import subprocess
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from ..document import Document, normalise

DPI = 300                  # render scale for PDF pages (Tesseract is tuned for ~300 dpi)
MAX_PIXELS = 60_000_000    # a huge page (A0 plan) is rendered at a lower dpi rather than at 300
LANG = "eng"
TIMEOUT = 60               # seconds for one page (a normal page takes 1-3 s; noise can take far longer)
MIN_CHARS = 40             # fewer non-space characters than this: the page has no usable text layer
MIN_GOOD_RATIO = 0.6       # fewer word-like tokens than this share: the text layer is garbage
MIN_TOKENS = 8             # the garbage test needs this many tokens to judge
MIN_LOWER = 20             # ... and this many all-lowercase words to judge by vocabulary
MIN_KNOWN = 0.28           # fewer frequent words among the lowercase ones: garbage (real pages: >= 0.40)
DOUBT_GOOD_RATIO, DOUBT_KNOWN = 0.80, 0.40  # both signals low together: garbage
LOWER_CAP = 5
MIN_IMAGE_SHARE = 0.05     # an image smaller than this share of the page (a logo, a signature) is not a scan
MIN_PATHS = 200            # outlined lettering draws a path per glyph; a few rules and boxes are not text

NO_OCR = "no text, OCR not available"


def tesseract_path() -> str | None:
    """The Tesseract executable, or None. Tests monkeypatch this to simulate a machine without it."""
    return shutil.which(os.environ.get("MINUTEBOOK_TESSERACT", "tesseract"))


def available() -> bool:
    return tesseract_path() is not None


class OcrUnavailable(Exception):
    """Tesseract or its language data is missing; the reason is part of the warning."""


# --- judging a text layer -------------------------------------------------------------------

_STRIP = "\"'“”‘’()[]{}<>.,;:!?*"
_NEUTRAL = set("•-–—&/|:;.,§#()[]+=_*·")
_WORD = re.compile(r"^[A-Za-zÀ-ÖØ-öø-ÿ]+(?:['’-][A-Za-zÀ-ÖØ-öø-ÿ]+)*$")
_NUMBER = re.compile(r"^[£$€]?\d[\d.,:/%-]*(?:st|nd|rd|th|am|pm|k|m|bn)?$", re.I)
_CODE = re.compile(r"^(?=.*\d)(?=.*[A-Z])[A-Z\d]+(?:[/.-][A-Z\d]+)*$")  # 23/01234/FUL, AX-11-2023, S106, M25
_LOWER = re.compile(r"^[a-z]+(?:['’-][a-z]+)*$")
_VOWEL = re.compile(r"[aeiouyàáâäèéêëìíîïòóôöùúûüwAEIOUY]")


def _token_ok(tok: str) -> bool | None:
    """True for a word-like token, False for a garbage one, None for punctuation that counts neither way."""
    core = tok.strip(_STRIP)
    if not core:
        return None if all(c in _NEUTRAL for c in tok) and len(tok) <= 3 else False
    if _NUMBER.match(core) or _CODE.match(core):
        return True
    if "@" in core or core.lower().startswith(("http", "www.")):
        return None  # addresses judge nothing
    if not _WORD.match(core) or len(core) > 24:
        return False
    letters = core.replace("'", "").replace("’", "").replace("-", "")
    if re.search(r"(.)\1\1", letters.lower()) and not re.fullmatch(r"[ivxlc]+", letters.lower()):
        return False  # "lll", "eee": no word triples a letter (roman numerals aside)
    if letters.isupper():
        return True   # capitals: a heading or an acronym (NHS, CCTV)
    if letters.islower() or (letters[0].isupper() and letters[1:].islower()):
        # a word has a vowel, abbreviations aside: "hrs", "Cllr", "Mr", "Ltd" are short
        return len(letters) < (4 if letters.islower() else 6) or bool(_VOWEL.search(letters))
    return bool(re.fullmatch(r"(?:Mc|Mac|O['’]|D['’])?[A-Z][a-z]+(?:-[A-Z][a-z]+)*", core))  # McDonald, O'Brien


# Frequent words of English prose and of committee papers. On a good text layer at least 40% of the
# lowercase words are here (the lowest page measured, README); a bad OCR layer ("tbe Couucil") or a font
# without a Unicode map ("Uif Dpvodjm") has far fewer.
_COMMON = frozenset("""
a about above after again against all also am an and any are as at be because been before being below between both
but by can could did do does doing down during each few for from further had has have having he her here hers him
his how i if in into is it its itself just me more most my no nor not now of off on once only or other our ours out
over own same she should so some such than that the their theirs them then there these they this those through to
too under until up very was we were what when where which while who whom why will with would you your yours
may must shall upon within without per via across along among around however therefore whether either neither
new one two three four five six seven eight nine ten first second third last next year years month months day days
time week weeks date dates number part report reports meeting meetings minutes minute council councils committee committees
board boards member members chair chairman chairperson vice mayor clerk officer officers director manager
resolved resolution resolutions agreed agree approve approved approval motion moved seconded carried unanimously vote
votes voted favour favor against abstain abstained noted note notes item items agenda action actions recommendation
recommendations recommended recommend decision decisions decided consider considered consideration discussion discussed
public service services plan plans planning budget cost costs fund funds funding grant money total amount
policy policies proposal proposed proposals project projects work works use used including include includes following
present apologies received receive presented update updated review reviewed request requested support
city county town village district parish borough state local community area areas people health care social
school schools road roads street park parks building land development housing water office general special regular
said made make see set well may per new business further need needs provide provided information available
aye ayes nay nays yes absent abstention ongoing complete completed tbc
cabinet executive officer's council's committee's his her their within ensure continue continued current future
order orders contract contracts company staff team group programme program process system systems year's
""".split())


@dataclass
class Quality:
    chars: int        # non-space characters
    tokens: int       # tokens judged (punctuation-only ones left out)
    good: int         # word-like tokens
    good_chars: int   # characters in word-like tokens
    words: int = 0    # tokens holding a letter
    known: int = 0    # of those, frequent English words (_COMMON)
    known_chars: int = 0
    lower: int = 0        # all-lowercase words of 2+ letters: mostly function words and common vocabulary
    lower_known: int = 0  # of those, in _COMMON

    @property
    def ratio(self) -> float:
        return self.good / self.tokens if self.tokens else 0.0

    @property
    def known_ratio(self) -> float:
        return self.known / self.words if self.words else 0.0

    @property
    def lower_known_ratio(self) -> float:
        return self.lower_known / self.lower if self.lower else 1.0


@lru_cache(maxsize=1 << 16)
def _token_facts(tok: str) -> tuple:
    """What quality() needs of one token, worked out once per distinct token (a page repeats most of its words):
    (length, ok, holds a letter, frequent word's length or 0, the lowercase word to count or None)."""
    core = tok.strip(_STRIP)
    low = core.lower()
    alpha = any(c.isalpha() for c in low)
    return (len(tok), _token_ok(tok), alpha, len(low) if alpha and low in _COMMON else 0,
            core if len(core) >= 2 and _LOWER.match(core) else None)


def quality(text: str) -> Quality:
    """The counts of Quality for a text layer: each distinct token judged once, times its count (a page
    repeats most of its words), in local variables (a page has hundreds of tokens)."""
    chars = tokens = good = good_chars = words = known = known_chars = 0
    lower: dict[str, int] = {}
    for tok, times in Counter(normalise(text).split()).items():
        n, ok, alpha, frequent, low = _token_facts(tok)
        chars += n * times
        if ok is None:
            continue
        tokens += times
        if ok:
            good += times
            good_chars += n * times
        if alpha:
            words += times
            if frequent:
                known += times
                known_chars += frequent * times
            if low is not None:
                lower[low] = lower.get(low, 0) + times
    # a word repeated down a table column ("aye", "x", "ongoing") counts at most LOWER_CAP times
    return Quality(chars, tokens, good, good_chars, words, known, known_chars,
                   lower=sum(min(n, LOWER_CAP) for n in lower.values()),
                   lower_known=sum(min(n, LOWER_CAP) for w, n in lower.items() if w in _COMMON))


def layer_problem(text: str) -> str | None:
    """Why this text layer is unusable ("none", "sparse", "garbage"), or None when it is good text.

    Garbage is judged on two cheap signals: the share of word-like tokens (symbol soup, "c0unci1", "|!~"
    lower it) and the share of frequent English words among the all-lowercase words (a good page's
    lowercase words are mostly "the", "of", "council"…: >= 40% on every page of the corpora; "tbe",
    "Uif Dpvodjm" are not). Thresholds keep a margin from every real text page measured (README).
    """
    if not text.strip():
        return "none"
    q = quality(text)
    if q.chars < MIN_CHARS:
        return "sparse"
    if q.tokens >= MIN_TOKENS and q.ratio < MIN_GOOD_RATIO:
        return "garbage"
    if q.lower >= MIN_LOWER and (q.lower_known_ratio < MIN_KNOWN
                                 or (q.ratio < DOUBT_GOOD_RATIO and q.lower_known_ratio < DOUBT_KNOWN)):
        return "garbage"
    return None


def draws_something(page) -> bool:
    """True when a PDF page holds an image of some size or enough paths to be lettering: worth rendering for OCR."""
    import pypdfium2.raw as raw
    paths = 0
    width, height = page.get_size()
    for obj in page.get_objects(filter=[raw.FPDF_PAGEOBJ_IMAGE, raw.FPDF_PAGEOBJ_PATH], max_depth=3):
        if obj.type == raw.FPDF_PAGEOBJ_IMAGE:
            try:
                left, bottom, right, top = obj.get_pos()
            except Exception:  # noqa: BLE001 - a damaged object: assume it is a scan
                return True
            if (right - left) * (top - bottom) >= MIN_IMAGE_SHARE * width * height:
                return True
            continue
        paths += 1
        if paths >= MIN_PATHS:
            return True
    return False


def wants_ocr(text: str, page) -> bool:
    """Should this PDF page (pypdfium2 page, its layer text) be read by OCR? Cheap: no rendering."""
    problem = layer_problem(text)
    if problem is None:
        return False
    return problem == "garbage" or draws_something(page)


# --- running Tesseract ----------------------------------------------------------------------

@dataclass
class OcrPage:
    text: str
    confidence: float | None   # mean word confidence, 0-100; None when no word was read
    words: int = 0


def ocr_image(img, dpi: int | None = DPI) -> OcrPage:
    """Read one PIL image with Tesseract. Raises OcrUnavailable when it cannot run at all."""
    img = plain(img)
    return parse_tsv(run_tesseract(img, dpi), find_grids(img, dpi))


def _die_with_parent() -> None:
    """In the child: be killed with the worker that started it (Linux), so a timed-out worker leaves no Tesseract."""
    try:
        import ctypes
        import signal
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass


def plain(img):
    """An image Tesseract reads as printed: grey or RGB, transparency over white, 16-bit scaled to 8."""
    from PIL import Image
    if img.mode in ("L", "RGB", "1"):
        return img
    if img.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        lo, hi = img.getextrema()
        span = (hi - lo) or 1
        return img.convert("F").point(lambda v: (v - lo) * 255.0 / span).convert("L")
    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        white = Image.new("RGB", img.size, (255, 255, 255))
        white.paste(rgba, mask=rgba.getchannel("A"))
        return white
    return img.convert("RGB")


def run_tesseract(img, dpi: int | None = DPI) -> str:
    """Tesseract's TSV for one image: one process, one thread (OMP_THREAD_LIMIT=1)."""
    exe = tesseract_path()
    if exe is None:
        raise OcrUnavailable("tesseract not installed")
    img = plain(img)
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=1)
    cmd = [exe, "stdin", "stdout", "-l", LANG, "--psm", "3"]
    if dpi:
        cmd += ["--dpi", str(int(dpi))]
    env = dict(os.environ, OMP_THREAD_LIMIT="1")
    try:
        run = subprocess.run(cmd + ["tsv"], input=buf.getvalue(), capture_output=True, env=env, timeout=TIMEOUT,
                             preexec_fn=_die_with_parent)
    except FileNotFoundError:
        raise OcrUnavailable("tesseract not installed") from None
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"OCR timed out after {TIMEOUT} s") from None
    err = run.stderr.decode("utf-8", "replace")
    if run.returncode != 0:
        if "Failed loading language" in err or "Could not initialize tesseract" in err:
            raise OcrUnavailable(f"Tesseract language data '{LANG}' missing (tesseract-ocr-{LANG})")
        raise RuntimeError(f"tesseract exit {run.returncode}: {err.strip().splitlines()[-1] if err.strip() else ''}")
    return run.stdout.decode("utf-8", "replace")


@dataclass
class Word:
    key: tuple          # (block, paragraph, line) in Tesseract's reading order
    left: int
    top: int
    width: int
    height: int
    text: str

    @property
    def cx(self) -> float:
        return self.left + self.width / 2

    @property
    def cy(self) -> float:
        return self.top + self.height / 2


def parse_tsv(tsv: str, grids: list[Grid] | None = None) -> OcrPage:
    """Words of Tesseract's TSV back into text, laid out like a PDF text layer: a line per line, no blank
    lines; the words inside a ruled table (`grids`) become rows of TAB-separated cells, as pdf.py writes them.
    """
    words, confs = [], []
    for row in tsv.split("\n")[1:]:
        cols = row.split("\t")
        if len(cols) < 12 or cols[0] != "5" or not cols[11].strip():
            continue
        try:
            conf = float(cols[10])
            box = [int(c) for c in cols[6:10]]
        except ValueError:
            continue
        if conf >= 0:
            confs.append(conf)
        words.append(Word((cols[2], cols[3], cols[4]), *box, cols[11].strip()))
    grids = grids or []
    cells: list[dict] = [{} for _ in grids]
    lines: list[tuple[tuple, list[Word]]] = []
    for w in words:
        g = next((k for k, grid in enumerate(grids) if grid.contains(w.cx, w.cy)), None)
        if g is not None:
            if w.text not in ("|", "¦", "[", "]", "_"):
                cells[g].setdefault(grids[g].cell(w.cx, w.cy), []).append(w)
        elif lines and lines[-1][0] == w.key:
            lines[-1][1].append(w)
        else:
            lines.append((w.key, [w]))
    pending = sorted(range(len(grids)), key=lambda k: grids[k].ys[0])
    out = []
    for _, line in lines:
        top = min(w.top for w in line)
        while pending and grids[pending[0]].ys[0] < top:
            out += _table_rows(grids[pending[0]], cells[pending.pop(0)])
        out.append(" ".join(w.text for w in line))
    for k in pending:
        out += _table_rows(grids[k], cells[k])
    text = tidy("\n".join(out))
    return OcrPage(text, round(sum(confs) / len(confs), 1) if confs else None, len(confs))


def _table_rows(grid: Grid, cells: dict) -> list[str]:
    rows = []
    for r in range(len(grid.ys) - 1):
        row = [_cell_text(cells.get((r, c), [])) for c in range(len(grid.xs) - 1)]
        if any(row):
            rows.append("\t".join(row))
    return rows


def _cell_text(words: list[Word]) -> str:
    """A cell's words in reading order: visual lines top to bottom, words left to right, lines joined by a space."""
    lines: list[list[Word]] = []
    for w in sorted(words, key=lambda w: w.cy):
        if lines and abs(w.cy - sum(x.cy for x in lines[-1]) / len(lines[-1])) < 0.6 * max(w.height, 1):
            lines[-1].append(w)
        else:
            lines.append([w])
    return " ".join(" ".join(w.text for w in sorted(ln, key=lambda w: w.left)) for ln in lines)


# --- ruled tables in a page image ---------------------------------------------------------

@dataclass
class Grid:
    """A ruled table found in an image: column and row boundaries in pixels."""
    xs: list[int]
    ys: list[int]

    def contains(self, x: float, y: float) -> bool:
        return self.xs[0] <= x <= self.xs[-1] and self.ys[0] <= y <= self.ys[-1]

    def cell(self, x: float, y: float) -> tuple[int, int]:
        import bisect
        r = min(max(bisect.bisect_right(self.ys, y) - 1, 0), len(self.ys) - 2)
        c = min(max(bisect.bisect_right(self.xs, x) - 1, 0), len(self.xs) - 2)
        return r, c


def find_grids(img, dpi: int | None) -> list[Grid]:
    """Ruled tables: horizontal and vertical rules that cross, at least 2 rows by 2 columns.

    A rule is a run of dark pixels at least half an inch long (horizontal) or a fifth of an inch (vertical)
    and at most 1.5 mm thick; no letter makes one. Cheap next to OCR: a few numpy passes over the image.
    """
    try:
        import numpy as np
    except ImportError:  # numpy comes with spaCy; without it, tables read as plain lines
        return []
    dpi = dpi or DPI
    dark = np.asarray(img.convert("L")) < 128
    tol = max(int(dpi * 0.03), 3)
    hs = _rules(_runs(dark, int(dpi * 0.5)), tol, int(dpi * 0.06))
    vs = _rules(_runs(dark.T, int(dpi * 0.2)), tol, int(dpi * 0.06))
    if len(hs) < 3 or len(vs) < 3:
        return []
    parent = list(range(len(hs) + len(vs)))

    def find(a):
        while parent[a] != a:
            parent[a] = parent[parent[a]]
            a = parent[a]
        return a
    for i, (y, x0, x1) in enumerate(hs):
        for j, (x, y0, y1) in enumerate(vs):
            if x0 - tol <= x <= x1 + tol and y0 - tol <= y <= y1 + tol:
                parent[find(i)] = find(len(hs) + j)
    groups: dict[int, tuple[list, list]] = {}
    for i, h in enumerate(hs):
        groups.setdefault(find(i), ([], []))[0].append(h[0])
    for j, v in enumerate(vs):
        groups.setdefault(find(len(hs) + j), ([], []))[1].append(v[0])
    grids = []
    for ys, xs in groups.values():
        ys, xs = _distinct(ys, tol), _distinct(xs, tol)
        if len(ys) >= 3 and len(xs) >= 3:
            grids.append(Grid(xs, ys))
    return grids


def _runs(mask, length: int) -> list[tuple[int, int, int]]:
    """(row, start, end) of every run of at least `length` True pixels along the rows of `mask`."""
    import numpy as np
    if mask.shape[1] <= length:
        return []
    cs = np.zeros((mask.shape[0], mask.shape[1] + 1), dtype=np.int32)
    np.cumsum(mask, axis=1, out=cs[:, 1:])
    full = (cs[:, length:] - cs[:, :-length]) == length
    out = []
    for r in np.flatnonzero(full.any(axis=1)):
        idx = np.flatnonzero(full[r])
        breaks = np.flatnonzero(np.diff(idx) > 1)
        for a, b in zip(idx[np.r_[0, breaks + 1]], idx[np.r_[breaks, len(idx) - 1]]):
            out.append((int(r), int(a), int(b) + length))
    return out


def _rules(runs, tol: int, max_thick: int) -> list[tuple[int, int, int]]:
    """Runs in adjacent rows that overlap are one rule (pos, start, end); thicker than max_thick is a filled area."""
    open_, done = [], []
    for r, a, b in runs:
        for rule in open_:
            if rule[1] >= r - 2 and rule[2] <= b + tol and a - tol <= rule[3]:
                rule[1], rule[2], rule[3] = r, min(rule[2], a), max(rule[3], b)
                break
        else:
            open_.append([r, r, a, b])
        still = []
        for rule in open_:
            (still if rule[1] >= r - 2 else done).append(rule)
        open_ = still
    done += open_
    return [((r0 + r1) // 2, a, b) for r0, r1, a, b in done if r1 - r0 <= max_thick]


def _distinct(values: list[int], tol: int) -> list[int]:
    out: list[int] = []
    for v in sorted(values):
        if out and v - out[-1] <= tol:
            continue
        out.append(v)
    return out


# A bullet glyph comes out of Tesseract as one of these before a capitalised word: at the start of a line or
# a cell, or inside a table cell whose bullet lines were joined.
_BULLET_SLIP = re.compile(r"(?:^|(?<=\t)|(?<= ))(?:e¢|e«|[e¢«©®•·»]|(?<![^\t\n])[o°*])[ ]+(?=[A-Z0-9“\"'(])", re.M)
# A table rule or a hanging indent's gap read as "|": alone between words, or glued to a word's edge.
_BAR = re.compile(r"(?:(?<=\s)|^)[|¦](?:[ \t]+|$)|(?:(?<=\s)|^)[|¦](?=[A-Za-z(“\"'])|(?<=[a-z.,;:)])[|¦](?=\s|$)", re.M)


def tidy(text: str) -> str:
    """Undo the OCR slips that every scan makes the same way: bullets read as letters, table rules as bars."""
    text = _BAR.sub("", text)
    return _BULLET_SLIP.sub("• ", text)


# --- PDF pages and image files ------------------------------------------------------------

@dataclass
class PageResults:
    """OCR outcome for the candidate pages of one document."""
    texts: dict[int, OcrPage] = field(default_factory=dict)   # page index -> OCR text that replaces the layer
    unread: list[int] = field(default_factory=list)           # page indices left without text (no OCR)
    warnings: list[str] = field(default_factory=list)

    def finish(self, doc: Document) -> Document:
        """Mark the Document's OCR pages and add the warnings (indices are 0-based page positions)."""
        for i, res in self.texts.items():
            doc.pages[i].ocr = True
            doc.pages[i].confidence = res.confidence
        if self.texts:
            confs = [r.confidence for r in self.texts.values() if r.confidence is not None]
            mean = f", mean confidence {sum(confs) / len(confs):.0f}" if confs else ""
            doc.warnings.append(f"{_pages(sorted(self.texts))}: text from OCR{mean}")
        doc.warnings.extend(self.warnings)
        return doc


def _pages(indices: list[int]) -> str:
    """0-based indices as "page 3" / "pages 1-4, 7"."""
    nums = [i + 1 for i in indices]
    runs, start = [], None
    for k, n in enumerate(nums):
        if start is None:
            start = n
        if k + 1 == len(nums) or nums[k + 1] != n + 1:
            runs.append(str(start) if start == n else f"{start}-{n}")
            start = None
    return ("page " if len(nums) == 1 else "pages ") + ", ".join(runs)


def read_images(images, layer_texts: list[str] | None = None) -> PageResults:
    """OCR (index, image or a function that renders it, dpi) triples.

    A result replaces the page's layer text only when it holds more word-like text than the layer.
    Once Tesseract turns out to be missing, the remaining pages are not rendered at all.
    """
    res = PageResults()
    missing, failed = None, []
    for i, image, dpi in images:
        old = layer_texts[i] if layer_texts else ""
        if missing is None:
            try:
                page = ocr_image(image() if callable(image) else image, dpi)
            except OcrUnavailable as exc:
                missing = str(exc)
            except Exception as exc:  # noqa: BLE001 - one unreadable page must not lose the document
                failed.append((i, f"{type(exc).__name__}: {exc}"[:200]))
                continue
        if missing is not None:
            res.unread.append(i)
            continue
        if better(page.text, old):
            res.texts[i] = page
    if missing is not None:
        texts = layer_texts or [""] * (max(res.unread) + 1)
        empty = [i for i in res.unread if layer_problem(texts[i]) != "garbage"]
        garbled = [i for i in res.unread if layer_problem(texts[i]) == "garbage"]
        if empty:
            res.warnings.append(f"{_pages(empty)}: {NO_OCR} ({missing})")
        if garbled:
            res.warnings.append(f"{_pages(garbled)}: text layer looks garbled, OCR not available ({missing})")
    for i, why in failed:
        res.warnings.append(f"page {i + 1}: OCR failed ({why})")
    return res


def better(new: str, old: str) -> bool:
    """Should OCR text `new` replace the layer text `old`? An empty or sparse layer gives way to more words;
    a garbled one only to clearly more frequent English words, so a page misjudged as garbled keeps its text."""
    qn, qo = quality(new), quality(old)
    if layer_problem(old) != "garbage":
        return qn.good_chars > qo.good_chars
    return qn.known_chars > 1.25 * qo.known_chars + 10


def pdf_pages(pdf, indices: list[int], layer_texts: list[str]) -> PageResults:
    """OCR the given pages (0-based) of an open pypdfium2 document, rendering each only when its turn comes."""
    def job(i):
        w, h = pdf.get_page_size(i)
        dpi = min(DPI, 72 * (MAX_PIXELS / max(w * h, 1.0)) ** 0.5)

        def render():
            page = pdf[i]
            try:
                return page.render(scale=dpi / 72, grayscale=True).to_pil()
            finally:
                page.close()
        return i, render, round(dpi)
    return read_images((job(i) for i in indices), layer_texts)


def ingest_image(data: bytes, *, path: str, sha256: str, max_pages: int = 2000) -> Document:
    """An image file (PNG, JPEG, TIFF, GIF): one page per frame, every page read by OCR, one frame in memory."""
    from PIL import Image, ImageSequence, UnidentifiedImageError
    from .auto import IngestError
    try:
        im = Image.open(io.BytesIO(data))
        im.load()
    except Image.DecompressionBombError:
        raise IngestError("image too large to read (over Pillow's pixel limit)") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        # Pillow names the in-memory buffer ("<_io.BytesIO object at 0x…>"): not a reason anyone can use
        raise IngestError(f"unreadable image: {re.sub(r' *<[^>]*object at 0x[0-9a-f]+>', '', str(exc))}") from None
    count, cut = [0], []

    def frames():
        try:
            for k, frame in enumerate(ImageSequence.Iterator(im)):
                if k >= max_pages:
                    raise IngestError(f"image has over {max_pages} frames")
                count[0] = k + 1
                yield (k, *_frame_for_ocr(frame, frame.info.get("dpi") or im.info.get("dpi")))
        except (OSError, ValueError, EOFError) as exc:
            if not count[0]:
                raise IngestError(f"unreadable image: {exc}") from None
            cut.append(f"image cut short after frame {count[0]} ({exc})")
    res = read_images(frames())
    texts = [res.texts[k].text if k in res.texts else "" for k in range(count[0])]
    from .pdf import strip_running_lines
    texts = strip_running_lines(texts)
    title = next((ln.strip() for t in texts for ln in t.split("\n") if len(ln.strip()) > 3), None)
    doc = Document.from_pages(texts, path=path, sha256=sha256, format="image", title=title[:200] if title else None,
                              warnings=cut)
    res.finish(doc)
    if not any(texts) and not res.warnings:
        doc.warnings.append("no text found in the image")
    return doc


def _frame_for_ocr(frame, dpi_info) -> tuple:
    """(image, dpi) for Tesseract. A believable scan resolution is passed on; a small image (a phone shot, a
    72-dpi export) is enlarged towards a 300-dpi page, where Tesseract reads best, and its dpi is estimated."""
    from PIL import Image
    img = plain(frame.copy())
    try:
        dpi = round(float(dpi_info[0])) if dpi_info else None
    except (TypeError, ValueError, IndexError):
        dpi = None
    if dpi is not None and not 150 <= dpi <= 1200:
        dpi = None
    longest = max(img.size)
    if dpi is None and 0 < longest < 2000:
        factor = min(3.0, 3300 / longest)
        img = img.convert("L") if img.mode == "1" else img
        img = img.resize((round(img.width * factor), round(img.height * factor)), Image.LANCZOS)
    return img, dpi
