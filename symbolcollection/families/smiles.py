"""SMILES strings of molecules from RDKit's NCI sample, checked and compared by RDKit.

Description→SMILES over real molecules: RDKit's shipped NCI set (``rdkit/Data/NCI/first_5K.smi``,
BSD). Descriptions are computed by RDKit (formula, rings, aromaticity, functional groups) and the
output is RDKit's canonical SMILES, which must round-trip to the same canonical form."""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from symbolcollection import depth, lexing
from symbolcollection.family import CheckFailed, Execution, Family, Outcome, Rule, Task
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import Draft, phrase, pick
from symbolscope.paths import package_dir

LANGS = ("SMILES", "a SMILES string", "a canonical SMILES", "the molecule in SMILES notation")
NCI_FILE = "Data/NCI/first_5K.smi"
#: (English, SMARTS)
GROUPS = (
    ("a hydroxyl group", "[OX2H][#6]"), ("a carboxylic acid", "C(=O)[OX2H1]"), ("a primary amine", "[NX3;H2][#6]"),
    ("a nitro group", "[N+](=O)[O-]"), ("a ketone", "[#6][CX3](=O)[#6]"), ("an ester", "[#6][CX3](=O)[OX2][#6]"),
    ("an amide", "C(=O)[NX3]"), ("an ether", "[OD2]([#6])[#6]"), ("a nitrile", "C#N"), ("a halogen", "[F,Cl,Br,I]"),
    ("a sulfur atom", "[#16]"), ("an aldehyde", "[CX3H1](=O)[#6]"),
)  # fmt: skip
_FORMULA = re.compile(r"(?:molecular )?formula (?:is )?([A-Z][A-Za-z0-9+\-]*)")


def nci_path() -> Path:
    """RDKit's NCI sample file (first 5,000 structures)."""
    return package_dir("rdkit") / NCI_FILE


def _describe(rng: random.Random, mol: object, patterns: list[tuple[str, object]]) -> str:
    from rdkit.Chem import rdMolDescriptors as D

    formula = D.CalcMolFormula(mol)
    rings, arom = D.CalcNumRings(mol), D.CalcNumAromaticRings(mol)
    groups = [name for name, patt in patterns if mol.HasSubstructMatch(patt)]  # type: ignore[attr-defined]
    ring_txt = "no rings" if rings == 0 else f"{rings} ring{'s' if rings > 1 else ''} ({arom} aromatic)"
    group_txt = ", ".join(groups[:3]) if groups else "no common functional groups"
    return pick(
        rng,
        (
            "a molecule with molecular formula {f}, {r}, and {g}",
            "the compound of formula {f} that has {r} and contains {g}",
            "a structure with formula {f}; it has {r} and features {g}",
        ),
        f=formula,
        r=ring_txt,
        g=group_txt,
    )


def gen_smiles(rng: random.Random, n: int) -> list[Draft]:
    """``n`` NCI molecules (6-30 heavy atoms, one fragment, no charge), described by RDKit."""
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    patterns = [(name, Chem.MolFromSmarts(s)) for name, s in GROUPS]
    lines = nci_path().read_text(encoding="utf-8").splitlines()
    order = list(range(len(lines)))
    rng.shuffle(order)
    out: list[Draft] = []
    for i in order:
        if len(out) >= n:
            break
        parts = lines[i].split()
        if not parts:
            continue
        mol = Chem.MolFromSmiles(parts[0])
        if mol is None or "." in parts[0] or not 6 <= mol.GetNumHeavyAtoms() <= 30:
            continue
        canon = Chem.MolToSmiles(mol)
        again = Chem.MolFromSmiles(canon)
        if again is None or Chem.MolToSmiles(again) != canon:
            continue
        desc = _describe(rng, mol, patterns)
        q = pick(
            rng,
            ("Give the structure of {d}.", "Draw {d}.", "Name the structure of {d} as a line notation."),
            d=desc,
        )
        nci_id = parts[1] if len(parts) > 1 else str(i)
        out.append(
            phrase(rng, "molecule-description-smiles", "smiles", q, LANGS, canon, f"rdkit-nci:{nci_id}")
        )
    return out


def check_smiles(sample: Sample) -> None:
    """Parse with RDKit (sanitised); a molecular formula stated in the request must match."""
    from rdkit import Chem, RDLogger
    from rdkit.Chem.rdMolDescriptors import CalcMolFormula

    RDLogger.DisableLog("rdApp.*")
    mol = Chem.MolFromSmiles(sample.output.strip())
    if mol is None:
        raise CheckFailed("smiles: RDKit cannot parse or sanitise it")
    m = _FORMULA.search(sample.instruction + "\n" + sample.input)
    if m and CalcMolFormula(mol) != m.group(1).rstrip(".,;"):
        raise CheckFailed(f"smiles: formula {CalcMolFormula(mol)} differs from the stated {m.group(1)}")


def smiles_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    from rdkit import Chem, RDLogger

    RDLogger.DisableLog("rdApp.*")
    a, b = Chem.MolFromSmiles(text.strip()), Chem.MolFromSmiles(sample.output.strip())
    return a is not None and b is not None and Chem.MolToSmiles(a) == Chem.MolToSmiles(b)


def provenance(samples: Sequence[Sample]) -> dict[str, Any]:
    """The NCI file the molecules come from."""
    return {"files": {"rdkit/" + NCI_FILE: nci_path()}}


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
    languages=LANGS,
    tasks=(
        Task(
            "molecule-description-smiles",
            "RDKit NCI first_5K.smi",
            "BSD-3-Clause (RDKit)",
            gen_smiles,
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
