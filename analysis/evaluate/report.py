"""What a person reads: the score table printed at the end, and a Markdown report with a few
generations per family side by side across checkpoints."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from symbolscope.io import atomic_write_text
from symbolscope.results import Result


def _pct(value: Any, ci: Any = None) -> str:
    if value is None:
        return "—"
    text = f"{100 * value:5.1f}"
    return text + (f" [{100 * ci[0]:.0f},{100 * ci[1]:.0f}]" if ci else "")


def headline(result: Result) -> list[dict[str, Any]]:
    """Per checkpoint: Symbolic / General / Symbol+Delegation / average (``None`` where not run)."""
    out = []
    for ck in result.config.get("ckpts", []):
        row: dict[str, Any] = {"ckpt": ck}
        for suite in ("symbolic", "general", "delegation", "average"):
            hit = [
                r
                for r in result.rows
                if r["ckpt"] == ck
                and r["suite"] == suite
                and (r.get("family") == "all" or r.get("task") == "all")
            ]
            row[suite] = hit[0]["accuracy"] if hit else None
            row[f"{suite}_ci"] = hit[0].get("accuracy_ci") if hit else None
        out.append(row)
    return out


def general_notes(result: Result) -> list[str]:
    """What the General score is made of, per distinct wording (e.g. MMLU alone: BBH absent)."""
    rules = [r.get("scoring") for r in result.rows if r["suite"] == "general" and r.get("task") == "all"]
    return [f"General = {rule}" for rule in dict.fromkeys(r for r in rules if r)]


def format_table(result: Result) -> str:
    """Family/task × checkpoint accuracy table (percent, 95% interval), then the suite summary."""
    ckpts = list(result.config.get("ckpts", []))
    groups = list(
        dict.fromkeys(
            (r["suite"], r.get("family") or r.get("task"))
            for r in result.rows
            if (r.get("family") or r.get("task")) != "all"
        )
    )
    wide = max([22, *(len(g) for _, g in groups)])
    head = f"{'suite':<10} {'family/task':<{wide}}" + "".join(f" {c[:18]:>18}" for c in ckpts)
    lines = [head, "-" * len(head)]
    for suite, g in groups:
        cells = []
        for c in ckpts:
            hit = [
                r
                for r in result.rows
                if r["ckpt"] == c and r["suite"] == suite and (r.get("family") or r.get("task")) == g
            ]
            value = hit[0].get("accuracy") if hit else None
            if value is None and hit and hit[0].get("loss") is not None:
                cells.append(f"{'loss ' + format(hit[0]['loss'], '.3f'):>18}")
            else:
                cells.append(f"{_pct(value, hit[0].get('accuracy_ci') if hit else None):>18}")
        lines.append(f"{suite:<10} {g:<{wide}}" + "".join(f" {x}" for x in cells))
    lines += ["", f"{'ckpt':<12} {'Symbolic':>16} {'General':>16} {'Symbol+Deleg.':>16} {'average':>16}"]
    for h in headline(result):
        lines.append(
            f"{h['ckpt']:<12}"
            + "".join(
                f" {_pct(h[s], h[s + '_ci']):>16}" for s in ("symbolic", "general", "delegation", "average")
            )
        )
    return "\n".join(lines + general_notes(result))


def _fence(text: str) -> str:
    body = text.replace("```", "ʼʼʼ") if text else "(empty)"
    return f"```\n{body}\n```"


def markdown(result: Result, samples: dict[str, Any]) -> str:
    """The report: headline table, per-family scoring rules, and for each family a few samples with
    the gold output and each checkpoint's answer (``samples``: id → Sample)."""
    ckpts = list(result.config.get("ckpts", []))
    out = [
        f"# Evaluation {result.run_id}",
        "",
        f"split `{result.config.get('split')}`, "
        f"{result.config.get('per_family')} per family/task; {result.config.get('intervals')}",
        "",
        "| checkpoint | Symbolic | General | Symbol+Delegation | average |",
        "|---|---:|---:|---:|---:|",
    ]
    for h in headline(result):
        out.append(
            f"| {h['ckpt']} | "
            + " | ".join(_pct(h[s]) for s in ("symbolic", "general", "delegation", "average"))
            + " |"
        )
    facts = result.config.get("checkpoints", {})
    out += ["", *general_notes(result)] if general_notes(result) else []
    out += [
        "",
        "Prompt format per checkpoint: "
        + ", ".join(f"{c}: {facts.get(c, {}).get('prompt_format')}" for c in ckpts),
        "",
        f"Generated code ran under: {result.config.get('isolation', 'not recorded')}"
        + (f" ({result.config['sandbox_note']})" if result.config.get("sandbox_note") else ""),
    ]
    rules = {r.get("family"): r.get("scoring") for r in result.rows if r["suite"] == "symbolic"}
    by_family: dict[str, list[str]] = {}
    for sid in facts.get(ckpts[0], {}).get("examples", {}) if ckpts else {}:
        if sid in samples:
            by_family.setdefault(samples[sid].family, []).append(sid)
    for fam, ids in sorted(by_family.items()):
        out += ["", f"## {fam}", "", f"*Scoring:* {rules.get(fam, '')}"]
        for sid in ids:
            s = samples[sid]
            out += [
                "",
                f"### `{sid}`",
                "",
                "> " + s.instruction.replace("\n", "\n> "),
                "",
                "*reference (the gold output)*",
                _fence(s.output),
            ]
            for c in ckpts:
                ok = facts.get(c, {}).get("correct", {}).get(sid)
                mark = "" if ok is None else (" — correct" if ok else " — wrong")
                out += [f"**{c}**{mark}", _fence(facts.get(c, {}).get("examples", {}).get(sid, ""))]
    return "\n".join(out) + "\n"


def write_markdown(result: Result, samples: dict[str, Any], out: str | Path) -> Path:
    """Write ``<out>/evaluate/<run-id>.md`` atomically; return its path."""
    return atomic_write_text(
        Path(out) / result.analysis / f"{result.run_id}.md", markdown(result, samples), owned=True
    )
