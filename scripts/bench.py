"""`make bench`: how fast minutebook ingests a scaled corpus, against raw pypdfium2 text extraction.

Builds, under a temp dir, a corpus of >= --files files and >= --pages pages from the corpus papers
(corpus/seeds, papers, renditions) and the text PDFs of ../shared/corpus-dev (not the *_scanned
ones), each copy made distinct in bytes (PDF: a `%copy N` comment after %%EOF; text/Markdown: a last
line; HTML: a comment; DOCX: a dc:identifier in docProps/core.xml), PDFs in pdf/ and the rest in
other/. Then, for each --workers value, in a fresh database, times `minutebook ingest` (the CLI, in a
subprocess) over pdf/ and then over other/, and an immediate re-run over both (all unchanged),
while sampling the resident memory of the ingest process and all its descendants (fork server and
workers) from /proc. The reference ceiling is raw pypdfium2 text extraction of the same PDF pages
(open, get_textpage().get_text_range() per page), in one process and in two. Last, a cProfile of an
in-process (--workers 0) ingest of the 50 source files, summed by stage.

A script, not a test: it prints figures, it asserts nothing. `python scripts/bench.py --help`.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from multiprocessing import get_context
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
CORPUS = ROOT / "corpus"
DEV = ROOT.parent / "shared" / "corpus-dev"
SUFFIXES = {".txt", ".md", ".html", ".htm", ".pdf", ".docx"}
OTHER_EVERY = 10   # one file in ten is a text, Markdown, HTML or DOCX paper


# --------------------------------------------------------------------------- the corpus

def sources() -> list[Path]:
    out = []
    for sub in ("seeds", "papers", "renditions"):
        d = CORPUS / sub
        if d.is_dir():
            out += sorted(f for f in d.iterdir() if f.is_file() and f.suffix.lower() in SUFFIXES)
    if DEV.is_dir():
        out += sorted(f for f in DEV.glob("*/original.pdf") if not f.parent.name.endswith("_scanned"))
    return out


def page_count(path: Path) -> int:
    """Pages as minutebook stores them (a text file is one page)."""
    if path.suffix.lower() == ".pdf":
        import pypdfium2 as pdfium
        pdf = pdfium.PdfDocument(str(path))
        try:
            return len(pdf)
        finally:
            pdf.close()
    from pipeline.ingest import ingest
    return len(ingest(path).pages)


def distinct(data: bytes, suffix: str, n: int) -> bytes:
    """The same document, different bytes (so a different SHA-256), same text."""
    if suffix == ".pdf":
        return data + f"\n%copy {n}\n".encode()
    if suffix in (".html", ".htm"):
        return data + f"\n<!-- copy {n} -->\n".encode()
    if suffix == ".docx":
        src, buf = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as out:
            for info in src.infolist():
                body = src.read(info)
                if info.filename == "docProps/core.xml":
                    body = body.replace(b"</cp:coreProperties>",
                                        f"<dc:identifier>copy {n}</dc:identifier></cp:coreProperties>".encode())
                out.writestr(info, body)
        if "docProps/core.xml" not in src.namelist():
            out.comment = f"copy {n}".encode()
        return buf.getvalue()
    return data.rstrip(b"\n") + f"\n\ncopy {n}\n".encode()


def build(dest: Path, files: int, pages: int) -> dict:
    """Replicate the sources into dest/pdf and dest/other until there are >= files files and >= pages pages.

    Every OTHER_EVERY-th file is the next non-PDF source in turn, the rest the next PDF in turn: the
    text, Markdown, HTML and DOCX papers are mostly one page each, so taking all sources
    in turn would need far more files to reach the pages; taking only PDFs would time none of them.
    """
    srcs = sources()
    if not srcs:
        sys.exit("bench: no corpus files found")
    counts = {s: page_count(s) for s in srcs}
    pdfs = [s for s in srcs if s.suffix.lower() == ".pdf"]
    others = [s for s in srcs if s.suffix.lower() != ".pdf"]
    data = {s: s.read_bytes() for s in srcs}
    n_files = n_pages = 0
    made = {"pdf": 0, "other": 0, "pdf_pages": 0}
    while n_files < files or n_pages < pages:
        if others and (not pdfs or n_files % OTHER_EVERY == OTHER_EVERY - 1):
            src = others[made["other"] % len(others)]
        else:
            src = pdfs[made["pdf"] % len(pdfs)]
        kind = "pdf" if src.suffix.lower() == ".pdf" else "other"
        sub = dest / kind / f"{n_files // 500:02d}"
        sub.mkdir(parents=True, exist_ok=True)
        name = f"{n_files:05d}_{src.parent.name if src.name.startswith('original') else src.stem}{src.suffix.lower()}"
        (sub / name).write_bytes(distinct(data[src], src.suffix.lower(), n_files))
        n_files += 1
        n_pages += counts[src]
        made[kind] += 1
        if kind == "pdf":
            made["pdf_pages"] += counts[src]
    return {"files": n_files, "pages": n_pages, "sources": len(srcs), **made}


# --------------------------------------------------------------------------- raw pypdfium2 ceiling

def raw_extract(paths: list[str]) -> tuple[int, float]:
    """(pages, CPU seconds) of reading every page's text with pypdfium2 alone."""
    import pypdfium2 as pdfium
    cpu = time.process_time()
    n = 0
    for p in paths:
        pdf = pdfium.PdfDocument(p)
        for i in range(len(pdf)):
            page = pdf[i]
            tp = page.get_textpage()
            tp.get_text_range()
            tp.close()
            page.close()
            n += 1
        pdf.close()
    return n, time.process_time() - cpu


def raw_ceiling(pdf_dir: Path, procs: int) -> tuple[float, int, int, float]:
    """(wall seconds, files, pages, CPU seconds) of raw_extract over pdf_dir in `procs` processes."""
    paths = sorted(str(p) for p in pdf_dir.rglob("*.pdf"))
    t = time.perf_counter()
    if procs == 1:
        n, cpu = raw_extract(paths)
    else:
        chunks = [paths[k::procs] for k in range(procs)]
        with get_context("forkserver").Pool(procs) as pool:
            parts = pool.map(raw_extract, chunks)
        n, cpu = sum(p[0] for p in parts), sum(p[1] for p in parts)
    return time.perf_counter() - t, len(paths), n, cpu


# --------------------------------------------------------------------------- memory of a process tree

def _children_map() -> dict[int, list[int]]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if not d.isdigit():
            continue
        try:
            with open(f"/proc/{d}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        kids.setdefault(ppid, []).append(int(d))
    return kids


def _kb(pid: int, field: str, name: str = "status") -> int:
    try:
        with open(f"/proc/{pid}/{name}") as fh:
            for line in fh:
                if line.startswith(field + ":"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


class MemorySampler(threading.Thread):
    """RSS (every `every` s) and PSS (every 5th sample) summed over a process and all its descendants,
    and their CPU time. The process tree is re-listed every 10th sample (a /proc scan is the costly
    part, in system time). CPU time is what each process had used at its last sample (up to `every` s
    of a process that ends between samples is missed); on a shared machine it is steadier than
    wall-clock time."""

    def __init__(self, pid: int, every: float = 0.1):
        super().__init__(daemon=True)
        self.pid, self.every, self.samples, self.halt = pid, every, [], threading.Event()
        self.max_single = 0
        self.max_procs = 0
        self.cpu: dict[int, float] = {}   # pid -> last seen user + system seconds
        self.pss = 0

    def run(self):
        t0 = time.monotonic()
        tree: list[int] = [self.pid]
        k = 0
        while not self.halt.is_set():
            if k % 10 == 0 or len(tree) < 3:
                kids, tree, stack = _children_map(), [], [self.pid]
                while stack:
                    p = stack.pop()
                    tree.append(p)
                    stack += kids.get(p, [])
            rss = [_kb(p, "VmRSS") for p in tree]
            if k % 5 == 0:
                self.pss = sum(_kb(p, "Pss", "smaps_rollup") for p in tree)
                self.max_single = max([self.max_single] + [_kb(p, "VmHWM") for p in tree])
            for p in tree:
                self.cpu[p] = max(self.cpu.get(p, 0.0), _cpu_seconds(p))
            self.max_procs = max(self.max_procs, sum(1 for r in rss if r))
            self.samples.append((time.monotonic() - t0, sum(rss), self.pss))
            k += 1
            self.halt.wait(self.every)

    def stop(self) -> dict:
        self.halt.set()
        self.join()
        if not self.samples:
            return {"cpu_seconds": 0.0, "peak_rss_mb": 0, "peak_pss_mb": 0, "quarters_rss_mb": [],
                    "max_process_hwm_mb": 0, "processes": 0}
        end = self.samples[-1][0] or 1
        quarters = [max((r for t, r, _ in self.samples if q * end / 4 <= t <= (q + 1) * end / 4), default=0) / 1024
                    for q in range(4)]
        return {"cpu_seconds": sum(self.cpu.values()), "peak_rss_mb": max(r for _, r, _ in self.samples) / 1024,
                "peak_pss_mb": max(p for _, _, p in self.samples) / 1024,
                "quarters_rss_mb": quarters, "max_process_hwm_mb": self.max_single / 1024,
                "processes": self.max_procs}


# --------------------------------------------------------------------------- timed CLI runs

def ingest(paths: list[Path], db: Path, workers: int, extra: list[str] = ()) -> dict:
    cmd = [sys.executable, "-m", "pipeline.cli", "ingest", *map(str, paths), "--db", str(db),
           "--workers", str(workers), *extra]
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    sampler = MemorySampler(proc.pid)
    sampler.start()
    out, err = proc.communicate()
    seconds = time.perf_counter() - t
    mem = sampler.stop()
    if proc.returncode not in (0, 1):
        sys.exit(f"bench: ingest failed ({proc.returncode}): {err[-2000:]}")
    return {"seconds": seconds, "summary": out.strip().splitlines()[-1] if out.strip() else "",
            "failures": [ln for ln in err.splitlines() if ln.startswith("failed:")], **mem}


# --------------------------------------------------------------------------- profile

STAGES = [  # (label, file suffix, function): cumulative time of these functions, summed
    ("PDF tables: pypdfium2 (pdftables.read_page)", "pipeline/ingest/pdftables.py", "read_page"),
    ("PDF tables: pdfplumber fallback (_table_pages)", "pipeline/ingest/pdf.py", "_table_pages"),
    ("PDF page objects, walked once for both (pdftables.page_objects)", "pipeline/ingest/pdftables.py", "page_objects"),
    ("PDF table test on those objects (may_hold_table)", "pipeline/ingest/pdf.py", "may_hold_table"),
    ("PDF OCR test (ocr.wants_ocr)", "pipeline/ingest/ocr.py", "wants_ocr"),
    ("PDF reading, all of pdf.ingest", "pipeline/ingest/pdf.py", "ingest"),
    ("DOCX reading (docx.ingest)", "pipeline/ingest/docx.py", "ingest"),
    ("HTML reading (html.ingest)", "pipeline/ingest/html.py", "ingest"),
    ("text reading (text.ingest)", "pipeline/ingest/text.py", "ingest"),
    ("text normalisation (document.normalise)", "pipeline/document.py", "normalise"),
    ("extraction, all of extractors.extract", "extractors/__init__.py", "extract"),
    ("extraction: prose sentences (decisions.prose)", "extractors/decisions.py", "prose"),
    ("extraction: spaCy nlp() calls (Language.__call__)", "spacy/language.py", "__call__"),
    ("extraction: sentences without a Doc (sentsplit.Splitter)", "extractors/sentsplit.py", None),
    ("extraction: meeting date / body / people (meta)", "extractors/meta.py", None),
    ("SQLite writes (store.write_document)", "pipeline/store.py", "write_document"),
    ("unchanged check (store.lookup)", "pipeline/store.py", "lookup"),
]


def profile(db: Path) -> list[tuple[str, float]]:
    from pipeline.run import ingest_paths
    for suffix in ("", "-wal", "-shm", ".lock"):  # a kept --dir holds the last run's: all would be unchanged
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    # warm the imports and the lru_caches so the profile shows per-document work
    from pipeline.run import _warm_up
    _warm_up()
    prof = cProfile.Profile()
    paths = [CORPUS / "seeds", CORPUS / "papers", CORPUS / "renditions"] + \
        [f for f in sources() if DEV in f.parents]
    t = time.perf_counter()
    prof.enable()
    ingest_paths(paths, db, workers=0)
    prof.disable()
    total = time.perf_counter() - t
    st = pstats.Stats(prof)
    rows = []
    for label, suffix, func in STAGES:
        cum = 0.0
        for (file, _line, name), (_cc, _nc, _tt, ct, _callers) in st.stats.items():
            if file.endswith(suffix) and (func is None or name == func):
                if func is None:
                    cum = max(cum, ct)  # the module's outermost function
                else:
                    cum += ct
        rows.append((label, cum))
    rows.append(("TOTAL (profiled, in-process)", total))
    return rows


# --------------------------------------------------------------------------- main

def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--files", type=int, default=2000, help="at least this many files (default 2000)")
    ap.add_argument("--pages", type=int, default=None, help="at least this many pages (default 5 per file)")
    ap.add_argument("--workers", default="1,2", help="comma-separated worker counts to time (default 1,2)")
    ap.add_argument("--dir", type=Path, default=None, help="build here instead of a temp dir (kept)")
    ap.add_argument("--no-profile", action="store_true", help="skip the cProfile run")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()
    pages = args.pages if args.pages is not None else 5 * args.files
    counts = [int(w) for w in args.workers.split(",") if w.strip()]

    tmp = Path(tempfile.mkdtemp(prefix="minutebook-bench-")) if args.dir is None else args.dir
    tmp.mkdir(parents=True, exist_ok=True)
    out: dict = {"machine": machine()}
    try:
        corpus = tmp / "corpus"
        if corpus.exists():
            shutil.rmtree(corpus)
        t = time.perf_counter()
        built = build(corpus, args.files, pages)
        out["corpus"] = built
        print(f"machine: {out['machine']}")
        print(f"corpus: {built['files']} files ({built['pdf']} PDF, {built['other']} other), {built['pages']} pages "
              f"({built['pdf_pages']} PDF pages), from {built['sources']} sources, built in "
              f"{time.perf_counter() - t:.1f} s under {corpus}")

        raw = {}
        for procs in (1, 2):
            secs, nfiles, npages, cpu = raw_ceiling(corpus / "pdf", procs)
            raw[procs] = {"seconds": secs, "files": nfiles, "pages": npages, "pages_s": npages / secs,
                          "files_s": nfiles / secs, "cpu_seconds": cpu, "pages_cpu_s": npages / cpu}
            print(f"raw pypdfium2 text, {procs} process{'es' if procs > 1 else ''}: {nfiles} PDFs, {npages} pages "
                  f"in {secs:.1f} s = {npages / secs:,.0f} pages/s, {nfiles / secs:,.0f} files/s "
                  f"({npages / cpu:,.0f} pages per CPU-second)")
        out["raw"] = raw

        # The VM's speed drifts within minutes (raw alone: 412 to 548 pages/s in one day), so each run is also
        # set against raw pypdfium2 in one process measured just before and just after it
        raw_before = raw[1]["pages_s"]
        runs = {}
        for w in counts:
            db = tmp / f"bench-w{w}.db"
            for suffix in ("", "-wal", "-shm", ".lock"):
                Path(f"{db}{suffix}").unlink(missing_ok=True)
            a = ingest([corpus / "pdf"], db, w)
            secs, _, npages, _ = raw_ceiling(corpus / "pdf", 1)
            raw_after = npages / secs
            b = ingest([corpus / "other"], db, w)
            again = ingest([corpus / "pdf", corpus / "other"], db, w)
            first = a["seconds"] + b["seconds"]
            r = {"pdf": a, "other": b, "rerun": again, "first_seconds": first,
                 "files_s": built["files"] / first, "pages_s": built["pages"] / first,
                 "pdf_pages_s": built["pdf_pages"] / a["seconds"], "pdf_files_s": built["pdf"] / a["seconds"],
                 "rerun_share": again["seconds"] / first,
                 "peak_rss_mb": max(a["peak_rss_mb"], b["peak_rss_mb"], again["peak_rss_mb"]),
                 "peak_pss_mb": max(a["peak_pss_mb"], b["peak_pss_mb"], again["peak_pss_mb"])}
            r["raw_around"] = (raw_before, raw_after)
            raw_before = raw_after
            r["pdf_vs_raw_around"] = r["pdf_pages_s"] / (sum(r["raw_around"]) / 2)
            runs[w] = r
            print(f"\n--workers {w}: first run {first:.1f} s = {r['files_s']:.1f} files/s, {r['pages_s']:.0f} pages/s "
                  f"end to end ({a['summary']} | {b['summary']})")
            print(f"  text PDFs alone: {a['seconds']:.1f} s = {r['pdf_files_s']:.1f} files/s, "
                  f"{r['pdf_pages_s']:.0f} pages/s = {r['pdf_pages_s'] / raw[1]['pages_s']:.1%} of raw pypdfium2 "
                  f"(1 process), {r['pdf_pages_s'] / raw[2]['pages_s']:.1%} of raw with 2 processes; "
                  f"{r['pdf_vs_raw_around']:.1%} of raw in 1 process just before and after this run "
                  f"({r['raw_around'][0]:,.0f} and {r['raw_around'][1]:,.0f} pages/s)")
            r["pdf_pages_cpu_s"] = built["pdf_pages"] / max(a["cpu_seconds"], 1e-9)
            print(f"  CPU time of all processes: PDFs {a['cpu_seconds']:.1f} s "
                  f"({r['pdf_pages_cpu_s']:.0f} pages per CPU-second = "
                  f"{r['pdf_pages_cpu_s'] / raw[1]['pages_cpu_s']:.1%} of raw pypdfium2's), "
                  f"other files {b['cpu_seconds']:.1f} s")
            print(f"  other files (text, Markdown, HTML, DOCX): {b['seconds']:.1f} s = "
                  f"{built['other'] / b['seconds']:.1f} files/s")
            print(f"  re-run, all unchanged: {again['seconds']:.2f} s = {r['rerun_share']:.1%} of the first run "
                  f"({again['summary']})")
            print(f"  peak memory, ingest + fork server + workers: RSS {r['peak_rss_mb']:.0f} MB summed "
                  f"(PSS {r['peak_pss_mb']:.0f} MB, shared pages counted once); largest one process "
                  f"{max(a['max_process_hwm_mb'], b['max_process_hwm_mb']):.0f} MB; PDF run's peak RSS by quarter "
                  f"of its time: {', '.join(f'{q:.0f}' for q in a['quarters_rss_mb'])} MB")
            if a["failures"] or b["failures"]:
                print(f"  {len(a['failures']) + len(b['failures'])} files failed, e.g. {(a['failures'] + b['failures'])[0]}")
        out["runs"] = runs
        if 1 in runs and 2 in runs:
            sp = runs[1]["first_seconds"] / runs[2]["first_seconds"]
            sp_pdf = runs[1]["pdf"]["seconds"] / runs[2]["pdf"]["seconds"]
            out["speedup"] = {"all": sp, "pdf": sp_pdf}
            print(f"\n--workers 2 vs 1: {sp:.2f}x end to end ({sp_pdf:.2f}x on the PDFs)")

        if not args.no_profile:
            rows = profile(tmp / "profile.db")
            out["profile"] = rows
            total = rows[-1][1]
            print(f"\nprofile: cProfile of an in-process (--workers 0) ingest of the {len(sources())} source files "
                  f"({total:.1f} s under the profiler; stages overlap: 'all of X' includes X's parts)")
            for label, secs in rows[:-1]:
                print(f"  {secs:6.2f} s  {secs / total:5.1%}  {label}")
        out["load_at_end"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
        print(f"\nload average at the end: {out['load_at_end']:.2f} (other processes compete for the "
              f"{os.cpu_count()} cores when it is over the worker count)")
        targets(out)
        if args.json:
            args.json.write_text(json.dumps(out, indent=2, default=str))
    finally:
        if args.dir is None:
            shutil.rmtree(tmp, ignore_errors=True)


def targets(out: dict) -> None:
    runs, raw = out.get("runs", {}), out["raw"]
    print("\ntargets (issue 6):")
    for w, r in runs.items():
        wall, cpu = r["pdf_pages_s"] / raw[1]["pages_s"], r["pdf_pages_cpu_s"] / raw[1]["pages_cpu_s"]
        around = r.get("pdf_vs_raw_around", wall)
        print(f"  text-PDF ingest >= 50% of raw pypdfium2: --workers {w}: {wall:.1%} of 1-process raw pages/s, "
              f"{around:.1%} of raw measured around the run, {cpu:.1%} per CPU-second  "
              f"{'MET' if min(wall, around) >= 0.5 else 'NOT MET'}")
    for w, r in runs.items():
        print(f"  re-run <= 2% of first run: --workers {w}: {r['rerun_share']:.1%}  "
              f"{'MET' if r['rerun_share'] <= 0.02 else 'NOT MET'}")
    for w, r in runs.items():
        print(f"  peak memory <= 300 MB: --workers {w}: RSS {r['peak_rss_mb']:.0f} MB, PSS {r['peak_pss_mb']:.0f} MB  "
              f"{'MET' if r['peak_rss_mb'] <= 300 else ('MET for PSS' if r['peak_pss_mb'] <= 300 else 'NOT MET')}")
    if "speedup" in out:
        sp = out["speedup"]["all"]
        print(f"  --workers 2 >= 1.7x --workers 1: {sp:.2f}x  {'MET' if sp >= 1.7 else 'NOT MET'}")


def machine() -> str:
    model = ""
    try:
        lscpu = subprocess.run(["lscpu"], capture_output=True, text=True).stdout
        m = re.search(r"^Model name:\s*(.+)$", lscpu, re.M)
        model = m.group(1).strip() if m else ""
    except OSError:
        pass
    mem = 0
    try:
        with open("/proc/meminfo") as fh:
            mem = int(fh.readline().split()[1]) // 2**20
    except OSError:
        pass
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else 0
    return (f"{os.cpu_count()} cores, {model or platform.processor()}, {mem} GiB, Python {platform.python_version()}, "
            f"load average {load:.2f} at start")


if __name__ == "__main__":
    main()
