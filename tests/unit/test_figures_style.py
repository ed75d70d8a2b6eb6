"""The shared figure style: one fixed, distinct colour per family and per checkpoint, everywhere."""

from __future__ import annotations

import itertools
import subprocess
import sys

import matplotlib as mpl
import numpy as np
from matplotlib.colors import to_hex, to_rgb

import figures
from figures import style
from figures.common import family_order
from symbolscope.results import Result


def _lab(hex_colour: str) -> np.ndarray:
    """CIELAB (D65) of an sRGB colour: an independent perceptual distance for the test."""
    rgb = np.array(to_rgb(hex_colour))
    lin = np.where(rgb <= 0.04045, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    xyz = np.array([[0.4124, 0.3576, 0.1805], [0.2126, 0.7152, 0.0722], [0.0193, 0.1192, 0.9505]]) @ lin
    xyz /= np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.array([116 * f[1] - 16, 500 * (f[0] - f[1]), 200 * (f[1] - f[2])])


#: a family order as a study records it (``config["family_order"]``), written out by hand
ORDER = ("sql", "fol", "pddl", "smiles", "regex", "python", "bash", "sparql", "lambda", "ltl", "amr", "api_call",
         "math", "latex", "json", "cron", "xpath")  # fmt: skip


def test_family_colours_are_distinct_fixed_and_visible_on_white() -> None:
    colours = [style.family_colour(f, ORDER) for f in ORDER]
    assert len(set(colours)) == len(ORDER) == 17
    assert colours == list(style.palette()[:17])  # fixed: the palette's first 17, in the recorded order
    labs = {c: _lab(c) for c in colours}
    closest = min(np.linalg.norm(labs[a] - labs[b]) for a, b in itertools.combinations(colours, 2))
    assert closest > 10  # ΔE76 > 10: clearly different colours side by side
    assert max(labs[c][0] for c in colours) < 90  # none pale enough to vanish on white
    pairs = {(style.family_colour(f, ORDER), style.family_marker(f, ORDER)) for f in ORDER}
    assert len(pairs) == 17


def test_unknown_families_and_checkpoints_get_stable_colours_across_processes() -> None:
    code = "from figures.style import family_colour as f, ckpt_colour as c; print(f('brainfuck'), c('org/model'))"
    other = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    here = f"{style.family_colour('brainfuck')} {style.ckpt_colour('org/model')}"
    assert other.stdout.strip() == here
    assert style.family_colour("brainfuck") == style.family_colour("brainfuck", ORDER)  # the order has no say
    assert style.family_colour("brainfuck") not in {style.family_colour(f, ORDER) for f in ORDER}
    assert style.ckpt_colour("ours") == style.ckpt_colour("infusion") != style.ckpt_colour("base")


def test_the_order_comes_from_the_result_or_the_rows() -> None:
    rows = _uniformity_rows(["regex", "sql"])
    assert family_order(Result("uniformity", {"family_order": ["sql", "regex"]}, rows)) == ("sql", "regex")
    assert family_order(Result("uniformity", {}, rows)) == ("regex", "sql")  # no record: first appearance
    assert family_order({"config": {"family_order": "sql"}, "rows": rows}) == ("regex", "sql")  # not a list


def _uniformity_rows(families: list[str]) -> list[dict]:
    rows = []
    for ck, shift in (("base", 0.0), ("ours", -0.2)):
        for i, fam in enumerate([*families, "all"]):
            a, u = 0.3 + 0.01 * i + shift, -1.0 - 0.1 * i + shift
            rows.append(
                {
                    "ckpt": ck,
                    "fingerprint": ck,
                    "layer": 4,
                    "span": "symbol",
                    "pairs": "family",
                    "family": fam,
                    "n": 9,
                    "n_pairs": 36,
                    "alignment": a,
                    "alignment_ci": [a, a],
                    "uniformity": u,
                    "uniformity_ci": [u, u],
                }
            )
    return rows


def test_a_family_keeps_its_colour_whatever_else_a_figure_shows() -> None:
    def colour_of(fig, family: str) -> str:
        ax = fig.axes[1]
        return next(to_hex(c.get_edgecolor()[0]) for c in ax.collections if c.get_gid() == f"{family}|ours")

    recorded = {"family_order": list(ORDER)}
    one = figures.uniformity(Result("uniformity", recorded, _uniformity_rows(["sql", "regex"])))
    two = figures.uniformity(
        Result("uniformity", recorded, _uniformity_rows(["xpath", "fol", "latex", "sql"]))
    )
    assert colour_of(one, "sql") == colour_of(two, "sql") == style.palette()[0]
    assert colour_of(two, "xpath") == style.palette()[16]


def test_styled_draws_in_the_shared_settings_and_leaves_rcparams_alone() -> None:
    before = dict(mpl.rcParams)
    fig = figures.uniformity(Result("uniformity", {}, _uniformity_rows(["sql"])))
    assert fig.axes[0].title.get_fontsize() == style.RC["axes.titlesize"]
    assert fig.axes[0].xaxis._major_tick_kw.get("gridOn") is True
    assert dict(mpl.rcParams) == before


def test_a_checkpoint_has_one_colour_in_every_figure() -> None:
    rows = _uniformity_rows(["sql"])
    for r in rows:
        r["alignment_ci"], r["uniformity_ci"] = [r["alignment"]] * 2, [r["uniformity"]] * 2
    plane = figures.uniformity(Result("uniformity", {}, rows))
    per_layer = figures.uniformity_layers(Result("uniformity", {}, rows))
    pooled = [to_hex(ln.get_color()) for ln in plane.axes[0].get_lines() if ln.get_marker() == "o"]
    lines = [to_hex(ln.get_color()) for ln in per_layer.axes[0].get_lines()]
    assert pooled == lines == [style.ckpt_colour("base"), style.ckpt_colour("ours")]
