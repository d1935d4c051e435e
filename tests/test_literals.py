"""extractors/literals.py skips a regex on a text that cannot match it: it must never skip one that would.

Soundness is checked two ways: every regex the extractors compile from rules/*.json against the corpus
papers' lines (each also in upper and lower case), and random regexes, built from the constructs the
reader judges (literals, classes, groups, alternations, repeats, scoped case flags), against random texts.
"""
import random
import re
from pathlib import Path

import pytest

from extractors import decisions
from extractors.literals import AnyOf, AtEnd, Guarded, foldable, may_match, may_match_folded, required_literals

CORPUS = Path(__file__).resolve().parent.parent / "corpus"


def _rule_regexes() -> list[re.Pattern]:
    found, seen = [], set()

    def walk(x):
        if isinstance(x, re.Pattern):
            if (x.pattern, x.flags) not in seen:
                seen.add((x.pattern, x.flags))
                found.append(x)
        elif isinstance(x, Guarded):
            walk(x.rx)
        elif isinstance(x, AnyOf):
            walk(x.regexes)
        elif isinstance(x, dict):
            for v in x.values():
                walk(v)
        elif isinstance(x, (list, tuple)):
            for v in x:
                walk(v)
    walk(decisions._rules())
    return found


def _lines() -> list[str]:
    lines = []
    for path in sorted((CORPUS / "seeds").glob("*.txt")) + sorted((CORPUS / "papers").glob("*.txt"))[:12]:
        lines += [ln for ln in path.read_text(encoding="utf-8").splitlines() if ln.strip()]
    lines = [ln for ln in lines if ln.isascii()]
    return lines + [ln.upper() for ln in lines[::3]] + [ln.lower() for ln in lines[1::3]]


def test_rule_regexes_are_never_skipped_where_they_match():
    regexes, lines = _rule_regexes(), _lines()
    assert len(regexes) > 100 and len(lines) > 1000
    judged = matched = 0
    for rx in regexes:
        folded = required_literals(rx.pattern, rx.flags, fold=True)
        exact = required_literals(rx.pattern, rx.flags)
        judged += folded is not None
        for ln in lines:
            if rx.search(ln):
                matched += 1
                assert may_match_folded(folded, ln), (rx.pattern, folded, ln)
                assert may_match(exact, ln), (rx.pattern, exact, ln)
    assert judged > len(regexes) // 2 and matched > 1000  # the check had something to check


ATOMS = ["a", "b", "ab", "Ab", "B", "c", "s", "K", "[ab]", "[Bc]", "[a-c]", r"\w", r"\s", ".", r"\b", "(?=a)", "(?!b)", " ",
         "\u2013", "[-\u2013]", "\u00e9", "[\u00c9x]"]


def _random_regex(rng: random.Random, depth: int = 0) -> str:
    parts = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if depth < 3 and roll < 0.15:
            parts.append("(?:" + "|".join(_random_regex(rng, depth + 1) for _ in range(rng.randint(2, 3))) + ")")
        elif depth < 3 and roll < 0.25:
            parts.append(rng.choice(["(?i:", "(?-i:", "("]) + _random_regex(rng, depth + 1) + ")")
        else:
            parts.append(rng.choice(ATOMS))
        if rng.random() < 0.3:
            parts[-1] = "(?:" + parts[-1] + ")" + rng.choice(["?", "*", "+", "{2}", "{0,2}", "{1,3}", "+?"])
    return "".join(parts)


@pytest.mark.parametrize("flags", [0, re.I])
def test_random_regexes_are_never_skipped_where_they_match(flags):
    rng = random.Random(20261201 + flags)
    alphabet = "aAbBcCsSkK  .-\u2013\u00e9\u00c9"
    checked = 0
    for _ in range(3000):
        pattern = _random_regex(rng)
        if flags and "(?-i:" in pattern:
            continue  # a scoped flag that turns off a global one is refused by re without a global one
        try:
            rx = re.compile(pattern, flags)
        except re.error:
            continue
        folded = required_literals(pattern, flags, fold=True)
        exact = required_literals(pattern, flags)
        for _ in range(12):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
            if rx.search(text):
                checked += 1
                assert may_match_folded(folded, text), (pattern, folded, text)
                assert may_match(exact, text), (pattern, exact, text)
    assert checked > 2000


def test_folded_literals_skip_what_cannot_match_and_leave_texts_re_i_folds_alone():
    lits = required_literals(r"\b(?:motion|amendment)\s+(?:was\s+)?(?:lost|failed)\b", re.I, fold=True)
    assert lits is not None and all(x == x.lower() for x in lits)
    assert not may_match_folded(lits, "The minutes were approved.")
    assert may_match_folded(lits, "The MOTION was LOST.")
    assert not may_match_folded(lits, "The Caf\u00e9\u2019s minutes were approved.")  # non-ASCII, judged all the same
    section = required_literals(r"\bsection\s+\d", re.I, fold=True)
    assert re.search(r"(?i)\bsection\s+\d", "\u017fection 5")  # re.I matches "\u017f" to "s"
    assert may_match_folded(section, "\u017fection 5") and not may_match_folded(section, "clause 5")
    assert required_literals("\u017fection", re.I, fold=True) is None  # a non-ASCII literal is no condition


def test_foldable_knows_every_character_re_i_matches_to_an_ascii_letter():
    folds = [c for c in map(chr, range(0x80, 0x110000)) if not 0xD800 <= ord(c) <= 0xDFFF
             and re.match("[a-z]", c, re.I)]
    assert folds  # re.I does fold some ("\u017f", the Kelvin sign)
    assert all(not foldable("Minutes " + c) for c in folds)
    assert foldable("Caf\u00e9 \u2013 \u201cminutes\u201d") and foldable("plain ASCII")


def test_fold_literals_keep_caseless_characters_only():
    """A non-ASCII character in a fold literal must be one re.I matches to itself alone and lower() keeps:
    sre compiles it as a plain literal when it is uncased (checked for every character)."""
    import _sre
    from extractors.literals import _fold_safe
    kept = [c for c in map(chr, range(0x80, 0x110000)) if _fold_safe(c)]
    assert "\u2013" in kept and "\u2019" in kept and "\u00e9" not in kept and "\u017f" not in kept
    assert not any(_sre.unicode_iscased(ord(c)) for c in kept)
    dash = required_literals(r"\s*[-\u2013\u2014]\s*\d", re.I, fold=True)
    assert dash and "\u2013" in dash  # a dash in a class is a condition now


def _alternation(regexes):
    return re.compile("|".join(f"(?P<g{k}>{'(?i:' if rx.flags & re.I else '(?:'}{rx.pattern}))"
                               for k, rx in enumerate(regexes)))


def test_any_of_answers_as_one_alternation_of_its_regexes():
    """first_match is the alternation's match (which alternative, where it ends), any_search its search;
    first_search the first regex, in list order, that matches anywhere."""
    rng = random.Random(11)
    alphabet = "aAbBcCsSkK  .-\u017f\u212a\u00e9\u2013\u00c9"
    checked = 0
    for _ in range(600):
        regexes = []
        while len(regexes) < rng.randint(1, 5):
            pattern, flags = _random_regex(rng), rng.choice([0, re.I])
            if flags and "(?-i:" in pattern:
                continue
            try:
                regexes.append(re.compile(pattern, flags))
            except re.error:
                continue
        alt, any_of = _alternation(regexes), AnyOf(regexes)
        for _ in range(10):
            text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
            m, got = alt.match(text), any_of.first_match(text)
            assert (m is None) == (got is None), (text, [r.pattern for r in regexes])
            if m:
                checked += 1
                assert got[0] == int(m.lastgroup[1:]) and got[1].end() == m.end()
            assert any_of.any_search(text) == bool(alt.search(text))
            assert any_of.any_match(text) == bool(m)
            first = next(((k, s.span()) for k, rx in enumerate(regexes) for s in [rx.search(text)] if s), None)
            got = any_of.first_search(text)
            assert first == (got and (got[0], got[1].span())), (text, [r.pattern for r in regexes])
    assert checked > 1000


CUT = [(w, w + "n't") for w in ("was", "is", "were", "had", "has", "did", "does", "would", "could")] + \
    [("not", "cannot"), ("that", "that's"), ("it", "it's"), ("all", "y'all"), ("we", "we've"), ("i", "I'm")]


def _pattern_sentence(rng: random.Random, pattern: list[dict]) -> str:
    """Words that walk one Matcher pattern, token by token, in random case: most of these match it."""
    filler = ["the", "Council", "X", "1.", ":", "—", "said"]
    words = []
    for tok in pattern:
        op = tok.get("OP")
        reps = 1 if op in (None, "!") else rng.choice({"?": [0, 1], "*": [0, 1, 2], "+": [1, 2]}.get(op, [1]))
        for _ in range(reps):
            val = tok.get("LOWER", tok.get("ORTH"))
            choices = val["IN"] if isinstance(val, dict) and "IN" in val else [val] if isinstance(val, str) else filler
            word = rng.choice(choices)
            if "LOWER" in tok:
                word = rng.choice([word, word.upper(), word.title()])
            words.append(word)
    return " ".join(words)


def test_paragraphs_the_matcher_matches_are_never_taken_for_ones_it_cannot():
    """decisions._may_match lets a paragraph skip its spaCy Doc: it must say True wherever the Matcher matches,
    special cases that cut words out of a run of letters ("cannot", "don't") included."""
    from rules import load
    nlp, _ = decisions._nlp()
    rng = random.Random(7)
    patterns = [p["pattern"] for p in load("sentences")["patterns"]]
    texts = _lines()[::4]
    for _ in range(3000):
        text = _pattern_sentence(rng, rng.choice(patterns))
        for word, case in CUT:
            if rng.random() < 0.2:
                text = re.sub(rf"\b{word}\b", case, text, flags=re.I)
        texts.append(rng.choice(["", "It was noted. ", "(a) "]) + text + rng.choice(["", ".", ":", " and"]))
    matched = 0
    for text in texts:
        low = text.lower()
        if decisions._matches(nlp(text)):
            matched += 1
            assert decisions._may_match(text, low, decisions._TOKENS.findall(low)), text
    assert matched > 1500


def test_a_sentence_is_matched_as_the_whole_paragraph_would_match_it():
    """decisions._found matches one sentence (on a Doc of its own, or as a span of the paragraph's Doc where a
    sentence starts or ends inside a run of characters): it must give, in order, exactly the matches of the
    whole paragraph's Doc that lie inside that sentence, for single sentences and for two joined."""
    from rules import load
    nlp, meta = decisions._nlp()
    rng = random.Random(11)
    patterns = [p["pattern"] for p in load("sentences")["patterns"]]
    lines = _lines()
    glue = [" ", ". ", ".", ":", "  ", "; ", ".\u201c", ") "]
    own = spans = found = 0
    for _ in range(400):
        parts = [rng.choice(lines) if rng.random() < 0.4 else _pattern_sentence(rng, rng.choice(patterns))
                 for _ in range(rng.randint(1, 5))]
        text = "".join(p + rng.choice(glue) for p in parts).strip()
        doc = nlp(text)
        everything = [(doc[i].idx, doc[j - 1].idx + len(doc[j - 1]), mid) for mid, i, j in decisions._matches(doc)]
        sents = meta["_sents"](text)
        assert sents == [(s.start_char, s.end_char) for s in doc.sents]
        for k, (a, b) in enumerate(sents):
            for a in {a, sents[k - 1][0] if k else a}:  # the sentence, and it joined to the one before
                want = [m for m in everything if a <= m[0] and m[1] <= b]
                assert decisions._found(text, a, b, []) == want, (text, a, b)
                spans += 1
                found += bool(want)
                own += (a == 0 or text[a - 1].isspace()) and (b == len(text) or text[b].isspace())
    assert found > 300 and own < spans  # both ways of matching were tried, and many sentences matched


def test_at_end_finds_what_a_whole_search_finds():
    """AtEnd starts an end-anchored search where the longest match could begin: the same match, span and all,
    as searching the whole text, for the segmenter's patterns, patterns with lookbehinds and word boundaries
    at the cut, and ones it must search whole (unbounded, or not anchored at the top level)."""
    from extractors import segment
    rng = random.Random(5)
    patterns = [segment.TERMINAL.rx, segment.CONNECTIVE.rx, segment.NAME_BEFORE.rx, segment.LINE_END.rx,
                re.compile(r"(?<=ab)cd$"), re.compile(r"\bof$", re.I), re.compile(r"x\s+y$"), re.compile(r"a$|bc")]
    lines = _lines()
    texts = lines + [ln.rstrip() + rng.choice([" of", "Cllr.", " and", ".", " (moved)", " CARRIED", "abcd", "\n", "x  y"])
                     for ln in lines[::2]]
    bounded = 0
    for rx in patterns:
        at = AtEnd(rx)
        bounded += at.width is not None
        for text in texts:
            a, b = at.search(text), rx.search(text)
            assert (a and a.span()) == (b and b.span()), (rx.pattern, text)
    assert bounded == 5  # TERMINAL, CONNECTIVE, NAME_BEFORE, the lookbehind and the \b one


def test_trim_drops_the_glue_a_whole_search_finds():
    """_trim searches for trailing list glue ("; and") only where the span's last word or mark can end some:
    the same span as searching every span, on fuzzed spans with Unicode blanks, capitals and glue inside."""
    rng = random.Random(6)
    pieces = ["approved", " ", "  ", "\n", "\t", "\u00a0", ";", ",", "and", "AND", "or", "Or", "OR", "band", "for", "x", "d", "r"]

    def reference(text, start, end):
        while start < end and text[start] in " \t\n":
            start += 1
        while end > start and text[end - 1] in " \t\n":
            end -= 1
        m = decisions.GLUE.search(text, start, end)
        return (start, m.start()) if m and m.end() == end and m.start() > start else (start, end)

    cut = 0
    for _ in range(20000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(0, 8)))
        a = rng.randint(0, len(text))
        b = rng.randint(a, len(text))
        want = reference(text, a, b)
        assert decisions._trim(text, a, b) == want, (text, a, b)
        cut += bool(text[want[1]:b].strip())
    assert cut > 500  # glue was found and dropped often
