"""Orchestration: walk folders, skip what is unchanged, read and extract the rest in worker processes,
store one document at a time in the order of the sorted file list.

Knows nothing about formats or wording; a file that fails is a value (status + reason), never an
exception that ends the run: not a parser's exception, not a parser that hangs (it is killed at the
time limit), not a parser that takes its process down (segfault, os._exit, the OOM killer).
"""
from __future__ import annotations

import fcntl
import hashlib
import os
import signal
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

DOC_SUFFIXES = {".pdf", ".docx", ".txt", ".text", ".md", ".markdown", ".html", ".htm", ".doc",
                ".png", ".jpg", ".jpeg", ".tif", ".tiff", ".gif"}  # images are scans: read by OCR
MAX_BYTES = 200 * 1024 * 1024
MAX_PAGES = 2000
TIMEOUT = 120.0          # seconds one document may take in a worker (parse + extract)
# A worker is replaced once its resident memory passes WORKER_MB (a parser's leak, spaCy's vocabulary growing
# with every new word, a huge document's heap that Python keeps), or after TASKS_PER_WORKER documents where that
# cannot be read. Not after a fixed few hundred: a fresh worker's caches are cold (spaCy makes a lexeme for every
# word it has not seen; a fresh process's first 100 bench files cost 9.5 ms CPU a page, 8.4 over its first 300),
# while a worker's memory stayed at ~105 MB over 1,200 bench files without any replacement.
WORKER_MB = 160
TASKS_PER_WORKER = 2000
START_METHOD = "forkserver"
# Imported once in the fork server, so a new worker is ready in ~0.2 s instead of ~1.5 s (spaCy's import),
# with the rules compiled and the spaCy pipeline built (pipeline/preload.py);
# a module that is missing is skipped. Not pdfplumber (with pdfminer ~25 MB resident in every process): it
# only reads the rare table page pdftables does not model, and is imported by the worker that meets one.
PRELOAD = ["pipeline.ingest.auto", "pipeline.ingest.pdf", "pipeline.ingest.docx", "pipeline.ingest.html",
           "pipeline.ingest.text", "pipeline.ingest.ocr", "pypdfium2", "docx", "lxml.etree",
           "extractors", "spacy", "pipeline.preload"]
# Test-only hooks, read by the parent at the start of a run and passed with each task. HANG: a worker given
# a file whose name ends with this suffix sleeps for an hour. CRASH: "suffix[:how],..." where how is segv
# (default: the worker kills itself with SIGSEGV), exit (os._exit(3)) or memory (raises MemoryError).
HANG_ENV, CRASH_ENV = "MINUTEBOOK_TEST_HANG_SUFFIX", "MINUTEBOOK_TEST_CRASH_SUFFIX"


@dataclass
class Summary:
    seen: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    failed: int = 0
    items: int = 0
    failures: list[tuple[str, str]] = field(default_factory=list)

    def line(self) -> str:
        return (f"seen {self.seen}, new {self.new}, changed {self.changed}, unchanged {self.unchanged}, "
                f"failed {self.failed}, items {self.items}")


class Busy(Exception):
    """Another ingest holds the database."""


def walk(paths: Iterable[str | Path]) -> list[Path]:
    """Files under the given paths, sorted so a run's order never depends on the file system."""
    out = []
    for p in map(Path, paths):
        if p.is_dir():
            # links are not followed: a link named minutes.txt must not pull in a file from elsewhere
            out += [f for f in p.rglob("*") if f.is_file() and not f.is_symlink() and f.suffix.lower() in DOC_SUFFIXES
                    and not any(part.startswith(".") for part in f.relative_to(p).parts)]
        elif p.exists():
            out.append(p)
        else:
            raise FileNotFoundError(str(p))
    return sorted(set(out))


def extract_file(path: str | Path, data: bytes | None = None, max_pages: int = MAX_PAGES) -> dict:
    """The `minutebook extract` JSON contract for one file; raises IngestError for an unreadable file."""
    from extractors import extract
    from .ingest import ingest
    from .ingest.auto import IngestError
    doc = ingest(path, data, max_pages=max_pages)  # a long PDF is refused before its pages are read
    if len(doc.pages) > max_pages:
        raise IngestError(f"{len(doc.pages)} pages, over the limit of {max_pages}")
    ex = extract(doc)
    items = []
    for it in ex.items:
        d = it.as_dict()
        assert doc.text[it.start:it.end] == it.text
        items.append(d)
    return {
        "document": {"path": str(path), "sha256": doc.sha256, "format": doc.format, "pages": len(doc.pages),
                     "title": doc.title, "body": ex.body, "meeting_date": ex.meeting_date, "warnings": doc.warnings},
        "items": items,
        "pages": [{"number": p.number, "start": p.start, "end": p.end, "text": doc.page_text(p), "ocr": p.ocr,
                   "confidence": p.confidence} for p in doc.pages],
        "people": ex.people,
        "text": doc.text,
    }


def lock(db_path: str | Path):
    """An exclusive lock beside the database so two ingests never interleave; released when the file closes."""
    fh = open(str(db_path) + ".lock", "w")
    try:
        fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        fh.close()
        raise Busy(f"another minutebook ingest is using {db_path}") from None
    return fh


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


# --------------------------------------------------------------------------- one file, in a worker

def _too_big(size: int, limit: int) -> str:
    return f"file is {size / 2**20:.1f} MB, over the limit of {limit / 2**20:g} MB"


def _reason(exc: BaseException) -> str:
    from .ingest.auto import IngestError
    text = str(exc) if isinstance(exc, IngestError) else f"{type(exc).__name__}: {exc}"
    return " ".join(text.split())[:300]


def read_and_extract(path: str | Path, max_pages: int = MAX_PAGES, max_bytes: int = MAX_BYTES,
                     hooks: tuple[str | None, str | None] = (None, None)) -> tuple[str, object, str | None]:
    """(status, record or reason, sha256) for one file: ("ok", record, …) or ("failed", one-line reason, …).

    `hooks` are the test-only (HANG_ENV, CRASH_ENV) values; in a normal run both are None."""
    hang, crash = hooks
    if hang and str(path).endswith(hang):
        time.sleep(3600)
    how = next((h or "segv" for suffix, _, h in (c.partition(":") for c in (crash or "").split(","))
                if suffix and str(path).endswith(suffix)), None)
    if how == "segv":
        os.kill(os.getpid(), signal.SIGSEGV)
    elif how == "exit":
        os._exit(3)
    digest = None
    try:
        if how == "memory":
            raise MemoryError("test hook")
        data = Path(path).read_bytes()
        digest = hashlib.sha256(data).hexdigest()
        if len(data) > max_bytes:
            return "failed", _too_big(len(data), max_bytes), digest
        record = extract_file(path, data, max_pages=max_pages)
        return "ok", record, record["document"]["sha256"]
    except Exception as exc:  # any parser error is this file's failure, never the run's
        return "failed", _reason(exc), digest


def _warm_up() -> None:
    """Import every parser and load the extractors' rules and spaCy pipeline (lru_cached): once per process.
    pdfplumber is left out: it is the fallback for table pages pdftables does not model (pdf._table_pages)."""
    import pypdfium2  # noqa: F401
    from .ingest import docx, html, pdf, text  # noqa: F401
    extract_file("warm-up.txt", b"Minutes\n\nRESOLVED: That the minutes of the last meeting be approved.\n"
                                b"It was agreed that the Clerk would write to the county council.\n")


def _die_with_parent() -> None:
    """Linux: SIGKILL this worker when its parent ends, even by kill -9, so that a worker stuck in a
    parser (where no Python code runs to notice) is never left behind.

    Its parent is the fork server, which ends when no process holds the write end of its "alive"
    pipe. multiprocessing gives that end to every worker too, so a stuck worker would keep the
    server alive and the server the worker: the worker closes its copy, and the server ends with
    the ingest process.
    """
    try:
        import ctypes
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    try:
        from multiprocessing import forkserver
        fd = forkserver._forkserver._forkserver_alive_fd
        if fd is not None:  # set only in a process the fork server started
            os.close(fd)
            forkserver._forkserver._forkserver_alive_fd = None
    except (ImportError, AttributeError, OSError):
        pass


def _rss_mb() -> float:
    """This process's resident memory in MB (Linux; 0 elsewhere, where only TASKS_PER_WORKER retires a worker)."""
    try:
        with open("/proc/self/statm") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20
    except (OSError, ValueError, IndexError):
        return 0.0


def _worker_main(conn) -> None:
    """A worker: warm up, say "ready", then take (path, max_pages, max_bytes, hooks, worker_mb) and answer
    (status, value, sha256, last), one file at a time, until told to stop (None) or the parent is gone."""
    import gc
    gc.freeze()   # what the fork server imported stays shared: the collector never writes to those pages
    os.setpgrp()  # its own process group: a kill at the time limit also takes any subprocess (Tesseract)
    _die_with_parent()
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    try:
        _warm_up()
    except Exception as exc:
        conn.send(("error", _reason(exc), None, True))
        return
    conn.send(("ready", None, None, False))
    while True:
        try:
            task = conn.recv()
        except (EOFError, OSError):
            return
        if task is None:
            return
        *task, worker_mb = task
        result = read_and_extract(*task)
        # after a MemoryError the heap may be in a bad way, and a worker over WORKER_MB should give its memory
        # back: say so, and end; the parent starts a fresh worker
        last = result[0] == "failed" and str(result[1]).startswith("MemoryError") or _rss_mb() > worker_mb
        try:
            conn.send((*result, last))
        except OSError:
            return
        if last:
            return


class _Worker:
    def __init__(self, ctx):
        self.conn, child = ctx.Pipe(duplex=True)
        self.proc = ctx.Process(target=_worker_main, args=(child,), daemon=True, name="minutebook-worker")
        self.proc.start()
        child.close()
        self.ready = False
        self.task = None          # what the parent is waiting for from this worker
        self.started = 0.0
        self.done = 0

    def kill(self) -> None:
        """SIGKILL the worker and its process group (a Tesseract it started dies with it)."""
        for kill in (lambda: os.killpg(self.proc.pid, signal.SIGKILL), self.proc.kill):
            try:
                kill()
            except OSError:
                pass
        self.proc.join(5)

    def stop(self) -> None:
        try:
            self.conn.send(None)
        except OSError:
            pass


class Pool:
    """A small hand-rolled pool: N worker processes, one file each at a time, killed and replaced at will.

    Why not concurrent.futures.ProcessPoolExecutor: it cannot cancel a running task or kill the worker
    running it, and one worker that dies (segfault, os._exit, OOM kill) breaks the whole pool, failing
    every pending future without saying which file did it. Why not multiprocessing.Pool: no per-task
    time limit that stops the work (AsyncResult.get(timeout) only stops waiting), no way to know which
    worker holds which task, and a task whose worker is killed is silently lost (the pool waits for it
    forever). A hung pdfium call cannot be interrupted inside its process (no Python bytecode runs, so
    no signal handler or exception gets in), so the only cure is SIGKILL from outside, and that needs
    what this class keeps: which process holds which file, and since when. Each worker has its own
    Pipe; the parent waits on the pipes and the process sentinels with a deadline, so a result, a
    death and a time-out are noticed at once, charged to one file, and followed by a fresh worker
    while the others go on.

    Workers are forked from a fork server that has imported the parsers and spaCy (`PRELOAD`).
    Measured on the 2-core dev machine, from start to ready (rules and spaCy pipeline loaded): 0.18 s
    (forkserver, after ~1 s for the server's own start), 1.0 s (fork of the CLI process, which has
    not imported spaCy), 1.4-1.8 s (spawn). And unlike plain fork, a worker never inherits the
    caller's state: pdfium documents or threads of a calling application, the SQLite connection, the
    database lock's file descriptor (a forked worker would hold the lock after a kill -9 of the
    ingest). A worker retires itself once its memory passes WORKER_MB and after a MemoryError, and is
    retired after `tasks_per_worker` files (the maxtasksperchild of multiprocessing.Pool), so a leak in
    a parser cannot grow without bound.
    """

    def __init__(self, size: int, timeout: float, tasks_per_worker: int = TASKS_PER_WORKER,
                 start_method: str | None = None):
        import multiprocessing as mp
        method = start_method or os.environ.get("MINUTEBOOK_START_METHOD") or START_METHOD
        if method not in mp.get_all_start_methods():
            method = "spawn"
        self.ctx = mp.get_context(method)
        if method == "forkserver":
            self.ctx.set_forkserver_preload(PRELOAD)
        self.size, self.timeout, self.tasks_per_worker = max(1, size), timeout, max(1, tasks_per_worker)
        self.workers: list[_Worker] = []
        self.retired: list[_Worker] = []
        self.start_failures = 0
        self.started = 0

    def idle(self) -> list[_Worker]:
        return [w for w in self.workers if w.ready and w.task is None]

    def busy(self) -> int:
        return sum(1 for w in self.workers if w.task is not None)

    def submit(self, w: _Worker, key, task: tuple) -> None:
        w.task, w.started = key, time.monotonic()
        try:
            w.conn.send(task)
        except OSError:
            pass  # a dead worker: poll() reports it

    def poll(self, wanted: int, wait: float) -> list[tuple[object, tuple]]:
        """Keep min(size, wanted) workers, wait up to `wait` s for news, return [(key, (status, value, sha256))]."""
        from multiprocessing.connection import wait as mp_wait
        while len(self.workers) < min(self.size, wanted):
            self.workers.append(_Worker(self.ctx))
            self.started += 1
        now = time.monotonic()
        wait = min([wait] + [w.started + self.timeout - now for w in self.workers if w.task is not None])
        handles = [w.conn for w in self.workers] + [w.proc.sentinel for w in self.workers]
        if handles and wait > 0:
            mp_wait(handles, wait)
        out = []
        for w in list(self.workers):
            msg, eof = None, False
            try:
                if w.conn.poll():
                    msg = w.conn.recv()
            except (EOFError, OSError):
                eof = True
            if msg is not None:
                if msg[0] == "ready":
                    w.ready, self.start_failures = True, 0
                elif msg[0] == "error":
                    raise RuntimeError(f"a worker could not start: {msg[1]}")
                else:
                    out.append((w.task, msg[:3]))
                    w.task, w.done = None, w.done + 1
                    if msg[3] or w.done >= self.tasks_per_worker:
                        w.stop()
                        self._retire(w)
                continue
            if eof:
                w.proc.join(2)
            if not w.proc.is_alive():
                if w.task is not None:
                    out.append((w.task, ("failed", f"worker crashed: {_exit_reason(w.proc.exitcode)}", None)))
                elif not w.ready:
                    self.start_failures += 1
                    if self.start_failures > 3:
                        raise RuntimeError(f"workers die while starting ({_exit_reason(w.proc.exitcode)}); a script "
                                           "that calls ingest_paths needs an `if __name__ == '__main__':` guard")
                self._retire(w)
            elif w.task is not None and time.monotonic() - w.started > self.timeout:
                out.append((w.task, ("failed", f"timed out after {self.timeout:g} s", None)))
                w.kill()
                self._retire(w)
        for w in list(self.retired):
            if not w.proc.is_alive():
                w.proc.join()
                w.conn.close()
                self.retired.remove(w)
        return out

    def _retire(self, w: _Worker) -> None:
        self.workers.remove(w)
        self.retired.append(w)

    def close(self) -> None:
        for w in self.workers:
            w.stop()
        for w in self.workers + self.retired:
            w.proc.join(2)
            if w.proc.is_alive():
                w.kill()
            w.conn.close()
        self.workers, self.retired = [], []


def _exit_reason(code: int | None) -> str:
    if code is not None and code < 0:
        try:
            return f"killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"killed by signal {-code}"
    return f"exit code {code}"


# --------------------------------------------------------------------------- the run

@dataclass
class _Slot:
    """One file of the sorted list, from the parent's check to the write of its outcome."""
    path: Path
    st: os.stat_result | None = None
    old: dict | None = None
    digest: str | None = None
    worked: bool = False                        # sent to a worker
    retried: bool = False                       # its worker crashed once already
    outcome: tuple | None = None                # ("ok", record, sha) | ("failed", reason, sha) | ("unchanged",)


def ingest_paths(paths: Iterable[str | Path], db_path: str | Path = "minutebook.db", force: bool = False,
                 progress: Callable[[Path], None] | None = None, max_bytes: int = MAX_BYTES,
                 max_pages: int = MAX_PAGES, workers: int | None = None, timeout: float = TIMEOUT,
                 tasks_per_worker: int = TASKS_PER_WORKER, worker_mb: float = WORKER_MB) -> Summary:
    """Ingest the files under `paths` into the SQLite database `db_path`; returns the run's Summary.

    Unchanged files (same size and mtime, else same SHA-256) are skipped here, in the parent, before
    any parsing. The rest are parsed and extracted by `workers` processes (default: the cores this
    process may use; 0 = in this process, without the time limit: for debugging and profiling), each
    file under `timeout` seconds, `max_pages` pages and `max_bytes` bytes. A file over a limit, or
    whose worker crashed (twice: it is tried once more on a fresh worker), is stored as failed with
    a one-line reason ("timed out after 120 s", "worker crashed: killed by SIGSEGV") and the run goes
    on. This process is the only writer and stores outcomes in the order of the sorted file list, so
    the rows, ids included, are the same for any number of workers. At most 4 files per worker are
    parsed or waiting to be written at any time, and a worker is replaced once it holds over `worker_mb`
    MB or has read `tasks_per_worker` files, so memory does not grow with the number of files.
    A script calling this with workers >= 1 needs the usual `if __name__ == "__main__":` guard.
    """
    from . import store
    files = walk(paths)
    workers = default_workers() if workers is None else max(0, int(workers))
    hooks = (os.environ.get(HANG_ENV) or None, os.environ.get(CRASH_ENV) or None)
    held = lock(db_path)
    pool = None
    try:
        db = store.connect(db_path)
        s = Summary()

        def check(f: Path) -> _Slot:
            """The parent's part: unchanged (stat, then hash)? over the size limit? else it needs a worker."""
            s.seen += 1
            slot = _Slot(f)
            try:
                slot.st = st = f.stat()
                slot.old = old = store.lookup(db, str(f))
                if old and not force and old["size"] == st.st_size and old["mtime_ns"] == st.st_mtime_ns:
                    slot.outcome = ("unchanged",)
                elif st.st_size > max_bytes:
                    slot.outcome = ("failed", _too_big(st.st_size, max_bytes), None)
                elif old and not force:
                    slot.digest = _sha256_file(f)
                    if old["sha256"] == slot.digest:
                        db.conn.execute("update documents set size = ?, mtime_ns = ? where id = ?",
                                        [st.st_size, st.st_mtime_ns, old["id"]])
                        slot.outcome = ("unchanged",)
            except OSError as exc:
                slot.outcome = ("failed", _reason(exc), None)
            return slot

        def write(slot: _Slot) -> None:
            kind, key, st = slot.outcome[0], str(slot.path), slot.st
            if kind == "unchanged":
                s.unchanged += 1
            elif kind == "ok":
                record = slot.outcome[1]
                record["document"].update(size=st.st_size, mtime_ns=st.st_mtime_ns, body_text=record["text"])
                store.write_document(db, record)
                s.items += len(record["items"])
                if slot.old:
                    s.changed += 1
                else:
                    s.new += 1
            else:
                reason, digest = slot.outcome[1], slot.outcome[2] or slot.digest
                store.write_failure(db, key, digest, reason, st.st_size if st else None,
                                    st.st_mtime_ns if st else None)
                s.failed += 1
                s.failures.append((key, reason))
            if progress:
                progress(slot.path)

        def task(slot: _Slot) -> tuple:
            return (str(slot.path), max_pages, max_bytes, hooks, worker_mb)

        if workers == 0:
            for f in files:
                slot = check(f)
                if slot.outcome is None:
                    slot.outcome = read_and_extract(*task(slot)[:4])
                write(slot)
            db.conn.close()
            return s

        window = 4 * workers            # files sent to workers and not yet written, at most
        order: deque[_Slot] = deque()   # checked files not yet written, in file-list order
        todo: deque[_Slot] = deque()    # files waiting for a worker
        heavy = 0                       # files in `order` that went to a worker
        pending, exhausted = iter(files), False

        def flush() -> None:
            nonlocal heavy
            while order and order[0].outcome is not None:
                slot = order.popleft()
                heavy -= slot.worked
                write(slot)

        while True:
            while not exhausted and heavy < window and len(order) < 10_000:
                f = next(pending, None)
                if f is None:
                    exhausted = True
                    break
                slot = check(f)
                order.append(slot)
                if slot.outcome is None:
                    slot.worked = True
                    todo.append(slot)
                    heavy += 1
                flush()
            if exhausted and not order:
                break
            if heavy:
                if pool is None:
                    pool = Pool(workers, timeout, tasks_per_worker)
                for w in pool.idle():
                    if not todo:
                        break
                    slot = todo.popleft()
                    pool.submit(w, slot, task(slot))
                for slot, result in pool.poll(pool.busy() + len(todo), 1.0):
                    if result[0] == "failed" and result[1].startswith("worker crashed") and not slot.retried:
                        slot.retried = True      # once more, on a fresh worker: the crash may not be this file's
                        todo.appendleft(slot)    # (an idle worker killed by the OOM killer, say)
                        continue
                    slot.outcome = result
                for w in pool.idle():   # keep workers busy before spending time on writes
                    if not todo:
                        break
                    slot = todo.popleft()
                    pool.submit(w, slot, task(slot))
            flush()
        db.conn.close()
        return s
    finally:
        if pool:
            pool.close()
        held.close()


def _sha256_file(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()
