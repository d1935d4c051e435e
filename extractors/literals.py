"""Cheap necessary conditions for regexes, for speed only.

`required_literals(pattern)` reads a pattern's parse tree for strings one of which every match must
contain: a text holding none of them cannot match, so the regex need not be run on it. `str in` is
~10x cheaper than a search that cannot use a literal prefix (a pattern opening with \\b or an
alternation). Case-sensitive parts only, or with `fold` lowercase strings for any case flags, which hold for
texts without the four characters `re.I` matches to an ASCII letter ("ſ" to "s", the Kelvin sign to "k",
dotted and dotless i); whatever it cannot judge gives None (no prefilter). `AnyOf` puts a list of
regexes asked "does any match?" or "which matches first?" behind their literals. `AtEnd` searches a
pattern anchored at the end of a text only where its longest match could begin.
"""
from __future__ import annotations

import re

try:
    import re._parser as _parser
    from re import _constants as _c
except ImportError:  # Python < 3.11
    import sre_constants as _c
    import sre_parse as _parser

# the non-ASCII characters re.I matches to ASCII letters (tests/test_literals.py finds them by trying every one)
_FOLDS_TO_ASCII = "\u0130\u0131\u017f\u212a"
_REPEATS = tuple(getattr(_c, n) for n in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT") if hasattr(_c, n))


def required_literals(pattern: str, flags: int = 0, fold: bool = False) -> tuple[str, ...] | None:
    """Strings one of which is in every text that re.compile(pattern, flags).search() matches, or None.
    With `fold`: lowercase strings of ASCII and caseless characters, one of which text.lower() holds whenever it
    matches a text that foldable() passes."""
    try:
        tree = _parser.parse(pattern, flags)
    except Exception:  # noqa: BLE001 - re.compile will say what is wrong
        return None
    if tree.state.flags & re.IGNORECASE and not fold:
        return None
    found = _sequence(list(tree), fold)
    if found is None:
        return None
    # "asked" already stands for "tasked": keep only the strings that hold no other
    return tuple(sorted(x for x in found if not any(y != x and y in x for y in found)))


def _sequence(items, fold: bool = False) -> frozenset | None:
    """Of a sequence of pattern items: the best set of strings one of which a match of the sequence holds."""
    candidates, run = [], ""
    for op, av in items:
        if op is _c.LITERAL:
            run += chr(av)  # adjacent literals are one string
            continue
        if run:
            candidates.append(frozenset([run]))
            run = ""
        need = None
        if op is _c.SUBPATTERN:
            add_flags, sub = av[1], av[3]
            need = None if add_flags & re.IGNORECASE and not fold else _sequence(list(sub), fold)
        elif op is _c.BRANCH:
            alts = [_sequence(list(b), fold) for b in av[1]]
            need = None if any(a is None for a in alts) else frozenset().union(*alts)
        elif op in _REPEATS:
            low, _, sub = av
            need = _sequence(list(sub), fold) if low >= 1 else None
        elif op is _c.IN:
            if av and len(av) <= 12 and all(o is _c.LITERAL for o, _ in av):  # a small class of plain characters
                need = frozenset(chr(v) for _, v in av)
        # anything else (assertions, classes, any character, back-references) requires nothing judged here
        if need is not None:
            candidates.append(need)
    if run:
        candidates.append(frozenset([run]))
    if fold:  # a cased non-ASCII character may match an ASCII one under re.I: strings with one are no condition
        candidates = [frozenset(x.lower() for x in c) for c in candidates if all(map(_fold_safe, c))]
    if not candidates:
        return None
    return max(candidates, key=lambda s: (min(len(x) for x in s), -len(s)))


def _fold_safe(x: str) -> bool:
    """ASCII, or caseless ("–", "’", "•"), which re.I matches to itself alone and lower() keeps: a fold literal."""
    return x.isascii() or all(ch.isascii() or ch.lower() == ch == ch.upper() for ch in x)


def may_match(literals: tuple[str, ...] | None, text: str) -> bool:
    """False only when the regex these literals were read from cannot match in text."""
    if literals is None:
        return True
    for x in literals:
        if x in text:
            return True
    return False


def foldable(text: str) -> bool:
    """Whether `fold` literals judge this text: a case-insensitive match of ASCII letters is then ASCII letters."""
    if text.isascii():
        return True
    for c in _FOLDS_TO_ASCII:  # `in` is a fast scan, and no scan at all in a Latin-1 text
        if c in text:
            return False
    return True


def lowered(text: str) -> str | None:
    """text.lower() where `fold` literals judge text (foldable), else None."""
    return text.lower() if foldable(text) else None


def may_match_folded(literals: tuple[str, ...] | None, text: str, low: str | None = None) -> bool:
    """False only when the regex these `fold` literals were read from cannot match in text (low: text.lower())."""
    if literals is None or not foldable(text):
        return True
    low = text.lower() if low is None else low
    for x in literals:
        if x in low:
            return True
    return False


class Guarded:
    """One regex behind its literals (exact ones where it has them, else `fold` ones): search and match
    give None, without running it, on a text holding none of them. Worth it only where the regex costs
    more than the test: a fold test lowercases the text, slow for long non-ASCII texts."""
    __slots__ = ("rx", "lits", "fold")

    def __init__(self, rx: re.Pattern):
        self.rx = rx
        self.lits = required_literals(rx.pattern, rx.flags)
        self.fold = self.lits is None
        if self.fold:
            self.lits = required_literals(rx.pattern, rx.flags, fold=True)

    def may(self, text: str) -> bool:
        return may_match_folded(self.lits, text) if self.fold else may_match(self.lits, text)

    def may_lowered(self, text: str, low: str | None) -> bool:
        """may(), with low = lowered(text) worked out once for the several guards asked of one text."""
        if self.fold:
            return self.lits is None or low is None or may_match(self.lits, low)
        return may_match(self.lits, text)

    def search(self, text: str) -> re.Match | None:
        return self.rx.search(text) if self.may(text) else None

    def match(self, text: str) -> re.Match | None:
        return self.rx.match(text) if self.may(text) else None

    def sub(self, repl: str, text: str) -> str:
        return self.rx.sub(repl, text) if self.may(text) else text


class AnyOf:
    """Regexes asked only "does any match?" or "which is the first, in list order, to match at the start?":
    the answers of one alternation of them, but each regex runs only on a text holding its literals, so
    a text costs a few `in` tests (each distinct literal tested once) instead of every alternative tried
    at every position."""

    def __init__(self, regexes: list[re.Pattern]):
        guards = [Guarded(rx) for rx in regexes]
        self.regexes = [g.rx for g in guards]
        self.exact = sorted({x for g in guards if not g.fold for x in g.lits})
        self.folded = sorted({x for g in guards if g.fold and g.lits is not None for x in g.lits})
        # which regexes each literal lets through, so that a text costs its literals, not a test per regex
        self.by_exact = {x: frozenset(k for k, g in enumerate(guards) if not g.fold and x in g.lits) for x in self.exact}
        self.by_folded = {x: frozenset(k for k, g in enumerate(guards) if g.fold and g.lits and x in g.lits)
                          for x in self.folded}
        self.always = frozenset(k for k, g in enumerate(guards) if g.lits is None)
        self.fold_parts = frozenset(k for k, g in enumerate(guards) if g.fold and g.lits is not None)

    def candidates(self, text: str) -> list[tuple[int, re.Pattern]]:
        """(index, regex), in list order, of the regexes whose literals text holds: the only ones that may match."""
        ks = set(self.always)
        for x in self.exact:
            if x in text:
                ks |= self.by_exact[x]
        if self.folded:
            low = lowered(text)
            if low is None:  # fold literals judge nothing in this text
                ks |= self.fold_parts
            else:
                for x in self.folded:
                    if x in low:
                        ks |= self.by_folded[x]
        regexes = self.regexes
        return [(k, regexes[k]) for k in sorted(ks)]

    def first_match(self, text: str) -> tuple[int, re.Match] | None:
        """(index, match) of the first regex that matches at the start of text."""
        return self._first(text, "match")

    def first_search(self, text: str) -> tuple[int, re.Match] | None:
        """(index, match) of the first regex, in list order, that matches anywhere in text."""
        return self._first(text, "search")

    def _first(self, text: str, how: str) -> tuple[int, re.Match] | None:
        for k, rx in self.candidates(text):
            m = getattr(rx, how)(text)
            if m:
                return k, m
        return None

    def any_match(self, text: str) -> bool:
        return any(rx.match(text) for _, rx in self.candidates(text))

    def any_search(self, text: str) -> bool:
        return any(rx.search(text) for _, rx in self.candidates(text))


class AtEnd:
    """search() of a pattern that ends in `$` (a line's last word, its closing stop), begun where its longest
    match could start instead of at every character of a long line. re's `pos`, not a slice, so \\b and
    lookbehinds still see the characters before. A pattern with no longest match (a + or * in it), or not
    ending in `$` at its top level, is searched whole."""
    __slots__ = ("rx", "width")

    def __init__(self, rx: re.Pattern):
        self.rx = rx
        tree = _parser.parse(rx.pattern, rx.flags)
        width = tree.getwidth()[1]
        anchored = len(tree) and tree[-1] == (_c.AT, _c.AT_END)
        self.width = width + 1 if anchored and width < _c.MAXREPEAT else None  # +1: `$` may stand before a final newline

    def search(self, text: str) -> re.Match | None:
        if self.width is None or len(text) <= self.width:
            return self.rx.search(text)
        return self.rx.search(text, len(text) - self.width)
