"""SMILES strings of molecules from RDKit's NCI sample, checked and compared by RDKit."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from symbolcollection import depth, lexing
from symbolcollection.checkers.structured import check_smiles
from symbolcollection.execution import smiles_judge
from symbolcollection.family import Execution, Family, Rule, Task
from symbolcollection.schema import Sample
from symbolcollection.tasks import smiles


def provenance(samples: Sequence[Sample]) -> dict[str, Any]:
    """The NCI file the molecules come from."""
    return {"files": {"rdkit/" + smiles.NCI_FILE: smiles.nci_path()}}


#: OpenSMILES: a bracket atom is one symbol; ``Cl``/``Br`` win over ``C``/``B`` by length
_LEXER = lexing.RegexLexer(
    (
        lexing.Pattern("identifier", r"\[[^\]\s]+\]"),  # bracket atom: [N+], [C@@H], [2H]
        lexing.Pattern("identifier", r"Cl|Br|[BCNOPSFI]|[bcnops]|\*"),  # organic subset, aromatic, any
        lexing.Pattern("operator", r"[-=#$:/\\~]"),  # bonds
        lexing.Pattern("literal", r"%\d\d|\d"),  # ring closures
        lexing.Pattern("punctuation", r"[().]"),  # branches, disconnection
    ),
)


def lex_smiles(text: str) -> list[lexing.Symbol]:
    """SMILES symbols: atoms (a bracket atom whole) identifiers, bonds operators, ring-closure
    numbers literals, branch parentheses and the ``.`` disconnection punctuation."""
    return _LEXER(text)


FAMILY = Family(
    name="smiles",
    languages=smiles.LANGS,
    tasks=(
        Task(
            "molecule-description-smiles",
            "RDKit NCI first_5K.smi",
            "BSD-3-Clause (RDKit)",
            smiles.gen_smiles,
            300,
        ),
    ),
    check=check_smiles,
    exact=str.strip,
    exact_rule="stripped",
    execution=Execution("RDKit canonical SMILES equal", smiles_judge),
    depth=depth.bracket_depth,
    one_line=True,
    infer=(Rule(20, r"(?i)\b(SMILES|molecule|compound)\b", "instruction"),),
    provenance=provenance,
    packages=("rdkit",),
    lex=lex_smiles,
)
