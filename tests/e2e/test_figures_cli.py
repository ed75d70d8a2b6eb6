"""``python -m figures``: draws what exists, names the command for what is missing, bad files exit 2."""

from __future__ import annotations

import json
from pathlib import Path

from support.cli import run_module

import figures
from symbolscope.results import Result


def _uniformity(out: Path) -> None:
    rows = []
    for ck, shift in (("base", 0.0), ("ours", -0.2)):
        for layer in (0, 1):
            for fam in ("sql", "all"):
                a, u = 0.4 + shift + 0.1 * layer, -1.5 + shift
                rows.append(
                    {
                        "ckpt": ck,
                        "fingerprint": ck,
                        "layer": layer,
                        "span": "symbol",
                        "pairs": "family",
                        "family": fam,
                        "n": 5,
                        "n_pairs": 10,
                        "alignment": a,
                        "alignment_ci": [a, a + 0.1],
                        "uniformity": u,
                        "uniformity_ci": [u - 0.1, u],
                    }
                )
    Result("uniformity", {"t": 2.0, "alpha": 2.0}, rows).save(out)


def test_all_draws_what_exists_and_names_the_missing_command(tmp_path: Path) -> None:
    _uniformity(tmp_path)
    res = run_module("figures", "all", "--results", str(tmp_path))
    assert res.returncode == 0, res.stderr
    for name in ("uniformity", "uniformity_layers"):
        assert (tmp_path / "figures" / f"{name}.png").stat().st_size > 1000
        assert (tmp_path / "figures" / f"{name}.pdf").is_file()
    missing = [line for line in res.stdout.splitlines() if "missing" in line]
    assert len(missing) == len(figures.REGISTRY) - 2  # every figure but the two uniformity ones
    assert (
        f"training: missing {tmp_path}/training/ — make it with: python -m trainer.report --out results/"
        in missing
    )
    assert not (tmp_path / "figures" / "training.png").exists()


def test_one_missing_figure_is_one_line_naming_its_command(tmp_path: Path) -> None:
    _uniformity(tmp_path)
    res = run_module("figures", "training", "--results", str(tmp_path))
    assert res.returncode == 2
    assert res.stderr.strip().splitlines() == [
        f"error: no results for figure 'training' in {tmp_path}/training/; "
        "make them with: python -m trainer.report --out results/"
    ]


def test_an_empty_results_folder_draws_nothing_and_exits_2(tmp_path: Path) -> None:
    res = run_module("figures", "all", "--results", str(tmp_path))
    assert res.returncode == 2 and res.stderr.startswith("error: nothing to draw")
    assert res.stdout.count("missing") == len(figures.REGISTRY) and not (tmp_path / "figures").exists()


def test_a_malformed_results_file_is_one_line_and_draws_nothing(tmp_path: Path) -> None:
    _uniformity(tmp_path)
    (tmp_path / "training").mkdir()
    (tmp_path / "training" / "20990101-000000-deadbeef.json").write_text('{"config": {}, "rows": [')
    res = run_module("figures", "all", "--results", str(tmp_path))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    assert len(res.stderr.strip().splitlines()) == 1 and "deadbeef.json: not valid JSON" in res.stderr
    assert not (tmp_path / "figures").exists()


def test_a_result_of_the_wrong_kind_is_one_line(tmp_path: Path) -> None:
    (tmp_path / "training").mkdir()
    path = tmp_path / "training" / "20990101-000000-00000000.json"
    path.write_text(json.dumps({"config": {}, "rows": [{"ckpt": "base"}]}))
    res = run_module("figures", "training", "--results", str(tmp_path))
    assert res.returncode == 2 and res.stderr.startswith(f"error: {path}: cannot draw 'training'")


def test_a_registry_entry_without_a_command_gets_a_generic_hint(tmp_path: Path, monkeypatch, capsys) -> None:
    import figures
    from figures.__main__ import main

    monkeypatch.setitem(figures.REGISTRY, "extra", ("extra_study", figures.uniformity_layers))
    _uniformity(tmp_path)
    assert main(["all", "--results", str(tmp_path)]) == 0
    assert (
        f"extra: missing {tmp_path}/extra_study/ — make it with: the 'extra_study' study"
        in capsys.readouterr().out
    )


def test_a_figure_reading_two_analyses_gets_both_or_is_named_missing(
    tmp_path: Path, monkeypatch, capsys
) -> None:
    import matplotlib.pyplot as plt

    import figures
    from figures.__main__ import main

    seen: list[dict] = []

    def both(results):
        seen.append(results)
        return plt.figure()

    monkeypatch.setitem(figures.REGISTRY, "pair", (("uniformity", "training"), both, "make both"))
    _uniformity(tmp_path)
    assert main(["all", "--results", str(tmp_path)]) == 0
    assert f"pair: missing {tmp_path}/training/ — make it with: make both" in capsys.readouterr().out
    row = {"stage": "injection", "run": "r", "source": "card", "step": 1, "metric": "loss", "value": 1.0}
    Result("training", {}, [row]).save(tmp_path)
    assert main(["pair", "--results", str(tmp_path)]) == 0
    assert set(seen[0]) == {"uniformity", "training"} and seen[0]["training"].analysis == "training"
    assert (tmp_path / "figures" / "pair.png").is_file()
