"""NL→Bash: the 300 NL2Bash pairs shipped in the ``icalfa`` wheel (MIT; data source ``nl2bash``:
its data files are cached by ``make install``, the package is never installed), plus generated
file-system commands."""

from __future__ import annotations

import json
import random
from pathlib import Path

from symbolcollection.tasks.base import Draft, phrase, pick
from symbolscope.sources import member_path

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
