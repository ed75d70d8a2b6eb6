"""``python -m analysis.uniformity`` end to end on the tiny model, checked against the reference
formulas computed directly from the stored vectors, plus every bad input of the issue."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import torch
from support.extract import perturbed_tiny

from analysis.extract import ensure_store
from analysis.uniformity import ROW_KEYS
from analysis.uniformity import cli as uniformity
from lm.checkpoints import registry as checkpoints

FAMILIES = {
    "sql": [
        "SELECT name FROM t{i}",
        "SELECT COUNT(*) FROM t{i} WHERE a > {i}",
        "SELECT a, b FROM t{i} ORDER BY a",
    ],
    "fol": ["all x.(P{i}(x) -> Q(x))", "exists y.(R(y) & S{i}(y))", "-(P(a{i}) | Q(b))"],
    "regex": ["^[a-z]{{{i}}}$", "\\d+-\\d{{{i}}}", "(ab|cd){{{i},}}"],
}


def _write_split(path: Path, with_singleton: bool = True, evol: bool = False) -> None:
    rows = []
    for fam, templates in FAMILIES.items():
        for i in range(1, 7):
            out = templates[i % len(templates)].format(i=i)
            rows.append(
                {
                    "id": f"{fam}-{i}",
                    "task": f"nl2{fam}",
                    "family": fam,
                    "source": "test",
                    "instruction": f"Write the {fam} for case number {i}.",
                    "input": "",
                    "output": out,
                }
            )
    if with_singleton:
        rows.append(
            {
                "id": "latex-1",
                "task": "nl2latex",
                "family": "latex",
                "source": "test",
                "instruction": "Write the fraction one half.",
                "input": "",
                "output": "\\frac{1}{2}",
            }
        )
    if evol:
        rows.append(
            {
                **rows[0],
                "id": "sql-1~evol",
                "output": rows[0]["output"].replace("t1", "zz9"),
                "evol_of": "sql-1",
            }
        )
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


@pytest.fixture()
def setup(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    tiny = checkpoints.resolve("tiny").path
    other = perturbed_tiny(tmp_path / "tiny-perturbed", 0.05)
    monkeypatch.setenv("SYMBOLSCOPE_HOME", str(tmp_path / "home"))
    split = tmp_path / "split.jsonl"
    _write_split(split)
    return {"a": str(tiny), "b": str(other), "split": str(split), "out": str(tmp_path / "results")}


def _quick_args(setup: dict[str, str]) -> list[str]:
    """The tiny checkpoint on the test split, no bootstrap, no figures."""
    return [
        "--ckpt",
        setup["a"],
        "--split",
        setup["split"],
        "--bootstrap",
        "0",
        "--out",
        setup["out"],
        "--no-figures",
    ]


def _unit(x: np.ndarray) -> torch.Tensor:
    t = torch.from_numpy(np.asarray(x, dtype=np.float64))
    return t / t.norm(dim=1, keepdim=True)


def test_end_to_end_matches_reference_formulas(
    setup: dict[str, str], capsys: pytest.CaptureFixture[str]
) -> None:
    args = [
        "--ckpt",
        f"{setup['a']},{setup['b']}",
        "--split",
        setup["split"],
        "--layers",
        "all",
        "--bootstrap",
        "100",
        "--out",
        setup["out"],
        "--t",
        "2",
        "--alpha",
        "2",
    ]
    assert uniformity.main(args) == 0
    printed = capsys.readouterr().out
    assert "layer 2" in printed and "uniformity" in printed
    files = sorted((Path(setup["out"]) / "uniformity").glob("*.json"))
    assert len(files) == 1 and files[0].with_suffix(".csv").is_file()
    result = json.loads(files[0].read_text())
    assert result["config"]["bootstrap"] == 100 and result["config"]["seed"] == 0
    assert "latex" in " ".join(result["config"]["skipped"])  # one sample: skipped and named
    rows = result["rows"]
    for key in ROW_KEYS:
        assert all(key in r for r in rows), key
    assert {r["layer"] for r in rows} == {0, 1, 2, "final_norm"}
    assert {r["ckpt"] for r in rows} == {setup["a"], setup["b"]}
    assert len({r["fingerprint"] for r in rows}) == 2

    store = ensure_store(setup["a"], split=setup["split"], span="symbol", progress=False)
    vec, _, fams = store.read(2)
    fams = np.asarray(fams)
    for fam in ("sql", "fol", "regex", "all"):
        x = _unit(vec if fam == "all" else vec[fams == fam])  # uniformity of "all" counts every sample
        row = next(r for r in rows if r["ckpt"] == setup["a"] and r["layer"] == 2 and r["family"] == fam)
        ref_u = torch.pdist(x).pow(2).mul(-2).exp().mean().log().item()
        assert row["uniformity"] == pytest.approx(ref_u, rel=1e-6)
        assert row["n"] == len(x)
        if fam != "all":  # 6 samples -> all 15 same-family pairs are the positives
            ref_a = torch.pdist(x).pow(2).mean().item()
            assert row["n_pairs"] == 15 and row["alignment"] == pytest.approx(ref_a, rel=1e-6)
            lo, hi = row["uniformity_ci"]
            assert lo <= hi and np.isfinite([lo, hi]).all()
    assert (Path(setup["out"]) / "figures" / "uniformity.png").is_file()
    assert (Path(setup["out"]) / "figures" / "uniformity_layers.png").is_file()


def test_evol_pairs_from_the_store(setup: dict[str, str], tmp_path: Path) -> None:
    split = tmp_path / "evol.jsonl"
    _write_split(split, with_singleton=False, evol=True)
    args = [
        "--ckpt",
        setup["a"],
        "--split",
        str(split),
        "--pairs",
        "evol",
        "--bootstrap",
        "0",
        "--out",
        setup["out"],
        "--no-figures",
    ]
    assert uniformity.main(args) == 0
    result = json.loads(next((Path(setup["out"]) / "uniformity").glob("*.json")).read_text())
    top = next(r for r in result["rows"] if r["family"] == "all")
    assert top["n_pairs"] == 1 and top["pairs"] == "evol"
    vec, ids, _ = ensure_store(setup["a"], split=str(split), progress=False).read(top["layer"])
    x = _unit(vec)
    i, j = ids.index("sql-1"), ids.index("sql-1~evol")
    assert top["alignment"] == pytest.approx((x[i] - x[j]).pow(2).sum().item(), rel=1e-6)


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--t", "0"], "--t must be a positive number"),
        (["--alpha", "-1"], "--alpha must be a positive number"),
        (["--pairs", "evol"], "has no evolved pairs"),
        (["--families", "sql,cobol"], "cobol not in the store"),
        (["--layers", "9"], "out of range; valid layers are 0..2"),
    ],
)
def test_bad_input_is_one_line_exit_2(
    setup: dict[str, str], capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    from symbolscope.errors import run_cli

    args = [*_quick_args(setup), *extra]
    assert run_cli(uniformity.main, args) == 2
    err = capsys.readouterr().err.strip().splitlines()[-1]  # progress bars of the extraction come before
    assert err.startswith("error: ") and message in err
    assert not (Path(setup["out"]) / "uniformity").exists()


def test_unknown_checkpoint_exit_2(setup: dict[str, str], capsys: pytest.CaptureFixture[str]) -> None:
    from symbolscope.errors import run_cli

    assert run_cli(uniformity.main, ["--ckpt", "bsae", "--split", setup["split"], "--out", setup["out"]]) == 2
    assert "unknown checkpoint alias 'bsae'" in capsys.readouterr().err


def test_nan_vectors_name_the_sample(
    setup: dict[str, str], capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from analysis.store import Store
    from symbolscope.errors import run_cli

    real_read = Store.read

    def poisoned(self: Store, layer: int | str, mmap: bool = True):  # type: ignore[no-untyped-def]
        vec, ids, fams = real_read(self, layer, mmap=False)
        vec = np.array(vec)
        vec[ids.index("fol-3"), 0] = np.nan
        return vec, ids, fams

    monkeypatch.setattr(Store, "read", poisoned)
    args = _quick_args(setup)
    assert run_cli(uniformity.main, args) == 2
    err = capsys.readouterr().err
    assert "fol-3" in err and ("NaN" in err or "nan" in err.lower())
