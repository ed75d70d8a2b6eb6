"""Shared helpers for the extraction and store tests (no tests here).

``make_home`` builds a suite home in a temporary folder whose ``models`` link to the real cache
(so the embedded models are not rebuilt) and whose store starts empty.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

import torch

from symbolcollection.schema import Sample

REAL_HOME = Path(os.environ.get("SYMBOLSCOPE_HOME") or Path.home() / ".cache" / "symbolscope")


def make_home(tmp: Path) -> Path:
    """A fresh suite home in ``tmp`` sharing the real model cache (read-only use)."""
    home = tmp / "home"
    home.mkdir(parents=True, exist_ok=True)
    (home / "models").symlink_to(REAL_HOME / "models", target_is_directory=True)
    fps = REAL_HOME / "fingerprints.json"
    if fps.is_file():
        shutil.copy(fps, home / "fingerprints.json")
    return home


_WORDS = (
    "SELECT",
    "name",
    "FROM",
    "users",
    "WHERE",
    "age",
    ">",
    "30",
    "forall",
    "x",
    "(",
    ")",
    "->",
    "[a-z]+",
)


def tiny_all_layers_args(split: Path) -> list[str]:
    """CLI arguments extracting every layer of ``tiny`` on ``split`` in shards of 4, quietly."""
    return [
        "--ckpt",
        "tiny",
        "--split",
        str(split),
        "--layers",
        "all",
        "--shard-samples",
        "4",
        "--no-progress",
    ]


def make_samples(n: int, seed: int = 0, empty_every: int = 0) -> list[Sample]:
    """``n`` varied samples (lengths differ a lot); every ``empty_every``-th has an empty output."""
    import random

    rng = random.Random(seed)
    fams = ("sql", "fol", "regex", "python")
    out = []
    for i in range(n):
        fam = fams[i % len(fams)]
        output = " ".join(rng.choice(_WORDS) for _ in range(rng.randint(1, 30)))
        if empty_every and i % empty_every == empty_every - 1:
            output = ""
        instruction = f"Task {i}: write {fam} for " + " ".join(
            rng.choice(_WORDS) for _ in range(rng.randint(1, 25))
        )
        out.append(
            Sample(f"s{i:04d}", f"nl2{fam}", fam, instruction, "ctx" if i % 3 == 0 else "", output, "test")
        )
    return out


def write_jsonl(path: Path, samples: Sequence[Sample], evol_of: Sequence[str | None] | None = None) -> Path:
    """Write samples (with optional ``evol_of``) as a JSONL split file."""
    with open(path, "w") as fh:
        for i, s in enumerate(samples):
            row = s.to_dict()
            if evol_of is not None and evol_of[i]:
                row["evol_of"] = evol_of[i]
            fh.write(json.dumps(row) + "\n")
    return path


def truth_states(model, input_ids, layers) -> dict:
    """Independent truth: ``{layer: [T, d] float32}`` of ``output_hidden_states=True`` on one
    unpadded sequence.

    Layer L (block output before the final norm) comes from a second pass with
    ``config.tie_last_hidden_states = False``: HF's default ``hidden_states[-1]`` is post-norm.
    """
    num = model.config.num_hidden_layers
    ids = torch.tensor([list(input_ids)])
    with torch.no_grad():
        tied = model(ids, output_hidden_states=True).hidden_states
        old = getattr(model.config, "tie_last_hidden_states", None)
        model.config.tie_last_hidden_states = False
        try:
            untied = model(ids, output_hidden_states=True).hidden_states
        finally:
            model.config.tie_last_hidden_states = old
    assert len(tied) == num + 1
    out = {}
    for key in layers:
        if key == "final_norm":
            h = tied[-1]
        elif key == num:
            h = untied[-1]
        else:
            h = tied[key]
        out[key] = h[0].to(torch.float32)
    return out


def truth_vectors(model, item, layers, pooling: str = "mean") -> dict:
    """:func:`truth_states` of the sample alone (no padding), pooled over its positions."""
    pos = list(item.positions) if pooling == "mean" else [item.positions[-1]]
    return {k: h[pos].mean(0) for k, h in truth_states(model, item.input_ids, layers).items()}


def assert_close_scaled(got: torch.Tensor, want: torch.Tensor, tol: float = 1e-5) -> None:
    """``|got - want| <= tol × max(1, max|want|)``: 1e-5 relative to the vector's scale (fp32)."""
    scale = max(1.0, float(want.abs().max()))
    err = float((got - want).abs().max())
    assert err <= tol * scale, f"max error {err:.3g} > {tol} × {scale:.3g}"


def hook_ids(model) -> set[int]:
    """Ids of every forward (pre-)hook on every module of ``model``."""
    ids: set[int] = set()
    for m in model.modules():
        ids.update(id(h) for h in m._forward_hooks.values())
        ids.update(id(h) for h in m._forward_pre_hooks.values())
    return ids


def perturbed_tiny(folder: Path, scale: float, seed: int = 1) -> Path:
    """A copy of ``tiny`` at ``folder`` whose every weight got ``scale`` × N(0, 1) noise (seeded),
    with tiny's tokenizer files: a second, different checkpoint for the comparing studies."""
    from lm import checkpoints

    tiny = checkpoints.resolve("tiny").path
    model = checkpoints.load_model(checkpoints.resolve(str(tiny)))
    torch.manual_seed(seed)
    with torch.no_grad():
        for p in model.parameters():
            p.add_(scale * torch.randn_like(p))
    model.save_pretrained(folder)
    for f in ("tokenizer.json", "tokenizer_config.json", "chat_template.jinja"):
        if (tiny / f).exists():
            shutil.copy(tiny / f, folder / f)
    return folder
