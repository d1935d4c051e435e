"""A canonical dump of every page text and every extracted item, for proving a speed change changes nothing.

    .venv/bin/python scripts/itemdump.py before.json      # on the old code
    .venv/bin/python scripts/itemdump.py after.json       # on the new code
    cmp before.json after.json                            # no output: not one item, span or page moved

Reads corpus/seeds, papers, renditions and holdout (holdout's items are only compared, never looked at) and
the papers of ../shared/corpus-dev where it exists. Every field of every item (spans and rule names included),
each page's offsets and a hash of its text, the document's warnings, body, meeting date and people.
"""
from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from extractors import extract  # noqa: E402
from pipeline.ingest import auto  # noqa: E402

DEV = ROOT.parent / "shared" / "corpus-dev"


def files() -> list[tuple[str, Path]]:
    out = [(str(f.relative_to(ROOT)), f) for sub in ("seeds", "papers", "renditions", "holdout")
           for f in sorted((ROOT / "corpus" / sub).glob("*")) if f.is_file() and f.name not in ("README.md", "NOTES.md")]
    if DEV.is_dir():
        out += [(str(f.relative_to(DEV.parent)), f) for f in sorted(DEV.glob("*/original.*"))]
    return out


def dump(path: Path) -> dict:
    try:
        doc = auto.ingest(path)
    except Exception as exc:  # noqa: BLE001 - a refused file's reason is part of what must not change
        return {"ingest_error": f"{type(exc).__name__}: {exc}"}
    ex = extract(doc)
    return {
        "document": {"format": doc.format, "sha256": doc.sha256, "title": doc.title, "warnings": doc.warnings,
                     "pages": [dict(dataclasses.asdict(p), sha=hashlib.sha256(doc.page_text(p).encode()).hexdigest())
                               for p in doc.pages]},
        "meeting_date": ex.meeting_date, "body": ex.body, "people": ex.people,
        "items": [it.as_dict() for it in ex.items],
    }


def main() -> None:
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    result = {key: dump(path) for key, path in files()}
    Path(sys.argv[1]).write_text(json.dumps(result, indent=1, sort_keys=True, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{len(result)} files, {sum(len(v.get('items', [])) for v in result.values())} items -> {sys.argv[1]}")


if __name__ == "__main__":
    main()
