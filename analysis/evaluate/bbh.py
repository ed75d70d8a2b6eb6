"""BIG-Bench Hard (BBH, 27 tasks, MIT) from a local folder, scored 0-shot as lm-evaluation-harness.

BBH is in no package registry: the suite reads it from ``--bbh DIR`` or ``[paths] bbh`` in
``symbolscope.toml`` — a checkout of the public BIG-Bench-Hard repository (its ``bbh/`` folder
is used) or that ``bbh/`` folder itself, with one ``{task}.json`` per task holding
``{"examples": [{"input": str, "target": str}, ...]}``. Nothing of BBH ships with the suite.

Scoring, as lm-evaluation-harness's ``bbh_zeroshot`` (``lm_eval/tasks/bbh/zeroshot/
_zeroshot_template_yaml``: ``output_type: generate_until``, ``until: ["</s>", "Q:", "\\n\\n"]``,
``do_sample: false``, ``num_fewshot: 0``, metric ``exact_match``; each task's ``doc_to_text:
"Q: {{input}}\\nA:"`` after the task's ``description``): the task description, a blank line, then
``Q: {input}\\nA:`` (no chat template), greedy generation until a blank line, ``Q:`` or EOS, the
text cut at the first stop string, then exact match of the stripped text against the stripped
target. lm-eval's descriptions come from the repository's ``cot-prompts/{task}.txt`` (the text
after the last ``\\n-----\\n``, up to the first ``\\n\\nQ:``; its ``bbh/_generate_configs.py``):
read from there when the folder is a checkout; without ``cot-prompts/`` the prompt has no
description, as the rows state. Item ids: ``bbh/<task>/<index of the example in its file>``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from symbolscope.errors import UserError

STOPS = ("\n\n", "Q:")
PROMPT = "Q: {input}\nA:"
PROMPT_FORMAT = "lm-eval bbh_zeroshot: {description}'Q: {input}\\nA:', until a blank line, Q: or EOS"
SCORING = "exact match of the stripped generation (cut at the first stop) and the stripped target"
HOW = "give --bbh DIR or [paths] bbh in symbolscope.toml: a BIG-Bench-Hard checkout or its bbh/ folder"


@dataclass(frozen=True)
class Example:
    """One BBH example: its id, prompt input and target answer."""

    id: str
    input: str
    target: str


@dataclass(frozen=True)
class Task:
    """A BBH task: its name (the file's stem), its examples in file order and lm-eval's task
    description with its blank line (``""`` when the folder has no ``cot-prompts/``)."""

    name: str
    examples: tuple[Example, ...]
    description: str = ""

    def prompt(self, example: Example) -> str:
        """The 0-shot prompt: ``{description}Q: {input}\\nA:``."""
        return self.description + PROMPT.format(input=example.input)


def configured() -> str | None:
    """``[paths] bbh`` of the settings file, or None."""
    from symbolscope.paths import settings

    return settings().get("paths", {}).get("bbh")


def task_files(folder: str | Path) -> list[Path]:
    """The ``*.json`` task files of a BBH folder (or of its ``bbh/`` subfolder), sorted by name.

    :class:`UserError` when the folder does not exist, is a file, or holds no task file.
    """
    root = Path(folder).expanduser()
    if not root.exists():
        raise UserError(f"--bbh {root}: no such folder; {HOW}")
    if not root.is_dir():
        raise UserError(f"--bbh {root}: is a file, not a folder; {HOW}")
    inner = root / "bbh"
    files = sorted(inner.glob("*.json")) if inner.is_dir() else []
    files = files or sorted(root.glob("*.json"))
    if not files:
        raise UserError(f"--bbh {root}: no task files ({{task}}.json) in it or in {inner}; {HOW}")
    return files


def parse(text: str, name: str, where: str) -> Task:
    """A task from the text of its JSON file ``where``."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise UserError(f"{where}: not valid JSON (line {err.lineno}: {err.msg})") from None
    examples = data.get("examples") if isinstance(data, dict) else None
    if not isinstance(examples, list) or not examples:
        raise UserError(f'{where}: needs a non-empty "examples" list')
    out = []
    for i, ex in enumerate(examples):
        if not isinstance(ex, dict) or not all(isinstance(ex.get(k), str) for k in ("input", "target")):
            raise UserError(f'{where}: example {i} needs string "input" and "target"')
        out.append(Example(f"bbh/{name}/{i}", ex["input"], ex["target"]))
    return Task(name, tuple(out))


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UserError(f"{path}: cannot read it as UTF-8 text ({err})") from None


def description(cot_prompt: str) -> str:
    """lm-eval's task description from the text of ``cot-prompts/{task}.txt``, with its blank line."""
    return cot_prompt.split("\n-----\n")[-1].split("\n\nQ:")[0] + "\n\n"


def load(folder: str | Path) -> list[Task]:
    """Every task of a BBH folder, sorted by name (all checked before any model runs), with its
    description from ``cot-prompts/`` beside the task files' folder when there is one."""
    tasks = []
    for path in task_files(folder):
        task = parse(_read(path), path.stem, str(path))
        cot = path.parent.parent / "cot-prompts" / f"{path.stem}.txt"
        if cot.is_file():
            task = Task(task.name, task.examples, description(_read(cot)))
        tasks.append(task)
    return tasks


def cut(text: str) -> str:
    """The generation up to the first stop string (``until`` of lm-eval)."""
    for stop in STOPS:
        text = text.split(stop, 1)[0]
    return text


def finished(text: str) -> bool:
    """Stop rule for the generator: a stop string has appeared."""
    return any(stop in text for stop in STOPS)


def exact_match(generation: str, target: str) -> bool:
    """Whether the generation, cut at its first stop and stripped, equals the stripped target."""
    return cut(generation).strip() == target.strip()
