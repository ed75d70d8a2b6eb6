"""THE table of ``make reproduce``: every step with its arguments (:func:`plan`), the checkpoints it
compares and the budget of its evaluation."""

from __future__ import annotations

from dataclasses import dataclass

from symbolscope.cli import option
from symbolscope.paths import RESULTS

#: Checkpoints compared by the studies (the first is the baseline).
CKPTS = "base,injection,ours"

#: MMLU questions per topic in the evaluate step (57 topics, 5-shot), sized so that the General
#: suite stays under 5 minutes for 3 checkpoints of SmolLM2-135M on 2 quiet cores. Measured on
#: ``base`` (2026-12-06, CPU seconds of one thread, so contention from other jobs does not count):
#: the 57 topics' shots (28.3k tokens) 74 s, each further question per topic 27.4 s (57 questions,
#: 0.48 s each: 2.1 items/s), the held-out NL loss 9.2 s; i.e. 0.56 items/s at 1 per topic and
#: 1.10 items/s at 3. Three checkpoints at 1 per topic: 332 CPU s, ~250 s wall at the ~500
#: tokens/s of 2 cores (1.3x one thread); at 2 per topic 414 CPU s, ~315 s: over the budget.
GENERAL_PER_TASK = 1


@dataclass(frozen=True)
class Step:
    """One step: ``python -m module *args``; ``kind`` is ``collection``, ``train`` or ``study``.

    ``inputs``: ``collection``, ``ckpt:ALIAS``, ``runs``, ``results`` (every result file),
    ``results:A,B`` (those of analyses A and B) or ``file:PATH``;
    ``outputs``: globs under the results folder that must exist for a skip. The code a step runs
    is read from its module's imports (:func:`code_fingerprint`).
    """

    name: str
    module: str
    args: tuple[str, ...] = ()
    kind: str = "study"
    inputs: tuple[str, ...] = ()
    outputs: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReproduceConfig:
    """What ``make reproduce`` runs: where results go, the trainer config of both stages, the
    checkpoints the studies compare, the steps forced to rerun, and whether only to plan."""

    results: str = option(RESULTS, "results folder")
    train_config: str = option("cpu-smollm", "trainer config of both stages")
    ckpt: str = option(CKPTS, "checkpoints the studies compare (first = baseline)")
    force: tuple[str, ...] = option((), "comma list of steps to run even if unchanged")
    dry_run: bool = option(False, "say what would run; run only the collection check")


_DEFAULT = ReproduceConfig()


#: The symbol study's pairings (each its own uniformity run and result file).
SYMBOL_PAIRS = ("same-symbol", "concept", "evol")


def symbol_steps(results: str, ckpts: str) -> list[Step]:
    """The symbol-level study: alignment/uniformity per pairing, the concept map and the symbol
    probes (concept transfer), all read from the symbol store the extract step wrote."""
    on = ("collection", *(f"ckpt:{c}" for c in ckpts.split(",")))
    common = ("--ckpt", ckpts, "--layers", "all", "--no-figures", "--out", results)
    steps = [
        Step(
            f"symbols_{pairs.replace('-symbol', '')}",
            "analysis.uniformity",
            (*common, "--unit", "symbol", "--pairs", pairs, "--bootstrap", "1000"),
            inputs=on,
            outputs=("uniformity_symbols/*.json",),
        )
        for pairs in SYMBOL_PAIRS
    ]
    steps.append(
        Step("concept_map", "analysis.concept_map", common, inputs=on, outputs=("concept_map/*.json",))
    )
    probe = (*common, "--unit", "symbol", "--target", "class,concept", "--cs", "1.0", "--no-mdl")
    steps.append(Step("symbol_probes", "probes", probe, inputs=on, outputs=("symbol_probes/*.json",)))
    return steps


def plan(
    results: str = _DEFAULT.results, train_config: str = _DEFAULT.train_config, ckpts: str = _DEFAULT.ckpt
) -> list[Step]:
    """THE table: every step of ``make reproduce`` with its arguments (tune the budget here)."""
    r = results
    on = tuple(f"ckpt:{c}" for c in ckpts.split(","))
    pair = "base,ours"
    return [
        Step("collection", "symbolcollection", ("build",), kind="collection"),
        Step("injection", "trainer", ("injection", "--config", train_config), kind="train"),
        Step("infusion", "trainer", ("infusion", "--config", train_config), kind="train"),
        Step(
            "extract",
            "analysis.extract",
            # everything the studies read, one model load per checkpoint: the analysis split with
            # its symbols, and the corrupted twins of the valid probe
            ("--ckpt", ckpts, "--split", "analysis,analysis-valid", "--layers", "all", "--symbols"),
            inputs=("collection", *on),
        ),
        Step(
            "uniformity",
            "analysis.uniformity",
            ("--ckpt", ckpts, "--layers", "all", "--bootstrap", "1000", "--no-figures", "--out", r),
            inputs=("collection", *on),
            outputs=("uniformity/*.json",),
        ),
        *symbol_steps(r, ckpts),
        Step(
            "probes",
            "probes",
            ("--ckpt", ckpts, "--target", "all", "--layers", "all", "--no-figures", "--out", r),
            inputs=("collection", *on),
            outputs=("probes/*.json",),
        ),
        Step(
            "similarity",
            "analysis.similarity",
            ("--ckpt", pair, "--layers", "all", "--cross-layer", "--no-figures", "--out", r),
            inputs=("collection", "ckpt:base", "ckpt:ours"),
            outputs=("similarity/*.json",),
        ),
        Step(
            "projection",
            "analysis.projection",
            ("--ckpt", ckpts, "--layers", "last", "--no-figures", "--out", r),
            inputs=("collection", *on),
            outputs=("projection/*.json",),
        ),
        Step(
            "evaluate",
            "analysis.evaluate",
            ("--ckpt", ckpts, "--per-family", "3", "--general-per-task", str(GENERAL_PER_TASK), "--out", r),
            inputs=("collection", *on),
            outputs=("evaluate/*.json",),
        ),
        Step(
            "ability_vs_geometry",
            "analysis.ability_vs_geometry",
            ("--results", r, "--out", r),
            inputs=("results:evaluate,uniformity",),
            outputs=("ability_vs_geometry/*.json",),
        ),
        Step("training", "trainer.report", ("--out", r), inputs=("runs",), outputs=("training/*.json",)),
        Step(
            "figures",
            "figures",
            ("all", "--results", r, "--out", f"{r}/figures"),
            inputs=("results",),
            outputs=("figures/*.png",),
        ),
    ]
