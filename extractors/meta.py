"""Paper-level facts: meeting date, body, and the people a paper names as responsible."""
from __future__ import annotations

import datetime as dt
import re

from rules import load

from .dates import parse_full_date
from .literals import Guarded, lowered

_F = load("fields")
_MEETING = [re.compile(p, re.I | re.M) for p in _F["meeting_date"]]
_MEETING_WEAK = [re.compile(p, re.I | re.M) for p in _F["meeting_date_weak"]]
_BODY_WORDS = re.compile(_F["body_words"], re.I)
_BODY_NOISE = re.compile(_F["body_noise"], re.I)
_DM = re.compile(_F["decision_maker"], re.I | re.M)
# each field's regex scans the whole paper; it runs only where the lowercased paper holds its label word
_OWNER_FIELDS = [(name, Guarded(re.compile(p, re.I | re.M))) for name, p in _F["owner_fields"]]
US_HINT = re.compile(r"\b(?:city council|township|county commission|board of (?:supervisors|education|aldermen)|"
                     r"council member|councilmember|mayor pro tem|roll call|(?:January|February|March|April|May|June|July|August|"
                     r"September|October|November|December) \d{1,2}, \d{4})\b")


def is_us(text: str) -> bool:
    return bool(US_HINT.search(text[:5000]))


_NOT_AFTER = re.compile(_F["meeting_date_not_after"], re.I)
_HEADING_REJECT = re.compile(_F["heading_date_reject"], re.I)


def meeting_date(text: str, monthfirst: bool | None = None) -> dt.date | None:
    """The heading's date if it has one, else the earliest date after a meeting-date label (month first in a
    US paper: is_us(text), unless the caller has it already).

    Dates after "the minutes of the meeting held on" name an earlier meeting, so they are skipped.
    """
    head = text[:6000]
    monthfirst = is_us(text) if monthfirst is None else monthfirst
    heading = [ln for ln in head.split("\n") if ln.strip()][:_F["heading_lines"]]
    # a heading line is short, or opens with its date ("Wednesday, 25 September 2024, commencing at 3.00pm, …")
    heading = [ln for ln in heading if len(ln.split()) <= 12 or parse_full_date(" ".join(ln.split()[:5]), monthfirst)]
    skip_next = False
    for line in heading:
        if _HEADING_REJECT.search(line) or skip_next:
            skip_next = bool(_HEADING_REJECT.search(line)) and len(line.split()) <= 2  # "REVISED" / "4/23/19"
            continue
        d = parse_full_date(line, monthfirst)
        if d:
            return d
    found = []
    for rx in _MEETING:
        for m in rx.finditer(head):
            if _NOT_AFTER.search(head[max(0, m.start() - 80):m.end() + 20]):
                continue
            window = head[m.end():m.end() + 220]
            window = "\n\n".join(window.split("\n\n")[:3])  # the label's own line and the next two
            d = parse_full_date(window, monthfirst)
            if d:
                found.append((m.start(), d))
                break
    for rx in _MEETING_WEAK:
        for m in rx.finditer(head[:800]):
            line_end = head.find("\n", m.end())
            d = parse_full_date(head[m.end():line_end if line_end > 0 else len(head)], monthfirst)
            if d:
                found.append((m.start(), d))
                break
    return min(found)[1] if found else None


_COMMITTEE = re.compile(_F["committee_words"], re.I)
_ORG = re.compile(_F["organisation_words"], re.I)
_BODY_STRIP = Guarded(re.compile(_F["body_strip"], re.I))  # unanchored alternation, slow: run where its words are
_BODY_REJECT = re.compile(_F["body_reject"], re.I)


def _tidy(line: str) -> str:
    line = re.sub(r"[*#_|]+", " ", line).strip()
    line = re.sub(r"^(?:report\s+to\s*:?\s*)?the\s+(?=[A-Z])", "", line, flags=re.I)
    for _ in range(2):  # a second pass only where the first cut something: a line left alone would stay so
        cut = _BODY_STRIP.sub("", line).strip(" -–—,:")
        if cut == line:
            break
        line = cut
    if line.isupper():
        line = " ".join(w if len(w) <= 3 and w not in ("AND", "OF", "THE", "FOR") else w.capitalize() for w in line.split())
        line = re.sub(r"\b(And|Of|The|For|In|On)\b", lambda m: m.group(1).lower(), line)
        line = line[0].upper() + line[1:]
    return line


def body(text: str) -> str | None:
    """The committee, with its parent organisation in brackets when the heading names both.

    Read from a "Decision Maker:" field, else from the heading lines: a line naming a committee
    and a line naming an organisation ("KENT COUNTY COUNCIL" / "CABINET" → "Cabinet (Kent County Council)").
    """
    m = _DM.search(text)
    if m:
        return m.group("value").strip()
    committee = org = None
    lines = [ln for ln in text[:2500].split("\n") if ln.strip()][:15]
    for n in range(len(lines) - 1, 0, -1):  # "Executive Board of the" / "Intergovernmental Programme …": one name
        if re.search(r"\b(?:of|for|of\s+the|for\s+the|and)\s*$", lines[n - 1]) and len(lines[n - 1]) < 60:
            lines[n - 1:n + 1] = [lines[n - 1].rstrip() + " " + lines[n].strip()]
    for raw in lines[:14]:
        for part in raw.split("\t"):
            line = _tidy(part)
            halves = re.split(r"\s+[-–—:]\s+", line)
            if len(halves) == 2 and _ORG.search(halves[0]) and _COMMITTEE.search(halves[1]) and not committee:
                # "Suffolk Libraries IPS - Board" names both at once
                committee, org = _tidy(halves[1]), _tidy(halves[0])
                break
            if not (3 < len(line) < 80) or _BODY_REJECT.search(line) or not re.match(r"[A-Z]", line):
                continue
            if _COMMITTEE.search(line) and not committee:
                committee = line
            elif _ORG.search(line) and not org:
                org = line
        if committee and org:
            break
    if committee and org and org.lower() not in committee.lower():
        return f"{committee} ({org})"
    if committee or org:
        return committee or org
    # No heading names it: the committee the paper names most often ("… the Lancashire Health and Wellbeing Board …").
    from collections import Counter
    months = rf"(?!(?:{_F['body_fallback_not_first']})\b)"
    for kinds in _F["body_fallback_kinds"]:
        # first-appearance order, so a tie goes to the name printed first, whatever the hash seed
        names = list(dict.fromkeys(re.findall(rf"\b({months}(?:[A-Z][\w'’&-]*\s+(?:and\s+|of\s+|for\s+)?){{1,6}}(?:{kinds}))\b", text[:20000])))
        if names:
            # "Health and Wellbeing Board" is counted inside "Lancashire Health and Wellbeing Board" too;
            # the most named committee wins, under its fullest printed name.
            counts = Counter({n: text[:20000].count(n) for n in names})
            core, count = counts.most_common(1)[0]
            if count >= 2:
                return max((n for n in names if n.endswith(core) and "'" not in n and "’" not in n), key=len, default=core)
    return None


def people(text: str) -> list[dict]:
    """Presenter, author, contact, report-of and decision maker, with person and role kept apart."""
    out = []
    low = lowered(text)  # once for all the fields' guards
    for name, g in _OWNER_FIELDS:
        if not g.may_lowered(text, low):
            continue
        for m in g.rx.finditer(text):
            value = m.group("value").strip().rstrip(",;.")
            # contact details are not part of a name or role
            value = re.sub(r"\s*,?\s*\b(?:e-?mail|tel|telephone|phone|mobile)\b\s*:?\s*[^,]*", "", value, flags=re.I).strip(" ,;")
            role = m.groupdict().get("role")
            if not value:
                continue
            person, sep, rest = value.partition(",")
            looks_person = not _BODY_WORDS.search(person) and bool(re.match(r"(?:(?:dr|mr|mrs|ms|miss|prof(?:essor)?|cllr|councillor)\.?\s+)?[A-Z][a-z'’-]+\s+[A-Z][a-z'’-]+", person.strip()))
            out.append({"field": name, "person": person.strip() if looks_person else None,
                        "role": (role or rest.strip() or None) if looks_person else value,
                        "start": m.start("value"), "end": m.start("value") + len(m.group("value"))})
    return out
