"""Cut a document's text into paragraphs with exact offsets.

Line breaks mean different things per format: in a PDF most are wrapping, in text and DOCX most
end a paragraph. A break ends a paragraph when the next line is blank, starts a list label or a
known heading, or when the line closes a sentence and is short for its document (a wrapped line
runs to the margin; a paragraph's last line rarely does).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from rules import load

from .literals import AtEnd, Guarded


@dataclass
class Para:
    start: int          # offset of the first character (label included)
    end: int            # offset just after the last character
    body_start: int     # offset after the label and its spaces
    label: str | None
    family: str | None
    table: bool         # a tab-separated table row

    def text(self, doc_text: str) -> str:
        return doc_text[self.body_start:self.end]


def _compile_labels():
    fams = []
    for fam in load("labels")["families"]:
        flags = 0 if fam.get("case_sensitive") else re.I
        follow = r"(?=[ \t]+\S" + ("|" + fam["glued"] if fam.get("glued") else "") + ")"
        fams.append((fam["name"], re.compile(r"(?:" + fam["pattern"] + r")" + follow, flags)))
    return fams


LABELS = _compile_labels()
# speed only: one alternation (tried in order) finds the first family that matches; most lines start with none
LABEL_ANY = re.compile("|".join(f"(?P<f{k}>{'(?i:' if rx.flags & re.I else '(?:'}{rx.pattern}))"
                                for k, (_, rx) in enumerate(LABELS)))
STOP = re.compile(r"^(?-i:(?![a-z]))(?:" + "|".join(load("fields")["stop"]) + r")", re.I)  # a field starts in capitals: "signed off on …" wraps
SECTION = re.compile(load("labels")["section"])
RULE_LINE = re.compile(r"^\s*[-=_*~#.]{3,}\s*$")  # drawn separators are blank lines to a reader
FIELD_START = re.compile(r"^[A-Z][A-Za-z/ ]{1,30}(?:\s+(?:No\.\s*)?\d{1,4}[A-Za-z]?)?\s*[:–—]\s")  # "Ordinary Resolution 4: …"
# the end of a line: asked of stripped lines (so no trailing \s*), only over their last characters
CONNECTIVE = AtEnd(re.compile(load("fields")["line_connective"], re.I))
TERMINAL = AtEnd(re.compile(r"[.!?;:)\]]['\"’”]?$"))
OPENER = re.compile(load("fields")["sentence_openers"])
# unbounded (\s+): AtEnd would search it whole; its words ("CARRIED", "(moved)") are in few lines
LINE_END = Guarded(re.compile(load("fields")["line_enders"]))
NAME_BEFORE = AtEnd(re.compile(load("fields")["name_follows"]))
STARTS_UPPER = re.compile(r"[\"'‘“(]?[A-Z0-9]")  # asked of most lines: compiled here, not looked up in re's cache
STARTS_CONJUNCTION = re.compile(r"(?:AND|OR|BUT)\b")


def match_label(line: str) -> tuple[str, str, int] | None:
    """(label, family, length including following spaces) for a line that starts with a sub-item marker."""
    first = LABEL_ANY.match(line)
    if first is None:
        return None
    for name, rx in LABELS[int(first.lastgroup[1:]):]:
        m = rx.match(line)
        if m:
            rest = line[m.end():]
            skip = len(rest) - len(rest.lstrip(" \t"))
            if name == "number_dot" and re.match(r"\d", rest.lstrip()):
                inner = match_label(rest.lstrip(" \t"))  # "1. 6.1 Approve …" (a list number before the printed one)
                if inner and inner[1] == "dotted_number":
                    return inner[0], inner[1], m.end() + skip + inner[2]
                continue
            if name == "letter_dot" and m.group(0)[0] in "ap" and re.match(r"m\b", rest.lstrip(), re.I):
                continue
            if name == "bullet":
                inner = match_label(rest.lstrip(" \t"))
                if inner and inner[1] != "bullet":  # "- 1. Note …": the number is the label
                    return inner[0], inner[1], m.end() + skip + inner[2]
                return "•", name, m.end() + skip  # "-", "·", "" are one bullet whatever the font
            return m.group(0), name, m.end() + skip
    return None


def _continues(lines, i: int) -> bool:
    """The next non-blank line goes on with a small letter: "…, and that" / "the Ward Councillor be advised …"."""
    for _, ln in lines[i + 1:i + 4]:
        if ln.strip():
            return bool(re.match(r"\s*[a-z]", ln)) and match_label(ln.strip()) is None
    return False


def paragraphs(text: str) -> list[Para]:
    lines = []
    pos = 0
    for raw in text.split("\n"):
        lines.append((pos, raw))
        pos += len(raw) + 1
    lengths = sorted(len(ln) for _, ln in lines if ln.strip())
    p90 = lengths[int(len(lengths) * 0.9)] if lengths else 0
    wrapped = p90 <= 130  # hard-wrapped layout (PDF, e-mailed text); else one line per paragraph
    out: list[Para] = []
    cur = None
    for i, (start, line) in enumerate(lines):
        if not line.strip() or RULE_LINE.match(line):
            if cur and not (CONNECTIVE.search(lines[i - 1][1].rstrip()) and _continues(lines, i)):
                out.append(cur)  # a blank line ends a paragraph, unless a page break fell inside a sentence
                cur = None
            continue
        is_table = "\t" in line
        lab = None if is_table else match_label(line)
        if is_table and line.count("\t") == 1:
            lab = match_label(line.replace("\t", " "))  # "a)<TAB>whakaae / accept …": a list item set in a table
            if lab and len(line.split("\t")[0].strip()) == len(lab[0]):
                is_table = False
            else:
                lab = None
        if lab and cur is not None and re.fullmatch(r"[A-Z]\.", lab[0]) and NAME_BEFORE.search(lines[i - 1][1].rstrip()):
            lab = None  # "seconded by Cllr.\nR. Fahy": an initial, not item R.
        begins = cur is None or is_table or cur.table or lab is not None or bool(STOP.match(line))
        if not begins and cur is not None:
            prev = lines[i - 1][1]
            prev_end = prev.rstrip()  # the end tests read the line above without its trailing blanks
            ends_sentence = bool(TERMINAL.search(prev_end)) and not NAME_BEFORE.search(prev_end)
            starts_upper = bool(STARTS_UPPER.match(line)) and not STARTS_CONJUNCTION.match(line)
            short = len(prev) < 0.75 * p90
            if not wrapped and starts_upper:
                begins = True
            elif LINE_END.search(prev_end):
                begins = True  # "… approved – B. Munro (motion), C. Dallas (second)": a record of its own
            elif ends_sentence and FIELD_START.match(line):
                begins = True  # "Resolved: …", "Action: …" after a full stop open a new paragraph
            elif ends_sentence and starts_upper and (short or len(prev_end) + 1 + len(line.split()[0]) <= p90):
                begins = True  # the first word would have fitted on the line above: that line ended its paragraph
            elif ends_sentence and starts_upper and line.rstrip().endswith(":") and len(line) < 0.5 * p90:
                begins = True  # "The Board:" opens a list
            elif ends_sentence and len(line.split()) >= 3 and not re.search(r"[a-z]", line):
                begins = True  # "ITEM 47/2025 PROPOSED DISPOSAL OF ERF 1187": a heading in capitals
            elif not ends_sentence and short and starts_upper and not CONNECTIVE.search(prev_end):
                begins = True  # a line that stops short of the margin ends its paragraph (a heading, a lost full stop)
            elif not ends_sentence and OPENER.match(line) and not CONNECTIVE.search(prev_end) \
                    and len(prev_end) + 1 + len(line.split()[0]) <= p90:
                begins = True  # the opener would have fitted on the line above: that line ended a sentence
            elif cur.family == "bullet" and starts_upper and len(prev) < 0.9 * p90 and not CONNECTIVE.search(prev_end):
                begins = True  # a bullet's line that stops short, then a new sentence: the list is over
        if begins:
            if cur:
                out.append(cur)
            label, family, skip = lab if lab else (None, None, 0)
            cur = Para(start, start + len(line.rstrip()), start + skip, label, family, is_table)
        else:
            cur.end = start + len(line.rstrip())
    if cur:
        out.append(cur)
    return out
