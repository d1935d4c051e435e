"""From a Document to Items. Extractors never read files and never touch SQLite."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from .dates import DATE_RE, ParsedDate, find_due, interpret
from .decisions import find_items
from .items import Item
from .literals import Guarded
from rules import load
from .meta import body, is_us, meeting_date, people

__all__ = ["Extraction", "Item", "extract"]


@dataclass
class Extraction:
    items: list[Item]
    meeting_date: str | None
    body: str | None
    people: list[dict] = field(default_factory=list)


def _norm(text: str) -> str:
    """Compared without an owner tag: "[Mike B.] Clarify goals" and "Clarify goals (Mike Bursell)" are one action."""
    text = re.sub(r"^\s*\[[^\]]{1,60}\]|\([^()]{1,60}\)\s*\W*$", "", text)
    return re.sub(r"\W+", " ", text).strip().lower()


DUPLICATE_MIN_CHARS = 40  # "Note and file." four times is four items; a long decision twice is one


def dedupe(items: list[Item]) -> list[Item]:
    """A decision printed twice (summary and conclusions) is one item, kept at its first print."""
    seen, out = set(), []
    for it in items:
        key = (it.kind, _norm(it.text))
        if key in seen and len(key[1]) >= DUPLICATE_MIN_CHARS:
            continue
        seen.add(key)
        out.append(it)
    return out


_AGENDA = re.compile(load("fields")["agenda_cue"], re.I | re.M)
_MINUTES = re.compile(load("fields")["minutes_cue"], re.I | re.M)


_INFO_ONLY = Guarded(re.compile(load("fields")["information_only_cue"], re.I))  # slow to search: most papers lack its words
_NO_DECISIONS = re.compile(load("fields")["no_decisions_cue"], re.I)


def is_agenda(text: str) -> bool:
    """An agenda proposes: what reads as a resolution there is a recommendation to the meeting."""
    head = text[:800]
    return bool(_AGENDA.search(head)) and not _MINUTES.search(head)


def extract(document) -> Extraction:
    text = document.text
    us = is_us(text)
    md = meeting_date(text, us)
    agenda = is_agenda(text)
    items = dedupe(find_items(text, proposal=agenda, meeting=md))
    if _NO_DECISIONS.search(text[:2500]):
        items = []  # "This tracker … does not contain any new proposal, decision or action."
    if _INFO_ONLY.search(text[:1500]):
        # a paper that says it asks for no decision: its "asked to" lines are requests, not recommendations
        items = [it for it in items if it.kind != "recommendation"]
    for it in items:
        if agenda and it.kind == "resolution":
            it.kind, it.outcome = "recommendation", None
        it.page = document.page_at(it.start)
        it.confidence = next((p.confidence for p in document.pages if p.number == it.page), None)  # OCR: 0-100
        due = None
        if it.due_text:  # a Due/When column: its whole cell is the deadline
            m = DATE_RE.search(it.due_text)
            due = interpret(m, md, us) if m else ParsedDate(it.due_text, None, "relative")
            due.text = it.due_text
        else:
            due = find_due(it.text, md, us, action=it.kind == "action")
        if due:
            it.due_text = due.text
            it.due = due.iso_day
            it.due_value = due.value
            it.due_precision = due.precision
            it.due_flag = due.flag
    return Extraction(items=items, meeting_date=md.isoformat() if md else None, body=body(text), people=people(text))
