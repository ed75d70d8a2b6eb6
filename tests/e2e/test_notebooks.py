"""Every ``notebooks/*.ipynb`` runs top to bottom (nbclient), and none is committed with outputs.

Each notebook runs in a fresh temporary working folder on a kernel of the interpreter running the
tests (a kernelspec for ``sys.executable`` written to a temporary ``JUPYTER_PATH``), with this
checkout first on ``PYTHONPATH`` and a time limit per cell; any cell error fails the test. New
notebooks in the folder are picked up automatically.

A notebook that reads ``base`` declares in its metadata the slice of the collection its test
runs on (``"symbolscope": {"test_data_scale": 0.05}``: 4 analysis samples per family, so ~70
samples of ``base`` are extracted, not 800); the kernel gets it as ``SYMBOLSCOPE_DATA_SCALE``. A
test must not lean on a cache that ``make reproduce`` or another test happened to fill: from an
empty home on a busy machine the full split took most of nbclient's cell limit. Notebooks on
``tiny`` alone run on the full collection (its probes need 5 samples per task for 5 folds).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = sorted((REPO / "notebooks").glob("*.ipynb"))
KERNEL = "symbolscope-tests"
CELL_TIMEOUT = 600  # seconds per cell: the slowest cell takes < 150 s here, so twice as slow still fits


@pytest.fixture(scope="module")
def kernel(tmp_path_factory) -> str:
    """A kernelspec that starts ``sys.executable -m ipykernel_launcher``, found through JUPYTER_PATH."""
    root = tmp_path_factory.mktemp("jupyter")
    spec = root / "kernels" / KERNEL
    spec.mkdir(parents=True)
    argv = [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"]
    (spec / "kernel.json").write_text(
        json.dumps({"argv": argv, "display_name": KERNEL, "language": "python"})
    )
    mp = pytest.MonkeyPatch()
    mp.setenv("JUPYTER_PATH", str(root))
    mp.setenv("PYTHONPATH", str(REPO))
    mp.delenv("MPLBACKEND", raising=False)  # the kernel's own inline backend shows the figures
    yield KERNEL
    mp.undo()


def test_there_are_notebooks() -> None:
    assert [p.name for p in NOTEBOOKS][:1] == ["01_quickstart.ipynb"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_a_notebook_reading_base_runs_its_test_on_a_slice(path: Path) -> None:
    """Extracting ``base`` on the whole analysis split from an empty cache is too slow for a test."""
    nb = nbformat.read(path, as_version=4)
    reads_base = any('"base"' in c.source for c in nb.cells if c.cell_type == "code")
    scale = nb.metadata.get("symbolscope", {}).get("test_data_scale")
    assert not reads_base or (isinstance(scale, float) and 0 < scale <= 0.25), path.name


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_committed_notebooks_have_no_outputs(path: Path) -> None:
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    for i, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, f"{path.name} cell {i} has outputs"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(
    path: Path, kernel: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    nb = nbformat.read(path, as_version=4)
    scale = nb.metadata.get("symbolscope", {}).get("test_data_scale")
    if scale is not None:
        monkeypatch.setenv("SYMBOLSCOPE_DATA_SCALE", str(scale))
    client = NotebookClient(
        nb, kernel_name=kernel, timeout=CELL_TIMEOUT, resources={"metadata": {"path": str(tmp_path)}}
    )
    try:
        client.execute()
    except CellExecutionError as err:
        pytest.fail(f"{path.name}: a cell failed\n{str(err)[-3000:]}")
    images = [
        o for c in nb.cells if c.cell_type == "code" for o in c.outputs if "image/png" in o.get("data", {})
    ]
    assert images, f"{path.name} shows no figure inline"
