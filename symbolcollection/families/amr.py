"""Abstract Meaning Representation graphs in PENMAN notation, parsed by penman."""

from __future__ import annotations

from symbolcollection import depth, lexing
from symbolcollection.checkers.logic import check_amr
from symbolcollection.family import Family, Rule, Task
from symbolcollection.tasks import amr
from symbolcollection.tasks.base import GEN

_CLASSES: dict[str, lexing.SymbolClass] = {
    "LPAREN": "punctuation",
    "RPAREN": "punctuation",
    "SLASH": "punctuation",
    "ROLE": "keyword",
}


def lex_amr(text: str) -> list[lexing.Symbol]:
    """AMR symbols by ``penman``'s lexer: roles (``:ARG0``) keywords, variables and concepts
    identifiers, other atoms (numbers, strings, ``-`` polarity, ``imperative``) literals, ``(``
    ``)`` ``/`` punctuation; ``#`` comments are trivia."""
    from penman._lexer import lex  # penman's own tokenizer (the one penman.decode reads with)

    lines = lexing.offsets(text)
    tokens = [t for t in lex(text) if t.type != "COMMENT"]
    variables = {tokens[i - 1].text for i, t in enumerate(tokens) if t.type == "SLASH" and i}
    out = []
    for i, tok in enumerate(tokens):
        start = lines[tok.lineno - 1] + tok.offset
        if tok.type == "UNEXPECTED" or text[start : start + len(tok.text)] != tok.text:
            raise lexing.LexError(f"amr: unexpected {tok.text!r} at offset {start}")
        cls = _CLASSES.get(tok.type, "literal")
        if tok.type == "SYMBOL" and (tok.text in variables or (i and tokens[i - 1].type == "SLASH")):
            cls = "identifier"
        out.append(lexing.Symbol(tok.text, cls, start, start + len(tok.text)))
    return lexing.assemble(text, out, skip=r"\s+|#[^\n]*")


FAMILY = Family(
    name="amr",
    languages=amr.LANGS,
    tasks=(Task("nl2amr-sentences", "PropBank-frame sentence templates", GEN, amr.gen_amr, 300),),
    check=check_amr,
    depth=depth.amr_depth,
    infer=(Rule(50, r"^\s*\(\s*[a-z]\d*\s+/\s+[a-z][\w-]*(\s|\))"),),
    packages=("penman",),
    lex=lex_amr,
)
