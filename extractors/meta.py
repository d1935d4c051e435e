"""Paper-level facts: meeting date, body, and the people a paper names as responsible."""
from __future__ import annotations

import datetime as dt
import re

from rules import load

from .dates import parse_full_date

_F = load("fields")
_MEETING = [re.compile(p, re.I) for p in _F["meeting_date"]]
_BODY_WORDS = re.compile(_F["body_words"], re.I)
_BODY_NOISE = re.compile(_F["body_noise"], re.I)
_DM = re.compile(_F["decision_maker"], re.I | re.M)
_OWNER_FIELDS = [(name, re.compile(p, re.I | re.M)) for name, p in _F["owner_fields"]]
US_HINT = re.compile(r"\b(?:city council|township|county commission|board of (?:supervisors|education|aldermen)|"
                     r"council member|councilmember|mayor pro tem|roll call|(?:January|February|March|April|May|June|July|August|"
                     r"September|October|November|December) \d{1,2}, \d{4})\b")


def is_us(text: str) -> bool:
    return bool(US_HINT.search(text[:5000]))


_NOT_AFTER = re.compile(_F["meeting_date_not_after"], re.I)


def meeting_date(text: str) -> dt.date | None:
    """The heading's date if it has one, else the earliest date after a meeting-date label.

    Dates after "the minutes of the meeting held on" name an earlier meeting, so they are skipped.
    """
    head = text[:6000]
    monthfirst = is_us(text)
    heading = [ln for ln in head.split("\n") if ln.strip()][:_F["heading_lines"]]
    for line in heading:
        d = parse_full_date(line, monthfirst)
        if d:
            return d
    found = []
    for rx in _MEETING:
        for m in rx.finditer(head):
            if _NOT_AFTER.search(head[max(0, m.start() - 80):m.end() + 20]):
                continue
            line_end = head.find("\n\n", m.end())
            d = parse_full_date(head[m.end():min(m.end() + 160, line_end if line_end > 0 else len(head))], monthfirst)
            if d:
                found.append((m.start(), d))
                break
    return min(found)[1] if found else None


def body(text: str) -> str | None:
    m = _DM.search(text)
    if m:
        return m.group("value").strip()
    for line in text[:3000].split("\n")[:25]:
        line = line.strip().strip("*#").strip()
        if 4 < len(line) < 90 and _BODY_WORDS.search(line) and not _BODY_NOISE.search(line):
            return re.split(r"\s+[-–—]\s+|,\s+(?:held|meeting)|\s+(?:meeting|minutes)\b", line)[0].strip()
    return None


def people(text: str) -> list[dict]:
    """Presenter, author, contact, report-of and decision maker, with person and role kept apart."""
    out = []
    for name, rx in _OWNER_FIELDS:
        for m in rx.finditer(text):
            value = m.group("value").strip().rstrip(",;.")
            role = m.groupdict().get("role")
            if not value:
                continue
            person, sep, rest = value.partition(",")
            looks_person = bool(re.match(r"(?:(?:dr|mr|mrs|ms|miss|prof(?:essor)?|cllr|councillor)\.?\s+)?[A-Z][a-z'’-]+\s+[A-Z][a-z'’-]+", person.strip()))
            out.append({"field": name, "person": person.strip() if looks_person else None,
                        "role": (role or rest.strip() or None) if looks_person else value,
                        "start": m.start("value"), "end": m.start("value") + len(m.group("value"))})
    return out
