"""Dates as councils write them, kept at the precision printed.

python-dateutil does the calendar work, but it silently turns "29 June 20218" into nonsense and
guesses a year where none is printed; so candidate strings are found and checked here first, a
missing year is taken from the meeting, and an impossible date is kept verbatim and flagged.
"""
from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from dateutil import parser as dparser

from rules import load

from .literals import Guarded

_R = load("dates")
MONTHS = _R["months"]
SEASONS = _R["seasons"]
_MON = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\.?"
_DAY = r"(?:[0-3]?\d)(?:st|nd|rd|th)?"
_WD = r"(?:(?:mon|tues?|wed(?:nes)?|thu(?:rs?)?|fri|sat(?:ur)?|sun)(?:day)?\.?,?\s+)?"
DATE_RE = re.compile(
    rf"\b{_WD}(?:(?P<d1>{_DAY})\s+(?:of\s+)?(?P<m1>{_MON}),?\s*(?P<y1>\d{{2,5}})?"
    rf"|(?P<m2>{_MON})\s+(?P<d2>{_DAY})(?:,?\s+(?P<y2>\d{{4,5}}))?(?!\d)"
    rf"|(?P<n1>\d{{1,2}})[/.](?P<n2>\d{{1,2}})[/.](?P<n3>\d{{2,4}})(?!\d)"
    rf"|(?P<iso>\d{{4}}-\d{{2}}-\d{{2}})"
    rf"|(?P<m3>{_MON})\s+(?P<y3>\d{{2,5}})(?!\d)"
    rf"|(?P<q>q[1-4])\s+(?P<qy>\d{{4}}(?:/\d{{2,4}})?)"
    rf"|(?P<season>spring|summer|autumn|fall|winter)\s+(?P<sy>\d{{4}})"
    rf"|(?P<fy>(?:19|20)\d\d/\d\d)(?!\d)"
    rf"|(?P<m4>{_MON}))\b",
    re.I,
)


@dataclass
class ParsedDate:
    text: str
    value: str | None      # ISO at the printed precision: 2024-03-07, 2024-03, 2024
    precision: str | None  # day, month, quarter, season, year, financial_year
    flag: str | None = None  # "impossible" when printed but not a real date

    @property
    def iso_day(self) -> str | None:
        return self.value if self.precision == "day" else None


def _month(s: str) -> int:
    return MONTHS[s.lower().rstrip(".")[:4] if s.lower().startswith("sept") else s.lower().rstrip(".")[:3]]


def _day_value(y: int, m: int, d: int, text: str) -> ParsedDate:
    try:
        value = dparser.parse(f"{y:04d}-{m:02d}-{d:02d}", yearfirst=True).date()
    except (ValueError, OverflowError):
        return ParsedDate(text, None, None, "impossible")
    return ParsedDate(text, value.isoformat(), "day")


def interpret(m: re.Match, ref: dt.date | None = None, monthfirst: bool = False) -> ParsedDate:
    text = m.group(0)
    g = m.groupdict()
    ref_year = ref.year if ref else None

    def year(y: str | None) -> int | None:
        if y is None:
            return None
        if len(y) == 2:
            return 2000 + int(y)
        return int(y) if len(y) == 4 else -1  # 3 or 5 digits: a typo, never a guess

    if g["iso"]:
        y, mth, d = map(int, g["iso"].split("-"))
        return _day_value(y, mth, d, text)
    if g["m1"] or g["m2"]:
        d = int(re.match(r"\d+", g["d1"] or g["d2"]).group())
        mth = _month(g["m1"] or g["m2"])
        y = year(g["y1"] or g["y2"])
        if y == -1:
            return ParsedDate(text, None, None, "impossible")
        if y is None:
            if ref_year is None:
                return ParsedDate(text, None, None, "no year")
            y = ref_year
            # "9th May" written in November means next May.
            if ref and (mth, d) < (ref.month, ref.day) and ref.month - mth > 6:
                y += 1
        return _day_value(y, mth, d, text)
    if g["n1"]:
        a, b, y = int(g["n1"]), int(g["n2"]), year(g["n3"])
        if y == -1:
            return ParsedDate(text, None, None, "impossible")
        d, mth = (b, a) if monthfirst or b > 12 else (a, b)
        if mth > 12:
            d, mth = mth, d
        return _day_value(y, mth, d, text)
    if g["m3"]:
        y = year(g["y3"])
        if y == -1 or y is None:
            return ParsedDate(text, None, None, "impossible")
        return ParsedDate(text, f"{y:04d}-{_month(g['m3']):02d}", "month")
    if g["q"]:
        return ParsedDate(text, f"{g['qy'][:4]}-{g['q'].upper()}", "quarter")
    if g["season"]:
        return ParsedDate(text, f"{g['sy']}-{SEASONS[g['season'].lower()]}", "season")
    if g["fy"]:
        return ParsedDate(text, g["fy"], "financial_year")
    if g["m4"]:
        if ref_year is None:
            return ParsedDate(text, None, None, "no year")
        mth = _month(g["m4"])
        y = ref_year + (1 if ref and mth < ref.month and ref.month - mth > 3 else 0)
        return ParsedDate(text, f"{y:04d}-{mth:02d}", "month")
    return ParsedDate(text, None, None, None)


def find_dates(text: str):
    return list(DATE_RE.finditer(text))


def parse_full_date(text: str, monthfirst: bool = False) -> dt.date | None:
    """The first date with day precision in `text`, for meeting dates."""
    for m in DATE_RE.finditer(text):
        if m.group("m4") and not (m.group("m1") or m.group("m2")):
            continue
        p = interpret(m, monthfirst=monthfirst)
        if p.precision == "day":
            day = dt.date.fromisoformat(p.value)
            first = m.group("d1") and _RANGE_START.search(text[max(0, m.start() - 12):m.start()])
            if first and 0 < int(first.group(1)) < day.day:  # "3 to 6 February 2025": the meeting opens on the 3rd
                return day.replace(day=int(first.group(1)))
            return day
    return None


_RANGE_START = re.compile(r"\b([0-3]?\d)(?:st|nd|rd|th)?\s*(?:to|-|–|and|&)\s*$")


_CUES = [(re.compile(c if isinstance(c, str) else c["pattern"], re.I), isinstance(c, dict) and c.get("actions_only"))
         for c in _R["due_cues"]]
def _alternation(words) -> re.Pattern:
    return re.compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b", re.I)


_RELATIVE = _alternation(r if isinstance(r, str) else r["text"] for r in _R["relative"])
_RELATIVE_ANY = _alternation(r for r in _R["relative"] if isinstance(r, str))
# searched through a whole item: a long alternation under re.I tried at every position, unless the item holds
# none of its phrases
_RELATIVE_SEARCH, _RELATIVE_ANY_SEARCH = Guarded(_RELATIVE), Guarded(_RELATIVE_ANY)
_DATED_MEETING = re.compile(_R["dated_meeting"], re.I)
_AFTER_CUE = re.compile("|".join(f"(?:{p})" for p in _R["after_cue"]), re.I)
_DATED = re.compile(r"\s*(?:,\s*|(?:,\s*)?(?:in|on|of|held\s+on)\s+)")


def _relative(text: str, start: int, end: int, ref, monthfirst) -> ParsedDate:
    """"the next meeting in September 2018" names its date: the date is the deadline, at its precision."""
    m = _DATED.match(text, end)
    d = DATE_RE.match(text, m.end()) if m else None
    if d and not (d.group("m4") and not d.group(0)[:1].isupper()):
        return interpret(d, ref, monthfirst)
    return ParsedDate(text[start:end], None, "relative")


def find_due(text: str, ref: dt.date | None = None, monthfirst: bool = False, action: bool = True) -> ParsedDate | None:
    """The deadline an item states, if any: a date after a cue ("by", "to the … meeting"), or a relative one."""
    best = None
    for cue, actions_only in _CUES:
        if actions_only and not action:
            continue
        for c in cue.finditer(text):
            tail = text[c.end():c.end() + 60]
            m = DATE_RE.match(tail)
            if m:
                p = interpret(m, ref, monthfirst)
                cand = (c.start(), p)
            else:
                held = _DATED_MEETING.match(tail)
                dated = held and _relative(tail, 0, held.end(), ref, monthfirst)
                if dated and dated.value:  # "at the Council meeting on 29 May 2025"
                    cand = (c.start(), dated)
                    if best is None or cand[0] < best[0]:
                        best = cand
                    continue
                r = _RELATIVE.match(tail) or _AFTER_CUE.match(tail) or re.match(r"(?:\w+\s+){0,3}?(next|following)\s+(?:\w+\s+)?meeting", tail, re.I)
                if not r:
                    continue
                cand = (c.start(), _relative(tail, 0, r.end(), ref, monthfirst))
            if best is None or cand[0] < best[0]:
                best = cand
    if best:
        return best[1]
    r = (_RELATIVE_SEARCH if action else _RELATIVE_ANY_SEARCH).search(text)
    if r:
        return _relative(text, r.start(), r.end(), ref, monthfirst)
    return None
