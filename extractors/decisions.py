"""Find decisions, recommendations and actions in a document's paragraphs.

Three shapes cover what bodies write: a stem that opens a list of labelled sub-items or carries its
decision inline ("RESOLVED – That …", "Cabinet is asked to: (i) …"); an action-log table; and a
decision written into prose ("It was agreed that …", "Clerk to write to …"), found per sentence
with spaCy. Every wording lives in rules/; this module only knows the shapes.
"""
from __future__ import annotations

import bisect
import re
from functools import lru_cache

from rules import load

from .dates import DATE_RE, interpret
from .items import Item
from .literals import AnyOf, AtEnd, Guarded
from .segment import SECTION, STOP, Para, paragraphs
from .sentsplit import Splitter

MAX_SPAN = 100_000  # characters of prose handed to spaCy at once
@lru_cache(maxsize=4096)
def _words(text: str) -> frozenset:
    """Content words cut to four letters, a stem good enough to see "Written response" in "will respond in writing"."""
    return frozenset(w[:4] for w in re.findall(r"[a-z]{3,}", text.lower()) if w not in _STOPWORDS)


_STOPWORDS = {"the", "and", "for", "with", "from", "that", "this", "will", "would", "all", "are", "was", "her", "his", "its", "their"}
def _title(text: str) -> bool:
    """Set in capitals: a heading or an agenda title, not a decision's words."""
    letters = [c for c in text if c.isalpha()]
    return len(letters) > 15 and sum(c.isupper() for c in letters) >= 0.8 * len(letters)


def _jumps(label: str, prev: str | None) -> bool:
    """"2." then "48.": a numbered heading further on, not the list's next item."""
    a, b = re.sub(r"\D", "", label or ""), re.sub(r"\D", "", prev or "")
    return bool(a and b and len(a) <= 3 and len(b) <= 3 and "." not in (label or "").strip(".") and int(a) > int(b) + 3)


GLUE_END = re.compile(r"[;,]\s*(?:and|or)?\s*$")


def _opens(text: str) -> bool:
    """Ends as a list opener: "The Board:", "The Committee agreed:-"."""
    return bool(_OPENS.search(text))


_OPENS = re.compile(r":\s*[-–—]?\s*$")
_TOKENS = re.compile(r"[a-z]+")  # what _may_match is given: the runs of ASCII letters, the only words it looks up
TERMINAL_PUNCT = re.compile(r"[.;:!?]['\"’”]?$")
GLUE = re.compile(r"(?:\s*[;,]\s*(?:and|or)?|\s+(?:and|or))\s*$", re.I)
# asked of every sentence: compiled here, not looked up in re's cache each time
TOPIC = re.compile(r"[A-Z][^:.\n]{2,40}:\s+(?=[a-zA-Z])")  # "Footpath FP 14: the Clerk to report …"
LATER_CLAUSE = re.compile(r"[,;]\s+(and\s+)?(?=(?:the\s+)?[A-Z])")
LATER_TASK = re.compile(r"(?:the\s+)?[A-Z][\w'’ ]{0,40}?\s+to\s+[a-z]")


def _compile(patterns, flags=re.I) -> AnyOf:
    """A list that is only ever asked "does any match?": each pattern runs only where its literals are."""
    return AnyOf([re.compile(p, flags) for p in patterns])


def _owners(unit: str) -> str:
    """One or more owner units: "The General Manager and the Chair", "MH and CC", "Mike, Eric and Thomas"."""
    return f"{unit}(?:\\s*(?:,\\s*(?:and\\s+)?|\\band\\b|&)\\s*(?:{unit}|I\\b))*"


def _named(rx: str, rules: dict) -> str:
    """"@own_motion" names a regex kept once in the same rules file."""
    return rules[rx[1:]] if rx.startswith("@") else rx


@lru_cache(maxsize=None)
def _rules():
    stems = []
    for s in load("stems")["stems"]:
        flags = 0 if s.get("case_sensitive") else re.I
        stems.append((s, re.compile(s["pattern"], flags)))
    fields = load("fields")
    actions = load("actions")
    outcomes = load("outcomes")
    r = {
        "stems": stems,
        # speed only: the first stem that opens a paragraph, trying only the stems whose words it holds;
        # [False] leaves out the proposal-only stems
        "any_stem": {proposal: (sub, AnyOf([rx for _, rx in sub])) for proposal in (False, True)
                     for sub in [[(s, rx) for s, rx in stems if proposal or s.get("only_in") != "proposal"]]},
        "list_is_objects": re.compile(load("stems")["list_is_objects"], re.I),
        "agenda_section": re.compile(load("stems")["agenda_section_next"], re.I),
        "preamble": re.compile(load("stems")["preamble"]),
        "operative": re.compile(load("stems")["operative"]),
        "operative_item": re.compile(load("stems")["operative"], re.I),  # "– took note of …" under "The Bureau"
        "operative_skip": re.compile(load("stems")["operative_skip"]),
        "skip": _compile(fields["skip"]),
        # (spec, regex) in the rules' order, and their "requires" regexes, each tried only where its literals are
        "owner_task": [(a, re.compile(a["pattern"].replace("{OWNER}", _owners(actions["owner_unit"]))))
                       for a in actions["owner_task"]],
        "owner_task_requires": AnyOf([re.compile(a["requires"]) for a in actions["owner_task"]]),
        "trailing_tag": Guarded(re.compile(actions["trailing_owner_tag"])),
        "clause_directed": re.compile(actions["clause_directed"]),
        "agreed_task": re.compile(actions["agreed_task"].replace("{OWNER}", _owners(actions["owner_unit"]))),
        "task_verbs": set(actions["task_verbs"]),
        "strong_owner": re.compile(actions["strong_owner"]),
        "owner_only": re.compile(actions["owner_only_line"], re.I),
        "directed": Guarded(re.compile(actions["directed"])),
        "delegation": AnyOf([re.compile(p) for p in actions["delegation"]]),
        "pronouns": set(actions["pronouns"]),
        "body_owner": re.compile(actions["body_owners"], re.I),
        "motion_tail": re.compile(load("sentences")["motion_tail"], re.I),
        "consent_motion": re.compile(load("sentences")["consent_motion"], re.I),
        "passive_exempt": re.compile(load("sentences")["passive_task_exempt"], re.I),
        "motion_text": re.compile(load("sentences")["motion_text_start"], re.I),
        "mover_tail": re.compile(load("sentences")["mover_tail"], re.I),
        "motion_passed": re.compile(outcomes["motion_passed_words"], re.I),
        "motion_void": re.compile(outcomes["motion_void"], re.I),
        "consent_heading": re.compile(load("sentences")["consent_heading"], re.I),
        "person": re.compile(actions["person_mention"]),
        "person_name": re.compile(actions["person_name"]),
        "group_owner": re.compile(actions["group_owner"]),
        "done_status": re.compile(actions["done_status"], re.I),
        "new_status": re.compile(actions["new_status"], re.I),
        "decision_row": re.compile(actions["decision_row"]),
        "merge_min": actions["merge_min_shared"],
        "list_resolves": re.compile(load("sentences")["list_stem_resolves"], re.I),
        "prose_in_stops": re.compile(fields["prose_in_stops"], re.I),
        "list_approves": re.compile(load("sentences")["list_stem_approves"], re.I),
        "org_word": re.compile(fields["body_words"] + "|" + fields["organisation_words"], re.I),
        "anaphora": re.compile(load("sentences")["anaphora"], re.I),
        "not_owner": set(actions["not_owner_words"]),
        "headers": actions["table_header"],
        "leading": [(re.compile(p, re.I), o) for p, o in outcomes["leading"]],
        "anywhere": [(re.compile(p), o) if "CARRIED" in p or "DEFEATED" in p else (re.compile(p, re.I), o)
                     for p, o in outcomes["anywhere"]],
        "results": [(re.compile(p, re.I), o) for p, o in outcomes["motion_results"]],
        "weak": [(re.compile(p, re.I), o) for p, o in outcomes["weak"]],
        "cell_results": [(re.compile(p, re.I), o) for p, o in outcomes["cell_results"]],
        "status": [(re.compile(p, re.I | re.M), o) for p, o in outcomes["status_fields"]],
        "distractor": _compile(load("sentences")["distractors"]),
        "procedural": _compile(load("sentences")["procedural"]),
        "agenda_noise": _compile(load("sentences")["agenda_noise"]),
        "abbrev": AtEnd(re.compile(load("sentences")["abbreviations"])),  # searched only at the end
        "not_if": {p["name"]: re.compile(p["not_if"], re.I) for p in load("sentences")["patterns"] if p.get("not_if")},
        "only_if": {p["name"]: re.compile(_named(p["only_if"], load("sentences")), re.I)
                    for p in load("sentences")["patterns"] if p.get("only_if")},
        "own_motion": re.compile(load("sentences")["own_motion"], re.I),
        "consent_pulled": re.compile(load("sentences")["consent_pulled"], re.I),
        "consent_except": re.compile(load("sentences")["consent_except"], re.I),
        "cell_lost": re.compile(outcomes["cell_lost"], re.I),
        "gloss": re.compile(outcomes["gloss_prefix"]),
        "result_prefix": re.compile(outcomes["result_prefix"]),
        "clause_end": re.compile(actions["clause_end"]),
    }
    # speed only: the outcome regexes as lists tried in order, each only where its literals are
    listed = lambda pairs: (AnyOf([rx for rx, _ in pairs]), [o for _, o in pairs])  # noqa: E731
    r["outcome_any"] = {False: listed(r["leading"] + r["anywhere"]), True: listed(r["leading"] + r["anywhere"] + r["weak"])}
    r["result_any"] = listed(r["results"])
    return r


@lru_cache(maxsize=None)
def _nlp():
    """A blank English pipeline: sentence splitting and the Matcher need no trained model."""
    import spacy
    from spacy.attrs import IDS, IS_PUNCT, LOWER
    from spacy.schemas import validate_token_pattern
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    # A new word's lexeme computes every lexical attribute spaCy knows (shape, like_url, is_stop, …), most of a
    # cold paragraph's cost; keep those the patterns name, LOWER, and IS_PUNCT (the sentencizer's): speed only
    used = {IDS[k] for p in load("sentences")["patterns"] for tok in p["pattern"] for k in tok if k in IDS}
    getters = nlp.vocab.lex_attr_getters
    nlp.vocab.lex_attr_getters = {a: f for a, f in getters.items() if a in used | {LOWER, IS_PUNCT}}
    meta = {}
    for p in load("sentences")["patterns"]:
        errors = validate_token_pattern(p["pattern"])  # what Matcher.add checks, once, not per Matcher built
        if errors:
            raise ValueError(f"rules/sentences.json pattern {p['name']!r}: {'; '.join(errors)}")
        meta[p["name"]] = p
    meta["_cues"] = frozenset(w for p in load("sentences")["patterns"] for w in _cue_words(p["pattern"]))
    meta["_needs"] = [_required(p["pattern"]) for p in load("sentences")["patterns"]]
    meta["_sents"] = Splitter(nlp)
    meta["_cue_lower"] = frozenset(h for needs in meta["_needs"] for a, v in needs if a == LOWER for h in v)
    meta["_cue_orth"] = frozenset(h for needs in meta["_needs"] for a, v in needs if a != LOWER for h in v)
    meta["_texts"] = [_required_texts(p["pattern"]) for p in load("sentences")["patterns"]]
    meta["_split"] = _split_words(nlp)
    meta["_index"] = _needs_index(meta["_texts"])
    return nlp, meta


def _literal_tokens(pattern: list[dict]) -> list[tuple[str, tuple[str, ...]]]:
    """("LOWER"/"ORTH", values) per token the pattern needs (not "?", "*", "!", "{0,n}") that names its values:
    a text without one of a needed token's values cannot match. What _required and _required_texts read."""
    out = []
    for tok in pattern:
        op = tok.get("OP")
        if op is not None and not (op == "+" or re.fullmatch(r"\{[1-9]\d*(?:,\d*)?\}", op)):
            continue  # the token may be absent
        for key in ("LOWER", "ORTH"):
            val = tok.get(key)
            if isinstance(val, str):
                out.append((key, (val,)))
            elif isinstance(val, dict) and set(val) == {"IN"}:
                out.append((key, tuple(val["IN"])))
    return out


def _required_texts(pattern: list[dict]) -> list[tuple[bool, frozenset, tuple[str, ...]]]:
    """(lowercase?, its words, its other strings) per needed token with ASCII values (speed only, see _may_match)."""
    out = []
    for key, vals in _literal_tokens(pattern):
        if all(v.isascii() for v in vals):
            words = frozenset(v for v in vals if v.isalpha())
            out.append((key == "LOWER", words, tuple(v for v in vals if v not in words)))
    return out


def _split_words(nlp) -> dict[str, set[str]]:
    """The lowercase words a tokenizer special case cuts out of a run of letters ("cannot" -> "can", "not";
    "don't" -> "do"), by each lowercase run of letters of the case: the only tokens of ASCII letters that are not
    a whole run of letters of the text (affixes and infixes are split off at non-letters)."""
    out: dict[str, set[str]] = {}
    for key, pieces in nlp.tokenizer.rules.items():
        texts = [d.get(65, d.get("ORTH")) for d in pieces]  # 65: spacy.attrs.ORTH
        words = {t.lower() for t in texts if t and t.isascii() and t.isalpha()}
        if not words or texts == [key]:
            continue
        for run in re.findall(r"[a-z]+", key.lower()):
            out.setdefault(run, set()).update(words)
    return out


def _needs_index(texts: list[list[tuple]]) -> dict:
    """_may_match's tables: each distinct required token an id, the ids each lowercase word stands for, the
    strings searched for instead (ORTH values, values that are not words), and each pattern's set of ids."""
    ids: dict = {}
    for needs in texts:
        for need in needs:
            ids.setdefault(need, len(ids))
    by_word, searched = {}, []
    for (lower, words, others), k in ids.items():
        for w in words if lower else ():
            by_word.setdefault(w, set()).add(k)
        searched += [(lower, x, k) for x in (others if lower else tuple(words) + others)]
    by_first: dict[int, list[frozenset]] = {}  # a pattern is looked at only when its first token is there
    for needs in texts:
        need_ids = frozenset(ids[n] for n in needs)
        by_first.setdefault(ids[needs[0]] if needs else -1, []).append(need_ids)
    return {"by_word": {w: frozenset(v) for w, v in by_word.items()}, "words": frozenset(by_word), "searched": searched,
            "by_first": by_first, "always": -1 in by_first}


def _may_match(text: str, low: str, tokens: list[str]) -> bool:
    """Could any sentence pattern match a Doc of this text (low: text.lower(); tokens: _TOKENS.findall(low))?
    False only when, for every pattern, some required token's values are all absent: then the paragraph
    needs no Doc, only its sentences.

    A token of ASCII letters is a whole run of letters of the text, or a piece a special case cuts from one
    (_split_words): a LOWER word is looked up among the runs; ORTH values and values that are not words are
    searched for in the text."""
    _, meta = _nlp()
    index, split = meta["_index"], meta["_split"]
    if index["always"]:
        return True
    runs = set(tokens)
    for r in runs & split.keys():
        runs |= split[r]
    present = set()
    for w in runs & index["words"]:
        present |= index["by_word"][w]
    for lower, x, k in index["searched"]:
        if k not in present and x in (low if lower else text):
            present.add(k)
    by_first = index["by_first"]
    return any(ids <= present for k in present for ids in by_first.get(k, ()))


def _required(pattern: list[dict]) -> list[tuple[int, frozenset]]:
    """(attribute, hashes) per needed token that names its values: a doc holding no token with one of those
    values cannot match the pattern (exact, unlike _cue_words: speed only)."""
    from spacy.attrs import LOWER, ORTH
    from spacy.strings import get_string_id
    return [(LOWER if key == "LOWER" else ORTH, frozenset(get_string_id(v) for v in vals))
            for key, vals in _literal_tokens(pattern)]


@lru_cache(maxsize=512)
def _matcher_of(indices: tuple[int, ...]):
    """A Matcher with only these patterns, added in the rules' order: on a doc where the others cannot
    match it returns exactly what the full Matcher returns, in the same order, at a fraction of the cost."""
    from spacy.matcher import Matcher
    nlp, _ = _nlp()
    patterns = load("sentences")["patterns"]
    matcher = Matcher(nlp.vocab, validate=False)  # _nlp() validated every pattern once
    for k in indices:
        matcher.add(patterns[k]["name"], [patterns[k]["pattern"]])
    return matcher


def _matches(doc) -> list[tuple[int, int, int]]:
    """matcher(doc) of the full Matcher, run with only the patterns whose required words the doc (or span) holds."""
    from spacy.attrs import LOWER, ORTH
    _, meta = _nlp()
    arr = doc.to_array([LOWER, ORTH])
    live = _live(frozenset(meta["_cue_lower"].intersection(arr[:, 0].tolist())),
                 frozenset(meta["_cue_orth"].intersection(arr[:, 1].tolist())))
    return _matcher_of(live)(doc) if live else []


def _found(flat: str, a: int, b: int, para_doc: list) -> list[tuple[int, int, int]]:
    """(start, end, match id) of the Matcher's matches inside flat[a:b], one sentence of the paragraph flat
    (or a few, joined), offsets in flat. A match is only ever taken inside its sentence, and the Matcher and
    the Doc cost per token, so only a sentence looked at is matched, on a Doc of its own where it may match:
    spaCy tokenizes each whitespace-separated run of a text alone, so a sentence whose ends are whitespace
    has the paragraph's tokens there, and the sentencizer marks the same starts in it (a start depends only
    on the tokens since the sentence began). A sentence that starts or ends inside a run ("approved.The")
    is matched as a span of the paragraph's Doc, made once (para_doc holds it). No pattern has a greedy
    filter, so the matches inside a span are the ones a whole Doc's matching finds there."""
    nlp, _ = _nlp()
    if (a == 0 or flat[a - 1].isspace()) and (b == len(flat) or flat[b].isspace()):
        text = flat[a:b]
        low = text.lower()
        if not _may_match(text, low, _TOKENS.findall(low)):
            return []
        doc, base = nlp(text), a
    else:
        if not para_doc:
            para_doc.append(nlp(flat))
        doc, base = para_doc[0].char_span(a, b), 0  # a and b are token boundaries: never None
    return [(base + doc[i].idx, base + doc[j - 1].idx + len(doc[j - 1]), mid) for mid, i, j in _matches(doc)]


@lru_cache(maxsize=4096)
def _live(lower: frozenset, orth: frozenset) -> tuple[int, ...]:
    """The patterns whose every required token has a value among these (the doc's values that any pattern needs)."""
    from spacy.attrs import LOWER
    _, meta = _nlp()
    return tuple(k for k, needs in enumerate(meta["_needs"])
                 if all(not (lower if a == LOWER else orth).isdisjoint(v) for a, v in needs))


_COMMON = {"the", "a", "an", "to", "of", "was", "were", "is", "are", "be", "been", "that", "this", "it", "and", "in",
           "on", "at", "for", "by", "with", "has", "had", "have", "will", "would", "shall", "i", "we", "my", "our", "all"}


def _cue_words(pattern: list[dict]) -> set[str]:
    """Words one of which a text must hold for the pattern to match: the literals of its rarest required token.

    The Matcher costs ~15 µs a token over all patterns, and most paragraphs hold none of these words, so a
    paragraph without any is not matched at all (speed only: the items are the same)."""
    best = None
    for tok in pattern:
        if tok.get("OP") in ("?", "*"):
            continue
        for key in ("LOWER", "ORTH"):
            val = tok.get(key)
            if val is None:
                continue
            words = {w.lower() for w in (val["IN"] if isinstance(val, dict) else [val])}
            common = len(words & _COMMON)
            if best is None or common < best[0]:
                best = (common, words)
    return best[1] if best and best[0] == 0 else {"*"}  # "*": no cue, always match


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Shrink [start, end) to drop surrounding blanks and trailing list glue ("; and")."""
    while start < end and text[start] in " \t\n":
        start += 1
    while end > start and text[end - 1] in " \t\n":
        end -= 1
    k = end  # glue ends in ";", ",", "and" or "or" before any blanks: else there is none to search for
    while k > start and text[k - 1].isspace():
        k -= 1
    last = text[k - 1:k]
    glued = last in (";", ",") or (last in "dD" and text[k - 3:k].lower() == "and") \
        or (last in "rR" and text[k - 2:k].lower() == "or")
    m = GLUE.search(text, start, end) if glued else None
    if m and m.end() == end and m.start() > start:
        end = m.start()
    return start, end


def leading_outcome(text: str, weak: bool = True) -> str | None:
    """The outcome an item's own words state; `weak=False` ignores attitudes ("welcomed") a status field outranks."""
    r = _rules()
    text = r["gloss"].sub("", text, count=1)  # "whakatārewa / defer consideration …": the gloss after the slash
    any_of, outcomes = r["outcome_any"][weak]
    first = any_of.first_search(text)
    return outcomes[first[0]] if first else None


def status_fields(text: str) -> list[tuple[int, str]]:
    """Where each "Decision status: Recommendations Approved" field stands, with the outcome it gives."""
    return sorted((m.start(), outcome) for rx, outcome in _rules()["status"] for m in rx.finditer(text))


def decide_outcome(text: str, result: str | None, default: str | None) -> str | None:
    """A deferral or refusal in the text outranks the vote that carried it; then the vote, the verb, the stem."""
    own = leading_outcome(text)
    if own in ("deferred", "rejected"):
        return own
    return result or own or default


def _compatible(family: str, label: str, prev_family: str, prev_label: str | None) -> bool:
    if family == prev_family:
        return True
    # "(i)" after "(h)" is a letter, "i)" after "h)" too: roman and letter families overlap.
    pairs = {("paren_roman", "paren_letter"), ("roman_paren", "letter_paren"), ("roman_dot", "letter_dot")}
    if (family, prev_family) in pairs and prev_label:
        core = re.sub(r"[().]", "", label).lower()
        prev = re.sub(r"[().]", "", prev_label).lower()
        return len(core) == 1 and len(prev) == 1 and ord(core) == ord(prev) + 1
    return False


class Extractor:
    def __init__(self, text: str, proposal: bool = False, meeting=None):
        self.text = text
        self.meeting = meeting  # the meeting's date, to tell this meeting's actions from earlier ones in a log
        self.proposal = proposal  # an agenda or report: it proposes, its narrative tells the past
        self.paras = paragraphs(text)
        self.items: list[Item] = []
        self.used: set[int] = set()
        self.r = _rules()
        self._sections = self._headings = None  # built on first use
        self.merged: set[int] = set()  # minuted actions a log row has merged into, by id
        self.row_refs: dict[int, tuple[str, str]] = {}  # an action-log row's (Ref, Minute) cells, by id of its item

    # -- helpers -------------------------------------------------------------------------------
    def ptext(self, p: Para) -> str:
        return self.text[p.body_start:p.end]

    def is_stop(self, p: Para) -> bool:
        return bool(STOP.match(self.text[p.start:p.end]))

    def is_skip(self, p: Para) -> bool:
        return self.is_skip_text(self.ptext(p))

    def is_skip_text(self, t: str) -> bool:
        """A mover/seconder line: names who moved, not what."""
        return self.r["skip"].any_match(t.strip())

    def mover_line(self, para_index: int, sentence: str) -> None:
        """"MOVED and SECONDED" then "THAT the agenda be adopted." then "CARRIED": the motion is the next paragraph."""
        k = para_index + 1
        if k >= len(self.paras) or k in self.used or not self.r["motion_text"].match(self.ptext(self.paras[k])):
            return
        q = self.paras[k]
        self.used.add(k)
        subs, nxt = self.collect_list(k + 1) if _opens(self.ptext(q)) else ([], k + 1)
        if subs and not self.r["list_is_objects"].search(self.ptext(q)):  # "THAT the Board: 1. award … 2. authorize …"
            made = [self.emit("resolution", sp.body_start, e, sp.label, "sentence:mover_line:list") for sp, e in subs]
        else:
            made = [self.emit("resolution", q.body_start, subs[-1][1] if subs else q.end, q.label, "sentence:mover_line:next")]
        result = self.motion_result(nxt)
        for it in filter(None, made):
            it.outcome = decide_outcome(it.text, result, None)

    def emit(self, kind, start, end, label, rule, outcome=None, owner=None) -> Item | None:
        start, end = _trim(self.text, start, end)
        if end - start < 3 or not re.search(r"[A-Za-z]{2}", self.text[start:end]):
            return None
        if kind == "resolution" and self.r["procedural"].any_search(self.text[start:end]):
            return None
        if kind == "recommendation" and self.r["agenda_noise"].any_search(self.text[start:end]):
            return None
        item = Item(kind=kind, label=label, text=self.text[start:end], start=start, end=end, rule=rule,
                    outcome=outcome, owner=owner)
        self.items.append(item)
        return item

    def match_stem(self, p: Para):
        body = self.ptext(p)
        stems, any_stem = self.r["any_stem"][bool(self.proposal)]
        first = any_stem.first_match(body)
        return None if first is None else (stems[first[0]][0], first[1])

    # -- shapes ------------------------------------------------------------------------------------
    def collect_list(self, j: int) -> tuple[list[tuple[Para, int]], int]:
        """Labelled sub-items from paragraph j on: [(first para, end offset)], next index.

        "(c) delegate authority to the Director to: (i) … (ii) …": the nested items are the decisions and (c) their
        shared stem; a nested bullet list stays inside its item (the objects of one decision)."""
        out: list[list] = []  # [para, end, is_stem]
        family = top = nested = None
        absorbing = False
        while j < len(self.paras):
            p = self.paras[j]
            if p.table or self.is_stop(p):
                break
            if p.label and _opens(self.ptext(p)) and self.match_stem(p):
                break  # "5.1 The Board is requested to:" opens a list of its own
            if p.label and (_title(self.ptext(p)) or _jumps(p.label, top.label if top else None)):
                break  # "48. COMPLAINTS AGAINST THE COMMISSIONER": the next minute's heading, not item 3
            if p.label:
                opens = out and _opens(self.text[out[-1][0].body_start:out[-1][1]])
                if family is None:
                    family, top = p.family, p
                    out.append([p, p.end, False])
                elif nested and p.family == nested:
                    if absorbing:
                        out[-1][1] = p.end  # the terms or conditions of the item above
                    else:
                        out.append([p, p.end, False])
                elif _compatible(p.family, p.label, family, top.label):
                    family = p.family if p.family == family else family
                    top, nested = p, None
                    out.append([p, p.end, False])
                elif opens and p.family != "bullet" and not nested:
                    nested = p.family
                    absorbing = bool(self.r["list_is_objects"].search(self.text[out[-1][0].body_start:out[-1][1]]))
                    if absorbing:  # "(a) grant a lease … on the following terms:" then "(i) term – 10 years …"
                        out[-1][1] = p.end
                    else:
                        out[-1][2] = True
                        out.append([p, p.end, False])
                elif opens or p.family == "bullet":
                    out[-1][1] = p.end  # nested list inside the current item
                else:
                    break
            elif out and not TERMINAL_PUNCT.search(self.text[out[-1][0].body_start:out[-1][1]].rstrip()) \
                    and (re.match(r"[a-z]", self.ptext(p)) or (GLUE_END.search(self.ptext(p))
                         and j + 1 < len(self.paras) and self.paras[j + 1].label)):
                out[-1][1] = p.end  # continuation across a page break ("… the Medium Term" / "Revenue and …;")
            else:
                break
            self.used.add(j)
            j += 1
        return [(p, end) for p, end, stem in out if not stem], j

    def stem_block(self, i: int) -> int:
        p = self.paras[i]
        hit = self.match_stem(p)
        if not hit:
            return i
        stem, m = hit
        if stem["mode"] == "operative":
            return self.operative_block(i, stem)
        kind, rule = stem["kind"], "stem:" + stem["name"]
        rest_start = p.body_start + m.end()
        rest = self.text[rest_start:p.end].strip()
        if _title(rest) and not re.match(r"(?i)that\b", rest) and not _opens(rest):
            return i  # "RESOLUTION NO. 2025-31 – INTERLOCAL AGREEMENT WITH …": a title
        if re.fullmatch(r"(?i)that|to|\([^()]{1,25}\)", rest):
            rest_start, rest = p.end, ""  # "RESOLVED: that" then "(i) … (ii) …" below; "Resolution No. 70 (Amendment)"
        if stem.get("rest_must_match") and not re.match(stem["rest_must_match"], rest, re.I):
            return i
        nxt = self.ptext(self.paras[i + 1]) if i + 1 < len(self.paras) else ""
        if stem.get("trails") and not rest and i and self.items and self.items[-1].kind == "resolution" \
                and self.items[-1].end >= self.paras[i - 1].start and not self.is_skip_text(nxt) \
                and not self.r["motion_text"].match(nxt):
            self.used.add(i)  # "RESOLVED: (a) … (d) …" then "Council resolution number C44/2025": its number, below it
            return i + 1
        default = stem.get("outcome") if kind == "resolution" else None
        made: list[Item] = []
        subs: list = []
        j = i + 1
        opener = rest == "" or _opens(rest)
        if stem["mode"] == "heading" and rest and not _opens(rest):
            return i
        if kind == "action" and self.r["owner_only"].match(self.ptext(p).strip()):
            return i  # "ACTION: DT" names the owner of the paragraph above; owner_lines() handles it
        if opener:
            k, lead = j, None
            while k < len(self.paras) and self.is_skip(self.paras[k]):
                self.used.add(k)  # mover and seconder lines belong to this decision
                k += 1
            if rest == "" and k < len(self.paras) and _opens(self.ptext(self.paras[k])) \
                    and not self.paras[k].label and not self.is_stop(self.paras[k]):
                if kind == "resolution" and self.r["procedural"].any_search(self.ptext(self.paras[k])):
                    self.used.update((i, k))  # "That Council considers the confidential report listed below …:"
                    return k + 1
                lead = self.paras[k]
                k += 1  # "That Council:" on its own line after the number and mover lines
            used_before = set(self.used)
            subs, j2 = self.collect_list(k)
            if stem.get("list_must_match") and not (subs and all(
                    re.match(stem["list_must_match"], self.text[sp.body_start:e]) for sp, e in subs)):
                self.used = used_before  # "The Board:" opens a decision list only when each item says what it did
                return i
            if subs and stem["mode"] == "heading":
                subs = [(sp, e) for sp, e in subs if not _title(self.text[sp.body_start:e])]
                if not subs:  # "9. RESOLUTIONS / B. RESOLUTION NO. 2025-31 – INTERLOCAL AGREEMENT …": titles
                    self.used = used_before
                    return i
                after = next((q for q in self.paras if q.start >= subs[0][1]), None)
                if after and self.r["agenda_section"].match(self.ptext(after)):
                    self.used = used_before  # "5. RESOLUTIONS / (a) Resolution 2024-08-41, … / Motion by …, to adopt …"
                    return i
            own = rest or (lead and self.ptext(lead)) or ""
            absorbs = stem.get("absorbs_list") or self.r["list_is_objects"].search(own)
            if subs and absorbs and own:  # "… refuse the application for the following reasons: (a) … (b) …" is one
                it = self.emit(kind, rest_start if rest else lead.body_start, subs[-1][1], p.label, rule)
                made += [it] if it else []
                j = j2
            elif subs:
                if stem.get("item_starts"):  # "(a) CHANGES TO THE AGENDA (Item 2)" then "That the agenda …"
                    starts = [(sp, e, re.search(stem["item_starts"], self.text[sp.body_start:e])) for sp, e in subs]
                    subs = [(Para(sp.start, e, sp.body_start + m.start(), sp.label, sp.family, False), e)
                            for sp, e, m in starts if m]
                for sp, end in subs:
                    cap = re.match(r"[A-Z][a-z]+(?:\s+[A-Za-z]+){0,3}\.\s+(?=[A-Z])", self.ptext(sp)) \
                        if sp.family == "section_dot" else None  # "Section 2. Approval. The City Commission …"
                    it = self.emit(kind, sp.body_start + (cap.end() if cap else 0), end, sp.label, rule + ":list")
                    if it:
                        made.append(it)
                j = j2
            elif rest and not _opens(rest):
                it = self.emit(kind, rest_start, p.end, p.label, rule)
                made += [it] if it else []
            elif rest:
                # "… as set forth in the attached schedules:" then short unlabelled lines: its objects
                end, q = p.end, k
                while q < min(k + 12, len(self.paras)) and not self.paras[q].label and not self.paras[q].table \
                        and len(self.ptext(self.paras[q])) < 100 and not _opens(self.ptext(self.paras[q])) \
                        and not self.is_stop(self.paras[q]) and not self.match_stem(self.paras[q]):
                    end, q = self.paras[q].end, q + 1
                if q > k:
                    it = self.emit(kind, rest_start, end, p.label, rule + ":objects")
                    made += [it] if it else []
                    self.used.update(range(k, q))
                    j = q
            elif (stem["mode"] == "inline" or stem.get("next_must_match")) and k < len(self.paras) and not self.is_stop(self.paras[k]) \
                    and not self.paras[k].table and not self.match_stem(self.paras[k]) and not _title(self.ptext(self.paras[k])) \
                    and re.match(stem.get("next_must_match", ""), self.ptext(self.paras[k])):
                q = self.paras[k]
                it = self.emit(kind, q.start if not q.label else q.body_start, q.end, q.label, rule + ":next")
                made += [it] if it else []
                self.used.add(k)
                j = k + 1
        else:
            end = p.end
            first = stem.get("sentence_only") and re.search(r"[.!?](?=\s+[A-Z])", self.text[rest_start:p.end])
            if first and not self.r["abbrev"].search(self.text[rest_start:rest_start + first.end()]):
                end = rest_start + first.end()  # "Council NOTED the report." then "Members were reminded …"
                self.prose_span(end, p.end, p.label, i)
            tasks = self.trailing_tasks(rest_start, end) if kind == "resolution" else []
            if tasks:
                end = tasks[0][0]
                for a, b, owner in tasks:
                    self.emit("action", a, b, p.label, rule + ":task", owner=owner)
            it = self.emit(kind, rest_start, end, p.label, rule)
            made += [it] if it else []
        if not made:
            return i
        self.used.add(i)
        result = self.motion_result(j)
        stem_text = self.text[p.body_start:rest_start]
        lead_noted = opener and leading_outcome(self.text[p.body_start:subs[0][0].start] if subs else "") == "noted"
        for it in made:
            if kind == "resolution":  # an inline decision reads whole: "The Board NOTED the report and ENDORSED …"
                whole = stem_text + it.text if it.start == rest_start else stem_text
                it.outcome = decide_outcome(it.text, result, leading_outcome(whole) or default)
                if lead_noted and it.outcome in ("carried", "approved"):
                    it.outcome = "noted"  # "That Council receive for information the following items:" … CARRIED
        return j

    def trailing_tasks(self, start: int, end: int) -> list[tuple[int, int, str]]:
        """"RESOLVED: that X be appointed … £240. The Clerk will send a letter of engagement by the end of March.":
        a later sentence that gives an officer a task is an action of its own, not part of the resolution."""
        cuts = [start + m.end() for m in re.finditer(r"(?<=[.!?])\s+(?=[A-Z])", self.text[start:end])
                if not self.r["abbrev"].search(self.text[start:start + m.start() + 1])]
        out = []
        for a, b in zip(cuts, cuts[1:] + [end]):
            owner = self.task_owner(self.text[a:b])
            if owner and self.r["strong_owner"].match(owner) and not self.r["body_owner"].match(owner):
                out.append((a, b, owner))
            elif out:
                break
        return out if out and out[-1][1] == end else []

    def operative_block(self, i: int, stem: dict) -> int:
        """"The Executive Board," then "Recalling …" (preamble, skipped) and "1. Takes note of …; 2. Requests the
        Administrator to …" (operative): each operative paragraph is one decision of the body named above."""
        made, k, j = [], i + 1, i + 1
        while k < len(self.paras):
            q = self.paras[k]
            t = self.ptext(q)
            if q.table or self.is_stop(q) or self.match_stem(q):
                break
            if self.r["preamble"].match(t) or self.r["operative_skip"].match(t):
                k += 1
            elif self.r["operative"].match(t) or (q.label and self.r["operative_item"].match(t)):
                end, k = q.end, k + 1
                while _opens(t) and k < len(self.paras):  # "Elected the following members …:"
                    o = self.ptext(self.paras[k])
                    if len(o) > 120 or self.r["operative"].match(o) or self.r["preamble"].match(o) or self.is_stop(self.paras[k]):
                        break
                    end, k = self.paras[k].end, k + 1
                    nxt = self.ptext(self.paras[k]).rstrip() if k < len(self.paras) else ""
                    if o.rstrip()[-1:] in ";." and nxt[-1:] not in ";.:":
                        break  # the list's last line closes it; "Item 2" below is a heading
                it = self.emit(stem["kind"], q.body_start, end, q.label or self.section_label(q.start), "stem:" + stem["name"])
                if it:
                    it.outcome = decide_outcome(it.text, None, leading_outcome(it.text) or stem.get("outcome"))
                    made.append(it)
            elif len(t) < 80 and not TERMINAL_PUNCT.search(t.rstrip()):
                k += 1  # "Item 2" / "Evaluation": headings between a body's decisions
                continue
            else:
                break
            j = k
        if not made:
            return i
        self.used.update(range(i, j))
        return j

    def motion_result(self, j: int) -> str | None:
        """A "CARRIED" / "Motion failed 2-5" line just after a decision gives its outcome."""
        for k in range(j, min(j + 3, len(self.paras))):
            t = self.ptext(self.paras[k]).strip()
            said = self.r["motion_tail"].match(t) and leading_outcome(t)
            if said:
                self.used.add(k)  # "The resolution was proposed by X, seconded by Y, and passed on a show of hands."
                return said
            if len(t) > 120:  # a result line is short; a longer paragraph is business of its own
                break
            for part in re.split(r"(?<=[.;])\s+", t):  # "Vote: Ayes 5, Noes 0. Motion carried 5-0."
                outcome = self.result_of(part)
                if outcome:
                    self.used.add(k)
                    return outcome
        return None

    def result_of(self, text: str, max_len: int = 80) -> str | None:
        """The outcome a short result line states ("The motion carried\nunanimously." → carried), else None."""
        text = self.r["result_prefix"].sub("", " ".join(text.split()))  # "Result: Motion CARRIED …"
        if len(text) >= max_len:
            return None
        any_of, outcomes = self.r["result_any"]
        first = any_of.first_match(text)
        return outcomes[first[0]] if first else None

    def table_block(self, i: int) -> int:
        """An action log: a header row naming task/owner/due columns, then one action per row."""
        rows = []
        j = i
        while j < len(self.paras) and self.paras[j].table:
            rows.append(self.paras[j])
            j += 1
        # The header may be the first row, or one cell per row when a pasted table lost its row structure.
        header = [c.strip().lower().rstrip(":") for c in self.text[rows[0].start:rows[0].end].split("\t")]
        first_data = 1
        if len([c for c in header if c]) == 1:
            stacked = []
            for r in rows:
                cells = [c.strip().lower() for c in self.text[r.start:r.end].split("\t") if c.strip()]
                if len(cells) != 1 or len(cells[0]) > 25:
                    break
                stacked.append(cells[0].rstrip(":"))
                first_data += 1
            first_data -= 1
            if len(stacked) >= 2:
                header = stacked
        h = self.r["headers"]
        col = {}
        for k, cell in enumerate(header):
            for role in ("task", "owner", "due", "status", "raised", "ref", "outcome"):
                if role not in col and cell in h[role]:
                    col[role] = k
        named = [k for k, cell in enumerate(header) if cell in h["task"] and re.search(r"decision|action", cell)]
        if named:
            col["task"] = named[0]  # "Item | Decision / action": the item column holds references
        decisions = "outcome" in col and "task" in col and not ({"owner", "due"} & set(col))
        if "task" not in col or not ({"owner", "due"} & set(col) or decisions):
            return i
        carried_due, dues = None, []
        table = []
        for row in rows[first_data:]:
            cells, pos = [], row.start
            for cell in self.text[row.start:row.end].split("\t"):
                cells.append((pos, pos + len(cell), cell))
                pos += len(cell) + 1
            table.append((row, cells))
        cell = lambda cells, role: cells[col[role]][2].strip() if role in col and col[role] < len(cells) else ""
        some_new = any(self.r["new_status"].match(cell(c, "status")) for _, c in table)
        for row, cells in table:
            if col["task"] >= len(cells):
                continue
            # A task cell may not line up with the header (leading empty cells); take the first non-empty from it on.
            k = col["task"]
            while k < len(cells) - 1 and not cells[k][2].strip():
                k += 1
            s, e, task = cells[k]
            shift = k - col["task"]
            owner_k, due_k = col.get("owner", -1) + shift, col.get("due", -1) + shift
            owner = cells[owner_k][2].strip() if "owner" in col and owner_k < len(cells) else None
            due = cells[due_k][2].strip() if "due" in col and due_k < len(cells) else None
            status_k = col.get("status", -1) + shift
            raised_k = col.get("raised", -1) + shift
            raised = cells[raised_k][2].strip() if "raised" in col and raised_k < len(cells) else ""
            if raised and self.raised_earlier(raised, row.start):
                continue
            this_meeting = bool(raised and DATE_RE.search(raised))  # raised today: "Complete" is its state, not history
            if "status" in col and status_k < len(cells) and self.r["done_status"].match(cells[status_k][2].strip()) \
                    and not this_meeting:
                continue  # an earlier action, reported done
            if task.strip().lower().rstrip(":") in h["task"]:
                continue  # the header row again, after a page break
            status = cells[status_k][2].strip() if "status" in col and status_k < len(cells) else ""
            if some_new and status and not self.r["new_status"].match(status):
                continue  # beside this meeting's "New" rows, an open row is an earlier action under review
            if "owner" not in col and "due" in col:
                # a What/When timeline: an empty When cell is merged with the one above, and a dateless
                # cell that printed as the last line of such a merged cell ("9th May / Board") is its spill
                if due and carried_due and not DATE_RE.search(due) and any(d.endswith(" " + due) for d in dues):
                    due = carried_due
                due = due or carried_due
                carried_due = due
                dues.append(due or "")
            # One cell may hold several bulleted tasks: each is an action.
            if decisions:  # Item | Decision | Proposed | Seconded | Outcome: "Carried (5–0)", "Not carried", "Deferred"
                said = cell(cells, "outcome")
                item = self.emit("resolution", s, e, cell(cells, "ref") or (cells[0][2].strip() if k else None), "table:decisions")
                if item:
                    lost = self.r["cell_lost"].match(said)
                    item.outcome = ("rejected" if lost else None) \
                        or next((o for rx, o in self.r["cell_results"] if rx.match(said)), None) \
                        or self.result_of(said) or leading_outcome(said) or leading_outcome(item.text) or "approved"
                continue
            if self.r["decision_row"].match(task.strip()):  # "Approved the Joint Forward Plan …" | ICB Board
                item = self.emit("resolution", s, e, None, "table:decision_log")
                if item:
                    item.outcome = leading_outcome(item.text) or "approved"
                    item.due_text = due if due and DATE_RE.search(due) else None
                continue
            for m in re.finditer(r"[^•]+", task):
                a, b = s + m.start(), s + m.end()
                item = self.emit("action", a, b, None, "table:action_log", owner=owner or None)
                if item and due:
                    item.due_text = due
                minute = cell(cells, "raised") if re.fullmatch(r"\d+(?:[./]\d+)*[a-z]?", cell(cells, "raised")) else ""
                if item and (cell(cells, "ref") or minute):
                    self.row_refs[id(item)] = (cell(cells, "ref"), minute)  # its number; the minute it was raised under
        self.used.update(range(i, j))
        return j

    def prose(self, k: int) -> None:
        p = self.paras[k]
        # spaCy refuses texts over nlp.max_length; a paragraph that long is cut at line breaks
        start = p.body_start
        while start < p.end:
            end = p.end if p.end - start <= MAX_SPAN else (self.text.rfind("\n", start, start + MAX_SPAN) + 1 or start + MAX_SPAN)
            if end <= start:
                end = start + MAX_SPAN
            self.prose_span(start, end, p.label, k)
            start = end

    def table_prose(self, k: int) -> None:
        p = self.paras[k]
        """A layout table (minutes set in a grid): each cell is prose; a short initials cell names the owner."""
        pos, cells = p.start, []
        for cell in self.text[p.start:p.end].split("\t"):
            cells.append((pos, pos + len(cell), cell.strip()))
            pos += len(cell) + 1
        owner_cell = next((c for _, _, c in cells[1:] if re.fullmatch(r"[A-Z]{2,4}(?:\s*[/&,]\s*[A-Z]{2,4})*", c)), None)
        label = cells[0][2] if re.fullmatch(r"\d{1,3}(?:\.\d{1,3})*\.?", cells[0][2] or "-") else None
        before = len(self.items)
        for n, (a, b, c) in enumerate(cells):
            result = next((o for rx, o in self.r["cell_results"] if rx.match(c)), None)
            # "Approved" beside the item it decides; not a report's history ("Executive Team | 31 October | Approved")
            if result and n and not self.proposal and any(len(x[2]) > 3 for x in cells[:n]) \
                    and not any(DATE_RE.search(x[2]) for x in cells if x[2] != c):
                x = a + self.text[a:b].index(c)
                it = self.emit("resolution", x, x + len(c), label, "table:result_cell")
                if it:
                    it.outcome = result
                continue
            if len(c) <= 15:
                continue
            # bullets flattened into one cell ("- Keni to confirm … - Eric to confirm …") are separate lines;
            # a dash before a small letter is punctuation ("as presented - approved")
            cuts = [a] + [a + m.start() + 1 for m in re.finditer(r" [•\-–] (?=[^\sa-z])", c and self.text[a:b])] + [b]
            for x, y in zip(cuts, cuts[1:]):
                while x < y and self.text[x] in "•-– ":
                    x += 1
                if y - x > 8:
                    self.prose_span(x, y, label, k)
        if owner_cell:  # the owner column names the owner, whatever the sentence says
            for it in self.items[before:]:
                if it.kind == "action":
                    it.owner = owner_cell

    def prose_span(self, start: int, end: int, label: str | None, para_index: int) -> None:
        nlp, meta = _nlp()
        body = self.text[start:end]
        # a wrapped line must not split "It was\nagreed" into two tokens; same length, so offsets hold
        flat = body.replace("\n", " ")
        cues = meta["_cues"]
        low = flat.lower()
        tokens = _TOKENS.findall(low)
        wanted = ("*" in cues or not cues.isdisjoint(tokens)) and _may_match(flat, low, tokens)
        spans: list[list[int]] = []
        for sent_start, sent_end in meta["_sents"](flat):  # spaCy's sentences, found without making a Doc
            if spans and self.r["abbrev"].search(body[spans[-1][0]:spans[-1][1]].rstrip()):
                spans[-1][1] = sent_end  # "Resolution No. 2023-07" is one sentence
            else:
                spans.append([sent_start, sent_end])
        para_doc: list = []  # the paragraph's Doc, made only if a sentence needs it (_found)
        for k, (a, b) in enumerate(spans):
            s_text = body[a:b]
            if len(s_text.strip()) < 8:
                continue
            s0 = start + a
            s1 = start + b
            if len(s_text) < 160 and self.absorb_result(s_text, s0):
                continue
            if k and self.r["anaphora"].match(s_text) \
                    and not any(start + spans[k - 1][0] <= it.start < start + a for it in self.items):
                a = spans[k - 1][0]  # "All agreed this was a true record": "this" is the sentence before
                s_text, s0 = body[a:b], start + a
            tag = self.r["trailing_tag"].search(s_text)
            if tag:  # "… to be completed by end of Q1 2025 - Action: HP."
                self.emit("action", s0, s0 + tag.start(), label, "sentence:owner_tag", owner=tag.group("owner"))
                continue
            found = _found(flat, a, b, para_doc) if wanted else []
            matches = [mid for x, y, mid in found  # all inside this sentence
                       if not (nlp.vocab.strings[mid] in self.r["not_if"] and self.r["not_if"][nlp.vocab.strings[mid]].search(s_text))
                       and not (nlp.vocab.strings[mid] in self.r["only_if"] and not self.r["only_if"][nlp.vocab.strings[mid]].search(s_text))]
            owner, later = self.task_owner(s_text), None
            topic = None if owner else TOPIC.match(s_text)
            if topic and self.task_owner(s_text[topic.end():]):  # "Footpath FP 14: the Clerk to report …"
                s0, s_text = s0 + topic.end(), s_text[topic.end():]
                owner = self.task_owner(s_text)
            if not matches and not owner:
                later = self.later_task(s_text)
                if not later:
                    continue  # most sentences: nothing to take, so no distractor to check
            if self.r["distractor"].any_search(s_text):
                continue
            if matches and self.r["motion_tail"].match(s_text.strip()):
                self.motion_tail(para_index, s_text)
                continue
            if matches and self.consent_items(s_text, para_index, s1):
                continue
            tail = matches and self.r["mover_tail"].match(" ".join(s_text.split()))
            if tail:
                self.mover_tail(para_index, start + spans[0][0] if k else None, s1, label, tail.group("result"))
                continue
            if matches and self.is_skip_text(s_text):
                self.mover_line(para_index, s_text)  # "MOVED and SECONDED" / "Moved: Cr Tran Seconded: Cr Szabo"
                continue
            if matches:
                name = nlp.vocab.strings[matches[0]]
                rule = meta[name]
                agreed = self.r["agreed_task"].match(s_text.strip())
                agreed = agreed.group("owner").strip() if agreed else (owner if rule.get("officer_subject_acts") else None)
                if rule["kind"] == "resolution" and agreed and not self.r["body_owner"].match(agreed) \
                        and self.r["strong_owner"].match(agreed):
                    # "It was agreed that DR would ask …", "The Chief Executive agreed to circulate …": an officer's task
                    self.emit("action", s0, s1, label, "sentence:agreed_task", owner=agreed)
                    continue
                ask = self.r["clause_directed"].search(s_text) if rule["kind"] == "resolution" else None
                asked = ask and self.task_owner(s_text[ask.end():])
                if asked:  # "The Board did not approve X, and asked the CFO to bring …": a decision, then a task
                    self.emit("action", s0 + ask.end(), s1, label, "clause:directed", owner=asked)
                    s1, s_text = s0 + ask.start(), s_text[:ask.start()]
                elif rule["kind"] == "resolution" and (later := self.later_task(s_text)) \
                        and self.r["strong_owner"].match(later[1]) and not self.r["body_owner"].match(later[1]):
                    # "It was RESOLVED to respond …, the Clerk to draft a response by 14 June.": a decision, then a task
                    self.emit("action", s0 + later[0].end(), s1, label, "clause:owner_task", owner=later[1])
                    s1, s_text, later = s0 + later[0].start(), s_text[:later[0].start()], None
                if self.proposal and rule["kind"] == "resolution" and not rule.get("in_proposal"):
                    continue  # a report's "it was agreed" tells what happened elsewhere
                if rule["kind"] != "resolution":
                    subs = self.collect_list(para_index + 1)[0] if _opens(s_text) and b >= len(body.rstrip()) - 1 else []
                    for sp, e in subs:  # "… the Panel recommends that the Commissioner:" then "(a) publishes …"
                        self.emit(rule["kind"], sp.body_start, e, sp.label, "sentence:" + name + ":list")
                    if not subs:
                        self.emit(rule["kind"], s0, s1, label, "sentence:" + name, owner=owner)
                    continue
                if (rule.get("opens_list") or self.r["list_resolves"].search(s_text)) and _opens(s_text) and b >= len(body.rstrip()) - 1:
                    subs, nxt = self.collect_list(para_index + 1)
                    nxt_para = self.paras[para_index + 1] if para_index + 1 < len(self.paras) else None
                    if not subs and nxt_para and not self.is_stop(nxt_para) and not nxt_para.table \
                            and name in ("moved_seconded", "motion_by"):
                        # "X moved, seconded by Y, to amend the following:" – the amendment is the next paragraph
                        it = self.emit(rule["kind"], s0, nxt_para.end, label, "sentence:" + name + ":next")
                        if it:
                            self.used.add(para_index + 1)
                            it.outcome = decide_outcome(it.text, self.motion_result(para_index + 2), None)
                        continue
                    out = self.r["consent_except"].search(s_text)
                    out = set(re.findall(r"\w+", out.group(1).lower())) - {"and"} if out else set()
                    subs = [(sp, e) for sp, e in subs if (sp.label or "").strip("().").lower() not in out
                            and not self.r["consent_pulled"].search(self.text[sp.body_start:e])]  # "… with the exception of Item 6"
                    if subs:
                        made = [self.emit("resolution", sp.body_start, e, sp.label, "sentence:" + name + ":list")
                                for sp, e in subs]
                        result = self.motion_result(nxt)
                        approves = "approved" if self.r["list_approves"].search(s_text) else None
                        if self.r["list_resolves"].search(s_text):  # "… received the report and resolved:"
                            rule = dict(rule, outcome="approved")
                        carried = "carried" if re.search(r"(?i)\bcarried\b(?!\s+(?:forward|over))", s_text) else None
                        for it in filter(None, made):
                            it.outcome = result or leading_outcome(it.text) or rule.get("outcome") or carried or approves
                        continue
                # "JB to circulate the draft once approved": a task that mentions approval, not a decision
                passive_task = owner and name == "passive_approved" and not self.r["passive_exempt"].search(s_text)
                if _opens(s_text) and rule.get("outcome") == "noted":
                    continue  # "The Board received the chairs' reports from:" introduces, and no list of decisions follows
                if not passive_task:
                    # "Budget 2025/26. RESOLVED: that …": the item starts after what the pattern matched
                    first = start + min(y for x, y, mid in found if mid == matches[0]) \
                        if rule.get("text_after_match") else s0
                    result = self.result_after(s1, para_index) if rule.get("needs_result") else None
                    if rule.get("needs_result") and not result:
                        continue
                    it = self.emit("resolution", first, s1, label, "sentence:" + name)
                    if it and result:
                        it.outcome = result
                    elif it:
                        it.outcome = rule.get("outcome") if rule.get("outcome") else None
                        explicit = leading_outcome(it.text)
                        if explicit in ("deferred", "rejected", "carried", "noted", "approved"):
                            it.outcome = explicit
                        if rule.get("motion") and not it.outcome:
                            # a motion's result printed after a roll call belongs to it
                            it.outcome = self.result_after(s1, para_index, bool(re.search(r"(?i)\bamend", s_text))) or (
                                "carried" if self.r["motion_passed"].search(s_text) else None)
                    continue
            later = later or self.later_task(s_text)
            if later:  # the first clause is a task of its own only if it names its own owner
                owner = self.task_owner(s_text[:later[0].start()])
            if owner:
                cut = self.r["clause_end"].search(s_text)
                end = min(x for x in (cut and cut.start(), later and later[0].start(), len(s_text)) if x)
                self.emit("action", s0, s0 + end, label, "sentence:owner_task", owner=owner)
            if later:
                self.emit("action", s0 + later[0].end(), s1, label, "clause:owner_task", owner=later[1])

    def later_task(self, sentence: str):
        """"…as soon as possible, Councillor Healey to order Scalpings.": (clause match, owner) of a task in a later clause."""
        if "," not in sentence and ";" not in sentence:
            return None  # no later clause
        return next(((m, o) for m in LATER_CLAUSE.finditer(sentence)
                     if not m.group(1) or LATER_TASK.match(sentence[m.end():])
                     for o in [self.task_owner(sentence[m.end():])] if o), None)  # ", and the Clerk to draft …"

    def consent_items(self, sentence: str, para_index: int, end: int) -> bool:
        """"Motion … to approve Consent Agenda Items 7.A through 7.C": one resolution per listed item."""
        m = self.r["consent_motion"].search(sentence)
        if not m:
            return False
        head = next((k for k in range(para_index - 1, max(-1, para_index - 40), -1)
                     if self.r["consent_heading"].match(self.ptext(self.paras[k]))), None)
        if head is None:
            return False
        subs, _ = self.collect_list(head + 1)
        key = lambda lab: re.split(r"[.\s]", lab.strip("().").upper())[-1]  # noqa: E731  "7.A" -> "A"
        def mark(sp):  # the printed number, from the label or the title's own leading number ("6.1 Approve …")
            lead = re.match(r"(\d+(?:\.\d+)+|\d+\.?[A-Z]?)\s", self.ptext(sp))
            return [key(sp.label or "")] + ([key(lead.group(1)), lead.group(1).rstrip(".")] if lead else [])
        marks = [mark(sp) for sp, _ in subs]
        lo = hi = None
        if m.group("first"):
            want_lo, want_hi = m.group("first").rstrip("."), m.group("last").rstrip(".")
            for k, mk in enumerate(marks):
                if lo is None and (want_lo in mk or key(want_lo) in mk):
                    lo = k
                if want_hi in mk or key(want_hi) in mk:
                    hi = k
        chosen = subs[lo:hi + 1] if lo is not None and hi is not None else ([] if m.group("first") else subs)
        if not chosen:
            return False
        outcome = self.result_after(end, para_index) or ("carried" if self.r["motion_passed"].search(sentence) else None)
        for sp, e in chosen:
            it = self.emit("resolution", sp.body_start, e, sp.label, "sentence:consent")
            if it:
                it.outcome = outcome or "approved"
        return True

    def result_after(self, pos: int, para_index: int, amendment: bool = False) -> str | None:
        """A motion's result: later in its own paragraph (after a roll call), or in the next short lines; an
        amendment's result ("Amendment failed 4-5") is not the motion's."""
        para = self.paras[para_index]
        for part in re.split(r"(?<=[.;:])\s+", self.text[pos:para.end]):
            outcome = self.result_of(part)
            if outcome and (amendment or not re.search(r"(?i)\bamendment\b", part)):
                return outcome
        return self.motion_result(para_index + 1)

    def motion_tail(self, para_index: int, sentence: str) -> None:
        """"That the Council write to …" / "The motion was proposed by X and seconded by Y": the motion is the paragraph above."""
        if para_index == 0:
            return
        prev = self.paras[para_index - 1]
        if para_index - 1 in self.used or not self.r["motion_text"].match(self.ptext(prev)):
            return
        it = self.emit("resolution", prev.body_start, prev.end, prev.label, "sentence:motion_tail")
        if it:
            self.used.add(para_index - 1)
            it.outcome = decide_outcome(it.text, leading_outcome(sentence) or self.motion_result(para_index + 1), None)

    def mover_tail(self, para_index: int, first: int | None, end: int, label: str | None, said: str | None) -> None:
        """"(a) Disposal of … for €6,500. Proposed by Cllr. X, seconded by Cllr. Y, and agreed.": the mover sentence
        closes the decision it follows — its item's sentences before it, else the motion paragraph above."""
        if first is not None:
            if any(first <= it.start < end for it in self.items):
                return
            it = self.emit("resolution", first, end, label, "sentence:mover_tail")
        else:
            k = para_index - 1
            if k < 0 or k in self.used or not self.r["motion_text"].match(self.ptext(self.paras[k])):
                return
            self.used.add(k)
            it = self.emit("resolution", self.paras[k].body_start, self.paras[k].end, self.paras[k].label, "sentence:mover_tail")
        if it:
            result = self.result_of(said) if said else self.result_after(end, para_index)
            it.outcome = decide_outcome(it.text, result or ("approved" if said else None), None)

    def absorb_result(self, sentence: str, pos: int) -> bool:
        """"Motion carried 5-2." after a motion is that motion's outcome, not a decision of its own."""
        if self.r["motion_void"].match(" ".join(sentence.split())):
            prev = [it for it in self.items if it.kind == "resolution" and it.end <= pos and pos - it.end < 300]
            if prev:
                self.items.remove(prev[-1])  # "Motion died for lack of a second.": nothing was decided
            return True
        outcome = self.result_of(sentence, max_len=10_000)  # callers pass only short sentences
        if not outcome or self.r["own_motion"].match(sentence):
            return False  # "A proposal by X, seconded by Y, to donate £200 … was not agreed": a decision with its result
        prev = [it for it in self.items if it.kind == "resolution" and it.end <= pos and pos - it.end < 4000]
        winner = re.search(r"\b(motion|amendment)\s+was\s+(?:\w+\s+)?(?:carried|passed|adopted)\b", sentence, re.I)
        if prev and winner and winner.group(1).lower() == "motion" and re.search(r"\bamendment\b", prev[-1].text, re.I):
            prev[-1].outcome = "rejected"  # "there voted for the motion 7 and for the amendment 5 and the motion was carried"
        elif prev:
            target = self.result_target(prev, sentence)
            if target.outcome not in ("deferred", "rejected"):
                target.outcome = outcome
        return True  # a result with no motion before it is still no decision of its own

    @staticmethod
    def result_target(prev: list[Item], sentence: str) -> Item:
        """Which motion a result line decides: "The main motion as amended carried 5-0" skips the amendment voted
        just before it; "Amendment failed" takes the amendment; a bare "Motion carried" after an amendment already
        decided goes to the motion still open."""
        amend = lambda it: bool(re.search(r"(?i)\bamend", it.text))  # noqa: E731
        said = re.search(r"(?i)\b(main\s+|original\s+|substantive\s+)?(motion|amendment)\b[^.;]{0,40}?"
                         r"\b(?:carried|passed|adopted|lost|failed|defeated)\b", sentence)
        if said and said.group(2).lower() == "amendment":
            return next((it for it in reversed(prev) if amend(it)), prev[-1])
        if said and said.group(1):
            return next((it for it in reversed(prev) if not amend(it)), prev[-1])
        if amend(prev[-1]) and prev[-1].outcome:
            return next((it for it in reversed(prev) if not amend(it) and not it.outcome), prev[-1])
        return prev[-1]

    def task_owner(self, sentence: str) -> str | None:
        s = sentence.strip()
        tasks = self.r["owner_task"]
        for k, needs in self.r["owner_task_requires"].candidates(s):
            spec, rx = tasks[k]
            m = needs.search(s) and rx.match(s)
            if m:
                owner = m.group("owner").strip()
                if (owner in self.r["not_owner"] or owner.split()[0] in self.r["not_owner"]) \
                        and not self.r["group_owner"].match(owner):  # "All agreed" is no owner; "All trustees to …" is
                    return None
                if spec.get("not_body") and self.r["body_owner"].match(owner):
                    return None
                if spec.get("subject_must_be_strong") and m.group("subject") not in self.r["pronouns"] | {"staff", "officers"} \
                        and not self.r["strong_owner"].match(re.sub(r"^(?i:the)\s+", "", m.group("subject").strip())):
                    continue
                if spec.get("weak_owner_needs_task_verb") and not self.r["strong_owner"].match(owner):
                    if m.group("verb") not in self.r["task_verbs"] or not self.named_elsewhere(owner):
                        continue
                if spec.get("owner_is_subject") and m.group("subject").lower() not in self.r["pronouns"]:
                    return re.sub(r"^(?i:the)\s+", "", m.group("subject").strip())
                return owner
        m = self.r["directed"].search(s)
        if m and m.group("owner").split()[0] not in self.r["not_owner"] and not self.r["body_owner"].match(m.group("owner")):
            return m.group("owner").strip()
        return None

    def named_elsewhere(self, owner: str) -> bool:
        """A one-word owner ("Neil to set up …") is a name if the paper prints it more than once (an attendee
        list, "(Karen)"); "Begun to develop …" appears once. Pronouns are resolved later."""
        owner = owner.strip()
        if " " in owner or owner in self.r["pronouns"]:
            return True
        return len(re.findall(rf"\b{re.escape(owner)}\b", self.text)) >= 2

    def owner_lines(self) -> None:
        """"ACTION: DT/TRUSTEES" under a paragraph makes that paragraph's last task sentence an action."""
        for k, p in enumerate(self.paras):
            m = self.r["owner_only"].match(self.ptext(p).strip())
            if not m or k == 0:
                continue
            owner = m.group("owner").strip()
            due = m.group("due")  # "Action: JM – September meeting"
            prev = self.paras[k - 1]
            self.used.add(k)
            hits = [it for it in self.items if prev.body_start <= it.start < prev.end + 1]
            if hits:
                for it in hits:
                    it.owner = it.owner or owner
                    it.due_text = it.due_text or (due.strip() if due else None)
                continue
            it = self.emit("action", prev.body_start, prev.end, prev.label, "line:action_owner", owner=owner)
            if it and due:
                it.due_text = due.strip()

    # -- driver --------------------------------------------------------------------------------------
    def run(self) -> list[Item]:
        i = 0
        while i < len(self.paras):
            p = self.paras[i]
            if p.table:
                j = self.table_block(i)
                i = j if j > i else i + 1
                continue
            j = self.stem_block(i)
            if j > i:
                i = j
                continue
            i += 1
        owner_line_idx = set()
        for k, p in enumerate(self.paras):
            if self.r["owner_only"].match(self.ptext(p).strip()):
                owner_line_idx.add(k)
        for k, p in enumerate(self.paras):
            if k in self.used or k in owner_line_idx or (self.is_stop(p) and not self.r["prose_in_stops"].match(self.ptext(p))):
                continue
            if p.table:
                self.table_prose(k)
            else:
                self.prose(k)
        self.owner_lines()
        self.items.sort(key=lambda it: it.start)
        self.items = [it for it in self.items if not self.superseded(it) and not self.logged_again(it)
                      and not self.resolved_after(it)]
        statuses = status_fields(self.text)
        for it in self.items:
            if it.kind == "action" and not it.owner:
                it.owner = self.task_owner(it.text)
            if it.kind == "resolution" and not it.owner and not self.proposal:
                it.owner = self.delegate(it.text)  # an agenda's "Authorize the Commissioner to …" proposes, delegates nothing yet
            if it.kind == "resolution" and leading_outcome(it.text, weak=False) is None \
                    and (it.outcome in (None, "approved") or leading_outcome(it.text) == it.outcome):
                before = [o for at, o in statuses if at < it.start]
                it.outcome = before[-1] if before else it.outcome  # the page's recorded status
            if it.owner in self.r["pronouns"]:
                it.owner = self.antecedent(it.start) or it.owner
            if it.owner:
                it.owner = " ".join(it.owner.split())
            if it.label is None and it.rule.startswith(("sentence:", "clause:", "line:")):
                it.label = self.section_label(it.start)
        return self.items

    def raised_earlier(self, cell: str, table_at: int) -> bool:
        """A log row raised at an earlier meeting: dated before this one, or citing a minute these minutes don't print."""
        m = DATE_RE.search(cell)
        if m and self.meeting:
            d = interpret(m, self.meeting)
            if d.precision == "day" and d.value < self.meeting.isoformat():
                return True
        if re.search(r"\d", cell) and not m:
            return self.text.find(cell, 0, table_at) < 0
        return False

    def tagged_above(self, item: Item) -> Item | None:
        """A log row numbered 25/11 repeats the action minuted above with the tag "[Action 25/11]"."""
        ref = self.row_refs.get(id(item), ("", ""))[0]
        if len(ref) < 3 or not re.search(r"\d", ref):
            return None  # "5" is too common to be a tag
        tag = r"(?i:\baction\s*(?:no\.?|ref\.?)?\s*|[\[(])" + re.escape(ref) + r"(?![\w/-])"
        for m in re.finditer(tag, self.text[:item.start]):
            near = [it for it in self.items if it.kind == "action" and it.rule != "table:action_log"
                    and 0 <= m.start() - it.end <= 30]
            if near:
                return near[-1]
        return None

    def minute_action(self, item: Item, words: frozenset) -> Item | None:
        """A log row whose Ref is a minute number ("25/020", "25/017b" for its item (b)) repeats the action minuted
        under that heading, the one sharing most words with it."""
        ref, minute = self.row_refs.get(id(item), ("", ""))
        m = re.fullmatch(r"(\d+(?:[./]\d+)+)\s*\(?([a-z])?\)?", ref) or re.fullmatch(r"(\d+(?:[./]\d+)*)\s*\(?([a-z])?\)?", minute)
        if not m:
            return None
        head = re.search(r"(?m)^[ \t]*" + re.escape(m.group(1)) + r"\.?[ \t]+[A-Z]", self.text[:item.start])
        if not head:
            return None
        shape = re.sub(r"\d+", r"\\d+", re.escape(m.group(1)))
        nxt = re.compile(r"(?m)^[ \t]*" + shape + r"\.?[ \t]+[A-Z]").search(self.text, head.end())
        stop = min(nxt.start() if nxt else item.start, item.start)
        cands = [it for it in self.items if it.kind == "action" and it.rule != "table:action_log"
                 and head.start() <= it.start < stop and id(it) not in self.merged]
        cands = [it for it in cands if (it.label or "").strip("().").lower() == m.group(2)] or cands
        best = max(cands, key=lambda it: len(words & _words(it.text)), default=None)
        return best if best and words & _words(best.text) else None

    def logged_again(self, item: Item) -> bool:
        """An action-log row repeating an action minuted above it: the minuted one takes the log's owner and due."""
        if item.rule == "table:decision_log":  # the log's row for a decision minuted above it
            mine = _words(item.text)
            return any(it.kind == "resolution" and it.start < item.start and it.rule != "table:decision_log"
                       and len(mine & _words(it.text)) >= max(3, 0.6 * len(mine)) for it in self.items)
        if item.rule != "table:action_log":
            return False
        tagged = self.tagged_above(item)
        if tagged:
            tagged.owner = item.owner or tagged.owner
            tagged.due_text = item.due_text or tagged.due_text
            return True
        mine = _words(item.text)
        minuted = self.minute_action(item, mine)
        if minuted:
            self.merged.add(id(minuted))  # "45 Circulate reserves forecast …", then "45 Circulate final precept report …"
            minuted.owner = item.owner or minuted.owner
            minuted.due_text = item.due_text or minuted.due_text
            return True
        for it in self.items:
            if it.start >= item.start:
                return False
            if it.kind == "action" and it.rule != "table:action_log":
                shared = mine & _words(it.text)
                if len(shared) >= self.r["merge_min"] and 2 * len(shared) >= len(mine):
                    it.owner = item.owner or it.owner
                    it.due_text = item.due_text or it.due_text
                    return True
        return False

    def resolved_after(self, item: Item) -> bool:
        """"It was proposed by X and seconded by Y that Mr K be appointed." then "RESOLVED: that Mr K be appointed
        internal auditor …": the motion is recorded once, as the resolution that follows and restates it."""
        source, _, name = (item.rule or "").partition(":")
        if source != "sentence" or not _nlp()[1].get(name, {}).get("motion"):
            return False  # a motion sentence itself, not a list it opened ("…:list") or the paragraph it took ("…:next")
        later = [it for it in self.items if it.rule and it.rule.startswith("stem:") and it.kind == "resolution"
                 and 0 <= it.start - item.end < 1500]
        if later and re.search(r"(?i)\b(?:agree|approve|adopt|accept)s?\s+(?:the\s+)?recommendations\b", item.text):
            return True  # "X moved that the Committee agree the recommendations in the report." then "Decision …"
        num = re.search(r"(?i)\badopt\s+(?:resolution|ordinance)\s+(?:no\.?\s*)?(\d[\w/-]*\d)", item.text)
        if later and num and re.search(r"(?i)\b(?:resolution|ordinance)\s+(?:no\.?\s*)?" + re.escape(num.group(1)),
                                      self.text[item.end:later[0].start]):
            return True  # "… moved to adopt Resolution No. 2025-31 …. The resolution as adopted reads as follows:" 
        clause = re.split(r"(?i)\bthat\b", item.text, maxsplit=1)
        words = _words(clause[-1]) if len(clause) == 2 else frozenset()
        if len(words) < 2:
            return False
        return any(len(words & _words(it.text)) >= 0.7 * len(words) for it in later)

    def superseded(self, item: Item) -> bool:
        """An agenda heading's ask, when the same agenda item prints its own "Recommendation:" line."""
        stem = next((st for st, _ in self.r["stems"] if "stem:" + st["name"] == item.rule), None)
        if not stem or not stem.get("yields_to"):
            return False
        if self._headings is None:
            self._headings = [p.start for p in self.paras if p.family in ("number_dot", "dotted_number")]
        k = bisect.bisect_right(self._headings, item.end)
        nxt = self._headings[k] if k < len(self._headings) else len(self.text)
        return any(item.end <= it.start < nxt and it.rule.split(":")[1] in stem["yields_to"] for it in self.items)

    def section_label(self, pos: int) -> str | None:
        """An unsplit decision in a minute's prose takes the minute's number ("21.01.03 Minutes" above it)."""
        if self._sections is None:
            self._sections = []
            for p in self.paras:
                t = self.text[p.start:p.end]
                if p.label and p.family in ("dotted_number", "number_dot") and len(t) < 120 \
                        and not re.search(r"[.;:,]$", t.rstrip()) and SECTION.match(t):
                    label = p.label.rstrip(".") if p.family == "dotted_number" and p.label.count(".") > 1 else p.label
                    self._sections.append((p.start, label))
        k = bisect.bisect_right(self._sections, (pos, chr(0x10FFFF)))
        return self._sections[k - 1][1] if k else None

    def delegate(self, text: str) -> str | None:
        """A resolution that delegates to or authorises an officer is owned by that officer."""
        for _, rx in self.r["delegation"].candidates(text):
            m = rx.search(text)
            if m and not self.r["body_owner"].match(m.group("owner").strip()):  # "That Council prepare …" is no officer's
                return m.group("owner").strip()
        return None

    def antecedent(self, pos: int) -> str | None:
        """"She offered to …": the last person named in the 400 characters before."""
        before = self.text[max(0, pos - 400):pos]
        names = self.r["person"].findall(before) or [  # else a plain name that opens a sentence or a list item
            m.group(0) for m in self.r["person_name"].finditer(before) if not self.r["org_word"].search(m.group(0))
            and re.search(r"(?:^|[.!?:]|\n\s*(?:\(?\w{1,3}[.)]|[•*–-])?)\s*$", before[:m.start()])]
        return names[-1] if names else None


def find_items(text: str, proposal: bool = False, meeting=None) -> list[Item]:
    return Extractor(text, proposal, meeting).run()
