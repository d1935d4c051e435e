"""kill -9 part-way through an ingest, run again: the database ends exactly as an uninterrupted run leaves it.

A few hundred distinct files (the corpus seeds and papers, each copied several times with a unique
line appended) are ingested by the real CLI in a subprocess. The run is killed with SIGKILL twice, at
different points, the database is checked after each kill (integrity, no torn documents), and a last
run completes the work. Its rows must equal those of an uninterrupted run on a fresh database
(documents: path, sha256, status; items per path: kind, label, text, start, end; pages), with no path
stored twice and no row lost.
"""
from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import CORPUS

COPIES = 10                # x 27 source files = 270 files
KILL_AFTER = (5, 60)       # kill when this many more documents rows are stored than at the run's start
POLL_SECONDS = 120         # bound on waiting for a victim to reach its kill point
RUN_TIMEOUT = 300
# Every run hashes alike, so a comparison tests kill safety and not hash-order ties in the extractors
# (extractors/meta.py's body() picks among equally frequent names in set order).
ENV = dict(os.environ, PYTHONHASHSEED="0")


def minutebook() -> str:
    exe = Path(sys.executable).parent / "minutebook"
    if not exe.exists():
        pytest.skip("minutebook entry point not installed beside this python")
    return str(exe)


def make_archive(root: Path) -> list[Path]:
    sources = sorted(CORPUS.joinpath("seeds").glob("*.txt")) + sorted(
        f for f in CORPUS.joinpath("papers").iterdir() if f.suffix.lower() in {".txt", ".md", ".html"})
    assert len(sources) >= 20
    out = []
    for k in range(COPIES):
        folder = root / f"batch_{k:02d}"
        folder.mkdir(parents=True)
        for f in sources:
            raw = f.read_bytes()  # cp1252 and UTF-16 papers stay in their encoding
            encoding = "utf-16-le" if raw.startswith(b"\xff\xfe") else "ascii"
            marker = f"Archive copy {k:02d} of {f.stem}."
            if f.suffix.lower() == ".html":
                m = re.search(re.escape("</body>".encode(encoding)), raw, re.I)
                p = f"<p>{marker}</p>".encode(encoding)
                raw = raw[:m.start()] + p + raw[m.start():] if m else raw + p
            else:
                raw = (raw.rstrip(b"\r\n") if encoding == "ascii" else raw) + f"\n\n{marker}\n".encode(encoding)
            (folder / f.name).write_bytes(raw)
            out.append(folder / f.name)
    return out


def start(folder: Path, db: Path, log: Path) -> subprocess.Popen:
    fh = open(log, "ab")
    try:
        return subprocess.Popen([minutebook(), "ingest", str(folder), "--db", str(db)], cwd=db.parent, env=ENV,
                                stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    finally:
        fh.close()


def documents_count(db: Path) -> int:
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=0.5)
        try:
            return conn.execute("select count(*) from documents").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:  # not created yet, schema half-way, busy
        return 0


def descendants(pid: int) -> set[int]:
    """Every live process below pid (workers put themselves in their own process groups)."""
    parent = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
            parent[int(stat.parent.name)] = int(fields[1])
        except (OSError, ValueError, IndexError):
            continue
    out, frontier = set(), {pid}
    while frontier:
        frontier = {p for p, pp in parent.items() if pp in frontier} - out
        out |= frontier
    return out


def alive(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except (OSError, IndexError):
        return False


def kill_everything(proc: subprocess.Popen) -> set[int]:
    """kill -9 the run as a crash or reboot would: its process group and every process it started."""
    os.killpg(proc.pid, signal.SIGSTOP)  # freeze the group: nothing forks while the tree is listed
    tree = descendants(proc.pid)
    os.killpg(proc.pid, signal.SIGKILL)
    for pid in tree:
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    proc.wait(timeout=30)
    return tree


def snapshot(db: Path) -> dict:
    conn = sqlite3.connect(db)
    docs = sorted(conn.execute("select path, sha256, status, error from documents"))
    items: dict[str, list[tuple]] = {}
    for path, *row in conn.execute("select d.path, i.kind, i.label, i.text, i.start, i.end from items i"
                                   " join documents d on d.id = i.document_id order by d.path, i.seq"):
        items.setdefault(path, []).append(tuple(row))
    pages = sorted(conn.execute("select d.path, p.number, p.start, p.end, p.text from pages p"
                                " join documents d on d.id = p.document_id"))
    conn.close()
    return {"documents": docs, "items": items, "pages": pages}


def assert_sound(db: Path) -> None:
    """What a killed run must leave behind: an intact file and no half-written document."""
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        assert conn.execute("select path from documents group by path having count(*) > 1").fetchall() == []
        torn = conn.execute("""select d.path, d.pages, count(p.number) from documents d
                               left join pages p on p.document_id = d.id where d.status = 'ok'
                               group by d.id having count(p.number) != d.pages""").fetchall()
        assert torn == [], torn
        orphans = conn.execute("select count(*) from items where document_id not in (select id from documents)")
        assert orphans.fetchone() == (0,)
    finally:
        conn.close()


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    root = tmp_path_factory.mktemp("kill")
    files = make_archive(root / "archive")
    return root, root / "archive", files


def test_killed_run_resumes_to_the_same_rows(archive):
    root, folder, files = archive
    ref_db, victim_db = root / "reference.db", root / "victim.db"
    # the uninterrupted reference run goes on beside the victim (2 cores), on its own database
    reference = start(folder, ref_db, root / "reference.log")
    kills = []
    for threshold in KILL_AFTER:
        before = documents_count(victim_db)
        victim = start(folder, victim_db, root / "victim.log")
        deadline = time.monotonic() + POLL_SECONDS
        while documents_count(victim_db) < before + threshold:
            assert victim.poll() is None, f"the run ended (exit {victim.returncode}) before the kill point: " \
                                          f"{(root / 'victim.log').read_text()[-2000:]}"
            assert time.monotonic() < deadline, "no progress towards the kill point"
            time.sleep(0.02)
        assert victim.poll() is None, "finished before it could be killed; raise COPIES"
        tree = kill_everything(victim)
        assert victim.returncode == -signal.SIGKILL
        deadline = time.monotonic() + 10
        while any(map(alive, tree)) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not [p for p in tree if alive(p)], "a killed process survived"
        stored = documents_count(victim_db)
        kills.append(stored)
        assert stored < len(files), "nothing was left to do after the kill"
        assert_sound(victim_db)

    final = subprocess.run([minutebook(), "ingest", str(folder), "--db", str(victim_db)], cwd=root, env=ENV,
                           capture_output=True, text=True, timeout=RUN_TIMEOUT)
    assert final.returncode == 0, final.stdout + final.stderr
    assert reference.wait(timeout=RUN_TIMEOUT) == 0, (root / "reference.log").read_text()[-3000:]

    assert_sound(victim_db)
    assert_sound(ref_db)
    got, want = snapshot(victim_db), snapshot(ref_db)
    assert len(want["documents"]) == len(files)
    assert all(status == "ok" for _, _, status, _ in want["documents"])
    assert got["documents"] == want["documents"]
    lost = {p: len(v) - len(got["items"].get(p, [])) for p, v in want["items"].items()
            if got["items"].get(p) != v}
    assert not lost, f"items differ for {len(lost)} documents: {sorted(lost.items())[:5]}"
    assert got["items"].keys() == want["items"].keys()
    assert sum(map(len, want["items"].values())) > len(files)  # the copies do hold decisions
    assert got["pages"] == want["pages"]
    # the kills did land part-way, at increasing points
    assert 0 < kills[0] < kills[1] < len(files), kills
    print(f"killed at {kills[0]} and {kills[1]} of {len(files)} documents; "
          f"{sum(map(len, want['items'].values()))} items, none lost")
