"""Bash commands: parsed with bashlex, never executed.

NL→Bash: the 300 NL2Bash pairs shipped in the ``icalfa`` wheel (MIT; data source ``nl2bash``:
its data files are cached by ``make install``, the package is never installed), plus generated
file-system commands."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from symbolcollection import lexing
from symbolcollection.depth import tree_depth
from symbolcollection.family import CheckFailed, Family, Rule, Task
from symbolcollection.schema import Sample
from symbolcollection.tasks.base import GEN, Draft, phrase, pick
from symbolscope.sources import available, member_path

LANGS = ("a Bash command", "a shell command", "Bash", "a one-line shell command")
ICALFA_GLOB = "nl2bash_fs_*.json"


def icalfa_files() -> list[Path]:
    """The NL2Bash JSON files of the cached ``icalfa`` wheel, sorted."""
    return sorted(member_path("nl2bash").glob(ICALFA_GLOB))


def gen_nl2bash(rng: random.Random, n: int) -> list[Draft]:
    """Every NL2Bash pair from ``icalfa`` (``n`` ignored); the output is the ``gold`` command."""
    out = []
    for path in icalfa_files():
        for i, row in enumerate(json.loads(path.read_text(encoding="utf-8"))):
            q = " ".join(str(row["query"]).split())
            out.append(
                phrase(
                    rng,
                    "nl2bash-icalfa",
                    "bash",
                    q,
                    LANGS,
                    str(row["gold"]).strip(),
                    f"icalfa:{path.name}#{i}",
                )
            )
    return out


DIRS = ("/var/log", "/tmp", "/home/user/docs", "/srv/data", "/etc", "/opt/app", "~/projects", "./build")
EXTS = ("txt", "log", "py", "csv", "json", "md", "conf", "sh")
WORDS = ("error", "TODO", "warning", "timeout", "main", "config", "user")


def _form(rng: random.Random) -> tuple[str, str]:
    d, e, w = rng.choice(DIRS), rng.choice(EXTS), rng.choice(WORDS)
    k = rng.randint(2, 30)
    form = rng.randrange(10)
    if form == 0:
        return pick(
            rng, ("find all .{e} files under {d}", "list every file ending in .{e} below {d}"), e=e, d=d
        ), f"find {d} -type f -name '*.{e}'"
    if form == 1:
        return pick(
            rng,
            ("count the lines containing '{w}' in {d}/app.{e}", "how many lines of {d}/app.{e} mention {w}"),
            w=w,
            d=d,
            e=e,
        ), f"grep -c '{w}' {d}/app.{e}"
    if form == 2:
        return pick(
            rng,
            ("show the last {k} lines of {d}/app.{e}", "print the final {k} lines of {d}/app.{e}"),
            k=k,
            d=d,
            e=e,
        ), f"tail -n {k} {d}/app.{e}"
    if form == 3:
        return pick(
            rng,
            (
                "delete .{e} files in {d} older than {k} days",
                "remove {d} .{e} files not modified for {k} days",
            ),
            e=e,
            d=d,
            k=k,
        ), f"find {d} -name '*.{e}' -mtime +{k} -delete"
    if form == 4:
        return pick(
            rng,
            (
                "search {d} recursively for '{w}', case-insensitively",
                "grep every file under {d} for {w}, ignoring case",
            ),
            d=d,
            w=w,
        ), f"grep -ri '{w}' {d}"
    if form == 5:
        return pick(
            rng, ("show the {k} largest files in {d}", "list the top {k} files of {d} by size"), k=k, d=d
        ), f"du -a {d} | sort -rn | head -n {k}"
    if form == 6:
        return pick(
            rng, ("pack {d} into a gzipped tarball named backup.tar.gz", "create backup.tar.gz from {d}"), d=d
        ), f"tar -czf backup.tar.gz {d}"
    if form == 7:
        return pick(
            rng, ("count the .{e} files in {d}", "how many .{e} files does {d} hold"), e=e, d=d
        ), f"find {d} -name '*.{e}' | wc -l"
    if form == 8:
        return pick(
            rng,
            ("make every .sh file in {d} executable", "add execute permission to the shell scripts in {d}"),
            d=d,
        ), f"find {d} -name '*.sh' -exec chmod +x {{}} \\;"
    return pick(
        rng,
        ("list the distinct lines of {d}/app.{e} sorted", "print the unique sorted lines in {d}/app.{e}"),
        d=d,
        e=e,
    ), f"sort -u {d}/app.{e}"


def gen_commands(rng: random.Random, n: int) -> list[Draft]:
    """Generated find/grep/tail/du/tar/chmod/sort commands with varied paths and patterns."""
    out = []
    for _ in range(n):
        q, cmd = _form(rng)
        request = pick(rng, ("{Q}.", "Task: {q}.", "In the shell, {q}."), Q=q[0].upper() + q[1:], q=q)
        out.append(phrase(rng, "nl2bash-filesystem", "bash", request, LANGS, cmd, "generated:bash-commands"))
    return out


def check_bash(sample: Sample) -> None:
    """Parse with ``bashlex`` (the command must parse to at least one node)."""
    import bashlex

    parts = bashlex.parse(sample.output)
    if not parts:
        raise CheckFailed("bash: nothing parsed")


def bash_depth(text: str) -> int:
    """Depth of bashlex's parse tree (the deepest of the command's top-level nodes)."""
    import bashlex

    def children(node: Any) -> list[Any]:
        out: list[Any] = []
        for attr in ("parts", "list", "command"):
            val = getattr(node, attr, None)
            if isinstance(val, list):
                out.extend(val)
            elif val is not None and hasattr(val, "kind"):
                out.append(val)
        return out

    return max(tree_depth(n, children) for n in bashlex.parse(text))


def provenance(samples: Sequence[Sample]) -> dict[str, Any]:
    """The NL2Bash files shipped by icalfa, when the source is installed."""
    if not available("nl2bash"):
        return {}
    return {"files": {f"icalfa/assets/datasets/{p.name}": p for p in icalfa_files()}}


def lex_bash(text: str) -> list[lexing.Symbol]:
    """Shell symbols by ``bashlex``'s tokenizer (a port of bash's own): reserved words and option
    words (``-name``, ``--all``) keywords, command names, assignments and ``$`` words identifiers,
    other words (paths, patterns, quoted strings) and numbers literals, control and redirection
    operators operators, ``(`` ``)`` ``{`` ``}`` punctuation; ``#`` comments are trivia."""
    from bashlex import state, tokenizer

    kinds = tokenizer.tokentype
    out = []
    command = True  # the next word names a command
    for tok in tokenizer.tokenizer(text, state.parserstate()):
        if tok.ttype in (kinds.NEWLINE, kinds.EOF) or tok.lexpos >= tok.endlexpos:
            command = True
            continue
        cls, command = _bash_class(tok, command, kinds)
        out.append(lexing.Symbol(text[tok.lexpos : tok.endlexpos], cls, tok.lexpos, tok.endlexpos))
    return lexing.assemble(text, out, skip=r"\s+|#[^\n]*|\\\n")


def _bash_class(tok: Any, command: bool, kinds: Any) -> tuple[lexing.SymbolClass, bool]:
    """The class of one bashlex token, and whether the next word names a command."""
    value = str(tok.value)
    if tok.ttype == kinds.ASSIGNMENT_WORD:
        return "identifier", command
    if tok.ttype == kinds.WORD:
        if command or value.startswith("$"):
            return "identifier", False
        return ("keyword" if re.fullmatch(r"--?[^-\s]\S*", value) else "literal"), False
    if tok.ttype == kinds.NUMBER:
        return "literal", False
    if value in ("(", ")", "{", "}"):
        return "punctuation", True
    if value.isalpha() or value == "!":  # reserved words: if then for in do done ... and !
        return "keyword", value not in ("in", "esac")
    return "operator", value in ("|", "||", "&&", ";", "&", "|&", ";;")


FAMILY = Family(
    name="bash",
    languages=LANGS,
    tasks=(
        Task(
            "nl2bash-icalfa",
            "NL2Bash pairs shipped by icalfa",
            "MIT (icalfa)",
            gen_nl2bash,
            300,
            needs="nl2bash",
        ),
        Task("nl2bash-filesystem", "command templates", GEN, gen_commands, 120),
    ),
    check=check_bash,
    no_execution="parsed with bashlex, never executed: exact match only",
    depth=bash_depth,
    one_line=True,
    infer=(Rule(40, r"(?i)\b(bash|shell|command line|terminal)\b", "instruction"),),
    provenance=provenance,
    packages=("bashlex",),
    lex=lex_bash,
    concepts={  # POSIX.1-2017 Shell and Utilities (XCU); GNU manuals for what POSIX does not define
        "conjunction": ("&&",),  # XCU 2.9.3 Lists: "&&" denotes an AND list
        "disjunction": ("||",),  # XCU 2.9.3 Lists: "||" denotes an OR list
        "negation": ("-not",),  # GNU findutils manual, "Combining Primaries With Operators": -not expr
        "range": ("seq",),  # GNU coreutils manual "seq": print numbers from FIRST to LAST
        "aggregation": ("wc",),  # XCU wc: word, line, and byte or character count
        "ordering": ("sort",),  # XCU sort: sort, merge, or sequence check text files
        "limit": ("head",),  # XCU head: copy the first part of files
        "filtering": ("grep",),  # XCU grep: search a file for a pattern (writes the lines that match)
        "projection": ("cut",),  # XCU cut: cut out selected fields of each line of a file
    },
)
