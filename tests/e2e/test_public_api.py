"""The README's "From Python" snippet runs as written, and the public API is what it promises."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

from analysis.metrics import uniformity
from symbolscope.errors import UserError

REPO = Path(__file__).resolve().parents[2]


def _snippet() -> str:
    text = (REPO / "README.md").read_text()
    section = text.split("## From Python", 1)[1]
    match = re.search(r"```python\n(.*?)```", section, re.S)
    assert match, "README has no python block under 'From Python'"
    return match.group(1)


@pytest.mark.slow
def test_readme_from_python_snippet_runs_as_written(tmp_path: Path) -> None:
    code = _snippet() + (
        "\nimport json\n"
        "json.dump({'n': len(result.rows), 'path': str(json_path), 'axes': len(fig.axes),"
        " 'open': __import__('matplotlib.pyplot').pyplot.fignum_exists(fig.number)}, open('out.json', 'w'))\n"
    )
    # the snippet extracts tiny and base on the analysis split: from an empty cache, base on all of
    # it (800 samples) is most of this test; the slice (4 per family) runs the same code
    env = {**os.environ, "MPLBACKEND": "Agg", "SYMBOLSCOPE_DATA_SCALE": "0.05"}
    res = subprocess.run(
        [sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=900
    )
    assert res.returncode == 0, res.stderr[-3000:]
    out = json.loads((tmp_path / "out.json").read_text())
    saved = json.loads(Path(tmp_path / out["path"]).read_text())
    assert out["n"] == len(saved["rows"]) > 0 and out["axes"] >= 1
    assert out["open"], "a figure function must not close its figure"
    assert {r["ckpt"] for r in saved["rows"]} == {"tiny", "base"}
    assert (tmp_path / "results" / "figures" / "uniformity.png").stat().st_size > 1000
    assert "ckpt" in res.stdout and "uniformity" in res.stdout  # the printed frame


def test_import_analysis_is_lazy_and_fast() -> None:
    code = (
        "import sys, time; t = time.perf_counter(); import analysis, figures.common; "
        "print(time.perf_counter() - t, 'torch' in sys.modules, 'analysis.extract' in sys.modules)"
    )
    t0 = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, check=True)
    seconds, torch_loaded, extract_loaded = out.stdout.split()
    assert torch_loaded == "False" and extract_loaded == "False", out.stdout
    assert float(seconds) < 10.0 and time.perf_counter() - t0 < 120  # ~0.1 s on a quiet machine


def test_public_names_resolve_to_the_library_functions() -> None:
    """One name per study: ``analysis.<study>.run`` and ``.Config``, its results folder and its
    figure all say the study's name; no module is callable any more."""
    import analysis
    import figures
    import probes
    from analysis.extract.api import run as extract_run
    from analysis.uniformity import run as uniformity_run

    for name in analysis.__all__:
        assert getattr(analysis, name) is not None, name
    assert analysis.extract.run is extract_run and analysis.uniformity.run is uniformity_run
    assert analysis.resolve("tiny").kind == "tiny"
    studies = {
        "uniformity": "uniformity",
        "similarity": "similarity",
        "projection": "projection",
        "evaluate": "evaluate",
    }
    for study, folder in studies.items():
        module = getattr(analysis, study)
        assert callable(module.run) and module.Config().check() is None, study
        assert (module.ANALYSIS, figures.REGISTRY[study][0]) == (folder, folder), study
    assert probes.run.__module__ == "probes.study" and figures.REGISTRY["probes"][0] == "probes"
    assert figures.REGISTRY["uniformity"][1] is figures.uniformity
    for module in (analysis.extract, analysis.uniformity, analysis.similarity, analysis.evaluate):
        assert not callable(module)
    with pytest.raises(UserError, match="no checkpoint aliases"):
        analysis.extract.run("")
    with pytest.raises(UserError, match="no checkpoints given"):
        analysis.uniformity.run([])
    with pytest.raises(UserError, match="no checkpoints given"):
        analysis.evaluate.run([], config=analysis.evaluate.Config(tasks=("symbolic",)))
    x = np.random.default_rng(0).normal(size=(20, 4))
    assert analysis.metrics.uniformity(x, 2.0).value == uniformity(x, 2.0).value


def test_old_public_names_still_resolve_for_one_version_with_a_warning() -> None:
    import analysis
    import figures
    import probes

    old = [
        (analysis, "align_uniform", analysis.uniformity.run),
        (analysis, "AlignUniformConfig", analysis.uniformity.Config),
        (analysis, "SimilarityConfig", analysis.similarity.Config),
        (analysis, "ProjectionConfig", analysis.projection.Config),
        (analysis, "EvalConfig", analysis.evaluate.Config),
        (probes, "ProbeConfig", probes.Config),
        (figures, "align_uniform", figures.uniformity),
        (figures, "layers", figures.uniformity_layers),
        (figures, "umap", figures.projection),
        (figures, "overall", figures.evaluate),
        (figures, "balance", figures.evaluate_balance),
    ]
    for module, name, new in old:
        with pytest.warns(DeprecationWarning, match=f"{name} is now"):
            assert getattr(module, name) is new, name
