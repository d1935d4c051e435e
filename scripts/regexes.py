"""Which regexes a worker's pass over the bench PDFs spends its time in: each compiled pattern the extractors
and ingesters hold (module constants, the rules, Guarded/AtEnd/AnyOf wrappers) is timed per call.

    .venv/bin/python scripts/regexes.py [TOP]

A slow search that most texts cannot match is the thing to put behind a cheap exact test (literals.Guarded,
a character it needs); an anchored match that fails at its first character is already cheap, and a guard that
lowercases the text costs it more. Times include this script's own wrapping (a Python call and two clock reads
per call): read them as a ranking, and measure a change with scripts/passes.py under cachegrind.
"""
import collections
import os
import re
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (puts this checkout first on sys.path)
from pipeline import run  # noqa: E402

SPENT: collections.Counter = collections.Counter()
CALLS: collections.Counter = collections.Counter()


class Timed:
    """A compiled pattern whose calls add their time to SPENT under its name."""

    def __init__(self, rx: re.Pattern, name: str):
        self.rx, self.name = rx, f"{name}: {rx.pattern[:80]}"

    def __getattr__(self, attr):
        return getattr(self.rx, attr)


def _timed(method: str):
    def call(self, *args, **kwargs):
        t0 = time.perf_counter()
        out = getattr(self.rx, method)(*args, **kwargs)
        if method == "finditer":
            out = iter(list(out))  # the matching happens while iterating: time it here
        SPENT[self.name] += time.perf_counter() - t0
        CALLS[self.name] += 1
        return out
    return call


for _method in ("search", "match", "fullmatch", "sub", "subn", "findall", "finditer", "split"):
    setattr(Timed, _method, _timed(_method))


def wrap(x, name: str, seen: dict):
    from extractors.literals import AnyOf, AtEnd, Guarded
    if isinstance(x, re.Pattern):
        return seen.setdefault(id(x), Timed(x, name))
    if isinstance(x, (Guarded, AtEnd)):
        x.rx = wrap(x.rx, name, seen)
    elif isinstance(x, AnyOf):
        x.regexes = [wrap(rx, name, seen) for rx in x.regexes]
    elif isinstance(x, dict):
        for k in list(x):
            x[k] = wrap(x[k], f"{name}.{k}", seen)
    elif isinstance(x, list):
        x[:] = [wrap(v, name, seen) for v in x]
    elif isinstance(x, tuple):
        return tuple(wrap(v, name, seen) for v in x)
    return x


def main() -> None:
    top = int(sys.argv[1]) if len(sys.argv) > 1 else 30
    run._warm_up()  # imports every extractor and ingester, builds the rules
    from extractors import decisions
    seen: dict = {}
    for mod in [m for name, m in list(sys.modules.items()) if name.startswith(("extractors", "pipeline"))]:
        for key, value in list(vars(mod).items()):
            if not key.startswith("__") and not isinstance(value, type(sys)):
                setattr(mod, key, wrap(value, f"{mod.__name__.rsplit('.', 1)[-1]}.{key}", seen))
    wrap(decisions._rules(), "rules", seen)
    pdfs = [p for p in bench.sources() if p.suffix.lower() == ".pdf"]
    t0 = time.perf_counter()
    for p in pdfs:
        run.read_and_extract(p)
    total = time.perf_counter() - t0
    print(f"{len(pdfs)} PDFs in {total:.2f} s, {sum(SPENT.values()):.2f} s of it in {len(seen)} regexes; slowest:")
    for name, spent in SPENT.most_common(top):
        print(f"{spent * 1000:7.1f} ms {CALLS[name]:6d} calls  {name}")


if __name__ == "__main__":
    main()
