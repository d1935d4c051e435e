"""Incremental, idempotent ingest; failures recorded, never fatal; one writer at a time."""
import shutil
import sqlite3

from click.testing import CliRunner

from conftest import CORPUS
from pipeline.cli import cli
from pipeline.run import lock


def _copy_seeds(tmp_path):
    folder = tmp_path / "papers"
    shutil.copytree(CORPUS / "seeds", folder)
    return folder


def _rows(db):
    conn = sqlite3.connect(db)
    try:
        return (conn.execute("select path, sha256, status from documents order by path").fetchall(),
                conn.execute("select document_id, kind, label, text, start, end from items order by id").fetchall())
    finally:
        conn.close()


def test_second_run_changes_nothing_and_an_edit_replaces_one_file(tmp_path):
    folder, db = _copy_seeds(tmp_path), str(tmp_path / "m.db")
    r1 = CliRunner().invoke(cli, ["ingest", str(folder), "--db", db])
    assert r1.exit_code == 0, r1.output
    assert "new 5" in r1.output
    before = _rows(db)
    r2 = CliRunner().invoke(cli, ["ingest", str(folder), "--db", db])
    assert "unchanged 5" in r2.output and "new 0" in r2.output
    assert _rows(db) == before
    target = sorted(folder.glob("*.txt"))[2]
    target.write_text(target.read_text(encoding="utf-8").replace("Cabinet is asked to:", "Cabinet is asked to:\n\n(iv) Note this extra line.\n"), encoding="utf-8")
    r3 = CliRunner().invoke(cli, ["ingest", str(folder), "--db", db])
    assert "changed 1" in r3.output and "unchanged 4" in r3.output
    docs, items = _rows(db)
    assert len(docs) == 5
    conn = sqlite3.connect(db)
    texts = [t for (t,) in conn.execute("select i.text from items i join documents d on d.id = i.document_id where d.path = ?", [str(target)])]
    assert any("extra line" in t for t in texts)
    assert conn.execute("select count(*) from items where document_id not in (select id from documents)").fetchone()[0] == 0
    assert conn.execute("pragma integrity_check").fetchone()[0] == "ok"


def test_stored_item_text_equals_stored_body_span(tmp_path):
    folder, db = _copy_seeds(tmp_path), str(tmp_path / "m.db")
    CliRunner().invoke(cli, ["ingest", str(folder), "--db", db])
    conn = sqlite3.connect(db)
    rows = conn.execute('select i.text, i.start, i."end", d.text from items i join documents d on d.id = i.document_id').fetchall()
    assert rows
    for text, start, end, body in rows:
        assert body[start:end] == text


def test_bad_file_is_recorded_and_run_goes_on(tmp_path):
    folder, db = _copy_seeds(tmp_path), str(tmp_path / "m.db")
    (folder / "broken.pdf").write_bytes(b"%PDF-1.4\n%garbage with no xref")
    (folder / "empty.docx").write_bytes(b"")
    res = CliRunner().invoke(cli, ["ingest", str(folder), "--db", db])
    assert res.exit_code == 1
    assert "failed 2" in res.output
    conn = sqlite3.connect(db)
    failed = dict(conn.execute("select path, error from documents where status = 'failed'").fetchall())
    assert len(failed) == 2 and all(failed.values())
    assert conn.execute("select count(*) from documents where status = 'ok'").fetchone()[0] == 5


def test_failed_new_version_keeps_the_good_rows(tmp_path):
    folder, db = _copy_seeds(tmp_path), str(tmp_path / "m.db")
    CliRunner().invoke(cli, ["ingest", str(folder), "--db", db])
    before = _rows(db)[1]
    victim = sorted(folder.glob("*.txt"))[0]
    victim.write_bytes(bytes(range(256)) * 40)
    res = CliRunner().invoke(cli, ["ingest", str(folder), "--db", db])
    assert res.exit_code == 1
    assert _rows(db)[1] == before


def test_usage_error_exit_2(tmp_path):
    res = CliRunner().invoke(cli, ["ingest", str(tmp_path / "missing")])
    assert res.exit_code == 2


def test_overlapping_run_exits_3(tmp_path):
    folder, db = _copy_seeds(tmp_path), str(tmp_path / "m.db")
    held = lock(db)
    try:
        res = CliRunner().invoke(cli, ["ingest", str(folder), "--db", db])
        assert res.exit_code == 3
        assert "another minutebook ingest" in res.output
    finally:
        held.close()


def test_links_in_a_folder_are_not_followed(tmp_path):
    folder, db = _copy_seeds(tmp_path), str(tmp_path / "m.db")
    outside = tmp_path / "secret.txt"
    outside.write_text("RESOLVED – That nothing outside the folder be read.\n")
    (folder / "link.txt").symlink_to(outside)
    res = CliRunner().invoke(cli, ["ingest", str(folder), "--db", db, "--workers", "0"])
    assert res.exit_code == 0 and "seen 5" in res.output
