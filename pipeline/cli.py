"""`minutebook`: a thin click shell over the library. Parsing arguments and printing only."""
from __future__ import annotations

import json
import sys
import textwrap
from pathlib import Path

import click

from . import __version__


@click.group()
@click.version_option(__version__, prog_name="minutebook")
def cli():
    """Turn committee papers into a SQLite database of decisions."""


@cli.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True))
@click.option("--db", default="minutebook.db", show_default=True, help="SQLite file to write.")
@click.option("--force", is_flag=True, help="Re-read every file even if unchanged.")
@click.option("--quiet", "-q", is_flag=True, help="Print the summary only when a file failed.")
@click.option("--workers", type=click.IntRange(min=0), default=None,
              help="Worker processes parsing files  [default: the cores available; 0: none, no time limit]")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Seconds one file may take before it is recorded as failed  [default: 120]")
@click.option("--max-pages", type=click.IntRange(min=1), default=None,
              help="Files with more pages are recorded as failed  [default: 2000]")
@click.option("--max-mb", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Files larger than this many MB are recorded as failed  [default: 200]")
def ingest(paths, db, force, quiet, workers, timeout, max_pages, max_mb):
    """Ingest PATHS (files or folders, walked recursively) into the database.

    Exit code 0: all files stored or unchanged; 1: some files failed (see documents.error);
    2: usage error; 3: another ingest is running on the same database.
    """
    from .run import Busy, ingest_paths, walk
    try:
        total = len(walk(paths))
    except FileNotFoundError as exc:
        raise click.UsageError(f"no such path: {exc}")
    bar = None
    if sys.stderr.isatty() and not quiet:
        bar = click.progressbar(length=total, label="ingesting", file=sys.stderr)
        bar.__enter__()
    try:
        limits = {k: v for k, v in (("workers", workers), ("timeout", timeout), ("max_pages", max_pages),
                                    ("max_bytes", None if max_mb is None else int(max_mb * 2**20))) if v is not None}
        summary = ingest_paths(paths, db, force=force, progress=(lambda f: bar.update(1)) if bar else None, **limits)
    except Busy as exc:
        click.echo(f"minutebook: {exc}; try again when it has finished", err=True)
        sys.exit(3)
    finally:
        if bar:
            bar.__exit__(None, None, None)
    for path, reason in summary.failures:
        click.echo(f"failed: {path}: {reason}", err=True)
    if not quiet or summary.failed:
        click.echo(summary.line())
    sys.exit(1 if summary.failed else 0)


@cli.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--format", "fmt", type=click.Choice(["json", "text"]), default="json", show_default=True)
def extract(file, fmt):
    """Extract one FILE and print its decisions, without a database."""
    from .ingest.auto import IngestError
    from .run import extract_file
    try:
        result = extract_file(file)
    except IngestError as exc:
        click.echo(f"minutebook: {file}: {exc}", err=True)
        sys.exit(1)
    if fmt == "json":
        out = {"document": result["document"], "items": result["items"]}
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        d = result["document"]
        click.echo(f"{d['path']}  body={d['body']}  meeting={d['meeting_date']}  pages={d['pages']}")
        for it in result["items"]:
            extra = "  ".join(f"{k}={it[k]}" for k in ("outcome", "owner", "due_text") if it[k])
            click.echo(f"[{it['kind']}] p{it['page']} {it['label'] or ''} {' '.join(it['text'].split())}  {extra}")


@cli.command(name="eval")
@click.argument("dirs", nargs=-1, type=click.Path(exists=True))
@click.option("--verbose", "-v", is_flag=True, help="List missed and extra items.")
@click.option("--format", "fmt", type=click.Choice(["table", "json"]), default="table", show_default=True)
def eval_(dirs, verbose, fmt):
    """Score extraction against gold annotations in DIRS (default: corpus/)."""
    from .evaluate import evaluate, total
    scores = evaluate([Path(d) for d in (dirs or ("corpus",))])
    if not scores:
        raise click.UsageError("no gold annotations found")
    t = total(scores)
    if fmt == "json":
        rows = [{"paper": s.name, "tp": s.tp, "fp": s.fp, "fn": s.fn, "precision": round(s.precision, 3),
                 "recall": round(s.recall, 3), "f1": round(s.f1, 3), "meeting_date": s.meeting_date, "body": s.body,
                 **{f"{k}_accuracy": round(ok / n, 3) if n else None for k, (ok, n) in s.fields.items()}}
                for s in scores + [t]]
        click.echo(json.dumps(rows, indent=2))
        return
    click.echo(f"{'paper':60} {'P':>5} {'R':>5} {'F1':>5}  tp fp fn  date")
    for s in scores + [t]:
        date = "" if s.meeting_date is None else ("ok" if s.meeting_date is True else
                                                   "MISS" if s.meeting_date is False else f"{s.meeting_date:.2f}")
        click.echo(f"{s.name[-60:]:60} {s.precision:5.2f} {s.recall:5.2f} {s.f1:5.2f} {s.tp:3} {s.fp:2} {s.fn:2}  {date}")
        if verbose and s.name != "OVERALL":
            for g in s.misses:
                click.echo(f"    MISS  [{g['kind']}] {g['text'][:110]}")
            for x in s.extras:
                click.echo(f"    EXTRA [{x['kind']}] {' '.join(x['text'].split())[:110]}  ({x['rule']})")
    acc = "  ".join(f"{k} {ok / n:.2f}" if n else f"{k} -" for k, (ok, n) in t.fields.items())
    click.echo(f"field accuracy on matched items: {acc}")
    click.echo(f"paper accuracy: meeting_date {t.meeting_date:.2f}  body {t.body:.2f}")


DB = click.option("--db", default="minutebook.db", show_default=True, type=click.Path(exists=True, dir_okay=False),
                  help="SQLite file written by `minutebook ingest`.")
KIND = click.option("--kind", type=click.Choice(["resolution", "recommendation", "action"]))
BODY = click.option("--body", metavar="TEXT", help="Only papers whose body name contains TEXT (any case).")
SINCE = click.option("--since", metavar="DATE", help="Meetings on or after DATE (YYYY, YYYY-MM or YYYY-MM-DD).")
UNTIL = click.option("--until", metavar="DATE", help="Meetings on or before DATE (YYYY, YYYY-MM or YYYY-MM-DD).")


def _fmt(choices=("table", "json", "csv"), default="table"):
    return click.option("--format", "fmt", type=click.Choice(choices), default=default, show_default=True)


def _run(fn, *args, **kwargs):
    """Call the library; a QueryError is the user's mistake, so one line on stderr and exit 2, no traceback."""
    from .query import QueryError
    try:
        return fn(*args, **kwargs)
    except QueryError as exc:
        click.echo(f"minutebook: {exc}", err=True)
        sys.exit(2)


def _render(rows, fmt, table=None, fields=None):
    """Rows as text; json and csv always carry every field so scripts can rely on them, even with no rows."""
    if fmt == "json":
        return json.dumps(rows, indent=2, ensure_ascii=False) + "\n"
    if fmt == "csv":
        import csv
        import io
        buf = io.StringIO()
        w = csv.DictWriter(buf, fieldnames=list(rows[0]) if rows else list(fields or ["id"]))
        w.writeheader()
        w.writerows(rows)
        return buf.getvalue()
    return "".join(table(r) + "\n" for r in rows)


def _one_line(text, width):
    text = " ".join((text or "").split())
    return text if len(text) <= width else text[:width - 1] + "…"


@cli.command()
@DB
@KIND
@click.option("--limit", type=int, default=None)
@_fmt()
def decisions(db, kind, limit, fmt):
    """List stored items with their paper's body and meeting date."""
    from .query import decisions as rows_of
    rows = _run(rows_of, db, kind=kind, limit=limit)
    click.echo(_render(rows, fmt, lambda r: (
        f"{r['meeting_date'] or '????-??-??'}  {(r['body'] or '')[:28]:28}  {r['kind'][:3]}  "
        f"{(r['outcome'] or '-'):8} {(r['label'] or ''):6} {' '.join(r['text'].split())[:90]}")), nl=False)


@cli.command()
@click.argument("query")
@DB
@KIND
@BODY
@SINCE
@UNTIL
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@_fmt()
def search(query, db, kind, body, since, until, limit, fmt):
    """Full-text search of item text, best match first (bm25).

    QUERY is FTS5 syntax: words are ANDed, "double quotes" make a phrase, OR / NOT / NEAR(a b) and
    prefix* work. Matches in the snippet are marked **like this**. Exit code 2 for a malformed query.
    """
    from .query import search as run_search
    rows = _run(run_search, db, query, kind=kind, body=body, since=since, until=until, limit=limit)
    click.echo(_render(rows, fmt, lambda r: (
        f"{r['meeting_date'] or '????-??-??'}  {_one_line(r['body'], 28):28}  {r['kind'][:3]}  p{r['page']:<3} "
        f"{r['path']}\n" + textwrap.fill(" ".join(r["snippet"].split()), 110, initial_indent="    ",
                                           subsequent_indent="    "))), nl=False)
    if fmt == "table" and not rows:
        click.echo("no matches", err=True)


@cli.command()
@DB
@_fmt(("csv", "json"), "csv")
@KIND
@BODY
@SINCE
@UNTIL
@click.option("-o", "--output", type=click.Path(dir_okay=False, writable=True), help="Write to this file, not stdout.")
def export(db, fmt, kind, body, since, until, output):
    """Every item, one row each, with its paper's path, sha256, format, title, body and meeting date.

    JSON items have the same fields as `minutebook extract` items plus those document fields.
    """
    from .query import DOCUMENT_FIELDS, ITEM_FIELDS, export_items
    rows = _run(export_items, db, kind=kind, body=body, since=since, until=until)
    text = _render(rows, fmt, fields=ITEM_FIELDS + DOCUMENT_FIELDS)
    if output:
        try:
            with open(output, "w", encoding="utf-8", newline="") as fh:
                fh.write(text)
        except OSError as exc:
            click.echo(f"minutebook: cannot write {output}: {exc.strerror}", err=True)
            sys.exit(1)
        click.echo(f"wrote {len(rows)} items to {output}", err=True)
    else:
        click.echo(text, nl=False)


@cli.command()
@DB
@click.option("--overdue", is_flag=True, help="Only items whose deadline has passed.")
@click.option("--owner", metavar="NAME", help="Only items whose owner contains NAME (any case).")
@click.option("--today", type=click.DateTime(formats=["%Y-%m-%d"]), default=None, metavar="YYYY-MM-DD",
              help="Judge deadlines as of this day instead of the real today (for reproducible reports).")
@_fmt()
def actions(db, overdue, owner, today, fmt):
    """Actions and other items with a deadline, soonest first.

    A deadline printed as a month, quarter, season or financial year runs to the end of that period:
    "by March 2024" is overdue from 1 April 2024. Relative deadlines ("next meeting") are listed, never overdue.
    """
    from .query import actions as rows_of
    rows = _run(rows_of, db, today=today.date() if today else None, overdue=overdue, owner=owner)
    flag = {True: "OVERDUE", False: "", None: "?"}
    click.echo(_render(rows, fmt, lambda r: (
        f"{flag[r['overdue']]:7} {r['due_by'] or '-':10}  {_one_line(r['due_text'] or '', 18):18} "
        f"{_one_line(r['owner'] or '-', 22):22} {_one_line(r['body'], 24):24} {_one_line(r['text'], 70)}")), nl=False)


def main():
    cli()


if __name__ == "__main__":
    main()
