"""`minutebook`: a thin click shell over the library. Parsing arguments and printing only."""
from __future__ import annotations

import json
import sys
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
def ingest(paths, db, force, quiet):
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
        summary = ingest_paths(paths, db, force=force, progress=(lambda f: bar.update(1)) if bar else None)
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
@click.argument("dirs", nargs=-1, type=click.Path(exists=True, file_okay=False))
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
                 "recall": round(s.recall, 3), "f1": round(s.f1, 3), "meeting_date": s.meeting_date,
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


@cli.command()
@click.option("--db", default="minutebook.db", show_default=True, type=click.Path(exists=True, dir_okay=False))
@click.option("--kind", type=click.Choice(["resolution", "recommendation", "action"]))
@click.option("--limit", type=int, default=None)
@click.option("--format", "fmt", type=click.Choice(["table", "json", "csv"]), default="table", show_default=True)
def decisions(db, kind, limit, fmt):
    """List stored items with their paper's body and meeting date."""
    from .query import decisions as rows_of
    rows = rows_of(db, kind=kind, limit=limit)
    if fmt == "json":
        click.echo(json.dumps(rows, indent=2, ensure_ascii=False))
    elif fmt == "csv":
        import csv
        w = csv.DictWriter(sys.stdout, fieldnames=list(rows[0]) if rows else ["id"])
        w.writeheader()
        w.writerows(rows)
    else:
        for r in rows:
            text = " ".join(r["text"].split())
            click.echo(f"{r['meeting_date'] or '????-??-??'}  {(r['body'] or '')[:28]:28}  {r['kind'][:3]}  "
                       f"{(r['outcome'] or '-'):8} {(r['label'] or ''):6} {text[:90]}")


def main():
    cli()


if __name__ == "__main__":
    main()
