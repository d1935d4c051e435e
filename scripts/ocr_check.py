#!/usr/bin/env python3
"""How much of each seed paper survives scanning: item recovery of a scanned rendition, and OCR speed.

For every PDF rendition in corpus/renditions/ (made by corpus/render.py): render its pages to images
(a "scan" at --scan-dpi, JPEG-compressed like a scanner's PDF), wrap them in a PDF with no text layer,
ingest and extract that, and match its items against the text rendition's items with the evaluation's
similarity matching (pipeline.evaluate.match). Prints, per seed, the share of the text rendition's items
recovered and the OCR pages/s; the issue's target is >= 90% for every seed.

    .venv/bin/python scripts/ocr_check.py                 # all renditions, 300-dpi scans
    .venv/bin/python scripts/ocr_check.py --scan-dpi 200 --seeds 000 002 --verbose

Not a test: it takes about 2 s per page on one core (OMP_THREAD_LIMIT=1).
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def scan_pdf(src: Path, dest: Path, dpi: int = 300, pages: int | None = None, quality: int = 85) -> int:
    """Write `dest`: the pages of `src` as grey JPEG images, no text layer. Returns the page count."""
    import pypdfium2 as pdfium
    pdf = pdfium.PdfDocument(str(src))
    try:
        n = len(pdf) if pages is None else min(pages, len(pdf))
        images = [pdf[i].render(scale=dpi / 72, grayscale=True).to_pil() for i in range(n)]
    finally:
        pdf.close()
    images[0].save(dest, "PDF", save_all=True, append_images=images[1:], resolution=float(dpi), quality=quality)
    return n


def recovery(text_items: list[dict], scan_items: list[dict]) -> tuple[int, int]:
    from pipeline.evaluate import match
    return len(match(text_items, scan_items)), len(text_items)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scan-dpi", type=int, default=300, help="resolution of the simulated scan (default 300)")
    ap.add_argument("--seeds", nargs="*", help="stem prefixes of the renditions to check (default: all)")
    ap.add_argument("--verbose", "-v", action="store_true", help="print the items the scan missed")
    ap.add_argument("--workers", type=int, default=0,
                    help="also time `ingest_paths` over all the scans with this many worker processes")
    args = ap.parse_args()

    from pipeline.ingest import ocr
    from pipeline.run import extract_file
    if not ocr.available():
        print("tesseract not found: install tesseract-ocr and tesseract-ocr-eng (make system-deps)")
        return 2
    tess = [0.0, 0]
    real_run = ocr.run_tesseract

    def timed(img, dpi=ocr.DPI):  # the Tesseract share of the time, in this process
        t = time.perf_counter()
        try:
            return real_run(img, dpi)
        finally:
            tess[0] += time.perf_counter() - t
            tess[1] += 1
    ocr.run_tesseract = timed
    renditions = sorted((ROOT / "corpus" / "renditions").glob("*.pdf"))
    if args.seeds:
        renditions = [r for r in renditions if any(r.stem.startswith(s) for s in args.seeds)]
    print(f"scan {args.scan_dpi} dpi, OCR render {ocr.DPI} dpi, Tesseract one thread per page")
    print(f"{'rendition':28} {'pages':>5} {'items':>5} {'found':>5} {'recall':>7} {'pages/s':>8} {'conf':>5}")
    tot_found = tot_items = tot_pages = 0
    tot_time = 0.0
    worst = 1.0
    with tempfile.TemporaryDirectory() as tmp:
        for src in renditions:
            scan = Path(tmp) / f"{src.stem}.pdf"
            n = scan_pdf(src, scan, args.scan_dpi)
            text_items = extract_file(src)["items"]
            t0 = time.perf_counter()
            result = extract_file(scan)
            secs = time.perf_counter() - t0
            found, total = recovery(text_items, result["items"])
            confs = [p["confidence"] for p in result["pages"] if p["confidence"] is not None]
            ocr_pages = sum(p["ocr"] for p in result["pages"])
            rec = found / total if total else 1.0
            worst = min(worst, rec)
            tot_found, tot_items, tot_pages, tot_time = tot_found + found, tot_items + total, tot_pages + n, tot_time + secs
            conf = f"{sum(confs) / len(confs):5.1f}" if confs else "    -"
            print(f"{src.stem:28} {n:5} {total:5} {found:5} {rec:7.1%} {n / secs:8.2f} {conf}"
                  + ("" if ocr_pages == n else f"  ({ocr_pages} pages OCRed)"))
            if args.verbose:
                from pipeline.evaluate import match
                got = {gi for gi, _ in match(text_items, result["items"])}
                for k, it in enumerate(text_items):
                    if k not in got:
                        print(f"    MISS [{it['kind']}] {' '.join(it['text'].split())[:110]}")
        print(f"{'ALL':28} {tot_pages:5} {tot_items:5} {tot_found:5} {tot_found / max(tot_items, 1):7.1%} "
              f"{tot_pages / tot_time:8.2f}")
        print(f"worst seed recall {worst:.1%} (target >= 90%); "
              f"{tot_time / tot_pages:.2f} s per page including rendering, extraction and ingest; "
              f"Tesseract alone {tess[0] / max(tess[1], 1):.2f} s per page ({tess[1] / tess[0] if tess[0] else 0:.2f} pages/s)")
        if args.workers:
            from pipeline.run import ingest_paths
            t0 = time.perf_counter()
            summary = ingest_paths([tmp], Path(tmp) / "check.db", workers=args.workers)
            secs = time.perf_counter() - t0
            print(f"ingest of the {summary.seen} scans with {args.workers} workers: {tot_pages} pages in {secs:.1f} s, "
                  f"{tot_pages / secs:.2f} pages/s ({summary.failed} failed)")
    return 0 if worst >= 0.9 else 1


if __name__ == "__main__":
    sys.exit(main())
