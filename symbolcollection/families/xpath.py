"""XPath location paths over generated XML catalogues (ElementPath).

The request's input is a small generated XML catalogue; the gold path must select at least one
element of it with ElementTree's XPath engine, and execution match compares the elements a
prediction selects with the gold's (judged in the checker worker).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import quoteattr

from symbolcollection import lexing, normalise
from symbolcollection.family import CheckFailed, Execution, Family, Outcome, Rule, Task
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import GEN, Draft, phrase, pick

# --- tasks ---------------------------------------------------------------------------------------

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
    q, path = _later_form(rng, form, kind, root, it)
    return q, path, doc


def _later_form(rng: random.Random, form: int, kind: str, root: str, it: dict[str, str]) -> tuple[str, str]:
    """Forms 4 to 7 of :func:`_form` (attributes, two predicates, another field, descendants)."""
    f0, f1, _ = KINDS[kind]
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
        return q, f"//{kind}[@lang='{it['lang']}']"
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
        return q, f"/{root}/{kind}[@category='{it['category']}'][@lang='{it['lang']}']/{f0}"
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
        return q, f"//{kind}[{f0}='{it[f0]}']/{f1}"
    q = pick(
        rng,
        (
            "Select every {f} element anywhere in the document.",
            "Find all {f} nodes, at any depth.",
            "Get each {f} element wherever it occurs.",
        ),
        f=f1,
    )
    return q, f"//{f1}"


def gen_xpath(rng: random.Random, n: int) -> list[Draft]:
    """Catalogue queries (children, attributes, predicates, positions, descendants) as XPath."""
    out = []
    for _ in range(n):
        q, path, doc = _form(rng)
        out.append(phrase(rng, "nl2xpath-catalogue", "xpath", q, LANGS, path, SOURCE, doc))
    return out


# --- checker -------------------------------------------------------------------------------------


def xpath_select(xml_text: str, path: str) -> list[Any]:
    """Evaluate ``path`` with ElementTree's XPath subset on ``xml_text`` (absolute paths start at
    the document root)."""
    import xml.etree.ElementTree as ET

    root = ET.fromstring(xml_text)
    doc = ET.Element("document")
    doc.append(root)
    rel = path if path.startswith(".") else "." + path
    return doc.findall(rel)


def check_xpath(sample: Sample) -> None:
    """Compile with ``xml.etree.ElementPath``; when ``input`` holds an XML document, evaluate on
    it and require a non-empty selection."""
    import xml.etree.ElementTree as ET

    path = sample.output.strip()
    doc = sample.input.strip()
    if doc.startswith("<"):
        try:
            found = xpath_select(doc, path)
        except ET.ParseError as err:
            raise CheckFailed(f"xpath: the input document is not XML ({err})") from None
        if not found:
            raise CheckFailed("xpath: selects nothing in the given document")
    else:
        xpath_select("<root/>", path)


# --- execution match (judged in the checker worker) ----------------------------------------------


def xpath_judge(sample: Sample, text: str, pred: Sequence[Outcome], gold: Sequence[Outcome]) -> bool:
    """The same elements selected in the sample's XML document (in document order)."""
    import xml.etree.ElementTree as ET

    try:
        a = [ET.tostring(e) for e in xpath_select(sample.input, text.strip())]
        b = [ET.tostring(e) for e in xpath_select(sample.input, sample.output.strip())]
    except (SyntaxError, ET.ParseError, KeyError, TypeError, ValueError):
        return False
    return bool(b) and a == b


# --- symbols -------------------------------------------------------------------------------------

_NAME = r"[A-Za-z_][\w.\-]*(?::[A-Za-z_][\w.\-]*)?"
#: XPath 1.0's lexical structure (§3.7): a name before ``::`` is an axis, before ``(`` a node test
#: or function
_LEXER = lexing.RegexLexer(
    (
        lexing.Pattern("keyword", rf"{_NAME}(?=\s*(?:::|\())"),
        lexing.Pattern("keyword", lexing.words("and", "or", "div", "mod")),
        lexing.Pattern("identifier", rf"\$?{_NAME}"),  # element, attribute, $variable
        lexing.Pattern("literal", r"'[^']*'|\"[^\"]*\""),
        lexing.Pattern("literal", r"\d+(?:\.\d*)?|\.\d+"),
        lexing.Pattern("operator", r"//|/|\||!=|<=|>=|[=<>+\-*]"),
        lexing.Pattern("punctuation", r"::|\.\.|[\[\]().,@]"),
    ),
)


def lex_xpath(text: str) -> list[lexing.Symbol]:
    """XPath symbols: axis names, node tests, function names and ``and`` ``or`` ``div`` ``mod``
    keywords, element and attribute names and variables identifiers, strings and numbers literals,
    ``/`` ``//`` ``|``, comparisons and arithmetic operators, ``[`` ``]`` ``(`` ``)`` ``@`` ``.``
    ``..`` ``::`` ``,`` punctuation."""
    return _LEXER(text)


FAMILY = Family(
    name="xpath",
    languages=LANGS,
    tasks=(Task("nl2xpath-catalogue", "generated XML catalogues", GEN, gen_xpath, 300),),
    check=check_xpath,
    exact=normalise.no_space,
    exact_rule="all whitespace removed",
    execution=Execution("selects the same elements of the sample's XML", xpath_judge),
    no_depth="a location path is a flat sequence of steps (predicates barely nest)",
    one_line=True,
    infer=(Rule(110, r"^\s*/{1,2}[A-Za-z*@]"),),
    lex=lex_xpath,
    concepts={  # W3C XML Path Language (XPath) 1.0 (Recommendation, 1999); ElementTree's subset
        "equality": ("=",),  # §3.4 Booleans: EqualityExpr, =
        "filtering": ("[",),  # §2.4 Predicates: "A predicate filters a node-set" ([ opens it; ] unmapped)
    },
)
