"""Read and extract the bench's source PDFs N times in one process, as a worker does, for a speed A/B that
this VM's noise cannot blur: under cachegrind the instruction count repeats to ~0.1% (wall and CPU time move
±20% between runs of the same code here).

    PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \\
        .venv/bin/python scripts/passes.py 2

For an A/B, run it with cwd = a worktree of each commit (the code measured is the cwd's; the python, this script
and the PDFs stay this checkout's), both at once, one per core, and compare "I refs":

    git worktree add ../old 260b74a
    cd ../old && PYTHONHASHSEED=0 valgrind --tool=cachegrind --cache-sim=no --cachegrind-out-file=/dev/null \\
        ../main/.venv/bin/python ../main/scripts/passes.py 2

A stage's share: `passes.py 2 --without STAGE` stubs it out (STAGE: tables, ocr-test, objects, extract, prose,
matcher, owners, meta); the difference in instructions is what the stage costs, and what its absence changes
downstream (without `tables` the extractors read PDFium's text of the table pages). Compare `extract` with
`passes.py 0 --without extract`: it also skips loading the rules and spaCy at start-up.

valgrind is a development tool, not a dependency (`apt-get install valgrind`).
"""
import gc
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (puts this checkout first on sys.path)

sys.path.insert(0, os.getcwd())  # the code measured is the worktree's
from pipeline import run  # noqa: E402


def without(stage: str) -> None:
    """Stub one stage out, for its share of the instructions."""
    import extractors
    from extractors import decisions
    from pipeline.ingest import ocr, pdf, pdftables

    class Nothing:  # an Extraction with nothing found
        items, body, meeting_date, people = [], None, None, []
    stubs = {
        "tables": lambda: setattr(pdf, "_pdfium_tables", lambda *a: None),
        "ocr-test": lambda: setattr(ocr, "wants_ocr", lambda text, page: False),
        "objects": lambda: (setattr(pdftables, "page_objects", lambda page: ([], [])),
                            setattr(pdf, "_pdfium_tables", lambda *a: None)),
        "extract": lambda: setattr(extractors, "extract", lambda doc: Nothing()),
        "prose": lambda: setattr(decisions.Extractor, "prose", lambda self, k: None),
        "matcher": lambda: setattr(decisions, "_found", lambda *a: []),
        "owners": lambda: setattr(decisions.Extractor, "task_owner", lambda self, s: None),
        "meta": lambda: [setattr(extractors, name, stub) for name, stub in (
            ("body", lambda *a: None), ("meeting_date", lambda *a: None), ("people", lambda *a: []))],
    }
    if stage not in stubs:
        sys.exit(f"--without: one of {', '.join(stubs)}")
    stubs[stage]()


if __name__ == "__main__":
    args = sys.argv[1:]
    if "--without" in args:
        k = args.index("--without")
        without(args[k + 1])
        del args[k:k + 2]
    passes = int(args[0]) if args else 2
    pdfs = [p for p in bench.sources() if p.suffix.lower() == ".pdf"]
    run._warm_up()
    gc.freeze()  # as _worker_main does
    for _ in range(passes):
        for p in pdfs:
            status, value, _ = run.read_and_extract(p)
            if status != "ok":
                sys.exit(f"{p}: {value}")
    print(f"{passes} passes over {len(pdfs)} PDFs with {os.path.dirname(os.path.dirname(run.__file__))}")
