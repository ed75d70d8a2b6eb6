"""Which source files a module runs, and one hash over them.

:func:`closure` is the import closure of ``python -m MODULE``, read from the source with
:mod:`ast` (nothing is imported or executed): the module (and ``__main__.py`` of a package), the
``__init__.py`` of every parent package, and, transitively, every module of the project it imports,
**including imports inside functions** (most imports of the suite are lazy) and
``importlib.import_module``/``__import__`` calls:

- a string literal is an import like any other;
- an f-string ``f"pkg.sub.{name}"`` imports every direct submodule of ``pkg.sub``;
- any other argument imports the project modules the calling file names in string literals
  (``checks._resolve`` accepts only the module names it lists).

Imports inside a package's module-level ``__getattr__`` (PEP 562 lazy exports of the public API)
are not followed: they run only when a user reads that attribute, and project code imports the
modules it needs by name (tests/unit/test_codehash.py checks that no project module goes through
a lazy export). Files a module runs by path instead of importing them are declared in that module
as ``RUNS_FILES = ("harness.py", ...)`` (paths relative to the module's folder) and belong to its
closure too. Only imports of the project's root packages (``[tool.importlinter] root_packages``
in ``pyproject.toml``) are followed; the standard library and third-party packages are not.

:func:`fingerprint` hashes the relative path and bytes of every file of a closure: whatever a
step, a store or the collection runs changes its fingerprint. This module is a leaf: it reads
files and imports nothing of the project.
"""

from __future__ import annotations

import ast
import functools
import hashlib
import importlib.metadata
import tomllib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

#: The folder holding the project's top-level packages (the repository in a checkout).
REPO = Path(__file__).resolve().parents[1]
#: The module-level name that declares files a module runs by path.
RUNS_NAME = "RUNS_FILES"
_IMPORTERS = ("import_module", "__import__")


@dataclass(frozen=True)
class DynamicImport:
    """One ``import_module``/``__import__`` call: where, how its targets were found, and them.

    ``how``: ``literal``, ``prefix`` (every submodule of a package), ``named`` (the project
    modules named by the file's string literals), ``lazy-export`` (inside a package's
    ``__getattr__``: not followed) or ``unresolved`` (no project module: nothing to follow).
    """

    file: str
    line: int
    how: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class _Scan:
    imports: tuple[str, ...]
    runs: tuple[Path, ...]
    dynamic: tuple[DynamicImport, ...]


def root_packages(root: Path = REPO) -> tuple[str, ...]:
    """The project's top-level packages: ``root_packages`` of import-linter in ``root/pyproject.toml``.

    Outside a checkout (an installed wheel): the installed distribution's ``top_level.txt``.
    """
    pyproject = root / "pyproject.toml"
    if pyproject.is_file():
        conf = tomllib.loads(pyproject.read_text(encoding="utf-8"))
        return tuple(conf["tool"]["importlinter"]["root_packages"])
    try:
        top = importlib.metadata.distribution("symbolscope").read_text("top_level.txt") or ""
    except importlib.metadata.PackageNotFoundError:
        top = ""
    if not top.split():
        raise ValueError(
            f"{root}: no pyproject.toml and no installed symbolscope: the project's packages are unknown"
        )
    return tuple(top.split())


def module_file(name: str, root: Path = REPO) -> Path | None:
    """The file of module ``name`` under ``root`` (``a/b.py`` or ``a/b/__init__.py``), or None."""
    base = root.joinpath(*name.split("."))
    for path in (base / "__init__.py", base.with_suffix(".py")):
        if path.is_file():
            return path
    return None


def closure(entry: str, root: Path = REPO, packages: Sequence[str] | None = None) -> list[Path]:
    """Every project source file ``python -m entry`` may run, sorted (absolute paths under ``root``).

    Raises ValueError when ``entry`` is a project module that is not under ``root``; a module of
    no project package has an empty closure.
    """
    packages = tuple(packages) if packages is not None else root_packages(root)
    if entry.split(".")[0] not in packages:
        return []
    first = module_file(entry, root)
    if first is None:
        raise ValueError(f"no module {entry} under {root}")
    todo = [*_with_parents(entry)]
    if first.name == "__init__.py":
        todo.append(f"{entry}.__main__")
    seen_mods: set[str] = set()
    files: set[Path] = set()
    pending_files: list[Path] = []
    while todo or pending_files:
        if pending_files:
            path, module = pending_files.pop(), None
        else:
            module = todo.pop()
            if module in seen_mods:
                continue
            seen_mods.add(module)
            found = module_file(module, root)
            if found is None:
                continue
            path = found
        if path in files:
            continue
        files.add(path)
        scan = _scan(path, module or module_name(path, root), root, packages)
        for name in scan.imports:
            todo.extend(_with_parents(name))
        pending_files.extend(scan.runs)
    return sorted(files)


def fingerprint(
    entry: str, root: Path = REPO, exclude: Iterable[str] = (), packages: Sequence[str] | None = None
) -> str:
    """SHA-256 (hex) over the relative path and bytes of each file of :func:`closure`.

    ``exclude``: modules whose own file is left out of the hash (only code that cannot change
    the result: forgetting one costs a needless rerun, never a stale one); their imports still count.
    """
    skip = {module_file(m, root) for m in exclude}
    return files_digest([p for p in closure(entry, root, packages) if p not in skip], root)


def files_digest(files: Iterable[Path], root: Path = REPO) -> str:
    """SHA-256 (hex) over the relative path and bytes of each of ``files`` (sorted by path)."""
    h = hashlib.sha256()
    for path in sorted(files):
        h.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def dynamic_imports(
    path: Path, root: Path = REPO, packages: Sequence[str] | None = None
) -> list[DynamicImport]:
    """Every ``import_module``/``__import__`` call in file ``path`` and the targets :func:`closure` follows."""
    packages = tuple(packages) if packages is not None else root_packages(root)
    return list(_scan(path, module_name(path, root), root, packages).dynamic)


def module_name(path: Path, root: Path = REPO) -> str:
    """The dotted name of the module in file ``path`` under ``root`` (``a/b/__init__.py`` → ``a.b``)."""
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _with_parents(name: str) -> list[str]:
    parts = name.split(".")
    return [".".join(parts[:i]) for i in range(1, len(parts) + 1)]


def _scan(path: Path, module: str, root: Path, packages: tuple[str, ...]) -> _Scan:
    return _Scanner(path, module, root, packages).run()


@functools.lru_cache(maxsize=4096)
def _parse(source: bytes, filename: str) -> ast.Module:
    """The syntax tree of ``source`` (cached by content: an edited file is parsed again)."""
    return ast.parse(source, filename=filename)


class _Scanner:
    """One file's project imports, files run by path, and dynamic import calls."""

    def __init__(self, path: Path, module: str, root: Path, packages: tuple[str, ...]):
        self.path, self.root, self.packages = path, root, packages
        self.package = module if path.name == "__init__.py" else module.rpartition(".")[0]
        source = path.read_bytes()
        self.tree = _parse(source, str(path))
        self.calls = any(name.encode() in source for name in _IMPORTERS)  # else no dynamic import
        self.imports: list[str] = []
        self.dynamic: list[DynamicImport] = []

    def run(self) -> _Scan:
        lazy = self._lazy_nodes()
        for node in _statements(self.tree.body):  # imports are statements: no need to visit expressions
            if isinstance(node, ast.Import) and node not in lazy:
                self._add(*(a.name for a in node.names))
            elif isinstance(node, ast.ImportFrom) and node not in lazy:
                self._import_from(node)
        for node in ast.walk(self.tree) if self.calls else ():
            if isinstance(node, ast.Call) and _is_importer(node.func) and node.args:
                self._dynamic(node, lazy)
        return _Scan(tuple(sorted(set(self.imports))), self._runs(), tuple(self.dynamic))

    def _own(self, name: str) -> bool:
        return name.split(".")[0] in self.packages

    def _add(self, *names: str) -> None:
        self.imports.extend(n for n in names if self._own(n))

    def _import_from(self, node: ast.ImportFrom) -> None:
        if node.level:
            parts = self.package.split(".")
            base = ".".join(parts[: len(parts) - node.level + 1])
            base = f"{base}.{node.module}" if node.module else base
        else:
            base = node.module or ""
        if not self._own(base):
            return
        self._add(base)
        self._add(*(f"{base}.{a.name}" for a in node.names if module_file(f"{base}.{a.name}", self.root)))

    def _lazy_nodes(self) -> set[ast.AST]:
        """Nodes inside a package's module-level ``__getattr__`` (lazy exports, not followed)."""
        if self.path.name != "__init__.py":
            return set()
        found: set[ast.AST] = set()
        for stmt in self.tree.body:
            if isinstance(stmt, ast.FunctionDef) and stmt.name == "__getattr__":
                found.update(ast.walk(stmt))
        return found

    def _dynamic(self, call: ast.Call, lazy: set[ast.AST]) -> None:
        arg = call.args[0]
        targets: list[str] = []
        if call in lazy:
            how = "lazy-export"
        elif isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            how, targets = "literal", [arg.value]
        elif isinstance(arg, ast.JoinedStr) and _prefix(arg).endswith("."):
            how, targets = "prefix", self._children(_prefix(arg)[:-1])
        else:
            targets = [s for s in self._strings() if self._own(s) and module_file(s, self.root)]
            how = "named" if targets else "unresolved"
        targets = [t for t in targets if self._own(t)]
        if how != "lazy-export":
            self._add(*targets)
        rel = self.path.relative_to(self.root).as_posix()
        self.dynamic.append(DynamicImport(rel, call.lineno, how, tuple(sorted(targets))))

    def _children(self, package: str) -> list[str]:
        folder = self.root.joinpath(*package.split("."))
        mods = [p.stem for p in folder.glob("*.py") if p.name != "__init__.py"]
        mods += [p.parent.name for p in folder.glob("*/__init__.py")]
        return [f"{package}.{m}" for m in sorted(mods)]

    def _strings(self) -> list[str]:
        return sorted(
            {n.value for n in ast.walk(self.tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)}
        )

    def _runs(self) -> tuple[Path, ...]:
        for stmt in self.tree.body:
            targets = (
                stmt.targets
                if isinstance(stmt, ast.Assign)
                else [stmt.target]
                if isinstance(stmt, ast.AnnAssign)
                else []
            )
            if any(isinstance(t, ast.Name) and t.id == RUNS_NAME for t in targets) and stmt.value is not None:
                files = tuple(self.path.with_name(n) for n in ast.literal_eval(stmt.value))
                missing = [f.name for f in files if not f.is_file()]
                if missing:
                    raise ValueError(
                        f"{self.path}: {RUNS_NAME} names {', '.join(missing)}, not in its folder"
                    )
                return files
        return ()


def _statements(body: list[ast.stmt]) -> Iterator[ast.stmt]:
    """Every statement in ``body`` and, recursively, in the blocks of its compound statements."""
    for stmt in body:
        yield stmt
        for block in ("body", "orelse", "finalbody"):
            yield from _statements(getattr(stmt, block, None) or [])
        for part in [*getattr(stmt, "handlers", ()), *getattr(stmt, "cases", ())]:
            yield from _statements(part.body)


def _is_importer(func: ast.expr) -> bool:
    return (isinstance(func, ast.Attribute) and func.attr in _IMPORTERS) or (
        isinstance(func, ast.Name) and func.id in _IMPORTERS
    )


def _prefix(arg: ast.JoinedStr) -> str:
    first = arg.values[0] if arg.values else None
    return first.value if isinstance(first, ast.Constant) and isinstance(first.value, str) else ""
