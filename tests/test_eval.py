"""Quality floors, measured by the evaluation. Raise them as quality rises; never lower them."""
from click.testing import CliRunner

from conftest import CORPUS
from pipeline.cli import cli
from pipeline.evaluate import evaluate, similarity, total

CORPUS_F1_FLOOR = 0.75
DEV_F1_FLOOR = 0.50


def test_similarity_is_symmetric_and_normalised():
    assert similarity("The Board  AGREED the plan.", "the board agreed the plan") == 1.0
    assert similarity("Note the report", "Approve the budget of £5m") < 0.6


def test_corpus_f1_floor():
    t = total(evaluate([CORPUS]))
    assert t.tp > 0
    assert t.f1 >= CORPUS_F1_FLOOR, f"corpus F1 {t.f1:.3f}"


def test_dev_corpus_f1_floor(dev):
    t = total(evaluate([dev]))
    assert t.f1 >= DEV_F1_FLOOR, f"corpus-dev F1 {t.f1:.3f}"


def test_eval_cli_prints_overall():
    res = CliRunner().invoke(cli, ["eval", str(CORPUS / "seeds")])
    assert res.exit_code == 0, res.output
    assert "OVERALL" in res.output
