"""Symbol-Evol: rename the symbols that a sample's request defines (tables and columns, predicates
and constants, PDDL predicates, tool and parameter names, function names, ontology terms) to
random identifiers, consistently in instruction, input and output, then re-validate.

For SQL the renamed query must also return the same rows on the renamed database as the original
query on the original database (both filled with the same rows, position by position).
"""

from __future__ import annotations

import json
import random
import re
import string

from trainer.data.schema import Sample

EVOL_SUFFIX = "~evol"


class EvolFailed(Exception):
    """The renamed sample did not re-validate (the reason says how)."""


def fresh_name(rng: random.Random, style: str, taken: set[str]) -> str:
    """A new random identifier in ``style`` (``lower``, ``upper`` or ``dash``) not in ``taken``."""
    while True:
        core = "".join(rng.choice(string.ascii_lowercase) for _ in range(4)) + str(rng.randint(0, 9))
        name = {"upper": "Q" + core, "dash": "p-" + core, "lower": "s_" + core}[style]
        if name not in taken:
            taken.add(name)
            return name


def rename_words(text: str, mapping: dict[str, str], boundary: str = r"[\w]") -> str:
    """Replace each whole-word occurrence of a ``mapping`` key (longest first) in ``text``."""
    if not mapping:
        return text
    keys = sorted(mapping, key=len, reverse=True)
    pattern = re.compile(rf"(?<!{boundary})(" + "|".join(re.escape(k) for k in keys) + rf")(?!{boundary})")
    return pattern.sub(lambda m: mapping[m.group(1)], text)


def renamed(sample: Sample, instruction: str, input_text: str, output: str) -> Sample:
    """``sample`` with renamed texts, id ``<id>~evol`` and source ``<source>+evol``."""
    return Sample(
        sample.id + EVOL_SUFFIX,
        sample.task,
        sample.family,
        instruction,
        input_text,
        output,
        sample.source + "+evol",
    )


def can_evolve(sample: Sample) -> bool:
    """Whether ``sample``'s family has symbol definitions that Symbol-Evol renames."""
    from trainer.data import registry

    family = registry.find(sample.family)
    return family is not None and family.evolve is not None and bool(sample.input.strip())


def evolve(sample: Sample, rng: random.Random) -> Sample:
    """The Symbol-Evol variant of ``sample`` (id ``<id>~evol``, source ``<source>+evol``).

    Raises :class:`EvolFailed` if the family has no definitions to rename or the renamed sample
    fails its family's checker (or, for SQL, returns different rows).
    """
    from trainer.data import registry
    from trainer.data.checkers import reason

    if not can_evolve(sample):
        raise EvolFailed(f"{sample.family}: nothing to rename")
    rename = registry.get(sample.family).evolve
    assert rename is not None  # can_evolve said so
    try:
        new = rename(sample, rng)
    except (KeyError, ValueError, json.JSONDecodeError) as err:
        raise EvolFailed(f"{sample.family}: {type(err).__name__}: {err}") from None
    why = reason(new)
    if why is not None:
        raise EvolFailed(why)
    if new.output == sample.output:
        raise EvolFailed(f"{sample.family}: nothing in the output was renamed")
    return new


def original_id(evolved_id: str) -> str:
    """The id of the sample an evolved id was made from."""
    return evolved_id.removesuffix(EVOL_SUFFIX)
