"""A symbol family as one object: everything the suite knows about one formal language.

A :class:`Family` carries its tasks (generators), its checker (parse and validate), its
exact-match normaliser and rule text, its execution match (sandbox jobs and a judge), its
Symbol-Evol renamer, its parse-tree depth, its stop rule for generation, its inference rules
for released rows, its lexer and which of its symbols realise which shared concept. Every
package reads families through :mod:`symbolcollection.registry`; no other module names a
family. Nothing in this module names one.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from symbolcollection.schema import Sample

SymbolClass = Literal["keyword", "operator", "identifier", "literal", "punctuation"]
#: Terminal colour/underline codes (sqlglot marks the error position with them).
_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
_WS = re.compile(r"\s+")


class CheckFailed(Exception):
    """The output is not valid for its family; the message says why (one line)."""


class LexError(ValueError):
    """A family's lexer cannot split an output into symbols; the message says where (one line)."""


@dataclass(frozen=True)
class Outcome:
    """What a sandbox job returned (``value``, JSON) or why it failed (``error``)."""

    ok: bool
    value: Any = None
    error: str | None = None


#: ``jobs(sample, text)`` -> sandbox jobs of the harness kinds (:mod:`analysis.evaluate.jobkinds`)
Jobs = Callable[[Sample, str], list[dict[str, Any]]]
#: ``judge(sample, text, predicted outcomes, gold outcomes)`` -> match
Judge = Callable[[Sample, str, Sequence[Outcome], Sequence[Outcome]], bool]


@dataclass(frozen=True)
class Draft:
    """A candidate sample before checking: everything but the id, plus its shell index."""

    task: str
    family: str
    instruction: str
    input: str
    output: str
    source: str
    template: int


@dataclass(frozen=True)
class Task:
    """One text-to-symbol task of a family: where its data comes from and its generator."""

    name: str
    source: str
    licence: str
    generate: Callable[[random.Random, int], list[Draft]]
    target: int = 300
    needs: str | None = None  # a :mod:`symbolscope.sources` name; without it the task is left out
    slow: bool = False  # scheduled first in a build
    delegation: str | None = None  # the delegation suite task its samples belong to


@dataclass(frozen=True)
class Execution:
    """Execution match: ``jobs`` build sandbox jobs (``None``: judged by parsers alone, in the
    checker worker), ``judge`` compares predicted and gold outcomes; ``rule`` is stated in the
    result rows; ``shared`` gives the input every job of a batch shares (e.g. a graph). With
    ``gold_checked`` only the samples whose gold answer passes count (a solver that cannot solve
    every gold answer)."""

    rule: str
    judge: Judge
    jobs: Jobs | None = None
    shared: Callable[[], dict[str, Any]] | None = None
    gold_checked: bool = False


@dataclass(frozen=True)
class Rule:
    """One inference rule for released rows (which carry no family): ``pattern`` (a regex searched
    in the text, or a predicate on it) tested on the row's ``field``. Every output rule is tried
    before any instruction rule; within each, rules run in ``rank`` order across families."""

    rank: int
    pattern: str | Callable[[str], bool]
    field: Literal["output", "instruction"] = "output"


@dataclass(frozen=True)
class Symbol:
    """One symbol of an output: its normalised text (e.g. a case-insensitive language's keyword
    upper-cased; as written it is ``output[start:end]``), its class and its span ``[start, end)``."""

    text: str
    cls: SymbolClass
    start: int
    end: int


def collapse(text: str) -> str:
    """Whitespace runs collapsed to one space, stripped (the default exact-match normaliser)."""
    return _WS.sub(" ", text).strip()


@dataclass(frozen=True)
class Family:
    """Everything the suite knows about one symbol family (see the module docstring)."""

    name: str
    languages: tuple[str, ...]  # names the instruction shells use for the target language
    tasks: tuple[Task, ...]
    check: Callable[[Sample], None]  # raises CheckFailed (or a parser's own error) when invalid
    exact: Callable[[str], object] = collapse
    exact_rule: str = "whitespace runs collapsed, stripped"
    execution: Execution | None = None
    no_execution: str = "no executable checker: exact match only"
    parses: Callable[[str], bool] | None = None  # evaluation's "parsed" when not the checker
    check_runs_code: bool = False  # the checker evaluates the output: run it in the sandbox
    evolve: Callable[[Sample, random.Random], Sample] | None = None
    depth: Callable[[str], int] | None = None
    no_depth: str = "no parser for this family"
    one_line: bool = False  # a blank line after some content ends a generated answer
    infer: tuple[Rule, ...] = ()  # how a released row is recognised as this family
    delegate: Mapping[str, Execution] = field(default_factory=dict)  # delegation task -> check
    provenance: Callable[[Sequence[Sample]], dict[str, Any]] | None = None  # card entries (below)
    packages: tuple[str, ...] = ()  # distributions whose versions the card records
    lex: Callable[[str], list[Symbol]] | None = None  # spans in order, non-overlapping
    kinds: str | None = None  # file of the sandbox job kinds its jobs run (see below)
    concepts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # concept -> symbol texts (below)

    # ``kinds`` is a Python file run inside the sandbox (standard library, installed packages and the
    # harness's ``jobkinds`` only: the project is not there) defining ``KINDS`` (kind -> function
    # ``(job, shared, conn) -> JSON value``), ``WARM`` (kind -> a trivial job run once before any
    # generated one) and ``PRELOAD`` (kind -> modules to import first); every family's file is there.

    # ``concepts`` maps a shared concept (a name in :data:`symbolcollection.concepts.CONCEPTS`, e.g.
    # ``conjunction``) to the normalised texts of this family's symbols that realise it, exactly as
    # ``lex`` gives them (``Symbol.text``); a symbol realises at most one concept. Each line cites the
    # language's own definition; :func:`symbolcollection.concepts.concept_of` reads it (validated once).

    # ``provenance(samples of this family)`` -> entries of the card's provenance: ``files`` maps a
    # name to a file whose sha256 the card records; any other key is recorded as it is.

    def check_sample(self, sample: Sample) -> None:
        """Run the checker; raise :class:`CheckFailed` with a one-line reason if it rejects."""
        if not sample.output.strip():
            raise CheckFailed("empty output")
        try:
            self.check(sample)
        except CheckFailed:
            raise
        except RecursionError:
            raise CheckFailed(f"{self.name}: output nests too deeply") from None
        except Exception as err:  # a parser's own error type: report it as a rejection, one line
            msg = " ".join(_ANSI.sub("", str(err)).split())[:200]
            raise CheckFailed(f"{self.name}: {type(err).__name__}: {msg}") from None

    def reason(self, sample: Sample) -> str | None:
        """``None`` if ``sample`` passes the checker, else the one-line reason it fails."""
        try:
            self.check_sample(sample)
        except CheckFailed as err:
            return str(err)
        return None

    def exact_match(self, prediction: str, gold: str) -> bool:
        """Exact match after this family's normalisation (the same rule for both)."""
        return self.exact(prediction) == self.exact(gold)

    def end_markers(self) -> tuple[str, ...]:
        """Texts that end a generated answer (a blank line for one-line families)."""
        return ("\n\n",) if self.one_line else ()

    def exec_rule(self) -> str:
        """What the execution match compares, or why there is none."""
        return self.execution.rule if self.execution is not None else self.no_execution

    def symbols(self, text: str) -> list[Symbol]:
        """The symbols of ``text`` by this family's lexer (:mod:`symbolcollection.lexing`): spans in
        order, non-overlapping, only trivia (whitespace, comments) outside them.

        Raises :class:`LexError` (one line) if the family has no lexer or it cannot split ``text``
        (a tokeniser's or parser's own error is reported as a :class:`LexError` too).
        """
        if self.lex is None:
            raise LexError(f"{self.name}: no lexer")
        try:
            return self.lex(text)
        except LexError as err:
            raise LexError(f"{self.name}: {err}") from None
        except Exception as err:  # a tokeniser's or parser's own error type
            msg = " ".join(_ANSI.sub("", str(err)).split())[:200]
            raise LexError(f"{self.name}: {type(err).__name__}: {msg}") from None
