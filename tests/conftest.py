from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "corpus"
DEV = ROOT.parent / "shared" / "corpus-dev"


def corpus_files():
    out = []
    for sub in ("seeds", "papers", "renditions"):
        d = CORPUS / sub
        if d.is_dir():
            out += sorted(f for f in d.iterdir() if f.suffix.lower() in {".txt", ".md", ".html", ".pdf", ".docx"})
    return out


def dev_files():
    return sorted(DEV.glob("*/original.*")) if DEV.is_dir() else []


@pytest.fixture
def dev():
    if not DEV.is_dir():
        pytest.skip("../shared/corpus-dev not present")
    return DEV
