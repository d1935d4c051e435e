"""Extraction contracts: spans reproduce text, renditions agree, no decision means no items."""
import datetime as dt
import json
import re

import pytest
from click.testing import CliRunner

from conftest import CORPUS, corpus_files, dev_files
from extractors.dates import find_due
from pipeline.cli import cli
from pipeline.run import extract_file


@pytest.mark.parametrize("path", corpus_files() + [f for f in dev_files() if "scanned" not in str(f)],
                         ids=lambda p: p.name[:28])
def test_every_item_text_is_its_span(path):
    result = extract_file(path)
    text = result["text"]
    for it in result["items"]:
        assert text[it["start"]:it["end"]] == it["text"]
        page = next(p for p in result["pages"] if p["start"] <= it["start"] <= p["end"])
        assert page["number"] == it["page"]
        assert it["kind"] in {"resolution", "recommendation", "action"}
        assert it["rule"]


def test_an_item_row_is_every_field_of_the_item():
    """Item.as_dict copies the fields, not dataclasses.asdict's deep copy: the same dict, key for key, in order."""
    import dataclasses
    from extractors import extract
    from pipeline.ingest import auto
    items = extract(auto.ingest(sorted((CORPUS / "seeds").glob("*.txt"))[0])).items
    assert items
    for it in items:
        assert list(it.as_dict().items()) == list(dataclasses.asdict(it).items())
        assert list(it.as_dict()) == [f.name for f in dataclasses.fields(it)]


def _key(items):
    return [(i["kind"], i["label"], " ".join(i["text"].split())) for i in items]


@pytest.mark.parametrize("seed", sorted((CORPUS / "seeds").glob("*.txt")), ids=lambda p: p.stem[:3])
def test_three_renditions_give_the_same_items(seed):
    """The PDF (wrapped lines, running header, page footer) and the DOCX (Word automatic numbering) of a seed
    yield exactly the text seed's items: kind, label and text, whitespace aside."""
    rend = CORPUS / "renditions"
    if not (rend / f"{seed.stem}.pdf").exists():
        pytest.skip("renditions not generated")
    want = _key(extract_file(seed)["items"])
    assert want
    for ext in (".pdf", ".docx"):
        assert _key(extract_file(rend / f"{seed.stem}{ext}")["items"]) == want, ext


def test_negative_controls_yield_nothing():
    golds = [g for g in (CORPUS / "gold").glob("*.json") if not json.loads(g.read_text())["items"]]
    assert golds, "the corpus needs at least one no-decision paper"
    for g in golds:
        paper = next((CORPUS / "papers").glob(g.stem + ".*"))
        assert extract_file(paper)["items"] == [], paper.name


def test_extract_json_contract(tmp_path):
    res = CliRunner().invoke(cli, ["extract", str(CORPUS / "seeds" / "001_d4b8b7dc965fe874.txt"), "--format", "json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert {"path", "sha256", "format", "pages", "title", "body", "meeting_date"} <= set(out["document"])
    assert out["document"]["meeting_date"] == "2019-07-23"
    for it in out["items"]:
        assert {"kind", "label", "text", "outcome", "owner", "due", "due_text", "page", "start", "end"} <= set(it)
        assert it["due"] is None or re.fullmatch(r"\d{4}-\d\d-\d\d", it["due"])
    labelled = [it for it in out["items"] if it["label"] == "ii)"]
    assert labelled and not labelled[0]["text"].lower().startswith(("resolved", "ii)"))


def test_sub_items_and_stem_are_split(tmp_path):
    f = tmp_path / "m.txt"
    f.write_text("Minutes of the Finance Committee held on 3 May 2022\n\nRESOLVED – That:\n(a) the accounts be approved;\n"
                 "(b) the report be noted; and\n(c) consideration of the lease be deferred.\n\nReasons for decision\n"
                 "(a) Something else entirely.\n")
    items = extract_file(f)["items"]
    assert [(i["label"], i["outcome"]) for i in items] == [("(a)", "approved"), ("(b)", "noted"), ("(c)", "deferred")]
    assert items[1]["text"] == "the report be noted"


@pytest.mark.parametrize("tag", ["Action: HP", "action: HP", "ACTION: HP", "Owner: HP"])
def test_a_trailing_action_tag_names_the_owner_whatever_its_case(tmp_path, tag):
    f = tmp_path / "m.txt"
    f.write_text("Minutes of the Trustees meeting held on 14 November 2024\n\n11. Safeguarding\n\n"
                 f"11.1 One concern was handled and closed. Refresher training to be completed by end of Q1 2025 - {tag}.\n")
    actions = [i for i in extract_file(f)["items"] if i["kind"] == "action"]
    assert [(a["owner"], a["text"]) for a in actions] == [("HP", "Refresher training to be completed by end of Q1 2025")]


def test_due_dates_at_their_precision():
    ref = dt.date(2012, 3, 28)
    assert find_due("Clerk to write by 9th May", ref).value == "2012-05-09"
    assert find_due("report back to the March 2024 meeting", ref).value == "2024-03"
    bad = find_due("update by 31 April 2024", ref)
    assert bad.value is None and bad.flag == "impossible"
    assert find_due("at the March 024 meeting", ref) is None or find_due("at the March 024 meeting", ref).value is None
    assert find_due("report to the next meeting", ref).precision == "relative"
