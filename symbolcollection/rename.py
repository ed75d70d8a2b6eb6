"""Symbol-Evol's renaming helpers, which each family's renamer (``Family.evolve``) uses: fresh
identifiers, whole-word replacement, the renamed sample and the failure it raises."""

from __future__ import annotations

import random
import re
import string

from symbolcollection.schema import Sample

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
