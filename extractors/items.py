"""The Item value: one decision, recommendation or action, with its span in the document text."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass
class Item:
    kind: str                 # resolution | recommendation | action
    label: str | None
    text: str                 # == document.text[start:end]
    start: int
    end: int
    page: int = 1
    outcome: str | None = None
    owner: str | None = None
    due: str | None = None          # ISO day, only when the paper gives a full date
    due_text: str | None = None     # as printed
    due_value: str | None = None    # at the printed precision: 2024-03, 2024-Q3, 2018-09
    due_precision: str | None = None
    due_flag: str | None = None     # "impossible" / "no year": printed but not a real date
    rule: str | None = None
    confidence: float | None = None

    def as_dict(self) -> dict:
        """dataclasses.asdict without its deep copy, which fields that are all str, number or None never need."""
        return dict(self.__dict__)
