"""What every task generator shares: the instruction shells and the draft record (defined with the
family objects, :class:`symbolcollection.family.Draft`).

Instruction shells are shared by all families (only the name of the target language and the
request change), so a probe cannot tell families apart by template words alone.
"""

from __future__ import annotations

import random
from collections.abc import Sequence

from symbolcollection.family import Draft

#: The licence of the data this repository generates itself.
GEN = "generated (this repo), Apache-2.0"

#: Instruction shells shared by all tasks: ``{q}`` is the request, ``{lang}`` the target language.
SHELLS: tuple[str, ...] = (
    "{q}\nAnswer with {lang}.",
    "Translate the following request into {lang}: {q}",
    "Write {lang} for this: {q}",
    "Request: {q}\nRespond with {lang} only.",
    "Convert the description below into {lang}.\n{q}",
    "Here is a task. {q} Express the answer as {lang}.",
    "{q} Give {lang} and nothing else.",
)


def phrase(
    rng: random.Random,
    task: str,
    family: str,
    q: str,
    langs: Sequence[str],
    output: str,
    source: str,
    input_text: str = "",
    shells: Sequence[str] = SHELLS,
) -> Draft:
    """Wrap request ``q`` in a random shell naming one of ``langs``; return the draft."""
    k = rng.randrange(len(shells))
    lang = rng.choice(list(langs))
    q = q.strip()
    if q and q[-1] not in ".?!:":
        q += "."
    text = shells[k].format(q=q, lang=lang)
    return Draft(task, family, text, input_text, output, source, k)


def pick(rng: random.Random, options: Sequence[str], **slots: object) -> str:
    """Choose one paraphrase from ``options`` and fill its slots."""
    return rng.choice(list(options)).format(**slots)


def cap(text: str) -> str:
    """Capitalise the first letter of ``text``."""
    return text[:1].upper() + text[1:]
