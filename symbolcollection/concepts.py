"""Concepts across formalisms: which symbols of different families mean the same thing.

:data:`CONCEPTS` is the one list of shared concepts (name, one-line meaning). Each family declares
in its ``FAMILY`` which of its symbols realise which concept (``Family.concepts``: concept -> the
normalised symbol texts its lexer gives, each line citing the language's own definition), so
conjunction is ``AND`` in one family, ``&`` in another and ``and`` in a third. Only symbols that
mean the concept in that language are mapped; a symbol whose meaning depends on its context in a
way the lexer does not see is left out (or the dominant reading is said in the family's comment).

- :func:`concept_of` ``(family, symbol text)`` -> the concept, or ``None`` (a cached dict lookup);
- :func:`concept_table` ``(family)`` -> that family's symbol -> concept dict, validated once;
- :func:`concept_counts` ``(samples)`` -> per (concept, family) the distinct symbols and the
  occurrences in the samples' outputs, by lexing them (an output that does not lex is skipped and
  counted); ``python -m symbolcollection concepts`` prints it for a split.

A family's mapping is checked when it is first read: a concept not in :data:`CONCEPTS`, a symbol
under two concepts, or anything but a tuple of texts is a ``ValueError`` naming the family (a
programming error in the suite, not bad user input). Nothing in this module names a family.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field

from symbolcollection.family import Family, LexError
from symbolcollection.schema import Sample

__all__ = [
    "CONCEPTS",
    "ConceptCounts",
    "ConceptRow",
    "concept_counts",
    "concept_names",
    "concept_of",
    "concept_table",
    "markdown_table",
]

#: The shared concepts, in table order: (name, one-line meaning).
CONCEPTS: tuple[tuple[str, str], ...] = (
    ("conjunction", "logical and: true when both operands are"),
    ("disjunction", "logical or (or alternation): true when at least one operand is"),
    ("negation", "logical not: true when its operand is false"),
    ("implication", "if-then between conditions (a rule's body implies its head)"),
    ("universal", "holds for every element (of a domain, a sequence or the future of a trace)"),
    ("existential", "holds for at least one element (or some future point of a trace)"),
    ("equality", "the comparison: two values are equal"),
    ("order_comparison", "the comparisons less / greater (or equal) between two values"),
    ("range", "every value from a lower to an upper bound"),
    ("aggregation", "one value from a collection: counting, summing, averaging"),
    ("extremum", "the greatest or least element of a collection (or the element maximising a value)"),
    ("ordering", "sorting a collection (or naming the direction of a sort)"),
    ("limit", "keeping only the first n elements"),
    ("filtering", "keeping only the elements that satisfy a condition (relational selection)"),
    ("projection", "keeping only some fields, columns or predicates of each result"),
    ("abstraction", "defining a function from its parameters and a body"),
    ("addition", "the arithmetic sum of two operands"),
    ("multiplication", "the arithmetic product of two operands"),
)


def concept_names() -> tuple[str, ...]:
    """The concept names of :data:`CONCEPTS`, in table order."""
    return tuple(name for name, _ in CONCEPTS)


def _validated(family: Family) -> dict[str, str]:
    """``family``'s symbol text -> concept; ``ValueError`` naming the family if its mapping is bad."""
    known = set(concept_names())
    table: dict[str, str] = {}
    for concept, texts in family.concepts.items():
        if concept not in known:
            raise ValueError(
                f"family '{family.name}': concept '{concept}' is not in symbolcollection.concepts.CONCEPTS"
            )
        if not isinstance(texts, tuple) or not texts or not all(isinstance(t, str) and t for t in texts):
            raise ValueError(
                f"family '{family.name}': concept '{concept}' must map to a non-empty tuple of symbol texts, "
                f"not {texts!r}"
            )
        for text in texts:
            if text in table and table[text] != concept:
                raise ValueError(
                    f"family '{family.name}': symbol {text!r} is mapped to two concepts, "
                    f"'{table[text]}' and '{concept}'"
                )
            table[text] = concept
    return table


#: family name -> (the Family object read, its validated table); re-read when the registry's object
#: under that name changes (a family registered at run time, a test's replaced one).
_TABLES: dict[str, tuple[Family, dict[str, str]]] = {}


def _table_of(family: Family) -> dict[str, str]:
    cached = _TABLES.get(family.name)
    if cached is None or cached[0] is not family:
        cached = (family, _validated(family))
        _TABLES[family.name] = cached
    return cached[1]


def concept_table(family: str | Family) -> dict[str, str]:
    """The symbol text -> concept table of ``family`` (a name, read through the registry, or a
    :class:`Family`), validated on first read (a copy: the cached one stays as read)."""
    from symbolcollection import registry

    return dict(_table_of(registry.get(family) if isinstance(family, str) else family))


def concept_of(family: str, symbol: str) -> str | None:
    """The concept that ``symbol`` (a normalised symbol text, as the family's lexer gives it, e.g.
    ``Symbol.text``) realises in ``family``, or ``None`` if it realises none."""
    from symbolcollection import registry

    cached = _TABLES.get(family)
    if cached is not None and registry.find(family) is cached[0]:
        return cached[1].get(symbol)
    return concept_table(family).get(symbol)


@dataclass(frozen=True)
class ConceptRow:
    """One (concept, family) cell: how many distinct mapped symbols occurred and how often."""

    concept: str
    family: str
    symbols: int
    occurrences: int


@dataclass(frozen=True)
class ConceptCounts:
    """The rows of :func:`concept_counts` (iterate over it for them) and the samples skipped per
    family because their output did not lex (or the family has no lexer or is unknown)."""

    rows: tuple[ConceptRow, ...]
    skipped: Mapping[str, int] = field(default_factory=dict)
    samples: int = 0  # samples lexed

    def __iter__(self) -> Iterator[ConceptRow]:
        return iter(self.rows)

    def cell(self, concept: str, family: str) -> ConceptRow | None:
        """The row of ``(concept, family)``, or ``None`` if the family does not map the concept."""
        return next((r for r in self.rows if r.concept == concept and r.family == family), None)


def concept_counts(samples: Iterable[Sample]) -> ConceptCounts:
    """Per (concept, family) that a family declares: the distinct mapped symbols that occur in the
    outputs of ``samples`` and their occurrences, by the family's lexer. Rows are in
    :data:`CONCEPTS` order, then registry order; a declared pair that never occurs has zeros. A
    sample whose output does not lex (or whose family is unknown or has no lexer) is skipped and
    counted in ``skipped``."""
    from symbolcollection import registry

    seen: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)
    skipped: Counter[str] = Counter()
    lexed = 0
    for sample in samples:
        family = registry.find(sample.family)
        if family is None or family.lex is None:
            skipped[sample.family] += 1
            continue
        try:
            symbols = family.symbols(sample.output)
        except LexError:
            skipped[sample.family] += 1
            continue
        lexed += 1
        table = _table_of(family)
        for sym in symbols:
            concept = table.get(sym.text)
            if concept is not None:
                seen[(concept, family.name)][sym.text] += 1
    rows = [
        ConceptRow(c, f.name, len(seen[(c, f.name)]), sum(seen[(c, f.name)].values()))
        for c in concept_names()
        for f in registry.families()
        if c in _table_of(f).values()
    ]
    return ConceptCounts(tuple(rows), dict(skipped), lexed)


def markdown_table(counts: ConceptCounts) -> str:
    """``counts`` as a Markdown table, concept x family: a cell is ``occurrences (distinct symbols)``,
    empty where the family maps no symbol to the concept; only families that map some concept are
    columns. The last two columns: how many families have an occurrence, and the total occurrences."""
    from symbolcollection import registry

    families = [f.name for f in registry.families() if any(r.family == f.name for r in counts.rows)]
    head = ["concept", *families, "families present", "occurrences"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" + "---:|" * (len(head) - 1)]
    for concept in concept_names():
        cells = []
        present = 0
        for name in families:
            row = counts.cell(concept, name)
            cells.append("" if row is None else f"{row.occurrences:,} ({row.symbols})")
            present += row is not None and row.occurrences > 0
        total = sum(r.occurrences for r in counts.rows if r.concept == concept)
        lines.append(f"| {concept} | " + " | ".join(cells) + f" | {present} | {total:,} |")
    return "\n".join(lines)
