"""Wording rules as data. A new council's phrasing is a line in one of these JSON files, not Python.

Regex fields are Python `re` patterns compiled case-insensitively unless a rule says otherwise;
`sentences.json` holds spaCy Matcher token patterns.
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

HERE = Path(__file__).parent


@lru_cache(maxsize=None)
def load(name: str):
    with open(HERE / f"{name}.json", encoding="utf-8") as fh:
        return json.load(fh)
