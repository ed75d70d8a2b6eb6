"""MkDocs hooks: pages that are generated from the code, so the docs cannot drift from it.

Three directives, each alone on a line of a page:

``::: api NAME``
    The signature and docstring of a public name (``analysis``, ``probes.run``, ...), imported as
    a user would; a module or package with ``__all__`` expands to each of its names, a dataclass
    also lists its fields with type, default and ``help`` metadata.
``::: cli MODULE [SUBCOMMAND]``
    The ``--help`` text of ``python -m MODULE [SUBCOMMAND]``, run with this interpreter.
``::: include PATH``
    A Markdown file of the repository outside ``docs/`` (the data card), its first heading dropped.
``::: families MODULE``
    The table of every symbol family of the registry ``MODULE`` (its ``families()``, in order):
    tasks, execution match, exact-match rule, parse-tree depth, delegation tasks.
``::: snippet PATH HEADING``
    The first fenced code block under the heading ``HEADING`` of a repository file: the README's
    public-API snippet, which the tests execute, shown once and written once.

A name that does not import, a CLI that exits non-zero or a missing file is a warning, which
``mkdocs build --strict`` (``make lint``) turns into a failed build.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import logging
import os
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
DIRECTIVE = re.compile(r"^::: (api|cli|include|snippet|families) (.+?)\s*$", re.M)
log = logging.getLogger("mkdocs.hooks.symbolscope")


def _import(name: str) -> Any:
    """The object a dotted public name denotes, as a user reaches it: ``pkg.attr`` prefers the
    package's attribute (``figures.probes`` is the figure function) over a submodule of that name.
    """
    first, *rest = name.split(".")
    obj = importlib.import_module(first)
    path = first
    for attr in rest:
        path = f"{path}.{attr}"
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            obj = importlib.import_module(path)
    return obj


def _annotation(value: Any) -> str:
    return value if isinstance(value, str) else inspect.formatannotation(value)


def _signature(obj: Any) -> str:
    """``(a: int, *, b: str = 'x') -> T`` with annotations as written (one parameter a line if long)."""
    try:
        sig = inspect.signature(obj)
    except (TypeError, ValueError):
        return ""
    params, star = [], False
    for p in sig.parameters.values():
        if p.kind is p.KEYWORD_ONLY and not star:
            params.append("*")
        star = star or p.kind in (p.KEYWORD_ONLY, p.VAR_POSITIONAL)
        text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if p.annotation is not p.empty:
            text += f": {_annotation(p.annotation)}"
        if p.default is not p.empty:
            text += f" = {p.default!r}" if p.annotation is not p.empty else f"={p.default!r}"
        params.append(text)
    ret = "" if sig.return_annotation is sig.empty else f" -> {_annotation(sig.return_annotation)}"
    one_line = f"({', '.join(params)}){ret}"
    if len(one_line) <= 90:
        return one_line
    return "(\n" + "".join(f"    {p},\n" for p in params) + f"){ret}"


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def _fields(cls: type) -> str:
    """A table of a dataclass's fields: name, type, default and the ``help`` of its metadata."""
    fields = dataclasses.fields(cls)
    helps = any(f.metadata.get("help") for f in fields)
    rows = [
        "| field | type | default |" + (" meaning |" if helps else ""),
        "|---|---|---|" + ("---|" if helps else ""),
    ]
    for f in fields:
        if f.default is not dataclasses.MISSING:
            default = f"`{f.default!r}`"
        elif f.default_factory is not dataclasses.MISSING:
            default = f"`{f.default_factory()!r}`"
        else:
            default = "required"
        meaning = f" {_cell(str(f.metadata.get('help', '')))} |" if helps else ""
        rows.append(f"| `{f.name}` | `{_cell(_annotation(f.type))}` | {_cell(default)} |{meaning}")
    return "\n".join(rows)


def _methods(cls: type) -> list[tuple[str, Any]]:
    return [
        (name, member)
        for name, member in vars(cls).items()
        if not name.startswith("_") and (inspect.isfunction(member) or isinstance(member, property))
    ]


def _doc(obj: Any) -> str:
    text = inspect.getdoc(obj) or ""
    return f"```text\n{text}\n```\n" if text else ""


def render_api(name: str, level: int = 2) -> str:
    """Markdown for a public name: a heading of ``level``, its signature and docstring.

    A module or package with ``__all__`` is its docstring, then each of its names one heading
    level down (a study package met as a member, ``analysis.uniformity``, the same way, up to
    level 5); at ``level`` 2 (the directive itself, under the page's own heading) it has no
    heading. A module without ``__all__`` is the function it is named after, if it has one.
    """
    obj = _import(name)
    heading = f"{'#' * max(level, 3)} `{name}`\n"  # level 2 = under the page's own heading
    if inspect.ismodule(obj) and hasattr(obj, "__all__") and level < 5:
        members = [render_api(f"{name}.{m}", level + 1) for m in obj.__all__]
        return "\n".join([*([heading] if level > 2 else []), _doc(obj), *members])
    if inspect.ismodule(obj):
        obj = getattr(obj, name.rsplit(".", 1)[-1], obj)
    if not (callable(obj) or inspect.ismodule(obj)):
        value = repr(obj)
        if len(value) > 120 or " at 0x" in value:  # a table of functions: its type and size only
            size = f" of {len(obj)} entries" if hasattr(obj, "__len__") else ""
            value = f"...  # a {type(obj).__name__}{size}"
        return f"{heading}\n```python\n{name} = {value}\n```\n"
    kind = "class" if inspect.isclass(obj) else "module" if inspect.ismodule(obj) else "def"
    lines = [heading, f"```python\n{kind} {name}{_signature(obj)}\n```\n", _doc(obj)]
    if inspect.isclass(obj) and dataclasses.is_dataclass(obj):
        lines.append(_fields(obj) + "\n")
    if inspect.isclass(obj):
        for meth, member in _methods(obj):
            target = member.fget if isinstance(member, property) else member
            sig = "" if isinstance(member, property) else _signature(target)
            lines.append(f"**`{meth}{sig}`**" + (" (property)" if not sig else "") + "\n")
            lines.append(_doc(target))
    return "\n".join(lines)


def render_cli(args: str) -> str:
    """The ``--help`` of ``python -m MODULE [SUB]`` in a code block, or raises with its stderr."""
    env = {**os.environ, "COLUMNS": "100", "PYTHONPATH": str(REPO)}
    cmd = [sys.executable, "-m", *args.split(), "--help"]
    res = subprocess.run(cmd, cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
    if res.returncode != 0:
        raise RuntimeError(f"`python -m {args} --help` exited {res.returncode}: {res.stderr[-500:]}")
    return f"```text\n$ python -m {args} --help\n{res.stdout.rstrip()}\n```\n"


def render_include(path: str) -> str:
    """A repository file's Markdown, without its first-level heading (the page has its own)."""
    text = (REPO / path).read_text(encoding="utf-8")
    return re.sub(r"\A# [^\n]*\n", "", text, count=1)


def render_snippet(arg: str) -> str:
    """The first fenced code block after the heading ``HEADING`` in file ``PATH`` (``"PATH HEADING"``)."""
    path, heading = arg.split(" ", 1)
    text = (REPO / path).read_text(encoding="utf-8")
    section = re.split(rf"^#+ {re.escape(heading)}\s*$", text, maxsplit=1, flags=re.M)
    if len(section) < 2:
        raise LookupError(f"{path} has no heading {heading!r}")
    block = re.search(r"^```\w*\n.*?^```$", section[1], re.S | re.M)
    if not block:
        raise LookupError(f"{path}: no code block under {heading!r}")
    return block.group(0) + "\n"


def render_families(module: str) -> str:
    """A table of the registry's families, each row from the family object itself."""
    rows = [
        "| family | tasks | execution match | exact match after | parse-tree depth | delegation |",
        "|---|---|---|---|---|---|",
    ]
    for f in importlib.import_module(module).families():
        tasks = ", ".join(f"`{t.name}`" for t in f.tasks)
        execution = f.execution.rule if f.execution else f.no_execution
        depth = "its parser's tree" if f.depth else f.no_depth
        delegation = ", ".join(f"`{d}`" for d in f.delegate) or "–"
        cells = [f"`{f.name}`", tasks, execution, f.exact_rule, depth, delegation]
        rows.append("| " + " | ".join(_cell(c) for c in cells) + " |")
    return "\n".join(rows) + "\n"


RENDER = {
    "api": render_api,
    "cli": render_cli,
    "include": render_include,
    "snippet": render_snippet,
    "families": render_families,
}


def _expand(kind: str, arg: str, page: str) -> str:
    try:
        return RENDER[kind](arg)
    except Exception as exc:  # every failure is one warning: --strict fails the build on it
        log.warning("%s: '::: %s %s' failed: %s: %s", page, kind, arg, type(exc).__name__, exc)
        return f"*(`{kind} {arg}` could not be generated)*\n"


def expand(markdown: str, page: str = "?") -> str:
    """``markdown`` with every directive replaced by its generated text (CLIs run in parallel)."""
    found = list(dict.fromkeys(DIRECTIVE.findall(markdown)))
    clis = [d for d in found if d[0] == "cli"]  # subprocesses in parallel; imports in this thread
    with ThreadPoolExecutor(max_workers=4) as pool:
        done = dict(zip(clis, pool.map(lambda d: _expand(*d, page), clis), strict=True))
    done |= {d: _expand(*d, page) for d in found if d[0] != "cli"}
    return DIRECTIVE.sub(lambda m: done[(m.group(1), m.group(2))], markdown)


def on_page_markdown(markdown: str, page: Any, **_: Any) -> str:
    if "::: " not in markdown:
        return markdown
    if str(REPO) not in sys.path:
        sys.path.insert(0, str(REPO))
    return expand(markdown, page.file.src_uri)
