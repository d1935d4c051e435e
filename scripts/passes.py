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

valgrind is a development tool, not a dependency (`apt-get install valgrind`).
"""
import gc
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import bench  # noqa: E402  (puts this checkout first on sys.path)

sys.path.insert(0, os.getcwd())  # the code measured is the worktree's
from pipeline import run  # noqa: E402

if __name__ == "__main__":
    passes = int(sys.argv[1]) if len(sys.argv) > 1 else 2
    pdfs = [p for p in bench.sources() if p.suffix.lower() == ".pdf"]
    run._warm_up()
    gc.freeze()  # as _worker_main does
    for _ in range(passes):
        for p in pdfs:
            status, value, _ = run.read_and_extract(p)
            if status != "ok":
                sys.exit(f"{p}: {value}")
    print(f"{passes} passes over {len(pdfs)} PDFs with {os.path.dirname(os.path.dirname(run.__file__))}")
