"""``python -m analysis.evaluate`` as a user runs it, and its bad input: malformed or duplicate
predictions (one line, exit 2), unknown ids and missing predictions (counted and named), an
empty split, a checkpoint without a chat template (plain prompt format, stated)."""

from __future__ import annotations

import json

import pytest
from support.cli import run_module

import analysis
from analysis.evaluate import Config
from analysis.evaluate.prompts import PLAIN_FORMAT, extract_answer, finished, prompt_format, prompt_text
from analysis.evaluate.selection import select
from symbolcollection import load_split
from symbolcollection.schema import Sample
from symbolscope.errors import UserError


def _write(path, rows):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in rows))
    return path


@pytest.fixture(scope="module")
def ids():
    """The samples ``--per-family 2`` selects, sql first."""
    chosen = select(load_split("test"), "family", 2, 0)
    return chosen["sql"] + [s for f, v in chosen.items() if f != "sql" for s in v]


def test_gold_predictions_score_one_and_unknown_and_missing_ids_are_named(tmp_path, ids):
    rows = [{"id": s.id, "prediction": s.output} for s in ids[1:]] + [
        {"id": "no-such-sample", "prediction": "x"}
    ]
    preds = _write(tmp_path / "gold.jsonl", rows)
    r = run_module(
        "analysis.evaluate",
        "--predictions",
        str(preds),
        "--per-family",
        "2",
        "--tasks",
        "symbolic",
        "--out",
        str(tmp_path / "res"),
        "--no-progress",
    )
    assert r.returncode == 0, r.stderr
    assert "1 unknown ids: no-such-sample" in r.stdout
    assert f"1 missing ids: {ids[0].id}" in r.stdout
    (json_path,) = (tmp_path / "res" / "evaluate").glob("*.json")
    data = json.loads(json_path.read_text())
    facts = data["config"]["checkpoints"]["gold"]
    assert facts["unknown_ids"] == ["no-such-sample"] and facts["missing_ids"] == [ids[0].id]
    cron = next(r for r in data["rows"] if r.get("family") == "cron")
    assert cron["exec_match"] == 1.0 and cron["n"] == sum(s.family == "cron" for s in ids)
    sql = next(r for r in data["rows"] if r.get("family") == "sql")  # the missing one counts as a failure
    n_sql = sum(s.family == "sql" for s in ids)
    assert sql["exec_match"] == pytest.approx((n_sql - 1) / n_sql)
    assert (tmp_path / "res" / "evaluate" / f"{data['run_id']}.csv").exists()
    assert (tmp_path / "res" / "evaluate" / f"{data['run_id']}.md").exists()


@pytest.mark.parametrize(
    "lines, message",
    [
        (["{not json"], "gold.jsonl:1: not a JSON object line"),
        (
            [{"id": "a", "prediction": "x"}, {"id": "a", "prediction": "y"}],
            "gold.jsonl:2: duplicate id 'a' (first on line 1)",
        ),
        ([{"id": "a"}], "gold.jsonl:1: \"prediction\" of id 'a' is missing"),
        ([[1, 2]], 'gold.jsonl:1: each line needs a string "id"'),
    ],
)
def test_bad_predictions_file_is_one_line_and_exit_2(tmp_path, lines, message):
    preds = _write(tmp_path / "gold.jsonl", lines)
    out = tmp_path / "res"
    r = run_module("analysis.evaluate", "--predictions", str(preds), "--tasks", "symbolic", "--out", str(out))
    assert r.returncode == 2
    assert (
        r.stderr.strip().splitlines() == [f"error: {message}"] or message in r.stderr.strip().splitlines()[-1]
    )
    assert len(r.stderr.strip().splitlines()) == 1 and "Traceback" not in r.stderr
    assert not out.exists()


def test_bad_arguments_are_one_line(tmp_path):
    r = run_module("analysis.evaluate", "--predictions", str(tmp_path / "none.jsonl"), "--out", str(tmp_path))
    assert r.returncode == 2 and "does not exist" in r.stderr and "Traceback" not in r.stderr
    r = run_module("analysis.evaluate", "--ckpt", "tiny", "--tasks", "symbolic,vibes", "--out", str(tmp_path))
    assert r.returncode == 2
    assert r.stderr == "error: --tasks: unknown value 'vibes'; choose one of symbolic, general, delegation\n"


def test_empty_split_is_a_user_error(monkeypatch):
    monkeypatch.setattr("symbolcollection.load_split", lambda split, **kw: [])
    with pytest.raises(UserError, match="has no samples"):
        analysis.evaluate.run(["tiny"], config=Config(tasks=("symbolic",)))


def test_checkpoint_without_a_chat_template_uses_the_plain_format_and_says_so(tmp_path):
    from lm.checkpoints import load

    model, tok, _ = load("tiny")
    folder = tmp_path / "tiny-plain"
    model.save_pretrained(folder)
    tok.chat_template = None
    tok.save_pretrained(folder)
    for f in folder.glob("chat_template*"):
        f.unlink()
    sample = Sample("x-1", "t", "cron", "Every day at noon.", "", "0 12 * * *", "test")
    from lm.checkpoints import load_tokenizer, resolve

    plain_tok = load_tokenizer(resolve(str(folder)))
    assert prompt_format(plain_tok) == "plain"
    assert prompt_text(plain_tok, sample) == PLAIN_FORMAT.format(request="Every day at noon.")
    cfg = Config(per_family=1, tasks=("symbolic",), max_new_tokens=3, progress=False, examples=1)
    result = analysis.evaluate.run([str(folder)], config=cfg)
    assert {r["prompt_format"] for r in result.rows} == {"plain"}
    assert result.config["checkpoints"][str(folder)]["prompt_format"] == "plain"


def test_answer_extraction_and_end_markers():
    assert extract_answer("Here it is:\n```sql\nSELECT 1\n```\nDone.", "sql") == "SELECT 1"
    assert extract_answer("0 12 * * *\n\nThis runs at noon.", "cron") == "0 12 * * *"
    assert extract_answer("def f():\n    return 1\n\n\ndef g():\n    pass", "python").endswith("pass")
    assert finished("SELECT 1\n\n", "sql") and not finished("```sql\nSELECT 1\n\n", "sql")
    assert finished("```sql\nSELECT 1\n```", "sql") and not finished("def f():\n\n", "python")
