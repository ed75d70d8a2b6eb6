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
    assert (tmp_path / "results" / "figures" / "align_uniform.png").stat().st_size > 1000
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
    import analysis
    import figures
    from analysis.align_uniform import align_uniform
    from analysis.extract.api import extract

    for name in analysis.__all__:
        assert getattr(analysis, name) is not None, name
    assert callable(analysis.extract) and callable(analysis.align_uniform)
    assert analysis.resolve("tiny").kind == "tiny"
    assert figures.REGISTRY["align_uniform"][1] is figures.align_uniform
    with pytest.raises(UserError, match="no checkpoint aliases"):
        analysis.extract("")  # the package is callable as the library function
    with pytest.raises(UserError, match="no checkpoints given"):
        analysis.align_uniform([])
    with pytest.raises(UserError, match="no checkpoints given"):
        analysis.evaluate([], config=analysis.EvalConfig(tasks=("symbolic",)))
    import analysis.uniformity  # the CLI module shares the metric's name: both stay callable

    x = np.random.default_rng(0).normal(size=(20, 4))
    assert analysis.uniformity(x, 2.0).value == uniformity(x, 2.0).value
    assert extract.__name__ == "extract" and align_uniform.__name__ == "align_uniform"
