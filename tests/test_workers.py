"""Worker processes: the rows do not depend on --workers; a file that hangs or kills its worker is
recorded as failed and the run goes on; the per-file limits are options. No wall-clock assertions."""
from __future__ import annotations

import io
import os
import shutil
import sqlite3
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from conftest import CORPUS, DEV, ROOT
from pipeline.cli import cli
from pipeline.run import CRASH_ENV, HANG_ENV, ingest_paths


def _corpus_paths():
    paths = [CORPUS / "seeds", CORPUS / "papers", CORPUS / "renditions"]
    if DEV.is_dir():
        paths += sorted(f for f in DEV.glob("*/original.*") if not f.parent.name.endswith("_scanned"))
    return paths


def _rows(db):
    """Everything stored, ids included, minus the ingest timestamp."""
    conn = sqlite3.connect(db)
    try:
        cols = [r[1] for r in conn.execute("pragma table_info(documents)") if r[1] != "ingested_at"]
        return {
            "documents": conn.execute(f"select {', '.join(cols)} from documents order by id").fetchall(),
            "items": conn.execute("select * from items order by id").fetchall(),
            "pages": conn.execute("select * from pages order by document_id, number").fetchall(),
            "people": conn.execute("select * from people order by rowid").fetchall(),
        }
    finally:
        conn.close()


def _seeds(tmp_path):
    folder = tmp_path / "papers"
    shutil.copytree(CORPUS / "seeds", folder)
    return folder


def test_rows_are_the_same_for_any_number_of_workers(tmp_path):
    paths = _corpus_paths()
    rows = {}
    for workers in (0, 1, 2):
        db = tmp_path / f"w{workers}.db"
        summary = ingest_paths(paths, db, workers=workers)
        assert summary.failed == 0, summary.failures
        assert summary.new == summary.seen > 40
        rows[workers] = _rows(db)
    assert rows[0]["items"] and rows[0]["pages"]
    assert rows[1] == rows[0]
    assert rows[2] == rows[0]


def test_recycled_workers_give_the_same_rows(tmp_path):
    folder = _seeds(tmp_path)
    ingest_paths([folder], tmp_path / "a.db", workers=1)
    ingest_paths([folder], tmp_path / "b.db", workers=2, tasks_per_worker=1)  # a fresh worker per file
    assert _rows(tmp_path / "a.db") == _rows(tmp_path / "b.db")


def test_a_worker_over_its_memory_limit_is_replaced_and_nothing_is_lost(tmp_path, monkeypatch):
    import pipeline.run as run
    pools = []

    class Counted(run.Pool):
        def __init__(self, *a, **k):
            super().__init__(*a, **k)
            pools.append(self)
    monkeypatch.setattr(run, "Pool", Counted)
    folder = _seeds(tmp_path)
    files = len(list(folder.iterdir()))
    ingest_paths([folder], tmp_path / "a.db", workers=1)
    assert pools[-1].started == 1  # one worker reads every file: no worker is over the default limit
    ingest_paths([folder], tmp_path / "b.db", workers=1, worker_mb=1)  # every worker is over 1 MB
    assert pools[-1].started == files
    assert _rows(tmp_path / "a.db") == _rows(tmp_path / "b.db")


def test_rerun_skips_everything_and_starts_no_worker(tmp_path, monkeypatch):
    folder, db = _seeds(tmp_path), tmp_path / "m.db"
    ingest_paths([folder], db, workers=2)
    import pipeline.run as run

    def no_pool(*a, **k):
        raise AssertionError("a worker pool was started for unchanged files")
    monkeypatch.setattr(run, "Pool", no_pool)
    summary = ingest_paths([folder], db, workers=2)
    assert summary.unchanged == 5 and summary.new == 0


def test_a_file_that_hangs_is_timed_out_and_the_run_goes_on(tmp_path, monkeypatch):
    folder, db = _seeds(tmp_path), tmp_path / "m.db"
    (folder / "000_stuck.txt").write_text("RESOLVED: That this paper never finishes.\n", encoding="utf-8")
    monkeypatch.setenv(HANG_ENV, "_stuck.txt")
    summary = ingest_paths([folder], db, workers=2, timeout=5)
    assert summary.failed == 1 and summary.new == 5, summary.failures
    assert summary.failures == [(str(folder / "000_stuck.txt"), "timed out after 5 s")]
    conn = sqlite3.connect(db)
    assert conn.execute("select status, error from documents where path like '%000_stuck.txt'").fetchone() == \
        ("failed", "timed out after 5 s")
    assert conn.execute("select count(*) from documents where status = 'ok'").fetchone()[0] == 5
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"


def _big_table_pdf(n: int = 300, step: float = 4.0) -> bytes:
    """A genuinely slow input: one page ruled into an n x n table (lines 4 pt apart, more than pdfplumber's
    3 pt snap, so it is a real grid) with text in half the cells. ~140 KB; pdfplumber's table finder
    needs ~3 minutes for it on the 2-core dev machine (n = 100: ~3 s, growing with n^2.3)."""
    canvas = pytest.importorskip("reportlab.pdfgen.canvas")
    size = 100 + n * step
    buf = io.BytesIO()
    c = canvas.Canvas(buf, pagesize=(size, size + 40), invariant=1)
    c.drawString(20, size + 20, "RESOLVED: That the schedule be approved.")
    for k in range(n + 1):
        c.line(50, 50 + k * step, 50 + n * step, 50 + k * step)
        c.line(50 + k * step, 50, 50 + k * step, 50 + n * step)
    c.setFont("Helvetica", 2)
    for i in range(n):
        for j in range(0, n, 2):
            c.drawString(50.5 + j * step, 50.8 + i * step, "x")
    c.showPage()
    c.save()
    return buf.getvalue()


def test_a_genuinely_slow_pdf_is_timed_out_and_its_worker_replaced(tmp_path):
    folder, db = _seeds(tmp_path), tmp_path / "m.db"
    (folder / "001_big_table.pdf").write_bytes(_big_table_pdf())
    summary = ingest_paths([folder], db, workers=1, timeout=3)  # one worker: the later files need its replacement
    assert summary.failures == [(str(folder / "001_big_table.pdf"), "timed out after 3 s")]
    assert summary.new == 5


def test_a_worker_crash_is_recorded_and_the_run_goes_on(tmp_path, monkeypatch):
    folder, db = _seeds(tmp_path), tmp_path / "m.db"
    shutil.copy(folder / "002_a5beb11316b076ca.txt", folder / "002_b_segfault.txt")
    monkeypatch.setenv(CRASH_ENV, "_segfault.txt")
    summary = ingest_paths([folder], db, workers=1)
    assert summary.new == 5 and summary.failed == 1
    (path, reason), = summary.failures
    assert path.endswith("002_b_segfault.txt") and reason == "worker crashed: killed by SIGSEGV"
    conn = sqlite3.connect(db)
    assert conn.execute("select count(*) from items i join documents d on d.id = i.document_id"
                        " where d.status = 'failed'").fetchone()[0] == 0
    # the next run, without the crash, reads it as changed only if it changed: it did not, so it stays failed
    monkeypatch.delenv(CRASH_ENV)
    again = ingest_paths([folder], db, workers=1)
    assert again.unchanged == 6
    forced = ingest_paths([folder], db, workers=1, force=True)
    assert forced.failed == 0 and forced.changed == 6


def test_rows_after_timeouts_and_crashes_do_not_depend_on_workers(tmp_path, monkeypatch):
    folder = _seeds(tmp_path)
    (folder / "001_stuck.txt").write_text("RESOLVED: That this paper never finishes.\n", encoding="utf-8")
    shutil.copy(folder / "003_f9d55dc0d8df2fc7.txt", folder / "003_b_segfault.txt")
    monkeypatch.setenv(HANG_ENV, "_stuck.txt")
    monkeypatch.setenv(CRASH_ENV, "_segfault.txt")
    for workers in (1, 2):
        ingest_paths([folder], tmp_path / f"w{workers}.db", workers=workers, timeout=5)
    assert _rows(tmp_path / "w1.db") == _rows(tmp_path / "w2.db")


def test_limits_are_cli_options(tmp_path):
    folder, db = _seeds(tmp_path), str(tmp_path / "m.db")
    big = folder / "005_big.txt"
    big.write_text("RESOLVED: That the budget be approved.\n" * 60_000, encoding="utf-8")  # ~2.3 MB
    pdf = pytest.importorskip("reportlab.pdfgen.canvas")
    buf = io.BytesIO()
    c = pdf.Canvas(buf, invariant=1)
    for k in range(4):
        c.drawString(72, 720, f"RESOLVED: That item {k + 1} be approved.")
        c.showPage()
    c.save()
    (folder / "006_four_pages.pdf").write_bytes(buf.getvalue())
    res = CliRunner().invoke(cli, ["ingest", str(folder), "--db", db, "--workers", "2", "--timeout", "60",
                                   "--max-pages", "3", "--max-mb", "1"])
    assert res.exit_code == 1, res.output
    assert "new 5" in res.output and "failed 2" in res.output
    conn = sqlite3.connect(db)
    errors = dict(conn.execute("select path, error from documents where status = 'failed'").fetchall())
    assert "over the limit of 1 MB" in errors[str(big)]
    assert "over the limit of 3" in errors[str(folder / "006_four_pages.pdf")]
    res = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(tmp_path / "n.db"), "--workers", "0",
                                   "--max-pages", "4", "--max-mb", "3"])
    assert res.exit_code == 0 and "new 7" in res.output, res.output


def test_bad_option_values_are_usage_errors(tmp_path):
    folder = _seeds(tmp_path)
    for opt, value in (("--workers", "-1"), ("--timeout", "0"), ("--max-pages", "0"), ("--max-mb", "-2")):
        res = CliRunner().invoke(cli, ["ingest", str(folder), "--db", str(tmp_path / "m.db"), opt, value])
        assert res.exit_code == 2, (opt, res.output)


@pytest.mark.parametrize("how, reason", [("exit", "worker crashed: exit code 3"), ("memory", "MemoryError: test hook")])
def test_a_worker_that_exits_or_runs_out_of_memory_is_recorded(tmp_path, monkeypatch, how, reason):
    folder, db = _seeds(tmp_path), tmp_path / "m.db"
    shutil.copy(folder / "001_d4b8b7dc965fe874.txt", folder / "001_b_victim.txt")
    monkeypatch.setenv(CRASH_ENV, f"_victim.txt:{how}")
    summary = ingest_paths([folder], db, workers=1)
    assert summary.new == 5
    assert summary.failures == [(str(folder / "001_b_victim.txt"), reason)]


def _descendants(pid: int) -> set[int]:
    kids: dict[int, list[int]] = {}
    for d in os.listdir("/proc"):
        if d.isdigit():
            try:
                with open(f"/proc/{d}/stat") as fh:
                    kids.setdefault(int(fh.read().rsplit(")", 1)[1].split()[1]), []).append(int(d))
            except (OSError, IndexError, ValueError):
                pass
    out, stack = set(), [pid]
    while stack:
        for k in kids.get(stack.pop(), []):
            out.add(k)
            stack.append(k)
    return out


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            return fh.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")
def test_killing_the_ingest_process_leaves_no_worker_behind(tmp_path):
    """kill -9 of the ingest process alone (not its group): the fork server and a worker stuck in a file go too."""
    folder, db = _seeds(tmp_path), tmp_path / "m.db"
    (folder / "zzz_stuck.txt").write_text("RESOLVED: That this paper never finishes.\n", encoding="utf-8")
    env = dict(os.environ, **{HANG_ENV: "_stuck.txt"}, PYTHONPATH=str(ROOT))
    proc = subprocess.Popen([sys.executable, "-m", "pipeline.cli", "ingest", str(folder), "--db", str(db),
                             "--workers", "2", "--timeout", "600"], env=env, cwd=tmp_path,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        stored = 0
        while stored < 5:  # the five seeds are written; the stuck file (last) is in a worker
            assert proc.poll() is None and time.monotonic() < deadline
            time.sleep(0.2)
            if db.exists():
                try:
                    conn = sqlite3.connect(db)
                    stored = conn.execute("select count(*) from documents").fetchone()[0]
                    conn.close()
                except sqlite3.OperationalError:
                    pass
        tree = _descendants(proc.pid)
        assert len(tree) >= 2  # the fork server and at least the stuck worker
        proc.kill()
        proc.wait()
        deadline = time.monotonic() + 60
        while any(_alive(p) for p in tree) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not [p for p in tree if _alive(p)], "a worker outlived the ingest process"
    finally:
        if proc.poll() is None:
            proc.kill()
