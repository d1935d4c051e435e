"""Score extraction against hand-written gold: items matched one-to-one by normalised text similarity.

Gold lives either beside a paper (`NN_name/original.pdf` + `gold.json`, the corpus-dev layout) or
in a `gold/` folder as `<stem>.json` for every paper with that stem (seeds and their PDF/DOCX
renditions share one gold).
"""
from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from difflib import SequenceMatcher
from pathlib import Path

from .run import DOC_SUFFIXES, extract_file

MATCH_THRESHOLD = 0.6
_Q = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"', "–": "-", "—": "-", "\u200b": "", "\u200c": " ", "\u00a0": " "})


def norm(text: str | None) -> str:
    if not text:
        return ""
    text = unicodedata.normalize("NFKC", text).translate(_Q).lower()
    return re.sub(r"\s+", " ", re.sub(r"[^\w'\"$£%/.-]+", " ", text)).strip(" .")


def similarity(a: str, b: str) -> float:
    a, b = norm(a), norm(b)
    if not a or not b:
        return 0.0
    if a == b:
        return 1.0
    short, long_ = sorted((a, b), key=len)
    if short in long_ and len(short) >= 0.5 * len(long_):
        return 0.95
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def find_pairs(root: Path) -> list[tuple[Path, Path]]:
    """(paper, gold) pairs under root (a folder, or one paper whose gold is found by its stem)."""
    pairs = []
    if root.is_file():
        near = [root.parent / "gold.json"] + [a / "gold" / f"{root.stem}.json" for a in root.resolve().parents[:2]]
        return [(root, g) for g in near[:1] if g.exists() and root.name.startswith("original.")] or \
               [(root, g) for g in near[1:] if g.exists()][:1]
    for gold in sorted(root.rglob("gold.json")):
        for doc in sorted(gold.parent.iterdir()):
            if doc.name.startswith("original.") and doc.suffix.lower() in DOC_SUFFIXES:
                pairs.append((doc, gold))
    gold_dirs = [d for d in root.rglob("gold") if d.is_dir()]
    gold_dirs += [a / "gold" for a in root.resolve().parents[:2] if (a / "gold").is_dir()]
    golds = {g.stem: g for d in gold_dirs for g in d.glob("*.json")}
    for doc in sorted(root.rglob("*")):
        if doc.is_file() and doc.suffix.lower() in DOC_SUFFIXES and doc.stem in golds and doc.parent.name != "gold":
            pairs.append((doc, golds[doc.stem]))
    return pairs


@dataclass
class Score:
    name: str
    tp: int = 0
    fp: int = 0
    fn: int = 0
    fields: dict = field(default_factory=lambda: {k: [0, 0] for k in ("kind", "outcome", "owner", "due")})
    meeting_date: bool | None = None
    body: bool | None = None
    misses: list = field(default_factory=list)
    extras: list = field(default_factory=list)

    @property
    def precision(self):
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 1.0

    @property
    def recall(self):
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 1.0

    @property
    def f1(self):
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0


def _same(gold, got, fuzzy=False) -> bool:
    if not gold and not got:
        return True
    if not gold or not got:
        return False
    a, b = norm(str(gold)), norm(str(got))
    return a == b or (fuzzy and (a in b or b in a or similarity(a, b) >= 0.8))


def match(gold_items: list[dict], got_items: list[dict]) -> list[tuple[int, int]]:
    scored = []
    for gi, g in enumerate(gold_items):
        for xi, x in enumerate(got_items):
            s = similarity(g["text"], x["text"])
            if s >= MATCH_THRESHOLD:
                # equal texts of different kinds (an officer recommendation and the resolution adopting it)
                # pair by kind first, then by order
                scored.append((-s, g["kind"] != x["kind"], abs(gi - xi), gi, xi))
    scored.sort()
    used_g, used_x, pairs = set(), set(), []
    for *_, gi, xi in scored:
        if gi not in used_g and xi not in used_x:
            used_g.add(gi)
            used_x.add(xi)
            pairs.append((gi, xi))
    return pairs


def score_one(doc: Path, gold_path: Path) -> Score:
    gold = json.loads(gold_path.read_text(encoding="utf-8"))
    result = extract_file(doc)
    got = result["items"]
    s = Score(name=str(doc))
    pairs = match(gold["items"], got)
    s.tp = len(pairs)
    s.fp = len(got) - len(pairs)
    s.fn = len(gold["items"]) - len(pairs)
    for gi, xi in pairs:
        g, x = gold["items"][gi], got[xi]
        checks = {"kind": g["kind"] == x["kind"], "outcome": g.get("outcome") == x.get("outcome"),
                  "owner": _same(g.get("owner"), x.get("owner"), fuzzy=True),
                  "due": _same(g.get("due"), x.get("due_text"), fuzzy=True)}
        for k, ok in checks.items():
            s.fields[k][0] += ok
            s.fields[k][1] += 1
    matched_g = {gi for gi, _ in pairs}
    matched_x = {xi for _, xi in pairs}
    s.misses = [g for k, g in enumerate(gold["items"]) if k not in matched_g]
    s.extras = [x for k, x in enumerate(got) if k not in matched_x]
    s.meeting_date = gold.get("meeting_date") == result["document"]["meeting_date"]
    s.body = _same(gold.get("body"), result["document"]["body"], fuzzy=True)
    return s


def evaluate(dirs: list[Path]) -> list[Score]:
    scores = []
    for d in dirs:
        for doc, gold in find_pairs(Path(d)):
            scores.append(score_one(doc, gold))
    return scores


def total(scores: list[Score]) -> Score:
    t = Score(name="OVERALL")
    for s in scores:
        t.tp += s.tp
        t.fp += s.fp
        t.fn += s.fn
        for k, (ok, n) in s.fields.items():
            t.fields[k][0] += ok
            t.fields[k][1] += n
    dates = [s.meeting_date for s in scores]
    t.meeting_date = sum(dates) / len(dates) if dates else None
    bodies = [s.body for s in scores]
    t.body = sum(bodies) / len(bodies) if bodies else None
    return t
