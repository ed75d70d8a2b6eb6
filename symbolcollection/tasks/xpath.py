"""NL→XPath over a small generated XML catalogue given as input; the gold path must select at
least one node with ElementTree's XPath engine."""

from __future__ import annotations

import random
from xml.sax.saxutils import quoteattr

from symbolcollection.tasks.base import Draft, phrase, pick

LANGS = ("an XPath expression", "XPath", "an XPath query", "an XPath location path")
SOURCE = "generated:xpath-catalogues"
KINDS = {
    "book": ("title", "author", "year"),
    "album": ("title", "artist", "year"),
    "film": ("title", "director", "year"),
}
NAMES = ("Ada", "Bruno", "Chen", "Dana", "Emil", "Farah", "Goran", "Hana")
WORDS = ("River", "Stone", "Night", "Glass", "Garden", "Storm", "Echo", "North")
ROOTS = ("catalog", "library", "collection", "shelf", "archive", "store")
CATS = ("fiction", "travel", "cooking", "history", "jazz", "drama")


def _doc(rng: random.Random, kind: str) -> tuple[str, list[dict[str, str]], str]:
    fields = KINDS[kind]
    items = []
    for _ in range(rng.randint(3, 5)):
        items.append(
            {
                "category": rng.choice(CATS),
                "lang": rng.choice(("en", "fr", "de")),
                fields[0]: f"{rng.choice(WORDS)} {rng.choice(WORDS)}",
                fields[1]: rng.choice(NAMES),
                fields[2]: str(rng.randint(1950, 2023)),
            }
        )
    root = rng.choice(ROOTS)
    parts = [f"<{root}>"]
    for it in items:
        inner = "".join(f"<{f}>{it[f]}</{f}>" for f in fields)
        parts.append(
            f"<{kind} category={quoteattr(it['category'])} lang={quoteattr(it['lang'])}>{inner}</{kind}>"
        )
    parts.append(f"</{root}>")
    return "".join(parts), items, root


def _form(rng: random.Random) -> tuple[str, str, str]:
    kind = rng.choice(list(KINDS))
    doc, items, root = _doc(rng, kind)
    f0, f1, f2 = KINDS[kind]
    it = rng.choice(items)
    form = rng.randrange(8)
    if form == 0:
        return (
            pick(
                rng,
                ("Select the {f} of every {k}.", "Get all {k} {f}s.", "Which {f}s do the {k}s have?"),
                f=f0,
                k=kind,
            ),
            f"/{root}/{kind}/{f0}",
            doc,
        )
    if form == 1:
        q = pick(
            rng,
            (
                "Select the {f} of {k}s in the {c} category.",
                "Get the {f}s of the {c} {k}s.",
                "Find {k} {f}s whose category attribute is {c}.",
            ),
            f=f0,
            k=kind,
            c=it["category"],
        )
        return q, f"/{root}/{kind}[@category='{it['category']}']/{f0}", doc
    if form == 2:
        q = pick(
            rng,
            (
                "Select the {k}s by {a}.",
                "Which {k} elements have {a} as {r}?",
                "Find every {k} whose {r} is {a}.",
            ),
            k=kind,
            a=it[f1],
            r=f1,
        )
        return q, f"//{kind}[{f1}='{it[f1]}']", doc
    if form == 3:
        n = rng.randint(1, len(items))
        q = pick(
            rng,
            (
                "Select the {f} of {k} number {n}.",
                "Get the {f} of the {n}th {k}.",
                "What is the {f} of {k} {n} in document order?",
            ),
            f=f2,
            k=kind,
            n=n,
        )
        return q, f"/{root}/{kind}[{n}]/{f2}", doc
    if form == 4:
        q = pick(
            rng,
            (
                "Select the lang attribute holders: every {k} written in {l}.",
                "Find {k}s whose lang is {l}.",
                "Get every {k} element with lang='{l}'.",
            ),
            k=kind,
            l=it["lang"],
        )
        return q, f"//{kind}[@lang='{it['lang']}']", doc
    if form == 6:
        q = pick(
            rng,
            (
                "Get the {f} of {k}s in {l} from the {c} category.",
                "Which {c} {k}s are in {l}? Give their {f}.",
                "Select {f} for {k} elements with category {c} and lang {l}.",
            ),
            f=f0,
            k=kind,
            c=it["category"],
            l=it["lang"],
        )
        return q, f"/{root}/{kind}[@category='{it['category']}'][@lang='{it['lang']}']/{f0}", doc
    if form == 7:
        q = pick(
            rng,
            (
                "Select the {f} of the {k} titled {t}.",
                "Get the {f} of the {k} whose title is {t}.",
                "Which {f} belongs to the {k} called {t}?",
            ),
            f=f1,
            k=kind,
            t=it[f0],
        )
        return q, f"//{kind}[{f0}='{it[f0]}']/{f1}", doc
    q = pick(
        rng,
        (
            "Select every {f} element anywhere in the document.",
            "Find all {f} nodes, at any depth.",
            "Get each {f} element wherever it occurs.",
        ),
        f=f1,
    )
    return q, f"//{f1}", doc


def gen_xpath(rng: random.Random, n: int) -> list[Draft]:
    """Catalogue queries (children, attributes, predicates, positions, descendants) as XPath."""
    out = []
    for _ in range(n):
        q, path, doc = _form(rng)
        out.append(phrase(rng, "nl2xpath-catalogue", "xpath", q, LANGS, path, SOURCE, doc))
    return out
