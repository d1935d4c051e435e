"""Sentence boundaries of a blank spaCy pipeline (tokenizer + sentencizer) without building its Doc.

prose_span needs only each sentence's (start_char, end_char) for most paragraphs, and nlp() spends its
time making a Token of every word. The sentencizer starts a sentence only at the first token that is
neither punctuation nor one of its punct_chars after a token that is exactly one of them, so only the
whitespace-separated runs holding such a character, and the runs read after one until a sentence
starts, need spaCy's tokenizer; every other run is passed over unread. The answer is
[(s.start_char, s.end_char) for s in nlp(text).sents], offset for offset; tests/test_sentsplit.py
compares the two on the corpus and on fuzzed text.
"""
from __future__ import annotations

import re
import unicodedata

MEMO_MAX = 200_000  # runs remembered before the memo starts again, and none longer than MEMO_WORD
MEMO_WORD = 100  # characters: memory stays flat (a run repeated is a word, not a 100k-character blob)


class _Shut:
    """An affix search that finds nothing until opened. A Tokenizer built while it is shut puts no
    special case into its last pass (a PhraseMatcher over the whole Doc), so once opened it returns
    the tokens from before that pass."""

    def __init__(self, search, nothing):
        self.search, self.nothing, self.open = search, nothing, False

    def __call__(self, text):
        return self.search(text) if self.open else self.nothing


class Splitter:
    """splitter(text) == [(s.start_char, s.end_char) for s in nlp(text).sents], for the nlp it is given."""

    def __init__(self, nlp):
        from spacy.attrs import IS_PUNCT
        from spacy.lang.lex_attrs import is_punct
        from spacy.pipeline import Sentencizer
        from spacy.tokenizer import Tokenizer
        punct = sorted(nlp.get_pipe("sentencizer").punct_chars)
        # what the shortcuts below rest on: another pipeline gets a ValueError, never a wrong answer
        if nlp.pipe_names != ["sentencizer"] or type(nlp.get_pipe("sentencizer")) is not Sentencizer \
                or type(nlp.tokenizer) is not Tokenizer \
                or not all(len(p) == 1 and not p.isspace() for p in punct) \
                or nlp.vocab.lex_attr_getters.get(IS_PUNCT) is not is_punct \
                or any(len(s) > 1 and s.split() != [s] for s in nlp.tokenizer.rules):  # none joins two runs
            raise ValueError("Splitter reproduces a tokenizer + default sentencizer pipeline only")
        self.nlp, self.tokenizer, self.punct = nlp, nlp.tokenizer, frozenset(punct)
        # every punct_char, and any character outside the BMP: a class of 128 literals costs 8x more
        self._maybe = re.compile("[" + "".join(re.escape(p) for p in punct if p <= "\uffff")
                                 + "\U00010000-\U0010ffff]").search
        self._word = re.compile(r"\S*").match  # re's \s is str.isspace, the tokenizer's whitespace
        self._upto_space = re.compile(r".*\s", re.S).match
        tok = self.tokenizer
        shut = [_Shut(f, nothing) if f else None for f, nothing in
                ((tok.prefix_search, None), (tok.suffix_search, None), (tok.infix_finditer, ()))]
        self._plain = Tokenizer(nlp.vocab, rules=tok.rules, prefix_search=shut[0], suffix_search=shut[1],
                                infix_finditer=shut[2], token_match=tok.token_match, url_match=tok.url_match)
        for s in shut:
            if s:
                s.open = True
        self._memo: dict[str, tuple | None] = {}
        self._shared: dict[tuple, tuple] = {}

    def _step(self, word: str) -> tuple | None:
        """For a run entered with no sentence end pending / with one: (sentence starts in it, pending after).

        None when the last pass re-tokenized the run (":(" inside "x:(", say): in a Doc, a match of that
        pass across two runs one space apart can stop it, so the run's tokens depend on its neighbours."""
        got = self._memo.get(word, self)
        if got is not self:
            return got
        doc = self.tokenizer(word)
        if [t.text for t in doc] != [t.text for t in self._plain(word)]:
            got = None
        else:
            toks = [(t.idx, not t.is_punct and t.text not in self.punct, t.text in self.punct) for t in doc]
            got = []
            for seen in (False, True):
                starts = []
                for off, plain, stop in toks:
                    if seen and plain:
                        starts.append(off)
                        seen = False
                    elif stop:
                        seen = True
                got.append((tuple(starts), seen))
            got = self._shared.setdefault(tuple(got), tuple(got))  # a few values serve most runs
        if len(word) <= MEMO_WORD:
            if len(self._memo) >= MEMO_MAX:
                self._memo.clear()
                self._shared.clear()
            self._memo[word] = got
        return got

    def __call__(self, text: str) -> list[tuple[int, int]]:
        n = len(text)
        if not n or n > self.nlp.max_length:
            return [(s.start_char, s.end_char) for s in self.nlp(text).sents]  # [] / spaCy's error E088
        starts, seen, i, j = [0], False, 0, 0  # i: where the last run read ends; j: where to look on
        while True:
            if not seen:  # the next run holding a punct_char
                m = self._maybe(text, j)
                if m is None:
                    break
                p = m.start()
                if text[p] not in self.punct:
                    j = p + 1
                    continue
                a = max(text.rfind(" ", i, p) + 1, i)  # the run starts after i: linear, not quadratic
                gap = self._upto_space(text, a, p)
                if gap:
                    a = gap.end()
                b = self._word(text, p).end()
            else:  # i ends a run: the next token starts a sentence unless it is punctuation
                if i == n:
                    break
                if text[i] != " ":  # whitespace but one space after a word is a token
                    starts.append(i)
                    seen = False
                    continue
                a = i + 1
                if a == n:
                    break
                if text[a].isspace():
                    starts.append(a)
                    seen = False
                    continue
                b = self._word(text, a).end()
                if not unicodedata.category(text[a]).startswith("P") and self.punct.isdisjoint(text[a:b]):
                    starts.append(a)  # its first token is no punctuation, and no sentence ends in it
                    seen = False
                    i = j = b
                    continue
            got = self._step(text[a:b])
            if got is None:
                return [(s.start_char, s.end_char) for s in self.nlp(text).sents]
            offs, seen = got[seen]
            starts.extend(a + o for o in offs)
            i = j = b
        ends = [self._end(text, s) for s in starts[1:]]
        ends.append(self._end(text, n))
        return list(zip(starts, ends))

    @staticmethod
    def _end(text: str, x: int) -> int:
        """Where the token before offset x ends: one space after a word belongs to it, it is no token."""
        return x - 1 if x >= 2 and text[x - 1] == " " and not text[x - 2].isspace() else x
